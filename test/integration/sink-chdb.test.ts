// The embedded chdb sink end to end: migrations, row round trips, the
// incidents view, parameter binding, batching, the query command. libchdb binds
// one data directory per process, so the tests here run one after another
// (vitest runs a file's tests sequentially, each file in its own fork) and
// every test closes its sink before the next opens its own temp directory.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { queryCommand } from "../../src/cli/commands/query.js";
import { InvalidArgumentError } from "../../src/errors.js";
import {
  type EventRow,
  type IncidentRow,
  MIGRATIONS,
  migrate,
  openChdb,
  openSink,
  parseDateTime,
  type RejectionRow,
  SCHEMA_VERSION,
  type Sink,
  SinkError,
  TableWriter,
} from "../../src/sinks/index.js";

const T0 = Date.UTC(2025, 4, 1, 12, 0, 0, 123);

let dir: string;
let sink: Sink | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "impactd-sink-"));
});

afterEach(async () => {
  await sink?.close();
  sink = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function open(): Promise<Sink> {
  sink = await openSink({ kind: "chdb", dataDir: dir, writer: { lingerMs: 5 } });
  return sink;
}

function event(i: number, over: Partial<EventRow> = {}): EventRow {
  return {
    tenant: "default",
    ts: T0 + i,
    received_at: T0 + i + 7,
    event_id: `ev-${i}`,
    source: "prometheus",
    kind: "metric",
    service: "payments-db",
    journey: "",
    step: "",
    status: "",
    metric: "error_rate",
    name: "",
    severity: "",
    fingerprint: "",
    value: i / 10,
    count: 0,
    scale: "",
    channel: "",
    device_id: "",
    version: "",
    text: "",
    labels: {},
    ...over,
  };
}

function incident(id: string, version: number, over: Partial<IncidentRow> = {}): IncidentRow {
  return {
    tenant: "default",
    incident_id: id,
    version,
    status: "open",
    severity: "high",
    title: `payments-db down (${id})`,
    opened_at: T0,
    updated_at: T0 + version * 1000,
    acknowledged_at: null,
    mitigated_at: null,
    resolved_at: null,
    services: ["payments-db", "payments"],
    root_cause: "payments-db",
    root_cause_score: 0.9,
    candidates: ["payments-db", "payments"],
    candidate_scores: [0.9, 0.25],
    candidate_reasons: ["first to fail", "depends on payments-db"],
    alert_count: 3 * version,
    team: "payments",
    journeys: ["checkout"],
    customers_affected_per_min: 1200.5,
    written_at: T0 + version * 1000 + 1,
    ...over,
  };
}

describe("migrations", () => {
  test("create every table and view; a second run is a no-op", async () => {
    const s = await open();
    const tables = await s.conn.query<{ name: string; engine: string }>(
      "SELECT name, engine FROM system.tables WHERE database = currentDatabase() ORDER BY name",
    );
    expect(Object.fromEntries(tables.map((t) => [t.name, t.engine]))).toEqual({
      eval_reports: "MergeTree",
      events: "MergeTree",
      incident_versions: "ReplacingMergeTree",
      incidents: "View",
      notifications: "View",
      notifications_data: "ReplacingMergeTree",
      rejected_events: "MergeTree",
      schema_migrations: "ReplacingMergeTree",
    });
    const again = await migrate(s.conn);
    expect(again).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] });
    const recorded = await s.conn.query<{ version: number; name: string }>(
      "SELECT version, name FROM schema_migrations ORDER BY version",
    );
    expect(recorded).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
  });

  test("reopening a directory keeps data and applies nothing", async () => {
    const s = await open();
    await s.events.write([event(1)]);
    await s.close();
    const conn = await openChdb(dir);
    try {
      expect(await migrate(conn)).toEqual({
        from: SCHEMA_VERSION,
        to: SCHEMA_VERSION,
        applied: [],
      });
      expect(await conn.query("SELECT count() AS n FROM events")).toEqual([{ n: "1" }]);
    } finally {
      await conn.close();
    }
  });

  test("statements are idempotent: re-running migration 1 by hand changes nothing", async () => {
    const s = await open();
    for (const sql of MIGRATIONS[0]?.statements ?? []) await s.conn.command(sql);
    await expect(migrate(s.conn)).resolves.toMatchObject({ applied: [] });
  });
});

