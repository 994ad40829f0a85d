// The logical schema of every table impactd writes, newest version. Column
// types are chosen on purpose: LowCardinality for names with few distinct
// values (tenants, services, kinds, states), DateTime64(3, 'UTC') for event
// times (milliseconds matter to ordering and lead times), Float64 for
// measurements, plain String for ids and free text. docs/SCHEMA.md documents
// each table; a test keeps the two in step.
import type { ColumnDef, TableDef } from "./types.js";

const DT = "DateTime64(3, 'UTC')";
const NDT = "Nullable(DateTime64(3, 'UTC'))";
const LC = "LowCardinality(String)";

const c = (name: string, type: string, doc: string): ColumnDef => ({ name, type, doc });

const tenant = c("tenant", LC, "Tenant the row belongs to (default `default`).");
const writtenAt = c("written_at", DT, "When impactd wrote the row (wall clock).");

/** EVENT_COLUMNS are the columns of `events`, as migration 1 created them. */
export const EVENT_COLUMNS: readonly ColumnDef[] = [
  tenant,
  c("ts", DT, "Event time."),
  c("received_at", DT, "When impactd received the event (wall clock)."),
  c(
    "event_id",
    "String",
    "Client id, or `h:` + a hash of tenant and content when the client sent none.",
  ),
  c("source", LC, "Who sent it (e.g. `prometheus`, `otel-collector`)."),
  c(
    "kind",
    LC,
    "health_check, metric, alert, change, journey_signal, feedback, device_telemetry, incident_action.",
  ),
  c("service", LC, "Service the event is about (empty for journey signals and feedback)."),
  c("journey", LC, "Journey of a journey signal or feedback."),
  c("step", "String", "Journey step of a journey signal."),
  c("status", LC, "Health status, alert state, change kind, journey outcome or incident action."),
  c(
    "metric",
    LC,
    "Metric name: error_rate, latency_p99_ms, saturation, throughput or a custom name.",
  ),
  c("name", "String", "Alert name; for incident actions the incident id."),
  c("severity", LC, "Alert severity: info, warning, error, critical."),
  c("fingerprint", "String", "Alert fingerprint (identity of one alert across firings)."),
  c("value", "Float64", "Metric value, feedback score or journey-signal count."),
  c("count", "UInt32", "Journey-signal count."),
  c("scale", LC, "Feedback scale: nps or csat."),
  c("channel", "String", "Feedback channel; for incident actions the actor."),
  c("device_id", "String", "Device of device telemetry."),
  c("version", "String", "Version of a change (deploy)."),
  c(
    "text",
    "String",
    "Health-check message, alert summary, change description, feedback text or action note.",
  ),
  c("labels", "Map(String, String)", "Alert labels."),
];

/** EVENTS_DATA is `events`' storage: deduplicated on (tenant, service, ts, event_id). */
export const EVENTS_DATA: TableDef = {
  name: "events_data",
  view: "events",
  doc: "Every accepted raw event, for audit and replay.",
  columns: EVENT_COLUMNS,
  engine: "ReplacingMergeTree",
  partitionBy: "toYYYYMMDD(ts)",
  orderBy: ["tenant", "service", "ts", "event_id"],
  retentionColumn: "ts",
  shardKey: "cityHash64(tenant, event_id)",
};

