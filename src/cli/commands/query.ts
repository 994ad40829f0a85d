// `impactd query`: run SQL against the embedded ClickHouse and print the rows.
import { parseArgs } from "node:util";
import { InvalidArgumentError } from "../../errors.js";
import { DEFAULT_DATA_DIR, openSink } from "../../sinks/index.js";
import type { Command } from "../command.js";
import { formatJson, formatTable } from "../format.js";

/** QUERY_FORMATS are the output formats `--format` accepts. */
export const QUERY_FORMATS = ["table", "json"] as const;

const HELP = `Usage: impactd query "SQL" [--data-dir DIR] [--format table|json]

Runs one SQL statement against the embedded ClickHouse (chdb) in the data
directory and prints the result. The schema is created or migrated first, so
this works on a fresh directory. Only one process can hold a data directory:
stop \`impactd serve\` first, or query the server it writes to.

Tables: events, incident_versions, incidents (latest version of each
incident), rejected_events, schema_migrations.

Options:
  --data-dir DIR        embedded ClickHouse directory
                        (default $IMPACTD_DATA_DIR or ${DEFAULT_DATA_DIR})
  --format table|json   output format (default table)
  -h, --help            show this help

Examples:
  impactd query "SELECT count() FROM incidents"
  impactd query "SELECT incident_id, status, root_cause, customers_affected_per_min
                 FROM incidents WHERE status != 'resolved'
                 ORDER BY customers_affected_per_min DESC LIMIT 10"
  impactd query "SELECT code, count() AS n FROM rejected_events GROUP BY code ORDER BY n DESC"
  impactd query --format json "SELECT * FROM events ORDER BY ts DESC LIMIT 5"`;

/** queryCommand runs SQL against the embedded sink and prints a table or JSON. */
export const queryCommand: Command = {
  name: "query",
  summary: "run SQL against the embedded ClickHouse and print the result",
  help: HELP,
  async run(argv) {
    const { sql, dataDir, format } = parseQueryArgs(argv);
    // Opening the sink migrates the schema, so the tables exist even in a
    // fresh directory.
    const sink = await openSink({ kind: "chdb", dataDir });
    try {
      const rows = await sink.conn.query(sql);
      console.log(format === "json" ? formatJson(rows) : formatTable(rows));
    } finally {
      await sink.close();
    }
    return 0;
  },
};

/** QueryArgs are the parsed arguments of `impactd query`. */
export interface QueryArgs {
  /** The SQL to run. */
  readonly sql: string;
  /** Data directory of the embedded database. */
  readonly dataDir: string;
  /** Output format. */
  readonly format: (typeof QUERY_FORMATS)[number];
}

/** parseQueryArgs parses `impactd query` arguments; throws InvalidArgumentError on bad ones. */
export function parseQueryArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): QueryArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message, { cause: err });
  }
  const { values, positionals } = parsed;
  // Unquoted SQL arrives as several words; join them back.
  const sql = positionals.join(" ").trim();
  if (sql === "") throw new InvalidArgumentError('missing SQL: impactd query "SELECT ..."');
  const format = values.format ?? "table";
  if (!(QUERY_FORMATS as readonly string[]).includes(format)) {
    throw new InvalidArgumentError(
      `--format must be one of ${QUERY_FORMATS.join(", ")}, got "${format}"`,
    );
  }
  const dataDir = values["data-dir"] ?? env.IMPACTD_DATA_DIR ?? DEFAULT_DATA_DIR;
  return { sql, dataDir, format: format as QueryArgs["format"] };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: true,
    options: {
      "data-dir": { type: "string" },
      format: { type: "string" },
    },
  });
}