describe("round trips", () => {
  test("events keep every type: DateTime64, Map, Float64, UInt32, strings", async () => {
    const s = await open();
    const tricky = 'it\'s "down"\t\\ new\nline, ünïcødé 🚨';
    await s.events.write([
      event(1, {
        kind: "alert",
        status: "firing",
        name: "HighErrorRate",
        severity: "critical",
        fingerprint: "abc123",
        text: tricky,
        labels: { region: "eu-west-1", "k'ey": tricky },
        count: 7,
        value: 0.125,
      }),
      event(2, { value: Number.NaN, count: 5e9 }),
    ]);
    const rows = await s.conn.query<Record<string, unknown>>(
      "SELECT *, toUnixTimestamp64Milli(ts) AS ts_ms, toTypeName(labels) AS labels_type FROM events ORDER BY ts",
    );
    expect(rows).toHaveLength(2);
    const [a, b] = rows;
    expect(a).toMatchObject({
      tenant: "default",
      event_id: "ev-1",
      kind: "alert",
      status: "firing",
      severity: "critical",
      text: tricky,
      labels: { region: "eu-west-1", "k'ey": tricky },
      labels_type: "Map(String, String)",
      count: 7,
      value: 0.125,
      ts_ms: String(T0 + 1),
    });
    expect(parseDateTime(a?.ts)).toBe(T0 + 1);
    expect(parseDateTime(a?.received_at)).toBe(T0 + 8);
    // NaN is stored as NaN (JSON output renders it null); an out-of-range
    // UInt32 saturates instead of wrapping.
    expect(b).toMatchObject({ value: null, count: 4294967295 });
    expect(
      await s.conn.query("SELECT isNaN(value) AS nan FROM events WHERE event_id = 'ev-2'"),
    ).toEqual([{ nan: 1 }]);
  });

  test("rejections keep Nullable ts and large payloads", async () => {
    const s = await open();
    const payload = "x".repeat(64 * 1024);
    const rows: RejectionRow[] = [
      {
        tenant: "acme",
        received_at: T0,
        ts: null,
        front_end: "grpc",
        source: "collector",
        code: "MISSING_TS",
        reason: "event has no timestamp",
        event_id: "",
        payload: '{"kind":"metric"}',
      },
      {
        tenant: "acme",
        received_at: T0 + 1,
        ts: T0 - 60_000,
        front_end: "nats",
        source: "edge",
        code: "TOO_LARGE",
        reason: "payload over limit",
        event_id: "e-9",
        payload,
      },
    ];
    await s.rejections.write(rows);
    const back = await s.conn.query<Record<string, unknown>>(
      "SELECT ts, code, length(payload) AS len, toTypeName(ts) AS t FROM rejected_events ORDER BY received_at",
    );
    expect(back).toEqual([
      { ts: null, code: "MISSING_TS", len: "17", t: "Nullable(DateTime64(3, 'UTC'))" },
      {
        ts: "2025-05-01 11:59:00.123",
        code: "TOO_LARGE",
        len: String(64 * 1024),
        t: expect.any(String),
      },
    ]);
  });

  test("incidents view shows only the latest version of each incident", async () => {
    const s = await open();
    // Separate writes land in separate parts, so FINAL (not a merge) must
    // pick the winner; version 3 arrives before version 2.
    await s.incidents.write([incident("inc-1", 1)]);
    await s.incidents.write([incident("inc-2", 1)]);
    await s.incidents.write([
      incident("inc-1", 3, {
        status: "resolved",
        acknowledged_at: T0 + 500,
        resolved_at: T0 + 9000,
      }),
    ]);
    await s.incidents.write([
      incident("inc-1", 2, { status: "acknowledged", acknowledged_at: T0 + 500 }),
    ]);
    expect(await s.conn.query("SELECT count() AS n FROM incident_versions")).toEqual([{ n: "4" }]);
    const rows = await s.conn.query<Record<string, unknown>>(
      "SELECT * FROM incidents ORDER BY incident_id",
    );
    expect(rows.map((r) => [r.incident_id, r.version, r.status])).toEqual([
      ["inc-1", "3", "resolved"],
      ["inc-2", "1", "open"],
    ]);
    expect(rows[0]).toMatchObject({
      acknowledged_at: "2025-05-01 12:00:00.623",
      mitigated_at: null,
      resolved_at: "2025-05-01 12:00:09.123",
      services: ["payments-db", "payments"],
      candidate_scores: [0.9, 0.25],
      candidate_reasons: ["first to fail", "depends on payments-db"],
      journeys: ["checkout"],
      alert_count: 9,
      customers_affected_per_min: 1200.5,
    });
  });

  test("an identical INSERT retried after it landed leaves no duplicate", async () => {
    const s = await open();
    // Two partitions (days), so the INSERT is split into two blocks.
    const rows = [event(1), event(2), event(3, { ts: T0 + 2 * 86_400_000 })];
    await s.conn.insert("events", rows);
    await s.conn.insert("events", rows);
    expect(await s.conn.query("SELECT count() AS n FROM events")).toEqual([{ n: "3" }]);
  });
});

