// Migrations against a real clickhouse-server 18.16: two `impactd migrate`
// processes at once, a second run, a lock left behind by a crashed process.
// Uses the built CLI (npm test builds first).
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import {
  ALL_TABLES,
  acquireMigrationLock,
  LOCK_TABLE_PREFIX,
  MIGRATIONS,
  migrate,
  openClickHouse,
  SCHEMA_VERSION,
} from "../../src/sinks/index.js";
import { packageRoot } from "../../src/util/package-root.js";
import { type ClickHouseServer, startClickHouseServer } from "../helpers/clickhouse-server.js";

const run = promisify(execFile);
const cli = join(packageRoot(), "bin/impactd.js");
let server: ClickHouseServer;

beforeAll(async () => {
  server = await startClickHouseServer();
});

afterAll(async () => {
  await server?.stop();
});

async function schemaOf(database: string) {
  const conn = await openClickHouse({ url: server.url, database });
  try {
    const tables = await conn.query<{ name: string; engine: string }>(
      "SELECT name, engine FROM system.tables WHERE database = {db:String} AND name NOT LIKE {lock:String} ORDER BY name",
      { db: database, lock: `${LOCK_TABLE_PREFIX}%` },
    );
    const versions = await conn.query<{ version: number; n: string }>(
      `SELECT version, count() AS n FROM ${database}.schema_migrations GROUP BY version ORDER BY version`,
    );
    return { tables, versions };
  } finally {
    await conn.close();
  }
}

const ALL_VERSIONS = MIGRATIONS.map((m) => m.version).join(", ");

test("two impactd migrate processes at once, then a third: one schema, each migration applied once", async () => {
  const args = ["migrate", "--url", server.url, "--database", "twoproc"];
  const env = { ...process.env, IMPACTD_SINK_KIND: "clickhouse" };
  const [a, b] = await Promise.all([
    run("node", [cli, ...args], { env }),
    run("node", [cli, ...args], { env }),
  ]);
  const outputs = [a.stdout, b.stdout];
  // When both planned on an empty database they overlapped, and one of them
  // must have waited for the other's lock.
  if (outputs.every((o) => o.includes(`schema version 0, newest ${SCHEMA_VERSION}`))) {
    expect(outputs.filter((o) => o.includes("waiting for the migration lock")).length).toBe(1);
  }
  // Exactly one applied the migrations; the other found them applied.
  expect(outputs.filter((o) => o.includes(`applied ${ALL_VERSIONS}`)).length).toBe(1);
  expect(outputs.filter((o) => o.includes("schema is up to date")).length).toBe(1);
  const again = await run("node", [cli, ...args], { env });
  expect(again.stdout).toContain("nothing to do");
  expect(again.stdout).toContain(`schema is up to date (version ${SCHEMA_VERSION})`);

  const { tables, versions } = await schemaOf("twoproc");
  expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version, n: "1" })));
  const expected = ALL_TABLES.flatMap((t) => [
    { name: t.name, engine: t.engine },
    ...(t.view === undefined ? [] : [{ name: t.view, engine: "View" }]),
  ]).sort((x, y) => x.name.localeCompare(y.name));
  expect(tables).toEqual(expected);
}, 120_000);

test("dry run prints the plan and changes nothing", async () => {
  const { stdout } = await run("node", [
    cli,
    "migrate",
    "--dry-run",
    "--url",
    server.url,
    "--database",
    "dry",
  ]);
  expect(stdout).toContain("database dry on ClickHouse 18.16");
  expect(stdout).toContain(`(legacy schema mapping): schema version 0, newest ${SCHEMA_VERSION}`);
  expect(stdout).toContain("CREATE TABLE IF NOT EXISTS dry.events_data");
  expect(stdout).toContain("ts_ms UInt16");
  expect(stdout).toContain("labels Nested(key String, value String)");
  const conn = await openClickHouse({ url: server.url, database: "dry" });
  try {
    expect(
      await conn.query("SELECT count() AS n FROM system.tables WHERE database = 'dry'"),
    ).toEqual([{ n: "0" }]);
  } finally {
    await conn.close();
  }
}, 60_000);

test("a lock left by a crashed process is taken over; a live one is waited for", async () => {
  const conn = await openClickHouse({ url: server.url, database: "stale" });
  try {
    // What a process that crashed while migrating leaves: generation 1 with
    // a lease that ran out and no release.
    await conn.command(
      `CREATE TABLE stale.${LOCK_TABLE_PREFIX}1 (owner String, expires_at DateTime, released UInt8)
       ENGINE = MergeTree ORDER BY tuple()`,
    );
    await conn.command(`INSERT INTO stale.${LOCK_TABLE_PREFIX}1 SELECT 'dead-owner', now() - 5, 0`);
    const waits: string[] = [];
    const taken = await acquireMigrationLock(conn, { onWait: (h) => waits.push(h) });
    expect(taken.generation).toBe(2);
    expect(waits).toEqual([]);

    // A live holder: the next one waits until it is released.
    const started = Date.now();
    setTimeout(() => void taken.release(), 700);
    const next = await acquireMigrationLock(conn, { pollMs: 50, onWait: (h) => waits.push(h) });
    expect(next.generation).toBe(3);
    expect(waits).toEqual([taken.owner]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    await next.release();
    expect((await migrate(conn)).applied).toEqual(MIGRATIONS.map((m) => m.version));
    // Old generations are cleaned up, a couple are kept.
    const left = await conn.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = 'stale' AND name LIKE {p:String} ORDER BY name",
      { p: `${LOCK_TABLE_PREFIX}%` },
    );
    expect(left.map((r) => r.name)).toEqual([`${LOCK_TABLE_PREFIX}3`, `${LOCK_TABLE_PREFIX}4`]);
  } finally {
    await conn.close();
  }
}, 60_000);
