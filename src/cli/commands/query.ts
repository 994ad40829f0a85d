// `impactd query`: run a named query of the pack, or any SQL, against the
// configured sink (embedded chdb or a ClickHouse server) and print the rows.
import { parseArgs } from "node:util";
import { InvalidArgumentError } from "../../errors.js";
import { openSink, QUERY_PACK, runPackQuery, type Sink } from "../../sinks/index.js";
import type { Command } from "../command.js";
import { formatCsv, formatJson, formatTable } from "../format.js";
import { SINK_FLAGS, SINK_HELP, type SinkFlagValues, sinkFromFlags } from "../sink-args.js";

/** QUERY_FORMATS are the output formats `--format` accepts. */
export const QUERY_FORMATS = ["table", "json", "csv"] as const;

const HELP = `Usage: impactd query NAME [--param KEY=VALUE]... [options]
       impactd query "SQL" [options]
       impactd query --list

Runs a named query of the query pack (see docs/QUERIES.md, or --list) with
its parameters bound safely, or one SQL statement, and prints the rows. On the
embedded ClickHouse the schema is created or migrated first, so this works on
a fresh directory; only one process can hold a data directory (stop
\`impactd serve\` first, or query the server it writes to).

Tables and views: events, incidents, incident_events, service_health,
journey_impact, predictions, notifications, rejected_events, eval_reports,
bench_results (docs/SCHEMA.md).

Options:
  --list                   list the named queries and their parameters
  --param KEY=VALUE        a parameter of a named query (repeatable)
  --format table|json|csv  output format (default table)
  -h, --help               show this help

${SINK_HELP}

Examples:
  impactd query --list
  impactd query open_incidents_by_impact --param limit=5
  impactd query incident_timeline --param incident=inc-lx3k2a-payments-db
  impactd query mtta_mttr_by_team --param days=90 --format csv
  impactd query "SELECT code, count() AS n FROM rejected_events GROUP BY code ORDER BY n DESC"`;

/** QueryArgs are the parsed arguments of `impactd query`. */
export interface QueryArgs {
  /** A pack query name, or SQL; empty with --list. */
  readonly query: string;
  /** Whether `query` names a pack query. */
  readonly named: boolean;
  /** Parameters of a named query. */
  readonly params: Readonly<Record<string, string>>;
  readonly list: boolean;
  readonly format: (typeof QUERY_FORMATS)[number];
  readonly sink: SinkFlagValues;
}

/** parseQueryArgs parses `impactd query` arguments; throws InvalidArgumentError on bad ones. */
export function parseQueryArgs(argv: readonly string[]): QueryArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message, { cause: err });
  }
  const { values, positionals } = parsed;
  // Unquoted SQL arrives as several words; join them back.
  const query = positionals.join(" ").trim();
  const list = values.list === true;
  if (query === "" && !list) {
    throw new InvalidArgumentError(
      'missing query: impactd query NAME, impactd query "SELECT ...", or impactd query --list',
    );
  }
  const format = values.format ?? "table";
  if (!(QUERY_FORMATS as readonly string[]).includes(format)) {
    throw new InvalidArgumentError(
      `--format must be one of ${QUERY_FORMATS.join(", ")}, got "${format}"`,
    );
  }
  const named = QUERY_PACK.some((q) => q.name === query);
  if (!named && /^[a-z][a-z0-9_]*$/.test(query)) {
    throw new InvalidArgumentError(
      `no query named ${JSON.stringify(query)}; see impactd query --list (or write SQL in quotes)`,
    );
  }
  const params: Record<string, string> = {};
  for (const p of values.param ?? []) {
    const eq = p.indexOf("=");
    if (eq <= 0) throw new InvalidArgumentError(`--param ${p}: expected KEY=VALUE`);
    params[p.slice(0, eq)] = p.slice(eq + 1);
  }
  if (!named && Object.keys(params).length > 0) {
    throw new InvalidArgumentError("--param applies to named queries only (see --list)");
  }
  return { query, named, params, list, format: format as QueryArgs["format"], sink: values };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      ...SINK_FLAGS,
      format: { type: "string" },
      param: { type: "string", multiple: true },
      list: { type: "boolean" },
    },
  });
}

/** listing renders the query pack for --list. */
export function listing(): string {
  const lines: string[] = [];
  for (const q of QUERY_PACK) {
    lines.push(`${q.name}\n  ${q.summary}`);
    for (const p of q.params) {
      const def = p.default === undefined ? "required" : `default ${JSON.stringify(p.default)}`;
      lines.push(`    --param ${p.name}=${p.type}  ${p.doc} (${def})`);
    }
  }
  return lines.join("\n");
}

/** queryCommand runs a named query or SQL against the sink and prints a table, JSON or CSV. */
export const queryCommand: Command = {
  name: "query",
  summary: "run a named query (--list) or SQL against the sink and print the result",
  help: HELP,
  async run(argv) {
    const args = parseQueryArgs(argv);
    if (args.list) {
      console.log(listing());
      return 0;
    }
    const { options } = sinkFromFlags(args.sink);
    // The embedded database is migrated on open, so a fresh directory works;
    // a server is queried as it is (migrations are `impactd migrate`'s job).
    const sink: Sink = await openSink({ ...options, migrate: options.kind === "chdb" });
    try {
      const rows = args.named
        ? await runPackQuery(sink.conn, args.query, args.params)
        : await sink.conn.query(args.query);
      const render =
        args.format === "json" ? formatJson : args.format === "csv" ? formatCsv : formatTable;
      console.log(render(rows));
    } finally {
      await sink.close();
    }
    return 0;
  },
};