describe("connection", () => {
  test("query params are bound server-side, never pasted", async () => {
    const s = await open();
    const evil = "pay'ments\"; DROP TABLE events; --\\";
    await s.events.write([event(1, { service: evil }), event(2)]);
    const rows = await s.conn.query<{ service: string; n: string }>(
      "SELECT service, count() AS n FROM events WHERE service = {svc:String} AND value >= {min:Float64} AND {yes:Bool} GROUP BY service",
      { svc: evil, min: 0, yes: true },
    );
    expect(rows).toEqual([{ service: evil, n: "1" }]);
    expect(await s.conn.query("SELECT count() AS n FROM events")).toEqual([{ n: "2" }]);
  });

  test("concurrent inserts and queries on one session are safe", async () => {
    const s = await open();
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 40; i++) {
      ops.push(s.conn.insert("events", [event(i)]));
      ops.push(
        s.conn.query<{ x: string }>("SELECT {x:String} AS x", { x: `q${i}` }).then((r) => {
          expect(r).toEqual([{ x: `q${i}` }]);
        }),
      );
      ops.push(s.conn.query(`SELECT ${i} AS i`).then((r) => expect(r).toEqual([{ i }])));
    }
    await Promise.all(ops);
    expect(await s.conn.query("SELECT uniqExact(event_id) AS n FROM events")).toEqual([
      { n: "40" },
    ]);
  });

  test("errors map to SinkError: bad SQL and bad data are not retryable", async () => {
    const s = await open();
    const syntax = await s.conn.query("SELEC 1").catch((e: unknown) => e);
    expect(syntax).toBeInstanceOf(SinkError);
    expect(syntax).toMatchObject({ code: "SINK_ERROR", retryable: false, clickhouseCode: 62 });
    expect((syntax as Error).message).toMatch(/^Code: 62\. DB::Exception: Syntax error/);
    expect((syntax as Error).message).not.toContain("\n");

    const unknown = await s.conn.query("SELECT * FROM nope").catch((e: unknown) => e);
    expect(unknown).toMatchObject({ retryable: false, clickhouseCode: 60 });

    const badData = await s.conn
      .insert("events", [{ ...event(1), ts: "not a time" }])
      .catch((e: unknown) => e);
    expect(badData).toBeInstanceOf(SinkError);
    expect(badData).toMatchObject({ retryable: false, clickhouseCode: 41 });

    const noTable = await s.conn.insert("nope", [{ a: 1 }]).catch((e: unknown) => e);
    expect(noTable).toMatchObject({ retryable: false });
    expect((noTable as Error).message).toContain("does not exist");
  });

  test("one data directory per process: a second directory is refused while one is open", async () => {
    await open();
    const other = await mkdtemp(join(tmpdir(), "impactd-sink-other-"));
    try {
      await expect(openChdb(other)).rejects.toThrow(/one data directory per process/);
      // The same directory is shared.
      const same = await openChdb(dir);
      expect(await same.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
      await same.close();
      expect(await sink?.conn.query("SELECT 2 AS two")).toEqual([{ two: 2 }]);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

describe("TableWriter on chdb", () => {
  test("flushes by size without waiting for the linger time", async () => {
    const s = await open();
    const w = new TableWriter<EventRow>(s.conn, "events", { maxRows: 100, lingerMs: 60_000 });
    const rows = Array.from({ length: 200 }, (_, i) => event(i));
    await w.write(rows);
    expect(w.stats()).toMatchObject({ rowsWritten: 200, flushes: 2, buffered: 0 });
    expect(await s.conn.query("SELECT count() AS n FROM events")).toEqual([{ n: "200" }]);
    await w.close();
  });

  test("flushes by time a batch smaller than maxRows", async () => {
    const s = await open();
    const w = new TableWriter<EventRow>(s.conn, "events", { maxRows: 10_000, lingerMs: 30 });
    const started = performance.now();
    await w.write([event(1), event(2)]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(w.stats()).toMatchObject({ rowsWritten: 2, flushes: 1 });
    await w.close();
  });

  test("a permanent failure rejects the write and is not retried", async () => {
    const s = await open();
    const w = new TableWriter<Record<string, unknown>>(s.conn, "events", { lingerMs: 1 });
    await expect(w.write([{ ...event(1), ts: "garbage" }])).rejects.toBeInstanceOf(SinkError);
    expect(w.stats()).toMatchObject({ retries: 0, failures: 1, failedRows: 1, buffered: 0 });
    // The writer keeps going after a bad batch.
    await w.write([event(2)]);
    expect(w.stats().rowsWritten).toBe(1);
    await w.close();
  });
});

describe("impactd query", () => {
  async function run(args: string[]): Promise<string> {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      expect(await queryCommand.run(args)).toBe(0);
      return log.mock.calls.map((c) => c.join(" ")).join("\n");
    } finally {
      log.mockRestore();
    }
  }

  async function seed(): Promise<void> {
    const s = await open();
    await s.incidents.write([
      incident("inc-1", 1),
      incident("inc-1", 2, { status: "acknowledged" }),
    ]);
    await s.close();
    sink = undefined;
  }

  test("prints a table, on a fresh directory too", async () => {
    expect(await run(["SELECT count() AS n FROM incidents", "--data-dir", dir])).toBe(
      "n\n-\n0\n(1 row)",
    );
    await seed();
    const out = await run([
      "--data-dir",
      dir,
      "SELECT incident_id, status, services FROM incidents",
    ]);
    expect(out).toBe(
      [
        "incident_id  status        services",
        "-----------  ------------  --------------------------",
        'inc-1        acknowledged  ["payments-db","payments"]',
        "(1 row)",
      ].join("\n"),
    );
  });

  test("prints JSON", async () => {
    await seed();
    const out = await run([
      "--data-dir",
      dir,
      "--format",
      "json",
      "SELECT incident_id, version, journeys FROM incidents",
    ]);
    expect(JSON.parse(out)).toEqual([
      { incident_id: "inc-1", version: "2", journeys: ["checkout"] },
    ]);
  });

  test("a SQL error is a one-line SinkError (main prints it and exits 1)", async () => {
    const err = await queryCommand
      .run(["--data-dir", dir, "SELECT nope FROM incidents"])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkError);
    expect((err as Error).message).toMatch(/^Code: 47\. DB::Exception: .*UNKNOWN_IDENTIFIER/);
    expect((err as Error).message).not.toContain("\n");
  });

  test("bad flags are InvalidArgumentError", async () => {
    await expect(queryCommand.run(["--nope", "SELECT 1"])).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(queryCommand.run(["--format", "csv", "SELECT 1"])).rejects.toThrow(/--format/);
    await expect(queryCommand.run([])).rejects.toThrow(/missing SQL/);
  });
});
