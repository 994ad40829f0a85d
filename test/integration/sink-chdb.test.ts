// The embedded chdb sink: the shared suite on both schema mappings (modern, and
// the legacy mapping an 18.16 server gets), plus what is special to chdb:
// one data directory per process, upgrading a database the skeleton wrote,
// concurrent migrations in one process. libchdb binds one data directory per
// process, so this file uses one directory and a fresh database per test.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  DEFAULT_CHDB_DATABASE,
  ddlContext,
  EVENTS_DATA,
  type EventRow,
  MIGRATIONS,
  migrate,
  openChdb,
  openSink,
  readRows,
  SCHEMA_VERSION,
  type Sink,
} from "../../src/sinks/index.js";
import { event } from "../helpers/sink-fixtures.js";
import { sinkSuite } from "../helpers/sink-suite.js";

let dir: string;
let databases = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "impactd-sink-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("chdb, modern mapping", () => {
  sinkSuite(() => ({
    open: (writer) => openSink({ kind: "chdb", dataDir: dir, database: `m${++databases}`, writer }),
  }));
});

describe("chdb, legacy mapping (as on ClickHouse 18.16)", () => {
  sinkSuite(() => ({
    open: (writer) =>
      openSink({
        kind: "chdb",
        dataDir: dir,
        database: `l${++databases}`,
        dialect: "legacy",
        writer,
      }),
  }));
});