/** INCIDENT_VERSIONS is one row per incident version; `incidents` shows the latest. */
export const INCIDENT_VERSIONS: TableDef = {
  name: "incident_versions",
  view: "incidents",
  doc: "One row per incident version; the view keeps the highest version of each incident.",
  columns: [
    tenant,
    c("incident_id", "String", "Stable incident id (`inc-<opened, base 36>-<first service>`)."),
    c("version", "UInt64", "Increases with every change; the highest wins."),
    c("status", LC, "open, acknowledged, mitigated, resolved, merged."),
    c("severity", LC, "critical, high, medium, low (from impact, not alert labels)."),
    c("title", "String", "One-line summary."),
    c("opened_at", DT, "Event time the incident opened."),
    c("updated_at", DT, "Event time of the latest change."),
    c("acknowledged_at", NDT, "When it was acknowledged, if it was."),
    c("mitigated_at", NDT, "When it was mitigated, if it was."),
    c("resolved_at", NDT, "When it was resolved, if it was."),
    c("services", "Array(String)", "Member services, in the order they joined."),
    c("root_cause", "String", "Top root-cause candidate."),
    c("root_cause_score", "Float64", "Score of the top candidate (0-1)."),
    c("candidates", "Array(String)", "Root-cause candidates, best first."),
    c("candidate_scores", "Array(Float64)", "Scores of `candidates`, same order."),
    c("candidate_reasons", "Array(String)", "Why each candidate ranks where it does."),
    c("alert_count", "UInt32", "Alerts folded into the incident."),
    c("team", "String", "Team the incident is routed to."),
    c("journeys", "Array(String)", "Customer journeys impacted."),
    c(
      "customers_affected_per_min",
      "Float64",
      "Estimated customers affected per minute, all journeys.",
    ),
    writtenAt,
  ],
  engine: "ReplacingMergeTree",
  versionColumn: "version",
  partitionBy: "toYYYYMM(opened_at)",
  orderBy: ["tenant", "incident_id"],
  retentionColumn: "opened_at",
  shardKey: "cityHash64(tenant, incident_id)",
};

/** REJECTED_EVENTS_DATA is `rejected_events`' storage. */
export const REJECTED_EVENTS_DATA: TableDef = {
  name: "rejected_events_data",
  view: "rejected_events",
  doc: "Every refused event or payload with a stable code and a reason.",
  columns: [
    tenant,
    c("received_at", DT, "When impactd received it."),
    c("ts", NDT, "Event time when it could be read."),
    c("front_end", LC, "grpc, otlp, http, nats, api, or sink (rows the database refused)."),
    c("source", "String", "Sender, when known."),
    c("code", LC, "Stable rejection code (e.g. INVALID_TIMESTAMP, SINK_REJECTED)."),
    c("reason", "String", "What was wrong, naming the field."),
    c("event_id", "String", "Client event id, when there was one."),
    c(
      "payload",
      "String",
      "The offending event as JSON, or an excerpt of the raw bytes (at most 64 KiB).",
    ),
    c(
      "rejection_id",
      "String",
      "Hash of the row's content, its rank among identical rows of one write, and a token of that write.",
    ),
  ],
  engine: "ReplacingMergeTree",
  partitionBy: "toYYYYMMDD(received_at)",
  orderBy: ["tenant", "code", "received_at", "rejection_id"],
  retentionColumn: "received_at",
  shardKey: "cityHash64(tenant, rejection_id)",
};

/** INCIDENT_EVENTS_DATA is the incident timeline. */
export const INCIDENT_EVENTS_DATA: TableDef = {
  name: "incident_events_data",
  view: "incident_events",
  doc: "Incident timeline: one row per change (opened, member added, root cause changed, merged, acknowledged, resolved, ...).",
  columns: [
    tenant,
    c("incident_id", "String", "Incident the entry belongs to."),
    c("ts", DT, "Event time of the change."),
    c("version", "UInt64", "Incident version that carried the change."),
    c(
      "type",
      LC,
      "opened, member_added, member_health, root_cause_changed, merged, acknowledged, resolved (later: routed, escalated, mitigated, reopened).",
    ),
    c("service", LC, "Service the change is about (new member, new root cause), if any."),
    c("actor", "String", "Who acted (acknowledge, resolve), if anyone."),
    c("status", LC, "Incident status after the change."),
    c("severity", LC, "Incident severity after the change."),
    c("root_cause", LC, "Top root-cause candidate after the change."),
    c("detail", "String", "Human-readable detail."),
    writtenAt,
  ],
  engine: "ReplacingMergeTree",
  partitionBy: "toYYYYMMDD(ts)",
  orderBy: ["tenant", "incident_id", "ts", "version", "type", "service"],
  retentionColumn: "ts",
  shardKey: "cityHash64(tenant, incident_id)",
};

