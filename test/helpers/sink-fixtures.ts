// Rows for the shared sink suite: one tricky sample per table (round trips)
// and a seeded data set whose query-pack answers are known.
import type { NotificationRow } from "../../src/notify/rows.js";
import type {
  BenchResultRow,
  EvalReportRow,
  EventRow,
  IncidentEventRow,
  IncidentRow,
  JourneyImpactRow,
  PredictionRow,
  RejectionRow,
  ServiceHealthRow,
  Sink,
} from "../../src/sinks/index.js";
import { NOTIFICATIONS_DATA } from "../../src/sinks/index.js";

/** T0 is a fixed instant with milliseconds, for round trips. */
export const T0 = Date.UTC(2025, 4, 1, 12, 0, 0, 123);
/** TRICKY is text that breaks naive escaping. */
export const TRICKY = 'it\'s "down"\t\\ new\nline, ünïcødé 🚨 {x:String} \u0000';

/** event builds an events row. */
export function event(i: number, over: Partial<EventRow> = {}): EventRow {
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

/** incident builds an incident_versions row. */
export function incident(
  id: string,
  version: number,
  over: Partial<IncidentRow> = {},
): IncidentRow {
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

/** rejection builds a rejected_events row. */
export function rejection(i: number, over: Partial<RejectionRow> = {}): RejectionRow {
  return {
    tenant: "default",
    received_at: T0 + i,
    ts: T0 - 60_000,
    front_end: "grpc",
    source: "collector",
    code: "INVALID_TIMESTAMP",
    reason: `ts is in the future (${i})`,
    event_id: "",
    payload: `{"i":${i}}`,
    ...over,
  };
}

/** timelineRow builds an incident_events row. */
export function timelineRow(
  incidentId: string,
  ts: number,
  type: string,
  over: Partial<IncidentEventRow> = {},
): IncidentEventRow {
  return {
    tenant: "default",
    incident_id: incidentId,
    ts,
    version: 1,
    type,
    service: "",
    actor: "",
    status: "open",
    severity: "high",
    root_cause: "payments-db",
    detail: "",
    written_at: ts + 1,
    ...over,
  };
}

/** prediction builds a predictions row. */
export function prediction(id: string, over: Partial<PredictionRow> = {}): PredictionRow {
  return {
    tenant: "default",
    prediction_id: id,
    version: 1,
    made_at: T0,
    target_kind: "service",
    target: "payments-db",
    signal: "error_rate",
    horizon_s: 900,
    predicted_breach_at: T0 + 600_000,
    predicted_value: 0.2,
    threshold: 0.05,
    level: 0.01,
    predicted_customers_affected_per_min: 300,
    outcome: "pending",
    breached_at: null,
    scored_at: null,
    incident_id: "",
    written_at: T0,
    ...over,
  };
}

/** samples has one row per output table with awkward values, for round trips. */
export function samples() {
  const events: EventRow[] = [
    event(1, {
      kind: "alert",
      status: "firing",
      name: "HighErrorRate",
      severity: "critical",
      fingerprint: "abc123",
      text: TRICKY,
      labels: { region: "eu-west-1", "k'ey": TRICKY },
      count: 7,
      value: 0.125,
    }),
    event(2, { value: Number.NaN, count: 4294967295, ts: Date.UTC(2025, 4, 3, 0, 0, 0, 999) }),
  ];
  const incidents: IncidentRow[] = [
    incident("inc-1", 3, {
      status: "resolved",
      title: TRICKY,
      acknowledged_at: T0 + 500,
      resolved_at: T0 + 9000,
      candidate_reasons: [TRICKY, ""],
    }),
  ];
  const rejections: RejectionRow[] = [
    rejection(1, { ts: null, payload: "x".repeat(64 * 1024) }),
    rejection(2, { reason: TRICKY }),
  ];
  const timeline: IncidentEventRow[] = [timelineRow("inc-1", T0, "opened", { detail: TRICKY })];
  const health: ServiceHealthRow[] = [
    {
      tenant: "default",
      service: "payments-db",
      ts: T0,
      health: "down",
      previous: "ok",
      error_rate: 0.75,
      latency_ms: 1234.5,
      anomaly_score: 0,
      incident_id: "inc-1",
      written_at: T0 + 3,
    },
  ];
  const impact: JourneyImpactRow[] = [
    {
      tenant: "default",
      journey: "checkout",
      ts: T0,
      incident_id: "inc-1",
      success_ratio: 0.93,
      customers_per_min: 1500,
      customers_affected_per_min: 105,
      slo_target: 0.999,
      burn_rate_short: 70,
      burn_rate_long: 14.4,
      written_at: T0 + 4,
    },
  ];
  const predictions: PredictionRow[] = [
    prediction("p-1", {
      version: 2,
      outcome: "breached",
      breached_at: T0 + 590_001,
      scored_at: T0 + 600_000,
    }),
  ];
  const notifications: NotificationRow[] = [
    {
      tenant: "default",
      notification_id: "n-1",
      revision: 2,
      incident_id: "inc-1",
      incident_version: 3,
      change: "opened",
      changes: ["opened", "routed"],
      action: "trigger",
      ts: T0,
      team: "payments",
      target: "pager",
      kind: "alertmanager_webhook",
      address: "https://example.invalid/hook?a=1&b='2'",
      dedup_key: "inc-1",
      paged: ["alice", TRICKY],
      tiers: [0, 255],
      incident_status: "open",
      severity: "high",
      root_cause: "payments-db",
      status: "delivered",
      attempts: 2,
      last_error: "",
      deliver_after: 0,
      created_at: T0 + 1,
      delivered_at: T0 + 2000,
      payload: TRICKY,
      written_at: T0 + 2001,
    },
  ];
  const evals: EvalReportRow[] = [
    {
      run_id: "run-1",
      created_at: T0,
      impactd_version: "0.1.0",
      seed: 2 ** 53 - 1,
      cases: 200,
      estates: ["shop", TRICKY],
      rca_top1: 0.93,
      rca_top3: null,
      missed_faults: 3,
      noise_reduction: 0.97,
      detection_latency_p50_ms: 1500.5,
      detection_latency_p95_ms: null,
      prediction_lead_time_median_s: 300,
      prediction_false_alarm_rate: 0.125,
      impact_error: null,
      deterministic: 1,
      report: JSON.stringify({ note: TRICKY }),
    },
  ];
  const bench: BenchResultRow[] = [
    {
      run_id: "bench-1",
      suite: "sinks",
      case: "chdb events 10k",
      ran_at: T0,
      events_per_sec: 512345.5,
      p50_ms: null,
      p99_ms: 12.5,
      peak_rss_mb: 321,
      params: { batch: "10000", sink: "chdb" },
      git_sha: "abc1234",
      machine: "2 x test",
      written_at: T0 + 6,
    },
  ];
  return {
    events,
    incidents,
    rejections,
    timeline,
    health,
    impact,
    predictions,
    notifications,
    evals,
    bench,
  };
}

/** writeSamples writes every sample through the sink's writers and flushes. */
export async function writeSamples(sink: Sink, s = samples()): Promise<void> {
  await Promise.all([
    sink.events.write(s.events),
    sink.incidents.write(s.incidents),
    sink.rejections.write(s.rejections),
    sink.incidentEvents.write(s.timeline),
    sink.serviceHealth.write(s.health),
    sink.journeyImpact.write(s.impact),
    sink.predictions.write(s.predictions),
    // The notifier's outbox writes this table with a writer of its own.
    sink.conn.insert(NOTIFICATIONS_DATA.name, s.notifications),
    sink.evalReports.write(s.evals),
    sink.benchResults.write(s.bench),
  ]);
}
