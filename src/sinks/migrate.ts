// Applies the schema migrations a database is missing, in order. Safe to run
// at every start and from several processes at once: every statement is
// IF NOT EXISTS and schema_migrations is a ReplacingMergeTree, so a migration
// recorded twice reads as once.
import type { SinkConnection } from "./connection.js";
import { SinkError } from "./errors.js";
import {
  MIGRATIONS,
  type Migration,
  SCHEMA_MIGRATIONS_DDL,
  SCHEMA_MIGRATIONS_TABLE,
} from "./schema.js";

/** MigrationResult says which schema versions a migrate() call found and applied. */
export interface MigrationResult {
  /** Newest version applied before this call (0 for an empty database). */
  readonly from: number;
  /** Newest version applied after this call. */
  readonly to: number;
  /** Versions this call applied, in order (empty when nothing was missing). */
  readonly applied: readonly number[];
}

/** migrate brings the database behind `conn` up to the newest migration in `migrations`. */
export async function migrate(
  conn: SinkConnection,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<MigrationResult> {
  checkOrder(migrations);
  await conn.command(SCHEMA_MIGRATIONS_DDL);
  const rows = await conn.query<{ version: number }>(
    `SELECT DISTINCT version FROM ${SCHEMA_MIGRATIONS_TABLE}`,
  );
  const done = new Set(rows.map((r) => Number(r.version)));
  const from = Math.max(0, ...done);
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    for (const sql of m.statements) {
      try {
        await conn.command(sql);
      } catch (err) {
        throw new SinkError(
          `migration ${m.version} (${m.name}) failed: ${(err as Error).message}`,
          {
            cause: err,
            retryable: err instanceof SinkError && err.retryable,
          },
        );
      }
    }
    // Recorded only after every statement ran: a crash in between re-runs the
    // (idempotent) statements next time instead of skipping them.
    await conn.insert(SCHEMA_MIGRATIONS_TABLE, [
      { version: m.version, name: m.name, applied_at: Date.now() },
    ]);
    applied.push(m.version);
  }
  return { from, to: Math.max(from, ...applied), applied };
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
