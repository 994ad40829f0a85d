// The schema history as versioned migrations. The program applies them (see
// migrate.ts), never a human. Append new migrations; never change what a
// shipped one does. Each step is idempotent (IF NOT EXISTS, or a check before
// acting) so a migration interrupted half way can simply run again, and steps
// are rendered per engine (dialect, database, cluster) from the logical schema.
import type { SinkConnection } from "../connection.js";
import {
  createTableSql,
  createViewSql,
  type DdlContext,
  localName,
  onCluster,
  physicalColumns,
  q,
} from "./ddl.js";
import {
  BENCH_RESULTS_DATA,
  EVAL_REPORTS_DATA,
  EVENTS_DATA,
  INCIDENT_EVENTS_DATA,
  INCIDENT_VERSIONS,
  JOURNEY_IMPACT_DATA,
  NOTIFICATIONS_DATA,
  PREDICTIONS_DATA,
  REJECTED_EVENTS_DATA,
  SERVICE_HEALTH_DATA,
} from "./tables.js";
import type { TableDef } from "./types.js";

/** MigrationStep is one statement, or a check-then-act step run in code. */
export type MigrationStep =
  | { readonly kind: "sql"; readonly sql: string }
  | {
      readonly kind: "run";
      /** What the step does, for `impactd migrate --dry-run`. */
      readonly describe: string;
      run(conn: SinkConnection): Promise<void>;
    };

/** Migration is one schema version: steps applied in order, once. */
export interface Migration {
  /** Version number; migrations are applied in increasing order. */
  readonly version: number;
  /** Short description, stored in schema_migrations. */
  readonly name: string;
  /** The steps for one engine. */
  steps(ctx: DdlContext): MigrationStep[];
}

const sql = (s: string): MigrationStep => ({ kind: "sql", sql: s });

/** EVENTS_V1 is `events` as migration 1 created it: a plain MergeTree. */
const EVENTS_V1: TableDef = {
  ...EVENTS_DATA,
  name: "events",
  view: undefined,
  engine: "MergeTree",
  orderBy: ["tenant", "service", "ts"],
};

/** EVAL_REPORTS_V2 is `eval_reports` as migration 2 created it: a plain MergeTree. */
const EVAL_REPORTS_V2: TableDef = {
  ...EVAL_REPORTS_DATA,
  name: "eval_reports",
  view: undefined,
  engine: "MergeTree",
  partitionBy: undefined,
};

/** REJECTED_EVENTS_V1 is `rejected_events` as migration 1 created it. */
const REJECTED_EVENTS_V1: TableDef = {
  ...REJECTED_EVENTS_DATA,
  name: "rejected_events",
  view: undefined,
  columns: REJECTED_EVENTS_DATA.columns.filter((c) => c.name !== "rejection_id"),
  engine: "MergeTree",
  partitionBy: undefined,
  orderBy: ["tenant", "received_at"],
};

function tableAndView(ctx: DdlContext, def: TableDef): MigrationStep[] {
  return [...createTableSql(ctx, def), ...createViewSql(ctx, def)].map(sql);
}

/** engineOf returns a table's engine name, or undefined when it does not exist. */
async function engineOf(conn: SinkConnection, ctx: DdlContext, name: string) {
  const rows = await conn.query<{ engine: string }>(
    "SELECT engine FROM system.tables WHERE database = {db:String} AND name = {name:String}",
    { db: ctx.database, name },
  );
  return rows[0]?.engine;
}

/**
 * replaceWithView moves a v1 table's rows into its deduplicating successor,
 * drops it and puts the view in its place. Rows whose id column is empty get
 * a hash of their content, so running the copy twice adds nothing visible.
 */
