// `impactd migrate`: show and apply the schema migrations the sink's database
// is missing (serve and demo also apply them at start).
import { parseArgs } from "node:util";
import { InvalidArgumentError } from "../../errors.js";
import {
  applyRetention,
  ddlContext,
  type MigrationPlan,
  migrate,
  OUTPUT_TABLES,
  openConnection,
  planMigrations,
  type SinkConnection,
} from "../../sinks/index.js";
import type { Command } from "../command.js";
import { describeSink, SINK_FLAGS, SINK_HELP, sinkFromFlags } from "../sink-args.js";

const HELP = `Usage: impactd migrate [--dry-run] [options]

Brings the sink's schema up to date: prints each migration the database is
missing with its statements, applies them in order (several impactd processes
may run this at once: one migrates, the others wait), then applies the
configured retention. With --dry-run nothing is changed.

Options:
  --dry-run    print the plan only
  -h, --help   show this help

${SINK_HELP}`;

/** renderPlan prints a migration plan for the terminal. */
export function renderPlan(conn: SinkConnection, plan: MigrationPlan): string {
  const d = conn.dialect;
  const lines = [
    `database ${conn.database} on ${conn.kind === "chdb" ? "chdb" : "ClickHouse"} ${d.version} (${d.name} schema mapping): schema version ${plan.from}, newest ${plan.to}`,
  ];
  if (plan.pending.length === 0) {
    lines.push("nothing to do");
    return lines.join("\n");
  }
  for (const m of plan.pending) {
    lines.push("", `-- migration ${m.version}: ${m.name}`);
    for (const step of m.steps) lines.push(step.startsWith("--") ? step : `${step};`);
  }
  return lines.join("\n");
}

/** migrateCommand prints the migration plan and, without --dry-run, applies it. */
export const migrateCommand: Command = {
  name: "migrate",
  summary: "show (--dry-run) or apply the schema migrations the sink is missing",
  help: HELP,
  async run(argv) {
    let values: ReturnType<typeof parse>["values"];
    try {
      ({ values } = parse(argv));
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message, { cause: err });
    }
    const { options } = sinkFromFlags(values);
    const mopts = { cluster: options.cluster, retentionDays: options.retentionDays ?? {} };
    const conn = await openConnection(options);
    try {
      console.log(`impactd migrate: ${describeSink(options)}`);
      console.log(renderPlan(conn, await planMigrations(conn, mopts)));
      if (values["dry-run"] === true) return 0;
      const result = await migrate(conn, {
        ...mopts,
        onProgress: (m) => console.log(`impactd migrate: ${m}`),
      });
      for (const s of await applyRetention(conn, ddlContext(conn, mopts), OUTPUT_TABLES)) {
        console.log(`impactd migrate: retention: ${s}`);
      }
      console.log(
        result.applied.length === 0
          ? `impactd migrate: schema is up to date (version ${result.to})`
          : `impactd migrate: applied ${result.applied.join(", ")}; schema version ${result.to}`,
      );
    } finally {
      await conn.close();
    }
    return 0;
  },
};

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: { ...SINK_FLAGS, "dry-run": { type: "boolean" } },
  });
}