/** SERVICE_HEALTH_DATA is the per-service health time series. */
export const SERVICE_HEALTH_DATA: TableDef = {
  name: "service_health_data",
  view: "service_health",
  doc: "Health of each service over time: one row per health change the core decides.",
  columns: [
    tenant,
    c("service", LC, "Service."),
    c("ts", DT, "Event time of the change."),
    c("health", LC, "ok, degraded, down."),
    c("previous", LC, "Health before the change."),
    c("error_rate", "Float64", "Smoothed error rate (0-1) at the change."),
    c("latency_ms", "Float64", "Smoothed p99 latency in ms at the change."),
    c(
      "anomaly_score",
      "Float64",
      "Anomaly score against the learned baseline (0 when not computed).",
    ),
    c("incident_id", "String", "Incident the service belongs to at the change, if known."),
    writtenAt,
  ],
  engine: "ReplacingMergeTree",
  partitionBy: "toYYYYMMDD(ts)",
  orderBy: ["tenant", "service", "ts"],
  retentionColumn: "ts",
  shardKey: "cityHash64(tenant, service)",
};

/** JOURNEY_IMPACT_DATA is the customer-journey impact time series. */
export const JOURNEY_IMPACT_DATA: TableDef = {
  name: "journey_impact_data",
  view: "journey_impact",
  doc: "Impact on each customer journey now: success ratio, customers affected and error-budget burn.",
  columns: [
    tenant,
    c("journey", LC, "Journey."),
    c("ts", DT, "Event time of the estimate."),
    c("incident_id", "String", "Incident causing the impact, if any."),
    c("success_ratio", "Float64", "Estimated success ratio (0-1)."),
    c("customers_per_min", "Float64", "Journey traffic, customers per minute."),
    c(
      "customers_affected_per_min",
      "Float64",
      "Customers per minute failing or abandoning because of the impact.",
    ),
    c("slo_target", "Float64", "SLO target success ratio (e.g. 0.999)."),
    c(
      "burn_rate_short",
      "Float64",
      "Error-budget burn rate over the short window (1 = on budget).",
    ),
    c("burn_rate_long", "Float64", "Error-budget burn rate over the long window."),
    writtenAt,
  ],
  engine: "ReplacingMergeTree",
  partitionBy: "toYYYYMMDD(ts)",
  orderBy: ["tenant", "journey", "ts", "incident_id"],
  retentionColumn: "ts",
  shardKey: "cityHash64(tenant, journey)",
};

/** PREDICTIONS_DATA holds predictions, one row per version; the view shows the latest. */
export const PREDICTIONS_DATA: TableDef = {
  name: "predictions_data",
  view: "predictions",
  doc: "Predicted SLO breaches, each later scored: a new version records the outcome.",
  columns: [
    tenant,
    c("prediction_id", "String", "Stable prediction id."),
    c("version", "UInt64", "1 when made, higher when scored; the highest wins."),
    c("made_at", DT, "Event time the prediction was made."),
    c("target_kind", LC, "service or journey."),
    c("target", LC, "Service or journey name."),
    c(
      "signal",
      LC,
      "Forecast signal (error_rate, latency_p99_ms, success_ratio, ...), empty when the core does not name it.",
    ),
    c("horizon_s", "UInt32", "Seconds from the prediction to the predicted breach."),
    c("predicted_breach_at", NDT, "When the forecast crosses the SLO threshold."),
    c("level", "Float64", "Value of the signal when the prediction was made."),
    c("predicted_value", "Float64", "Forecast value at the horizon."),
    c("threshold", "Float64", "SLO threshold the forecast crosses."),
    c("predicted_customers_affected_per_min", "Float64", "Forecast impact at the horizon."),
    c("outcome", LC, "pending, breached, not_breached."),
    c("breached_at", NDT, "When the breach really happened (outcome breached)."),
    c("scored_at", NDT, "When the outcome was decided, when known."),
    c("incident_id", "String", "Incident linked to the prediction, if any."),
    writtenAt,
  ],
  engine: "ReplacingMergeTree",
  versionColumn: "version",
  partitionBy: "toYYYYMMDD(made_at)",
  orderBy: ["tenant", "prediction_id"],
  retentionColumn: "made_at",
  shardKey: "cityHash64(tenant, prediction_id)",
};

