// The sink suite every engine must pass: schema, round trips of every table,
// idempotency, bound parameters, errors and the query pack on seeded data.
// Registered by test/integration/sink-chdb.test.ts (modern and legacy
// mappings on embedded chdb) and sink-server.test.ts (a real
// clickhouse-server 18.16).
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import {
  ALL_TABLES,
  fillRejectionIds,
  MIGRATIONS,
  migrate,
  OUTPUT_TABLES,
  physicalColumns,
  planMigrations,
  QUERY_PACK,
  type QueryParams,
  queryName,
  REJECTED_EVENTS_DATA,
  type RejectionRow,
  readRows,
  runPackQuery,
  SCHEMA_VERSION,
  type Sink,
  type SinkConnection,
  SinkError,
  type TableDef,
  TableWriter,
  type TableWriterOptions,
} from "../../src/sinks/index.js";
import { seedPack } from "./pack-fixtures.js";
import { event, incident, rejection, samples, TRICKY, writeSamples } from "./sink-fixtures.js";

/** SuiteTarget opens fresh sinks on one engine. */
export interface SuiteTarget {
  /** opens a sink on a database no other test uses. */
  open(writer?: TableWriterOptions): Promise<Sink>;
}

const n = (v: unknown) => (v === null ? null : Number(v));

