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
