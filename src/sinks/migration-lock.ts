// A lease lock for migrations that works on any ClickHouse (chdb, a server
// from 18.16 on), which have no transactions or locks. Claims are tables:
// `schema_migrations_lock_<n>` for increasing generations n. CREATE TABLE of
// one name succeeds for exactly one caller, so whoever creates generation
// n+1 holds the lock. A new generation may only be claimed once the newest
// one is released or its lease (renewed while held, on the server's clock)
// has run out, which is how a crashed holder's lock is taken over.
import { randomBytes } from "node:crypto";
import { quoteString } from "./bind.js";
import type { SinkConnection } from "./connection.js";
import { SinkError } from "./errors.js";

/** LOCK_TABLE_PREFIX starts the name of every lock generation's table. */
export const LOCK_TABLE_PREFIX = "schema_migrations_lock_";
/** DEFAULT_LOCK_LEASE_S is how long a claim lives without renewal. */
export const DEFAULT_LOCK_LEASE_S = 30;
/** DEFAULT_LOCK_TIMEOUT_MS is how long to wait for another holder. */
export const DEFAULT_LOCK_TIMEOUT_MS = 5 * 60_000;
/** DEFAULT_LOCK_POLL_MS is how often a waiter looks again. */
export const DEFAULT_LOCK_POLL_MS = 250;
/** LOCK_GENERATIONS_KEPT is how many old generations the holder leaves in place. */
export const LOCK_GENERATIONS_KEPT = 2;

/** TABLE_ALREADY_EXISTS is ClickHouse's code for a lost CREATE TABLE race. */
const TABLE_ALREADY_EXISTS = 57;
const UNKNOWN_TABLE = 60;

/** LockOptions tune acquireMigrationLock. */
export interface LockOptions {
  /** Lease length in seconds. @default DEFAULT_LOCK_LEASE_S */
  leaseS?: number;
  /** Give up after this long. @default DEFAULT_LOCK_TIMEOUT_MS */
  timeoutMs?: number;
  /** Poll interval while waiting. @default DEFAULT_LOCK_POLL_MS */
  pollMs?: number;
  /** Called once when the lock is busy, with the holder's id. */
  onWait?: (holder: string) => void;
}

/** MigrationLock is a held lock. */
export interface MigrationLock {
  /** The generation this holder claimed. */
  readonly generation: number;
  /** This holder's id. */
  readonly owner: string;
  /** release gives the lock up. Idempotent. */
  release(): Promise<void>;
}

interface Generation {
  readonly n: number;
  readonly table: string;
}

