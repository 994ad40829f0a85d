// Applies the schema migrations a database is missing, in order. Safe to run
// at every start and from several processes at once: a database that is up
// to date is recognised without any lock; otherwise the migration lock
// (migration-lock.ts) lets one process migrate while the others wait, and
// every step is idempotent, so even a holder that lost its lease and a
// successor running the same step leave one correct schema.
import type { SinkConnection } from "./connection.js";
import { SinkError } from "./errors.js";
import { acquireMigrationLock, type LockOptions } from "./migration-lock.js";
import { createTableSql, type DdlContext } from "./schema/ddl.js";
import { MIGRATIONS, type Migration, type MigrationStep } from "./schema/migrations.js";
import { SCHEMA_MIGRATIONS } from "./schema/tables.js";

/** MigrationResult says which schema versions a migrate() call found and applied. */
export interface MigrationResult {
  /** Newest version applied before this call (0 for an empty database). */
  readonly from: number;
  /** Newest version applied after this call. */
  readonly to: number;
  /** Versions this call applied, in order (empty when nothing was missing). */
  readonly applied: readonly number[];
}

/** MigrateOptions tune migrate() and planMigrations(). */
export interface MigrateOptions {
  /** The schema history. @default MIGRATIONS */
  migrations?: readonly Migration[];
  /** Cluster for ON CLUSTER DDL, Replicated and Distributed tables. */
  cluster?: string | undefined;
  /** Retention in days per storage table, baked into new tables' TTL. */
  retentionDays?: Readonly<Record<string, number>>;
  /** Migration lock tuning. */
  lock?: LockOptions;
  /** Progress messages ("applying migration 2 ..."). */
  onProgress?: (message: string) => void;
}

/** PlannedMigration is one migration a database is missing, rendered for it. */
export interface PlannedMigration {
  readonly version: number;
  readonly name: string;
  /** SQL statements, and `-- ` comments for steps run in code. */
  readonly steps: readonly string[];
}

/** MigrationPlan is what migrate() would do. */
export interface MigrationPlan {
  /** Newest version applied now. */
  readonly from: number;
  /** Newest version known to this build. */
  readonly to: number;
  readonly pending: readonly PlannedMigration[];
}

/** ddlContext is where the connection's DDL goes. */
export function ddlContext(conn: SinkConnection, opts: MigrateOptions = {}): DdlContext {
  return {
    dialect: conn.dialect,
    database: conn.database,
    cluster: opts.cluster,
    retentionDays: opts.retentionDays ?? {},
  };
}

/** appliedVersions reads schema_migrations; an empty set when it does not exist yet. */
async function appliedVersions(conn: SinkConnection): Promise<Set<number>> {
  const exists = await conn.query<{ n: string }>(
    "SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = {name:String}",
    { db: conn.database, name: SCHEMA_MIGRATIONS.name },
  );
  if (Number(exists[0]?.n ?? 0) === 0) return new Set();
  const rows = await conn.query<{ version: number }>(
    `SELECT DISTINCT version FROM ${conn.database}.${SCHEMA_MIGRATIONS.name}`,
  );
  return new Set(rows.map((r) => Number(r.version)));
}

/** planMigrations renders what migrate() would apply, changing nothing. */
export async function planMigrations(
  conn: SinkConnection,
  opts: MigrateOptions = {},
): Promise<MigrationPlan> {
  const migrations = opts.migrations ?? MIGRATIONS;
  checkOrder(migrations);
  const ctx = ddlContext(conn, opts);
  const done = await appliedVersions(conn);
  return {
    from: Math.max(0, ...done),
    to: Math.max(0, ...migrations.map((m) => m.version)),
    pending: migrations
      .filter((m) => !done.has(m.version))
      .map((m) => ({ version: m.version, name: m.name, steps: m.steps(ctx).map(stepText) })),
  };
}

function stepText(step: MigrationStep): string {
  return step.kind === "sql" ? step.sql : `-- ${step.describe}`;
}

/** migrate brings the database behind `conn` up to the newest migration. */
export async function migrate(
  conn: SinkConnection,
  opts: MigrateOptions = {},
): Promise<MigrationResult> {
  const migrations = opts.migrations ?? MIGRATIONS;
  checkOrder(migrations);
  const ctx = ddlContext(conn, opts);
  const known = new Set(migrations.map((m) => m.version));
  let done = await appliedVersions(conn);
  const from = Math.max(0, ...done);
  if ([...known].every((v) => done.has(v))) return { from, to: from, applied: [] };

  // The bookkeeping table is per node, even in cluster mode: every node
  // records what it has seen applied.
  for (const sql of createTableSql({ ...ctx, cluster: undefined }, SCHEMA_MIGRATIONS)) {
    await conn.command(sql);
  }
  const lock = await acquireMigrationLock(conn, {
    ...opts.lock,
    onWait: (holder) => {
      opts.onProgress?.(`waiting for the migration lock held by ${holder}`);
      opts.lock?.onWait?.(holder);
    },
  });
  const applied: number[] = [];
  try {
    // Another process may have migrated while we waited.
    done = await appliedVersions(conn);
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      opts.onProgress?.(`applying migration ${m.version}: ${m.name}`);
      for (const step of m.steps(ctx)) {
        try {
          if (step.kind === "sql") await conn.command(step.sql);
          else await step.run(conn);
        } catch (err) {
          throw new SinkError(
            `migration ${m.version} (${m.name}) failed: ${(err as Error).message}`,
            { cause: err, retryable: err instanceof SinkError && err.retryable },
          );
        }
      }
      // Recorded only after every step ran: a crash in between re-runs the
      // (idempotent) steps next time instead of skipping them.
      await conn.insert(SCHEMA_MIGRATIONS.name, [
        { version: m.version, name: m.name, applied_at: Date.now() },
      ]);
      applied.push(m.version);
    }
  } finally {
    // A failed release only delays the next migration by one lease.
    await lock.release().catch(() => {});
  }
  const all = new Set([...done, ...applied]);
  return { from, to: Math.max(0, ...all), applied };
}

function checkOrder(migrations: readonly Migration[]): void {
  let last = 0;
  for (const m of migrations) {
    if (!Number.isInteger(m.version) || m.version <= last) {
      throw new SinkError(
        `migrations out of order: version ${m.version} follows ${last} (versions must increase)`,
      );
    }
    last = m.version;
  }
}
