// Rendering the logical schema per engine: dialects, DDL for one node and for
// a cluster, the legacy mapping, retention, migrations.
import { describe, expect, test } from "vitest";
import {
  compareVersions,
  dialectForVersion,
  legacyDialect,
  modernDialect,
} from "../../src/sinks/dialect.js";
import { partitionEnd } from "../../src/sinks/retention.js";
import {
  ALL_TABLES,
  createTableSql,
  createViewSql,
  EVENTS_DATA,
  INCIDENT_VERSIONS,
  MIGRATIONS,
  physicalColumns,
  SCHEMA_VERSION,
  sortingKey,
  ttlExpression,
} from "../../src/sinks/schema/index.js";

const modern = { dialect: modernDialect("26.7.2.1"), database: "impactd" };
const legacy = { dialect: legacyDialect("18.16.1"), database: "impactd" };

describe("dialects", () => {
  test("the version picks the mapping; too old or unreadable versions are refused", () => {
    expect(dialectForVersion("18.16.1").name).toBe("legacy");
    expect(dialectForVersion("22.2.9").name).toBe("legacy");
    expect(dialectForVersion("22.3.1.1").name).toBe("modern");
    expect(dialectForVersion("26.7.2.1").name).toBe("modern");
    expect(dialectForVersion("26.7.2.1", "legacy").name).toBe("legacy");
    expect(() => dialectForVersion("18.14.9")).toThrow(/supports 18.16 and later/);
    expect(() => dialectForVersion("banana")).toThrow(/cannot read the ClickHouse version/);
    expect(compareVersions("19.1", "18.16.1")).toBeGreaterThan(0);
    expect(compareVersions("18.16", "18.16.0")).toBe(0);
  });
});

describe("physical columns", () => {
  test("every table's physical column names are unique on both mappings", () => {
    for (const d of [modern.dialect, legacy.dialect]) {
      for (const t of ALL_TABLES) {
        const names = physicalColumns(t, d).map((p) => p.name);
        expect(new Set(names).size, `${t.name} (${d.name})`).toBe(names.length);
      }
    }
  });

  test("legacy: timestamps are part of the identity with their milliseconds", () => {
    expect(sortingKey(EVENTS_DATA, legacy.dialect)).toEqual([
      "tenant",
      "service",
      "ts",
      "ts_ms",
      "event_id",
    ]);
    expect(sortingKey(EVENTS_DATA, modern.dialect)).toEqual([
      "tenant",
      "service",
      "ts",
      "event_id",
    ]);
  });
});

describe("DDL", () => {
  test("one node, modern: logical types, dedup window, TTL when retention is set", () => {
    const [sql] = createTableSql({ ...modern, retentionDays: { events_data: 30 } }, EVENTS_DATA);
    expect(sql).toContain("CREATE TABLE IF NOT EXISTS impactd.events_data (");
    expect(sql).toContain("  ts DateTime64(3, 'UTC'),");
    expect(sql).toContain("  labels Map(String, String)");
    expect(sql).toContain("ENGINE = ReplacingMergeTree\nPARTITION BY toYYYYMMDD(ts)");
    expect(sql).toContain("ORDER BY (tenant, service, ts, event_id)");
    expect(sql).toContain("TTL toDateTime(ts) + toIntervalDay(30)");
    expect(sql).toContain("SETTINGS non_replicated_deduplication_window = 1000");
  });

  test("one node, legacy: 18.16 types only, no TTL, no unknown settings", () => {
    const [sql] = createTableSql({ ...legacy, retentionDays: { events_data: 30 } }, EVENTS_DATA);
    expect(sql).toContain("  tenant String,");
    expect(sql).toContain("  ts DateTime('UTC'),\n  ts_ms UInt16,");
    expect(sql).toContain("  labels Nested(key String, value String)");
    expect(sql).not.toMatch(/LowCardinality|DateTime64|Map\(|TTL|SETTINGS/);
    const [inc] = createTableSql(legacy, INCIDENT_VERSIONS);
    expect(inc).toContain(
      "acknowledged_at Nullable(DateTime('UTC')),\n  acknowledged_at_ms UInt16,",
    );
    expect(inc).toContain("ENGINE = ReplacingMergeTree(version)");
  });

  test("cluster: replicated local tables, a Distributed table, views, all ON CLUSTER", () => {
    const ctx = { ...modern, cluster: "prod" };
    const [local, dist] = createTableSql(ctx, INCIDENT_VERSIONS);
    expect(local).toContain(
      "CREATE TABLE IF NOT EXISTS impactd.incident_versions_local ON CLUSTER prod (",
    );
    expect(local).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/impactd/incident_versions_local', '{replica}', version)",
    );
    expect(local).not.toContain("non_replicated_deduplication_window");
    expect(dist).toBe(
      "CREATE TABLE IF NOT EXISTS impactd.incident_versions ON CLUSTER prod AS impactd.incident_versions_local\nENGINE = Distributed(prod, impactd, incident_versions_local, cityHash64(tenant, incident_id))",
    );
    expect(createViewSql(ctx, INCIDENT_VERSIONS)).toEqual([
      "CREATE VIEW IF NOT EXISTS impactd.incidents ON CLUSTER prod AS\nSELECT * FROM impactd.incident_versions FINAL",
    ]);
  });

  test("retention: TTL expression, and which partitions are past it", () => {
    expect(ttlExpression(EVENTS_DATA, 0)).toBeUndefined();
    expect(ttlExpression(EVENTS_DATA, 7)).toBe("toDateTime(ts) + toIntervalDay(7)");
    expect(partitionEnd("20250501")).toBe(Date.UTC(2025, 4, 2));
    expect(partitionEnd("202505")).toBe(Date.UTC(2025, 5, 1));
    expect(partitionEnd("202512")).toBe(Date.UTC(2026, 0, 1));
    expect(partitionEnd("tuple()")).toBeUndefined();
  });
});