function replaceWithView(
  ctx: DdlContext,
  v1: TableDef,
  next: TableDef,
  idColumn: string,
): MigrationStep[] {
  const view = next.view as string;
  const v1Columns = new Set(physicalColumns(v1, ctx.dialect).map((p) => p.name));
  const hashed = physicalColumns(v1, ctx.dialect)
    .filter((p) => p.part === "value" || p.part === "seconds" || p.part === "millis")
    .filter((p) => p.name !== idColumn && !p.type.startsWith("Map"))
    .map((p) => (p.type.startsWith("Nullable") ? `ifNull(toString(${p.name}), '')` : p.name));
  const hash = `concat('m:', lower(hex(cityHash64(${hashed.join(", ")}))))`;
  const columns = physicalColumns(next, ctx.dialect).map((p) => p.name);
  const select = columns.map((name) => {
    if (name === idColumn) {
      return v1Columns.has(name) ? `if(${name} = '', ${hash}, ${name})` : hash;
    }
    return name;
  });
  const quoted = (name: string) => (name.includes(".") ? `\`${name}\`` : name);
  return [
    ...createTableSql(ctx, next).map(sql),
    {
      kind: "run",
      describe: `if ${q(ctx, v1.name)} is still a table: INSERT INTO ${q(ctx, next.name)} SELECT its rows (${idColumn} filled where empty)`,
      async run(conn) {
        const engine = await engineOf(conn, ctx, v1.name);
        if (engine === undefined || engine === "View") return;
        await conn.command(
          `INSERT INTO ${q(ctx, next.name)} (${columns.map(quoted).join(", ")})
SELECT ${select.map(quoted).join(", ")} FROM ${q(ctx, v1.name)}`,
        );
      },
    },
    {
      kind: "run",
      describe: `if ${q(ctx, v1.name)} is still a table: DROP TABLE ${q(ctx, v1.name)}`,
      async run(conn) {
        const engine = await engineOf(conn, ctx, v1.name);
        if (engine === undefined || engine === "View") return;
        await conn.command(`DROP TABLE IF EXISTS ${q(ctx, v1.name)}${onCluster(ctx)}`);
        if (ctx.cluster !== undefined) {
          await conn.command(
            `DROP TABLE IF EXISTS ${q(ctx, localName(ctx, v1.name))}${onCluster(ctx)}`,
          );
        }
      },
    },
    ...createViewSql(ctx, { ...next, view }).map(sql),
  ];
}

/** MIGRATIONS is the schema history, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "events, incident versions, incidents view, rejected events",
    steps: (ctx) => [
      ...createTableSql(ctx, EVENTS_V1).map(sql),
      ...tableAndView(ctx, INCIDENT_VERSIONS),
      ...createTableSql(ctx, REJECTED_EVENTS_V1).map(sql),
    ],
  },
  {
    version: 2,
    name: "eval reports",
    steps: (ctx) => createTableSql(ctx, EVAL_REPORTS_V2).map(sql),
  },
  {
    version: 3,
    name: "notifications outbox and view",
    steps: (ctx) => tableAndView(ctx, NOTIFICATIONS_DATA),
  },
  {
    version: 4,
    name: "incident timeline, service health, journey impact, predictions, bench results",
    steps: (ctx) =>
      [
        INCIDENT_EVENTS_DATA,
        SERVICE_HEALTH_DATA,
        JOURNEY_IMPACT_DATA,
        PREDICTIONS_DATA,
        BENCH_RESULTS_DATA,
      ].flatMap((def) => tableAndView(ctx, def)),
  },
  {
    version: 5,
    name: "events, rejected events and eval reports deduplicated at read (views over FINAL), partitioned",
    steps: (ctx) => [
      ...replaceWithView(ctx, EVENTS_V1, EVENTS_DATA, "event_id"),
      ...replaceWithView(ctx, REJECTED_EVENTS_V1, REJECTED_EVENTS_DATA, "rejection_id"),
      ...replaceWithView(ctx, EVAL_REPORTS_V2, EVAL_REPORTS_DATA, "run_id"),
    ],
  },
];

/** SCHEMA_VERSION is the newest schema version this build knows. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