/**
 * NOTIFICATIONS_DATA is the notifier's outbox (src/notify): a row is written
 * pending before a send and again after each attempt, so a restart resends
 * what was in flight with the same id.
 */
export const NOTIFICATIONS_DATA: TableDef = {
  name: "notifications_data",
  view: "notifications",
  doc: "Notifications about incident changes (Alertmanager webhook, PagerDuty, NATS), one row per revision of each; the view keeps the latest.",
  columns: [
    tenant,
    c(
      "notification_id",
      "String",
      "Stable id: a hash of tenant, incident, change, incident version, team and target.",
    ),
    c("revision", "UInt32", "Row revision, raised by every write; the highest wins."),
    c("incident_id", "String", "Incident notified about."),
    c("incident_version", "UInt64", "Incident version the notification describes."),
    c("change", LC, "Main change: opened, routed, rerouted, escalated, root_cause_changed, ..."),
    c("changes", "Array(String)", "Every change the notification reports, the main one first."),
    c("action", LC, "What the receiver should do with its alert: trigger, acknowledge, resolve."),
    c("ts", DT, "Event time of the incident version."),
    c("team", LC, "Team notified."),
    c("target", "String", "Name of the team's notification target."),
    c("kind", LC, "Wire format: alertmanager_webhook, pagerduty, nats."),
    c("address", "String", "URL or NATS subject the payload goes to."),
    c(
      "dedup_key",
      "String",
      "Per-incident key the receiver de-duplicates on (PagerDuty dedup_key).",
    ),
    c("paged", "Array(String)", "On-call handles this notification pages."),
    c("tiers", "Array(UInt8)", "Escalation tier of each paged handle (0 = first)."),
    c("incident_status", LC, "Incident status at that version."),
    c("severity", LC, "Incident severity at that version."),
    c("root_cause", "String", "Top root-cause candidate at that version."),
    c("status", LC, "pending, delivered, failed, superseded."),
    c("attempts", "UInt32", "Delivery attempts so far."),
    c("last_error", "String", "Last delivery error."),
    c(
      "deliver_after",
      DT,
      "Not sent before this wall-clock time (quiet hours); epoch 0 = at once.",
    ),
    c("created_at", DT, "When the notification was decided (wall clock)."),
    c("delivered_at", NDT, "When delivery succeeded."),
    c("payload", "String", "The exact body sent, so a resend is byte for byte the same."),
    writtenAt,
  ],
  engine: "ReplacingMergeTree",
  versionColumn: "revision",
  partitionBy: "toYYYYMM(created_at)",
  orderBy: ["tenant", "notification_id"],
  retentionColumn: "created_at",
  shardKey: "cityHash64(tenant, notification_id)",
};

/** EVAL_REPORT_COLUMNS are the columns of `eval_reports`, as migration 2 created them. */
export const EVAL_REPORT_COLUMNS: readonly ColumnDef[] = [
  c("run_id", "String", "Run id."),
  c("created_at", DT, "When the report was made."),
  c("impactd_version", "String", "impactd version evaluated."),
  c("seed", "Int64", "Seed the fault cases were drawn with."),
  c("cases", "UInt32", "Fault cases run."),
  c("estates", "Array(String)", "Estates the cases ran on."),
  c("rca_top1", "Nullable(Float64)", "Share of real faults whose root service ranked first."),
  c(
    "rca_top3",
    "Nullable(Float64)",
    "Share of real faults whose root service ranked in the top 3.",
  ),
  c("missed_faults", "UInt32", "Real faults no incident explained."),
  c("noise_reduction", "Nullable(Float64)", "1 - incidents / FIRING alert notifications sent."),
  c("detection_latency_p50_ms", "Nullable(Float64)", "Median fault-to-incident latency in ms."),
  c(
    "detection_latency_p95_ms",
    "Nullable(Float64)",
    "95th percentile fault-to-incident latency in ms.",
  ),
  c(
    "prediction_lead_time_median_s",
    "Nullable(Float64)",
    "Median lead time of predictions in seconds.",
  ),
  c(
    "prediction_false_alarm_rate",
    "Nullable(Float64)",
    "The core's own verdicts: false alarms / (hits + false alarms).",
  ),
  c(
    "impact_error",
    "Nullable(Float64)",
    "Customers-affected error pooled over scored fault-minutes: sum of abs(estimate - truth) / sum of truth.",
  ),
  c(
    "deterministic",
    "Nullable(UInt8)",
    "1 when a replay gave identical output (null: not checked).",
  ),
  c("report", "String", "The full report as JSON (breakdowns, per-case results)."),
];

