// Retention: how long each table keeps rows. Engines with TTL get a table TTL
// (set, changed or removed at start to match the configuration); engines
// without it (before 19.6, e.g. 18.16) drop whole partitions older than the
// retention instead, at start and then daily.
import type { SinkConnection } from "./connection.js";
import { type DdlContext, localName, onCluster, q, ttlExpression } from "./schema/ddl.js";
import type { TableDef } from "./schema/types.js";

const DAY_MS = 86_400_000;

/** partitionEnd is when a day (YYYYMMDD) or month (YYYYMM) partition ends, in epoch ms. */
export function partitionEnd(partition: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})?$/.exec(partition.replace(/^'|'$/g, ""));
  if (m === null) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]) - 1;
  return m[3] === undefined ? Date.UTC(y, mo + 1, 1) : Date.UTC(y, mo, Number(m[3]) + 1);
}

/**
 * applyRetention makes each table's retention match `ctx.retentionDays` and
 * returns what it did (one line per statement), for logs and `impactd migrate`.
 */
export async function applyRetention(
  conn: SinkConnection,
  ctx: DdlContext,
  tables: readonly TableDef[],
  now: number = Date.now(),
): Promise<string[]> {
  const done: string[] = [];
  for (const def of tables) {
    if (def.retentionColumn === undefined) continue;
    const days = ctx.retentionDays?.[def.name] ?? 0;
    const table = localName(ctx, def.name);
    const sql = ctx.dialect.ttl
      ? await ttlStatement(conn, ctx, def, table, days)
      : days > 0 && def.partitionBy !== undefined
        ? await expiredPartitions(conn, ctx, table, now - days * DAY_MS)
        : [];
    for (const s of sql) {
      await conn.command(s);
      done.push(s);
    }
  }
  return done;
}

async function ttlStatement(
  conn: SinkConnection,
  ctx: DdlContext,
  def: TableDef,
  table: string,
  days: number,
): Promise<string[]> {
  const rows = await conn.query<{ engine_full: string }>(
    "SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = {name:String}",
    { db: ctx.database, name: table },
  );
  const engine = rows[0]?.engine_full;
  if (engine === undefined) return [];
  const current = /\bTTL\b/.test(engine);
  const want = ttlExpression(def, days);
  if (want === undefined) {
    return current ? [`ALTER TABLE ${q(ctx, table)}${onCluster(ctx)} REMOVE TTL`] : [];
  }
  if (current && engine.includes(`toIntervalDay(${Math.floor(days)})`)) return [];
  return [`ALTER TABLE ${q(ctx, table)}${onCluster(ctx)} MODIFY TTL ${want}`];
}

async function expiredPartitions(
  conn: SinkConnection,
  ctx: DdlContext,
  table: string,
  cutoff: number,
): Promise<string[]> {
  const rows = await conn.query<{ partition: string }>(
    `SELECT DISTINCT partition FROM system.parts
     WHERE database = {db:String} AND table = {name:String} AND active`,
    { db: ctx.database, name: table },
  );
  const out: string[] = [];
  for (const { partition } of rows) {
    const end = partitionEnd(partition);
    // Partition ids are digits only (toYYYYMMDD/toYYYYMM), so they are
    // written as the numeric literal DROP PARTITION expects.
    if (end !== undefined && end <= cutoff) {
      out.push(
        `ALTER TABLE ${q(ctx, table)}${onCluster(ctx)} DROP PARTITION ${partition.replace(/\D/g, "")}`,
      );
    }
  }
  return out.sort();
}