/** acquireMigrationLock waits for and claims the migration lock of conn's database. */
export async function acquireMigrationLock(
  conn: SinkConnection,
  opts: LockOptions = {},
): Promise<MigrationLock> {
  const leaseS = opts.leaseS ?? DEFAULT_LOCK_LEASE_S;
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS);
  const pollMs = opts.pollMs ?? DEFAULT_LOCK_POLL_MS;
  const owner = `${process.pid}-${randomBytes(6).toString("hex")}`;
  let told = false;
  for (;;) {
    const newest = (await generations(conn)).at(-1);
    const holder = newest === undefined ? undefined : await liveHolder(conn, newest, leaseS);
    if (holder === undefined) {
      const n = (newest?.n ?? 0) + 1;
      const claimed = await claim(conn, n, owner, leaseS);
      if (claimed !== undefined) {
        await dropOldGenerations(conn, claimed);
        return held(conn, claimed, owner, leaseS);
      }
    } else if (!told) {
      told = true;
      opts.onWait?.(holder);
    }
    if (Date.now() > deadline) {
      throw new SinkError(
        `timed out waiting for the migration lock held by ${holder ?? "another process"}`,
        { retryable: true },
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** generations lists the lock tables in the database, oldest first. */
async function generations(conn: SinkConnection): Promise<Generation[]> {
  const rows = await conn.query<{ name: string }>(
    "SELECT name FROM system.tables WHERE database = {db:String} AND name LIKE {pattern:String}",
    { db: conn.database, pattern: `${LOCK_TABLE_PREFIX}%` },
  );
  return rows
    .map((r) => ({ n: Number(r.name.slice(LOCK_TABLE_PREFIX.length)), table: r.name }))
    .filter((g) => Number.isSafeInteger(g.n) && g.n > 0)
    .sort((a, b) => a.n - b.n);
}

/** liveHolder returns the owner of a generation whose claim still holds, else undefined. */
async function liveHolder(
  conn: SinkConnection,
  g: Generation,
  leaseS: number,
): Promise<string | undefined> {
  let rows: { owner: string; expires: string; released: number; now: string; n: string }[];
  try {
    rows = await conn.query(
      `SELECT any(owner) AS owner, toUInt32(max(expires_at)) AS expires, max(released) AS released,
              toUInt32(now()) AS now, count() AS n
       FROM ${conn.database}.${g.table}`,
    );
  } catch (err) {
    if (err instanceof SinkError && err.clickhouseCode === UNKNOWN_TABLE) return undefined;
    throw err;
  }
  const r = rows[0];
  if (r === undefined) return undefined;
  if (Number(r.n) === 0) {
    // Created, not yet written: live while the table is younger than a lease.
    const meta = await conn.query<{ age: string }>(
      `SELECT toInt64(now()) - toInt64(metadata_modification_time) AS age
       FROM system.tables WHERE database = {db:String} AND name = {name:String}`,
      { db: conn.database, name: g.table },
    );
    const age = Number(meta[0]?.age ?? leaseS + 1);
    return age <= leaseS ? "(a process that is just claiming it)" : undefined;
  }
  if (Number(r.released) > 0 || Number(r.expires) < Number(r.now)) return undefined;
  return r.owner;
}

/** claim tries to create generation n; undefined when another process won. */
async function claim(
  conn: SinkConnection,
  n: number,
  owner: string,
  leaseS: number,
): Promise<Generation | undefined> {
  const g = { n, table: `${LOCK_TABLE_PREFIX}${n}` };
  try {
    await conn.command(
      `CREATE TABLE ${conn.database}.${g.table} (owner String, expires_at DateTime, released UInt8)
ENGINE = MergeTree ORDER BY tuple()`,
    );
  } catch (err) {
    if (err instanceof SinkError && err.clickhouseCode === TABLE_ALREADY_EXISTS) return undefined;
    throw err;
  }
  await stamp(conn, g, owner, leaseS, false);
  // A process that saw an old generation list may have created a lower one
  // it thinks is newest; it backs off when it sees ours. We back off too if
  // a newer generation exists already.
  const newest = (await generations(conn)).at(-1);
  if (newest !== undefined && newest.n > n) return undefined;
  return g;
}

async function stamp(
  conn: SinkConnection,
  g: Generation,
  owner: string,
  leaseS: number,
  released: boolean,
): Promise<void> {
  // The owner id is ours (pid and random hex), still quoted by the one
  // escaping function rather than pasted.
  await conn.command(
    `INSERT INTO ${conn.database}.${g.table} SELECT ${quoteString(owner)}, now() + ${Math.ceil(leaseS)}, ${released ? 1 : 0}`,
  );
}

// Old generations are only bookkeeping; a few stay so a slow process that
// read an old list still finds a newer generation and backs off.
async function dropOldGenerations(conn: SinkConnection, g: Generation): Promise<void> {
  for (const old of await generations(conn)) {
    if (old.n <= g.n - LOCK_GENERATIONS_KEPT) {
      await conn.command(`DROP TABLE IF EXISTS ${conn.database}.${old.table}`);
    }
  }
}

function held(conn: SinkConnection, g: Generation, owner: string, leaseS: number): MigrationLock {
  let released: Promise<void> | undefined;
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(
    () => {
      renewing = stamp(conn, g, owner, leaseS, false).catch(() => {});
    },
    Math.max(1_000, (leaseS * 1000) / 3),
  );
  timer.unref();
  return {
    generation: g.n,
    owner,
    release() {
      released ??= (async () => {
        clearInterval(timer);
        await renewing;
        await stamp(conn, g, owner, leaseS, true);
      })();
      return released;
    },
  };
}