/** sinkSuite registers the shared tests for a target. */
export function sinkSuite(target: () => SuiteTarget): void {
  const open: Sink[] = [];
  const fresh = async (writer: TableWriterOptions = { lingerMs: 5 }) => {
    const s = await target().open(writer);
    open.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  describe("schema", () => {
    test("every table and view exists with its engine and physical columns", async () => {
      const s = await fresh();
      const tables = await s.conn.query<{ name: string; engine: string }>(
        "SELECT name, engine FROM system.tables WHERE database = {db:String}",
        { db: s.conn.database },
      );
      const engines = new Map(tables.map((t) => [t.name, t.engine]));
      for (const def of ALL_TABLES) {
        expect(engines.get(def.name), def.name).toBe(def.engine);
        if (def.view !== undefined) expect(engines.get(def.view), def.view).toBe("View");
        const cols = await s.conn.query<{ name: string; type: string }>(
          "SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String}",
          { db: s.conn.database, t: def.name },
        );
        expect(cols.map((c) => [c.name, c.type])).toEqual(
          physicalColumns(def, s.conn.dialect).map((p) => [p.name, p.type]),
        );
      }
    });

    test("migrating again applies nothing and plans nothing", async () => {
      const s = await fresh();
      expect(s.migration).toEqual({
        from: 0,
        to: SCHEMA_VERSION,
        applied: MIGRATIONS.map((m) => m.version),
      });
      expect(await migrate(s.conn)).toEqual({
        from: SCHEMA_VERSION,
        to: SCHEMA_VERSION,
        applied: [],
      });
      expect((await planMigrations(s.conn)).pending).toEqual([]);
      const recorded = await s.conn.query<{ version: number }>(
        `SELECT version FROM ${s.conn.database}.schema_migrations FINAL ORDER BY version`,
      );
      expect(recorded.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
    });
  });

  describe("round trips", () => {
    const cases: [TableDef, keyof ReturnType<typeof samples>, string][] = [
      [OUTPUT_TABLES[0] as TableDef, "events", "ts"],
      [OUTPUT_TABLES[1] as TableDef, "incidents", "incident_id"],
      [OUTPUT_TABLES[2] as TableDef, "timeline", "ts"],
      [OUTPUT_TABLES[3] as TableDef, "health", "ts"],
      [OUTPUT_TABLES[4] as TableDef, "impact", "ts"],
      [OUTPUT_TABLES[5] as TableDef, "predictions", "prediction_id"],
      [OUTPUT_TABLES[6] as TableDef, "notifications", "notification_id"],
      [OUTPUT_TABLES[7] as TableDef, "rejections", "received_at"],
      [OUTPUT_TABLES[8] as TableDef, "evals", "run_id"],
      [OUTPUT_TABLES[9] as TableDef, "bench", "run_id"],
    ];
    test("every table reads back exactly what was written", async () => {
      const s = await fresh();
      const rows = samples();
      await writeSamples(s, rows);
      for (const [def, key, order] of cases) {
        const back = await readRows(s.conn, def, { orderBy: order });
        expect(back, queryName(def)).toEqual(rows[key]);
      }
    });
  });

  describe("idempotency", () => {
    test("events written twice (retry, redelivery) are counted once by count()", async () => {
      const s = await fresh();
      const withIds = Array.from({ length: 50 }, (_, i) => event(i));
      // Without client ids: content ids, the same on every delivery even
      // though the receive time differs; a repeat within one write is kept.
      const noIds = () => [
        event(100, { event_id: "" }),
        event(100, { event_id: "" }),
        event(101, { event_id: "", text: TRICKY }),
      ];
      await s.events.write(withIds);
      await s.events.write(noIds());
      await s.events.write(withIds.slice(10, 30));
      await s.events.write(noIds().map((r) => ({ ...r, received_at: r.received_at + 5_000 })));
      await s.conn.insert("events_data", withIds.slice(0, 5));
      expect(await s.conn.query(`SELECT count() AS n FROM ${s.conn.database}.events`)).toEqual([
        { n: "53" },
      ]);
      const ids = await s.conn.query<{ event_id: string }>(
        `SELECT event_id FROM ${s.conn.database}.events WHERE ts >= {from:DateTime} ORDER BY event_id`,
        { from: "2025-05-01 12:00:00" },
      );
      expect(ids.filter((r) => r.event_id.startsWith("h:")).map((r) => r.event_id)).toHaveLength(3);
      expect(ids.filter((r) => r.event_id.endsWith("#1"))).toHaveLength(1);
    });

    test("the incidents view shows only the latest version, whatever the write order", async () => {
      const s = await fresh();
      await s.incidents.write([incident("inc-1", 1)]);
      await s.incidents.write([incident("inc-2", 1)]);
      await s.incidents.write([incident("inc-1", 3, { status: "resolved", resolved_at: 9 })]);
      await s.incidents.write([incident("inc-1", 2, { status: "acknowledged" })]);
      await s.incidents.write([incident("inc-1", 3, { status: "resolved", resolved_at: 9 })]);
      const rows = await s.conn.query<{ incident_id: string; version: string; status: string }>(
        `SELECT incident_id, version, status FROM ${s.conn.database}.incidents ORDER BY incident_id`,
      );
      expect(rows.map((r) => [r.incident_id, n(r.version), r.status])).toEqual([
        ["inc-1", 3, "resolved"],
        ["inc-2", 1, "open"],
      ]);
    });

    test("a retried rejections INSERT is stored once; the same rejections sent again are new rows", async () => {
      const s = await fresh();
      // The INSERT lands but its answer is lost: the writer retries it.
      let failNext = true;
      const flaky: SinkConnection = {
        kind: s.conn.kind,
        dialect: s.conn.dialect,
        database: s.conn.database,
        command: (sql) => s.conn.command(sql),
        query: <T>(sql: string, params?: QueryParams) => s.conn.query<T>(sql, params),
        close: async () => {},
        async insert(table, rows) {
          await s.conn.insert(table, rows);
          if (failNext) {
            failNext = false;
            throw new SinkError("connection reset after INSERT (simulated)", { retryable: true });
          }
        },
      };
      const writer = new TableWriter<RejectionRow>(flaky, REJECTED_EVENTS_DATA.name, {
        prepare: fillRejectionIds,
        lingerMs: 5,
        retryBaseMs: 1,
      });
      const count = async () =>
        (await s.conn.query(`SELECT count() AS n FROM ${s.conn.database}.rejected_events`))[0];
      try {
        await writer.write([rejection(1), rejection(1), rejection(2)]);
        expect(writer.stats().retries).toBe(1);
        expect(await count()).toEqual({ n: "3" });
        // Identical bad input in another request is another rejection.
        await writer.write([rejection(1), rejection(1), rejection(2)]);
        expect(await count()).toEqual({ n: "6" });
      } finally {
        await writer.close();
      }
    });

    test("rows the engine cannot take go to rejected_events; the rest are written", async () => {
      const s = await fresh();
      const bad = { ...event(3), ts: "not a time" } as unknown as ReturnType<typeof event>;
      await s.events.write([event(1), event(2), bad, event(4)]);
      expect(await s.conn.query(`SELECT count() AS n FROM ${s.conn.database}.events`)).toEqual([
        { n: "3" },
      ]);
      const rej = await s.conn.query<{ code: string; source: string; event_id: string }>(
        `SELECT code, source, event_id, reason FROM ${s.conn.database}.rejected_events`,
      );
      expect(rej).toMatchObject([
        { code: "SINK_REJECTED", source: "events_data", event_id: "ev-3" },
      ]);
      expect(s.stats().tables.events_data).toMatchObject({ rowsWritten: 3, rejectedRows: 1 });
    });
  });

  describe("connection", () => {
    test("parameters are bound, never pasted: hostile text round-trips", async () => {
      const s = await fresh();
      const evil = "pay'ments\"; DROP TABLE events; --\\ {x:String} ` /* */";
      await s.events.write([event(1, { service: evil }), event(2)]);
      const rows = await s.conn.query<{ service: string; n: string }>(
        `SELECT service, count() AS n FROM ${s.conn.database}.events
         WHERE service = {svc:String} AND value >= {min:Float64} AND count < {max:UInt32}
         GROUP BY service`,
        { svc: evil, min: 0, max: 10 },
      );
      expect(rows).toEqual([{ service: evil, n: "1" }]);
      expect(
        await s.conn.query("SELECT {a:String} AS a, '{b:String}' AS b", {
          a: TRICKY.replace("\u0000", ""),
        }),
      ).toEqual([{ a: TRICKY.replace("\u0000", ""), b: "{b:String}" }]);
    });

    test("errors are SinkErrors: bad SQL and unknown tables are not retryable", async () => {
      const s = await fresh();
      const syntax = await s.conn.query("SELEC 1").catch((e: unknown) => e);
      expect(syntax).toBeInstanceOf(SinkError);
      expect(syntax).toMatchObject({ code: "SINK_ERROR", retryable: false, clickhouseCode: 62 });
      expect((syntax as Error).message).not.toContain("\n");
      const unknown = await s.conn.query("SELECT * FROM nope_nope").catch((e: unknown) => e);
      expect(unknown).toMatchObject({ retryable: false, clickhouseCode: 60 });
    });
  });

  describe("query pack", () => {
    const now = Date.now();
    let seeded: Sink;
    beforeAll(async () => {
      seeded = await target().open({ lingerMs: 5 });
      await seedPack(seeded, now);
    });
    afterAll(async () => {
      await seeded?.close();
    });
    const run = (name: string, params: Record<string, string> = {}) =>
      runPackQuery(seeded.conn, name, params);

    test.each(QUERY_PACK.map((q) => q.name))("%s is tested below", (name) => {
      expect(PACK_TESTED).toContain(name);
    });

    test("open_incidents_by_impact", async () => {
      const rows = await run("open_incidents_by_impact");
      expect(
        rows.map((r) => [r.incident_id, r.tenant, r.status, n(r.customers_affected_per_min)]),
      ).toEqual([
        ["inc-a", "default", "open", 1200],
        ["inc-b", "default", "acknowledged", 300],
        ["inc-f", "acme", "open", 0],
      ]);
      expect(n(rows[0]?.open_minutes)).toBeGreaterThanOrEqual(29.9);
      const acme = await run("open_incidents_by_impact", { tenant: "acme", limit: "5" });
      expect(acme.map((r) => r.incident_id)).toEqual(["inc-f"]);
      expect((await run("open_incidents_by_impact", { limit: "1" })).length).toBe(1);
    });

    test("incident_timeline", async () => {
      const rows = await run("incident_timeline", { incident: "inc-a" });
      expect(rows.map((r) => [r.type, r.service, r.actor, n(r.version)])).toEqual([
        ["opened", "payments-db", "", 1],
        ["member_added", "payments", "", 2],
        ["root_cause_changed", "payments-db", "", 3],
        ["acknowledged", "", "alice", 4],
      ]);
      await expect(run("incident_timeline")).rejects.toThrow(/needs --param incident/);
    });

    test("mtta_mttr_by_team", async () => {
      const rows = await run("mtta_mttr_by_team");
      expect(
        rows.map((r) => [
          r.team,
          n(r.incidents),
          n(r.acknowledged),
          n(r.mtta_minutes),
          n(r.resolved),
          n(r.mttr_minutes),
          n(r.mttr_p90_minutes),
        ]),
      ).toEqual([
        ["payments", 4, 3, 13.33, 3, 73.33, 120],
        ["(unrouted)", 1, 0, null, 0, null, null],
        ["search", 1, 1, 10, 0, null, null],
      ]);
    });

    test("top_root_cause_services", async () => {
      const rows = await run("top_root_cause_services");
      expect(
        rows.map((r) => [r.service, n(r.incidents), n(r.customers_affected_per_min), r.teams]),
      ).toEqual([
        ["payments-db", 3, 1330, ["payments"]],
        ["search", 1, 300, ["search"]],
        ["recommendations", 1, 0, [""]],
      ]);
      const month = await run("top_root_cause_services", { days: "30", limit: "1" });
      expect(month.map((r) => [r.service, n(r.incidents)])).toEqual([["payments-db", 4]]);
    });

    test("noisiest_alert_sources", async () => {
      const rows = await run("noisiest_alert_sources");
      expect(
        rows.map((r) => [
          r.source,
          r.service,
          r.alert,
          n(r.alerts),
          n(r.firing),
          n(r.fingerprints),
        ]),
      ).toEqual([
        ["prometheus", "payments-db", "HighErrorRate", 5, 4, 2],
        ["prometheus", "search", "LatencyHigh", 3, 3, 1],
        ["grafana", "cart", "Disk", 1, 1, 1],
      ]);
    });

    test("journey_error_budget", async () => {
      const rows = await run("journey_error_budget");
      expect(
        rows.map((r) => [
          r.journey,
          n(r.completed),
          n(r.failed),
          n(r.slo_target),
          n(r.error_budget_remaining),
          n(r.burn_rate_window),
          n(r.burn_rate_short),
        ]),
      ).toEqual([
        ["checkout", 990, 10, 0.99, 0, 1, 2],
        ["login", 2000, 1, 0.999, 0.5002, 0.5, 0],
      ]);
      const strict = await run("journey_error_budget", { target: "0.9999" });
      expect(strict.map((r) => [r.journey, n(r.slo_target)])).toEqual([
        ["login", 0.9999],
        ["checkout", 0.99],
      ]);
      await expect(run("journey_error_budget", { target: "1" })).rejects.toThrow(/ratio/);
    });

    test("prediction_precision_lead_time", async () => {
      const rows = await run("prediction_precision_lead_time");
      expect(
        rows.map((r) => [
          r.target_kind,
          r.target,
          n(r.predictions),
          n(r.true_positives),
          n(r.false_alarms),
          n(r.pending),
          n(r.precision),
          n(r.median_lead_minutes),
          n(r.min_lead_minutes),
        ]),
      ).toEqual([
        ["(all)", "", 5, 3, 1, 1, 0.75, 20, 10],
        ["journey", "checkout", 2, 0, 1, 1, 0, null, null],
        ["service", "payments", 1, 1, 0, 0, 1, 30, 30],
        ["service", "payments-db", 1, 1, 0, 0, 1, 20, 20],
        ["service", "search", 1, 1, 0, 0, 1, 10, 10],
      ]);
    });

    test("rejected_by_reason", async () => {
      const rows = await run("rejected_by_reason");
      expect(
        rows.map((r) => [r.code, r.front_end, n(r.rejected), n(r.sources), r.example_reason]),
      ).toEqual([
        ["INVALID_TIMESTAMP", "grpc", 3, 2, "a reason"],
        ["INVALID_TIMESTAMP", "nats", 1, 1, "ts is in the future (4)"],
        ["MISSING_FIELD", "nats", 1, 1, "ts is in the future (5)"],
      ]);
    });

    test("unknown queries and parameters are refused with the known names", async () => {
      await expect(run("nope")).rejects.toThrow(/known: open_incidents_by_impact/);
      await expect(run("rejected_by_reason", { nope: "1" })).rejects.toThrow(/takes: tenant, days/);
      await expect(run("rejected_by_reason", { days: "-1" })).rejects.toThrow(
        /non-negative integer/,
      );
    });
  });
}

/** PACK_TESTED names the pack queries the block above checks, so a new query without a test fails. */
const PACK_TESTED = [
  "open_incidents_by_impact",
  "incident_timeline",
  "mtta_mttr_by_team",
  "top_root_cause_services",
  "noisiest_alert_sources",
  "journey_error_budget",
  "prediction_precision_lead_time",
  "rejected_by_reason",
];
