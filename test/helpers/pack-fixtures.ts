// A seeded data set whose query-pack answers are worked out by hand (see the
// comments), relative to `now` because the pack's windows end at now().
import type { Sink } from "../../src/sinks/index.js";
import { event, incident, prediction, rejection, timelineRow } from "./sink-fixtures.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** seedPack writes the data set; returns the instant it is relative to. */
export async function seedPack(sink: Sink, now: number): Promise<void> {
  const at = (ago: number) => now - ago;
  // Incidents. payments: a (open), c, d, old (resolved); search: b (acked);
  // f is unrouted and another tenant's; e is merged and excluded everywhere.
  const a = { opened_at: at(30 * MIN), root_cause: "payments-db", team: "payments" };
  await sink.incidents.write([
    incident("inc-a", 1, { ...a, severity: "critical", customers_affected_per_min: 500 }),
    incident("inc-a", 2, { ...a, severity: "critical", customers_affected_per_min: 1200 }),
    incident("inc-b", 2, {
      status: "acknowledged",
      opened_at: at(2 * HOUR),
      acknowledged_at: at(2 * HOUR) + 10 * MIN,
      root_cause: "search",
      team: "search",
      customers_affected_per_min: 300,
    }),
    incident("inc-c", 3, {
      status: "resolved",
      severity: "medium",
      opened_at: at(DAY),
      acknowledged_at: at(DAY) + 5 * MIN,
      resolved_at: at(DAY) + 65 * MIN,
      customers_affected_per_min: 50,
    }),
    incident("inc-d", 3, {
      status: "resolved",
      opened_at: at(3 * DAY),
      acknowledged_at: at(3 * DAY) + 15 * MIN,
      resolved_at: at(3 * DAY) + 35 * MIN,
      customers_affected_per_min: 80,
    }),
    incident("inc-e", 2, { status: "merged", opened_at: at(HOUR), root_cause: "cart", team: "" }),
    incident("inc-f", 1, {
      tenant: "acme",
      severity: "low",
      opened_at: at(10 * MIN),
      root_cause: "recommendations",
      team: "",
      customers_affected_per_min: 0,
    }),
    incident("inc-old", 4, {
      status: "resolved",
      opened_at: at(10 * DAY),
      acknowledged_at: at(10 * DAY) + 20 * MIN,
      resolved_at: at(10 * DAY) + 120 * MIN,
    }),
  ]);
  // Timeline of inc-a, written out of order and partly twice.
  const t0 = at(30 * MIN);
  const timeline = [
    timelineRow("inc-a", t0 + 3 * MIN, "acknowledged", { actor: "alice", version: 4 }),
    timelineRow("inc-a", t0, "opened", { service: "payments-db", version: 1 }),
    timelineRow("inc-a", t0 + 2 * MIN, "root_cause_changed", {
      service: "payments-db",
      version: 3,
    }),
    timelineRow("inc-a", t0 + 1 * MIN, "member_added", { service: "payments", version: 2 }),
    timelineRow("inc-b", t0, "opened", { service: "search" }),
  ];
  await sink.incidentEvents.write(timeline);
  await sink.incidentEvents.write(timeline.slice(0, 2));
  // Alerts: 5 payments-db (4 firing, 2 fingerprints), 3 search, 1 grafana
  // cart, one too old, and metrics that are not alerts.
  const alert = (i: number, ago: number, over: Parameters<typeof event>[1]) =>
    event(1000 + i, { ts: at(ago), kind: "alert", metric: "", status: "firing", ...over });
  const hp = { service: "payments-db", name: "HighErrorRate" };
  await sink.events.write([
    alert(1, 5 * MIN, { ...hp, fingerprint: "fp1" }),
    alert(2, 6 * MIN, { ...hp, fingerprint: "fp1" }),
    alert(3, 7 * MIN, { ...hp, fingerprint: "fp2" }),
    alert(4, 8 * MIN, { ...hp, fingerprint: "fp2" }),
    alert(5, 9 * MIN, { ...hp, fingerprint: "fp2", status: "resolved" }),
    alert(6, 5 * MIN, { service: "search", name: "LatencyHigh", fingerprint: "s" }),
    alert(7, 6 * MIN, { service: "search", name: "LatencyHigh", fingerprint: "s" }),
    alert(8, 7 * MIN, { service: "search", name: "LatencyHigh", fingerprint: "s" }),
    alert(9, 2 * DAY, { source: "grafana", service: "cart", name: "Disk", fingerprint: "d" }),
    alert(10, 10 * DAY, { ...hp, fingerprint: "old" }),
    event(1011, { ts: at(MIN) }),
    event(1012, { ts: at(MIN), service: "search" }),
  ]);
  // Journey signals: checkout 990 completed / 10 failed (SLO 0.99 from
  // journey_impact; in the last hour 490 / 10), login 2000 / 1 three hours ago.
  const signal = (i: number, ago: number, journey: string, status: string, count: number) =>
    event(2000 + i, {
      ts: at(ago),
      kind: "journey_signal",
      service: "",
      metric: "",
      journey,
      step: "pay",
      status,
      count,
      value: count,
    });
  await sink.events.write([
    signal(1, 2 * HOUR, "checkout", "completed", 500),
    signal(2, 10 * MIN, "checkout", "completed", 490),
    signal(3, 10 * MIN, "checkout", "failed", 10),
    signal(4, 10 * MIN, "checkout", "started", 1000),
    signal(5, 3 * HOUR, "login", "completed", 2000),
    signal(6, 3 * HOUR, "login", "failed", 1),
    signal(7, 3 * HOUR, "login", "abandoned", 40),
  ]);
  await sink.journeyImpact.write([
    {
      tenant: "default",
      journey: "checkout",
      ts: at(HOUR),
      incident_id: "inc-a",
      success_ratio: 0.95,
      customers_per_min: 1000,
      customers_affected_per_min: 50,
      slo_target: 0.99,
      burn_rate_short: 5,
      burn_rate_long: 1,
      written_at: at(HOUR),
    },
  ]);
  // Predictions: three came true with lead times 20, 30 and 10 minutes, one
  // false alarm and one pending (both on the checkout journey).
  await sink.predictions.write([
    prediction("p1", { made_at: at(60 * MIN) }),
    prediction("p1", {
      version: 2,
      made_at: at(60 * MIN),
      outcome: "breached",
      breached_at: at(40 * MIN),
      scored_at: at(40 * MIN),
    }),
    prediction("p2", {
      version: 2,
      made_at: at(50 * MIN),
      target: "payments",
      outcome: "breached",
      breached_at: at(20 * MIN),
    }),
    prediction("p5", {
      version: 2,
      made_at: at(30 * MIN),
      target: "search",
      outcome: "breached",
      breached_at: at(20 * MIN),
    }),
    prediction("p3", {
      version: 2,
      made_at: at(3 * HOUR),
      target_kind: "journey",
      target: "checkout",
      signal: "success_ratio",
      outcome: "not_breached",
    }),
    prediction("p4", {
      made_at: at(5 * MIN),
      target_kind: "journey",
      target: "checkout",
      signal: "success_ratio",
    }),
  ]);
  // Rejections: INVALID_TIMESTAMP 3x over grpc (2 sources) and 1x over
  // nats, MISSING_FIELD 1x over nats, and one too old.
  await sink.rejections.write([
    rejection(1, { received_at: at(MIN), source: "s1", reason: "b reason" }),
    rejection(2, { received_at: at(2 * MIN), source: "s1", reason: "a reason" }),
    rejection(3, { received_at: at(3 * MIN), source: "s2", reason: "c reason" }),
    rejection(4, { received_at: at(4 * MIN), front_end: "nats" }),
    rejection(5, { received_at: at(5 * MIN), front_end: "nats", code: "MISSING_FIELD" }),
    rejection(6, { received_at: at(10 * DAY) }),
  ]);
  await sink.flush();
}
