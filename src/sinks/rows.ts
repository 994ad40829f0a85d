// Row types for the tables in schema.ts, one field per column. Timestamps are
// epoch milliseconds (the connection layer converts them for ClickHouse);
// enum-like columns hold lower-case names ("down", "firing", "deploy").
// They are type aliases, not interfaces, so they are assignable to
// Record<string, unknown> (what SinkConnection.insert takes).

/** EventRow is one row of `events`: an accepted raw event. */
export type EventRow = {
  tenant: string;
  /** Event time, epoch ms. */
  ts: number;
  /** When impactd received it, epoch ms. */
  received_at: number;
  event_id: string;
  source: string;
  /** health_check | metric | alert | change | journey_signal | feedback | device_telemetry */
  kind: string;
  service: string;
  journey: string;
  step: string;
  /** Health status, alert state, journey outcome or change kind. */
  status: string;
  /** error_rate | latency_p99_ms | saturation | throughput | a custom name */
  metric: string;
  /** Alert name. */
  name: string;
  severity: string;
  fingerprint: string;
  value: number;
  count: number;
  /** nps | csat */
  scale: string;
  channel: string;
  device_id: string;
  version: string;
  text: string;
  labels: Record<string, string>;
};

/** IncidentRow is one version of one incident in `incident_versions`. */
export type IncidentRow = {
  tenant: string;
  incident_id: string;
  /** Increases with every change; the highest version wins in `incidents`. */
  version: number;
  /** open | acknowledged | mitigated | resolved */
  status: string;
  severity: string;
  title: string;
  opened_at: number;
  updated_at: number;
  acknowledged_at: number | null;
  mitigated_at: number | null;
  resolved_at: number | null;
  services: string[];
  root_cause: string;
  root_cause_score: number;
  /** Root-cause candidates, best first, with their scores and reasons at the same index. */
  candidates: string[];
  candidate_scores: number[];
  candidate_reasons: string[];
  alert_count: number;
  team: string;
  journeys: string[];
  customers_affected_per_min: number;
  /** When this version was written, epoch ms. */
  written_at: number;
};

/** RejectionRow is one refused event or payload in `rejected_events`. */
export type RejectionRow = {
  tenant: string;
  received_at: number;
  /** Event time when it could be read, else null. */
  ts: number | null;
  /** grpc | otlp | http | nats | core */
  front_end: string;
  source: string;
  /** Stable rejection code (a metric label too). */
  code: string;
  reason: string;
  event_id: string;
  /** The offending event as JSON, or an excerpt of the raw bytes; at most 64 KiB. */
  payload: string;
  /** Filled by the sink (ids.ts) when missing: a hash of the content. */
  rejection_id?: string;
};

/**
 * IncidentEventRow is one entry of an incident's timeline in
 * `incident_events`. `type` is one of INCIDENT_EVENT_TYPES (more may come:
 * routed, escalated, mitigated, reopened).
 */
export type IncidentEventRow = {
  tenant: string;
  incident_id: string;
  /** Event time of the change, epoch ms. */
  ts: number;
  /** Incident version that carried the change. */
  version: number;
  type: string;
  /** Service the change is about (new member, new root cause), or "". */
  service: string;
  /** Who acted (acknowledge, resolve), or "". */
  actor: string;
  /** Incident status, severity and top root cause after the change. */
  status: string;
  severity: string;
  root_cause: string;
  detail: string;
  written_at: number;
};

/** ServiceHealthRow is one health change of a service in `service_health`. */
export type ServiceHealthRow = {
  tenant: string;
  service: string;
  ts: number;
  /** ok | degraded | down */
  health: string;
  previous: string;
  error_rate: number;
  latency_ms: number;
  /** 0 until the core computes one. */
  anomaly_score: number;
  /** Incident the service belongs to, or "". */
  incident_id: string;
  written_at: number;
};

/** JourneyImpactRow is one estimate of a journey's impact in `journey_impact`. */
export type JourneyImpactRow = {
  tenant: string;
  journey: string;
  ts: number;
  incident_id: string;
  success_ratio: number;
  customers_per_min: number;
  customers_affected_per_min: number;
  slo_target: number;
  burn_rate_short: number;
  burn_rate_long: number;
  written_at: number;
};

/**
 * PredictionRow is one version of a prediction in `predictions`: version 1
 * when made (outcome "pending"), a higher version when scored.
 */
export type PredictionRow = {
  tenant: string;
  prediction_id: string;
  version: number;
  made_at: number;
  /** service | journey */
  target_kind: string;
  target: string;
  signal: string;
  horizon_s: number;
  predicted_breach_at: number | null;
  /** Value of the signal when the prediction was made. */
  level: number;
  predicted_value: number;
  threshold: number;
  predicted_customers_affected_per_min: number;
  /** pending | breached | not_breached */
  outcome: string;
  breached_at: number | null;
  scored_at: number | null;
  incident_id: string;
  written_at: number;
};

/**
 * EvalReportRow is one evaluation run in `eval_reports` (src/eval/store.ts):
 * headline figures (null where the run could not compute them) and the report.
 */
export type EvalReportRow = {
  run_id: string;
  created_at: number;
  impactd_version: string;
  seed: number;
  cases: number;
  estates: string[];
  rca_top1: number | null;
  rca_top3: number | null;
  missed_faults: number;
  noise_reduction: number | null;
  detection_latency_p50_ms: number | null;
  detection_latency_p95_ms: number | null;
  prediction_lead_time_median_s: number | null;
  prediction_false_alarm_rate: number | null;
  impact_error: number | null;
  /** 1 when a replay gave identical output, 0 when not, null when not checked. */
  deterministic: number | null;
  /** The full report as JSON. */
  report: string;
};

/** BenchResultRow is one benchmark case in `bench_results`. */
export type BenchResultRow = {
  run_id: string;
  suite: string;
  case: string;
  ran_at: number;
  events_per_sec: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  peak_rss_mb: number;
  params: Record<string, string>;
  git_sha: string;
  machine: string;
  written_at: number;
};

/**
 * parseDateTime turns a DateTime/DateTime64 value as ClickHouse's JSON output
 * renders it for a UTC column ("2024-05-01 12:00:00.123") into epoch ms.
 * Returns NaN for anything else, null for null.
 */
export function parseDateTime(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (typeof value !== "string") return Number.NaN;
  // Columns are declared 'UTC' and rendered without a zone, so read as UTC.
  return Date.parse(`${value.replace(" ", "T")}Z`);
}
