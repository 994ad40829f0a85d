// The ClickHouse schema, as an ordered list of versioned migrations. The
// program creates and migrates it (see migrate.ts), never a human. Append new
// migrations; never edit one that has shipped. Every statement is idempotent
// (IF NOT EXISTS) so a migration interrupted half way can simply run again.

/** Migration is one schema version: statements applied in order, once. */
export interface Migration {
  /** Version number; migrations are applied in increasing order. */
  readonly version: number;
  /** Short description, stored in schema_migrations. */
  readonly name: string;
  /** Idempotent DDL statements, one statement per string. */
  readonly statements: readonly string[];
}

/** SCHEMA_MIGRATIONS_TABLE records which migrations a database has applied. */
export const SCHEMA_MIGRATIONS_TABLE = "schema_migrations";
/** EVENTS_TABLE holds every accepted raw event, for audit and replay. */
export const EVENTS_TABLE = "events";
/** INCIDENT_VERSIONS_TABLE holds one row per incident version. */
export const INCIDENT_VERSIONS_TABLE = "incident_versions";
/** INCIDENTS_VIEW shows only the latest version of each incident. */
export const INCIDENTS_VIEW = "incidents";
/** REJECTED_EVENTS_TABLE holds every refused event or payload with its reason. */
export const REJECTED_EVENTS_TABLE = "rejected_events";
/** EVAL_REPORTS_TABLE holds one row per `impactd eval` run: headline metrics and the full report. */
export const EVAL_REPORTS_TABLE = "eval_reports";
/** NOTIFICATIONS_TABLE is the notifier's outbox: one row per revision of each notification. */
export const NOTIFICATIONS_TABLE = "notifications_data";
/** NOTIFICATIONS_VIEW shows only the latest revision of each notification. */
export const NOTIFICATIONS_VIEW = "notifications";

/**
 * DEDUP_SETTINGS makes a retried INSERT of an identical block a no-op: a write
 * that timed out after it landed is retried by TableWriter, and must not leave
 * duplicates behind (the window counts blocks, per table).
 */
const DEDUP_SETTINGS = "SETTINGS non_replicated_deduplication_window = 1000";

/** SCHEMA_MIGRATIONS_DDL creates the bookkeeping table itself (not a migration). */
export const SCHEMA_MIGRATIONS_DDL = `CREATE TABLE IF NOT EXISTS ${SCHEMA_MIGRATIONS_TABLE} (
  version UInt32,
  name String,
  applied_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree
ORDER BY version`;

/** MIGRATIONS is the schema history, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "events, incident versions, incidents view, rejected events",
    statements: [
      `CREATE TABLE IF NOT EXISTS ${EVENTS_TABLE} (
  tenant LowCardinality(String),
  ts DateTime64(3, 'UTC'),
  received_at DateTime64(3, 'UTC'),
  event_id String,
  source LowCardinality(String),
  kind LowCardinality(String),
  service LowCardinality(String),
  journey LowCardinality(String),
  step String,
  status LowCardinality(String),
  metric LowCardinality(String),
  name String,
  severity LowCardinality(String),
  fingerprint String,
  value Float64,
  count UInt32,
  scale LowCardinality(String),
  channel String,
  device_id String,
  version String,
  text String,
  labels Map(String, String)
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (tenant, service, ts)
${DEDUP_SETTINGS}`,
      `CREATE TABLE IF NOT EXISTS ${INCIDENT_VERSIONS_TABLE} (
  tenant LowCardinality(String),
  incident_id String,
  version UInt64,
  status LowCardinality(String),
  severity LowCardinality(String),
  title String,
  opened_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC'),
  acknowledged_at Nullable(DateTime64(3, 'UTC')),
  mitigated_at Nullable(DateTime64(3, 'UTC')),
  resolved_at Nullable(DateTime64(3, 'UTC')),
  services Array(String),
  root_cause String,
  root_cause_score Float64,
  candidates Array(String),
  candidate_scores Array(Float64),
  candidate_reasons Array(String),
  alert_count UInt32,
  team String,
  journeys Array(String),
  customers_affected_per_min Float64,
  written_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(opened_at)
ORDER BY (tenant, incident_id)
${DEDUP_SETTINGS}`,
      // FINAL collapses versions at read time, so queries never see an older
      // version that background merges have not yet removed.
      `CREATE VIEW IF NOT EXISTS ${INCIDENTS_VIEW} AS
SELECT * FROM ${INCIDENT_VERSIONS_TABLE} FINAL`,
      `CREATE TABLE IF NOT EXISTS ${REJECTED_EVENTS_TABLE} (
  tenant LowCardinality(String),
  received_at DateTime64(3, 'UTC'),
  ts Nullable(DateTime64(3, 'UTC')),
  front_end LowCardinality(String),
  source String,
  code LowCardinality(String),
  reason String,
  event_id String,
  payload String
) ENGINE = MergeTree
ORDER BY (tenant, received_at)
${DEDUP_SETTINGS}`,
    ],
  },
  {
    version: 2,
    name: "eval reports",
    statements: [
      // Headline figures as columns, to chart runs over time with plain SQL;
      // the full JSON report (breakdowns, per-case results) beside them.
      `CREATE TABLE IF NOT EXISTS ${EVAL_REPORTS_TABLE} (
  run_id String,
  created_at DateTime64(3, 'UTC'),
  impactd_version String,
  seed Int64,
  cases UInt32,
  estates Array(String),
  rca_top1 Nullable(Float64),
  rca_top3 Nullable(Float64),
  missed_faults UInt32,
  noise_reduction Nullable(Float64),
  detection_latency_p50_ms Nullable(Float64),
  detection_latency_p95_ms Nullable(Float64),
  prediction_lead_time_median_s Nullable(Float64),
  prediction_false_alarm_rate Nullable(Float64),
  impact_error Nullable(Float64),
  deterministic Nullable(UInt8),
  report String
) ENGINE = MergeTree
ORDER BY (created_at, run_id)
${DEDUP_SETTINGS}`,
    ],
  },
  {
    version: 3,
    name: "notifications outbox and view",
    statements: [
      // Written pending before a send and again after each attempt, so a
      // restart resends what was in flight with the same id (src/notify).
      `CREATE TABLE IF NOT EXISTS ${NOTIFICATIONS_TABLE} (
  tenant LowCardinality(String),
  notification_id String,
  revision UInt32,
  incident_id String,
  incident_version UInt64,
  change LowCardinality(String),
  changes Array(String),
  action LowCardinality(String),
  ts DateTime64(3, 'UTC'),
  team LowCardinality(String),
  target String,
  kind LowCardinality(String),
  address String,
  dedup_key String,
  paged Array(String),
  tiers Array(UInt8),
  incident_status LowCardinality(String),
  severity LowCardinality(String),
  root_cause String,
  status LowCardinality(String),
  attempts UInt32,
  last_error String,
  deliver_after DateTime64(3, 'UTC'),
  created_at DateTime64(3, 'UTC'),
  delivered_at Nullable(DateTime64(3, 'UTC')),
  payload String,
  written_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMM(created_at)
ORDER BY (tenant, notification_id)
${DEDUP_SETTINGS}`,
      `CREATE VIEW IF NOT EXISTS ${NOTIFICATIONS_VIEW} AS
SELECT * FROM ${NOTIFICATIONS_TABLE} FINAL`,
    ],
  },
];

/** SCHEMA_VERSION is the newest schema version this build knows. */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