describe("chdb only", () => {
  test("one data directory per process: a second directory is refused while one is open", async () => {
    const conn = await openChdb(dir);
    const other = await mkdtemp(join(tmpdir(), "impactd-sink-other-"));
    try {
      await expect(openChdb(other)).rejects.toThrow(/one data directory per process/);
      const same = await openChdb(dir, { database: "shared_check" });
      expect(await same.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
      await same.close();
      expect(await conn.query("SELECT 2 AS two")).toEqual([{ two: 2 }]);
    } finally {
      await conn.close();
      await rm(other, { recursive: true, force: true });
    }
  });

  test("a database at migration 3 (skeleton, eval reports, outbox, as shipped) is upgraded with its rows", async () => {
    const database = `v1_${++databases}`;
    const conn = await openChdb(dir, { database });
    try {
      // Migrations 1-3 as they shipped, with rows in the old tables.
      expect(await migrate(conn, { migrations: MIGRATIONS.slice(0, 3) })).toMatchObject({
        to: 3,
      });
      const old = [event(1), event(2, { event_id: "" }), event(3, { event_id: "" })];
      await conn.command(
        `INSERT INTO ${database}.events (tenant, ts, received_at, event_id, service, kind)
         VALUES ${old.map((e) => `('default', fromUnixTimestamp64Milli(toInt64(${e.ts}), 'UTC'), fromUnixTimestamp64Milli(toInt64(${e.received_at}), 'UTC'), '${e.event_id}', 'payments-db', 'metric')`).join(", ")}`,
      );
      await conn.command(
        `INSERT INTO ${database}.rejected_events (tenant, received_at, code, reason, payload)
         VALUES ('default', now64(3), 'MALFORMED', 'bad', '{}')`,
      );
      await conn.command(
        `INSERT INTO ${database}.eval_reports (run_id, created_at, cases, rca_top1, estates, report)
         VALUES ('run-1', now64(3), 200, 0.93, ['shop'], '{"cases":200}')`,
      );
      expect(await migrate(conn)).toEqual({ from: 3, to: SCHEMA_VERSION, applied: [4, 5] });
      const engines = await conn.query<{ name: string; engine: string }>(
        "SELECT name, engine FROM system.tables WHERE database = {db:String} AND name IN ('events', 'rejected_events', 'eval_reports', 'notifications') ORDER BY name",
        { db: database },
      );
      expect(engines).toEqual([
        { name: "eval_reports", engine: "View" },
        { name: "events", engine: "View" },
        { name: "notifications", engine: "View" },
        { name: "rejected_events", engine: "View" },
      ]);
      expect(
        await conn.query(`SELECT run_id, cases, rca_top1, estates FROM ${database}.eval_reports`),
      ).toEqual([{ run_id: "run-1", cases: 200, rca_top1: 0.93, estates: ["shop"] }]);
      const rows = await readRows<EventRow>(conn, EVENTS_DATA, { orderBy: "ts" });
      expect(rows.map((r) => [r.ts, r.event_id.startsWith("m:") ? "m:" : r.event_id])).toEqual([
        [event(1).ts, "ev-1"],
        [event(2).ts, "m:"],
        [event(3).ts, "m:"],
      ]);
      expect(await conn.query(`SELECT code FROM ${database}.rejected_events`)).toEqual([
        { code: "MALFORMED" },
      ]);
      // Interrupted after the copy and run again: nothing doubles.
      const copy = MIGRATIONS[4]?.steps(ddlContext(conn)) ?? [];
      for (const step of copy) if (step.kind === "run") await step.run(conn);
      expect(await conn.query(`SELECT count() AS n FROM ${database}.events`)).toEqual([{ n: "3" }]);
      expect(await conn.query(`SELECT count() AS n FROM ${database}.eval_reports`)).toEqual([
        { n: "1" },
      ]);
    } finally {
      await conn.close();
    }
  });

  test("two migrations at once in one process leave one schema, applied once", async () => {
    const database = `c${++databases}`;
    const [a, b] = await Promise.all([openChdb(dir, { database }), openChdb(dir, { database })]);
    try {
      const results = await Promise.all([migrate(a), migrate(b)]);
      expect(results.map((r) => r.applied.length).sort()).toEqual([0, MIGRATIONS.length]);
      const recorded = await a.query(
        `SELECT version, count() AS n FROM ${database}.schema_migrations GROUP BY version ORDER BY version`,
      );
      expect(recorded).toEqual(MIGRATIONS.map((m) => ({ version: m.version, n: "1" })));
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("concurrent inserts (both paths) and queries on one session are safe", async () => {
    const database = `conc${++databases}`;
    const sink = await openSink({ kind: "chdb", dataDir: dir, database });
    try {
      await sink.conn.command(
        `CREATE TABLE ${database}.plain (i UInt32) ENGINE = MergeTree ORDER BY i`,
      );
      const ops: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i++) {
        ops.push(sink.conn.insert("events_data", [event(i)]));
        ops.push(sink.conn.insert("plain", [{ i }]));
        ops.push(
          sink.conn.query<{ x: string }>("SELECT {x:String} AS x", { x: `q${i}` }).then((r) => {
            expect(r).toEqual([{ x: `q${i}` }]);
          }),
        );
        ops.push(sink.conn.query(`SELECT ${i} AS i`).then((r) => expect(r).toEqual([{ i }])));
      }
      await Promise.all(ops);
      expect(
        await sink.conn.query(`SELECT uniqExact(event_id) AS n FROM ${database}.events`),
      ).toEqual([{ n: "40" }]);
      expect(await sink.conn.query(`SELECT count() AS n FROM ${database}.plain`)).toEqual([
        { n: "40" },
      ]);
    } finally {
      await sink.close();
    }
  });

  test("retention becomes a table TTL, changed and removed with the config", async () => {
    const database = `ttl${++databases}`;
    const engine = async (sink: Sink) =>
      (
        await sink.conn.query<{ e: string }>(
          "SELECT engine_full AS e FROM system.tables WHERE database = {db:String} AND name = 'events_data'",
          { db: database },
        )
      )[0]?.e ?? "";
    for (const [days, expected] of [
      [7, "toIntervalDay(7)"],
      [30, "toIntervalDay(30)"],
      [0, undefined],
    ] as const) {
      const sink = await openSink({
        kind: "chdb",
        dataDir: dir,
        database,
        retentionDays: { events_data: days },
      });
      try {
        if (expected === undefined) expect(await engine(sink)).not.toContain("TTL");
        else expect(await engine(sink)).toContain(`TTL toDateTime(ts) + ${expected}`);
      } finally {
        await sink.close();
      }
    }
  });

  test("the default database is used when none is named", async () => {
    let sink: Sink | undefined;
    try {
      sink = await openSink({ kind: "chdb", dataDir: dir });
      expect(sink.conn.database).toBe(DEFAULT_CHDB_DATABASE);
      expect(sink.conn.dialect.name).toBe("modern");
    } finally {
      await sink?.close();
    }
  });
});