describe("migrations", () => {
  test("versions increase; the newest is SCHEMA_VERSION; steps render on every mapping", () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual([1, 2, 3, 4, 5]);
    expect(SCHEMA_VERSION).toBe(5);
    for (const ctx of [modern, legacy, { ...modern, cluster: "c" }]) {
      for (const m of MIGRATIONS) expect(m.steps(ctx).length).toBeGreaterThan(0);
    }
  });

  test("migration 1 still creates the skeleton's tables, as it shipped", () => {
    const sql = MIGRATIONS[0]?.steps(modern).map((s) => (s.kind === "sql" ? s.sql : "")) ?? [];
    expect(sql[0]).toContain("CREATE TABLE IF NOT EXISTS impactd.events (");
    expect(sql[0]).toContain(
      "ENGINE = MergeTree\nPARTITION BY toYYYYMMDD(ts)\nORDER BY (tenant, service, ts)",
    );
    expect(sql.some((s) => s.includes("CREATE VIEW IF NOT EXISTS impactd.incidents AS"))).toBe(
      true,
    );
    const rejected = sql.find((s) => s.includes("impactd.rejected_events ("));
    expect(rejected).toContain("ENGINE = MergeTree\nORDER BY (tenant, received_at)");
    expect(rejected).not.toContain("rejection_id");
  });

  test("migrations 2 and 3 create eval_reports and the notifications outbox as they shipped", () => {
    const sql = (i: number) =>
      MIGRATIONS[i]?.steps(modern).map((s) => (s.kind === "sql" ? s.sql : "")) ?? [];
    const columns = (ddl: string | undefined) =>
      (ddl ?? "")
        .slice((ddl ?? "").indexOf("(") + 1, (ddl ?? "").indexOf("\n) "))
        .split(",\n")
        .map((l) => l.trim());
    const [evals] = sql(1);
    expect(evals).toContain("CREATE TABLE IF NOT EXISTS impactd.eval_reports (");
    expect(evals).toContain("ENGINE = MergeTree\nORDER BY (created_at, run_id)");
    // The columns main shipped in migration 2 (src/eval/store.ts writes them).
    expect(columns(evals)).toEqual([
      "run_id String",
      "created_at DateTime64(3, 'UTC')",
      "impactd_version String",
      "seed Int64",
      "cases UInt32",
      "estates Array(String)",
      "rca_top1 Nullable(Float64)",
      "rca_top3 Nullable(Float64)",
      "missed_faults UInt32",
      "noise_reduction Nullable(Float64)",
      "detection_latency_p50_ms Nullable(Float64)",
      "detection_latency_p95_ms Nullable(Float64)",
      "prediction_lead_time_median_s Nullable(Float64)",
      "prediction_false_alarm_rate Nullable(Float64)",
      "impact_error Nullable(Float64)",
      "deterministic Nullable(UInt8)",
      "report String",
    ]);
    const [outbox, view] = sql(2);
    expect(outbox).toContain(
      "ENGINE = ReplacingMergeTree(revision)\nPARTITION BY toYYYYMM(created_at)\nORDER BY (tenant, notification_id)",
    );
    expect(view).toBe(
      "CREATE VIEW IF NOT EXISTS impactd.notifications AS\nSELECT * FROM impactd.notifications_data FINAL",
    );
    // The columns main shipped in migration 3 (src/notify/rows.ts writes them).
    expect(columns(outbox).map((c) => c.split(" ")[0])).toEqual([
      "tenant",
      "notification_id",
      "revision",
      "incident_id",
      "incident_version",
      "change",
      "changes",
      "action",
      "ts",
      "team",
      "target",
      "kind",
      "address",
      "dedup_key",
      "paged",
      "tiers",
      "incident_status",
      "severity",
      "root_cause",
      "status",
      "attempts",
      "last_error",
      "deliver_after",
      "created_at",
      "delivered_at",
      "payload",
      "written_at",
    ]);
  });
});