/** EVAL_REPORTS_DATA holds evaluation runs against ground truth (`impactd eval`). */
export const EVAL_REPORTS_DATA: TableDef = {
  name: "eval_reports_data",
  view: "eval_reports",
  doc: "Evaluation runs (`impactd eval`): headline figures as columns, to chart runs with plain SQL, and the full report.",
  columns: EVAL_REPORT_COLUMNS,
  engine: "ReplacingMergeTree",
  partitionBy: "toYYYYMM(created_at)",
  orderBy: ["created_at", "run_id"],
  retentionColumn: "created_at",
  shardKey: "cityHash64(run_id)",
};

/** BENCH_RESULTS_DATA holds benchmark results (bench/result.ts rows). */
export const BENCH_RESULTS_DATA: TableDef = {
  name: "bench_results_data",
  view: "bench_results",
  doc: "Benchmark results, one row per measured case, comparable across runs.",
  columns: [
    c("run_id", "String", "Run id (one `npm run bench`)."),
    c("suite", LC, "Suite (core, ingest, sinks, ...)."),
    c("case", "String", "Case within the suite."),
    c("ran_at", DT, "When the case ran."),
    c("events_per_sec", "Nullable(Float64)", "Throughput, events (or rows) per second."),
    c("p50_ms", "Nullable(Float64)", "Median latency in ms."),
    c("p99_ms", "Nullable(Float64)", "99th percentile latency in ms."),
    c("peak_rss_mb", "Float64", "Peak resident memory in MB."),
    c("params", "Map(String, String)", "Case parameters."),
    c("git_sha", "String", "Commit measured."),
    c("machine", "String", "Machine description."),
    writtenAt,
  ],
  engine: "ReplacingMergeTree",
  partitionBy: "toYYYYMM(ran_at)",
  orderBy: ["suite", "case", "ran_at", "run_id"],
  retentionColumn: "ran_at",
  shardKey: "cityHash64(run_id)",
};

/** SCHEMA_MIGRATIONS is the bookkeeping of applied migrations (not itself migrated). */
export const SCHEMA_MIGRATIONS: TableDef = {
  name: "schema_migrations",
  doc: "Which migrations the database has applied.",
  columns: [
    c("version", "UInt32", "Migration version."),
    c("name", "String", "Migration description."),
    c("applied_at", DT, "When it was applied."),
  ],
  engine: "ReplacingMergeTree",
  orderBy: ["version"],
  shardKey: "version",
};

/** OUTPUT_TABLES are the tables impactd writes results to, in docs order. */
export const OUTPUT_TABLES: readonly TableDef[] = [
  EVENTS_DATA,
  INCIDENT_VERSIONS,
  INCIDENT_EVENTS_DATA,
  SERVICE_HEALTH_DATA,
  JOURNEY_IMPACT_DATA,
  PREDICTIONS_DATA,
  NOTIFICATIONS_DATA,
  REJECTED_EVENTS_DATA,
  EVAL_REPORTS_DATA,
  BENCH_RESULTS_DATA,
];

/** ALL_TABLES is every table of the newest schema, bookkeeping included. */
export const ALL_TABLES: readonly TableDef[] = [...OUTPUT_TABLES, SCHEMA_MIGRATIONS];

/** tableDef finds a table of the newest schema by storage name. */
export function tableDef(name: string): TableDef | undefined {
  return ALL_TABLES.find((t) => t.name === name);
}
