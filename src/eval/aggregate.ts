// Aggregate metrics over scored cases: the keys `impactd eval --json`
// promises, plus the counts behind them. Definitions are in docs/EVAL.md.
import type { CaseScore, FaultScore } from "./score.js";

/** EvalMetrics are the aggregate figures of an evaluation (JSON keys are part of the CLI contract). */
export interface EvalMetrics {
  cases: number;
  /** Injected faults, noise included. */
  faults: number;
  /** Real (non-noise) faults with a root service, the denominator of rca_top1/top3. */
  rca_faults: number;
  rca_top1: number | null;
  rca_top3: number | null;
  /** Real faults (noise excluded) that no incident explained. */
  missed_faults: number;
  /** Noise faults (flapping probes, unrelated alerts) some incident took up. */
  noise_faults_in_incidents: number;
  /** 1 - incidents / FIRING alert notifications sent. */
  noise_reduction: number | null;
  /** 1 - incidents / alert firing episodes (a stricter reading of "raw alerts"). */
  noise_reduction_episodes: number | null;
  incidents: number;
  alerts_sent: number;
  alert_episodes: number;
  spurious_incidents: number;
  noise_incidents: number;
  detection_latency_p50_ms: number | null;
  detection_latency_p95_ms: number | null;
  prediction_lead_time_median_s: number | null;
  /** Share of gradual faults with a useful prediction (lead time > 0). */
  prediction_coverage: number | null;
  /** The core's own verdicts: false alarms / (hits + false alarms). */
  prediction_false_alarm_rate: number | null;
  /** Against ground truth: predictions no real breach justifies / all predictions. */
  prediction_false_alarm_rate_truth: number | null;
  predictions: number | null;
  /** Predictions the core scored as hits that no real fault's breach justifies. */
  prediction_unjustified_hits: number | null;
  /**
   * Customers-affected error pooled over every scored fault-minute:
   * sum |estimate - truth| / sum truth, in customer-minutes. Pooling weighs
   * each fault by how many customers it hurt, so a fault that touched a
   * handful of customers cannot dominate the figure.
   */
  impact_error: number | null;
  /** The per-fault ratios' mean (each fault weighs the same, however small). */
  impact_error_mean: number | null;
  /** impact_error with the truth counting only customers who failed (not those who gave up). */
  impact_error_failed_only: number | null;
  impact_faults: number;
  /** Share of detected deploy regressions whose root candidate links the guilty deploy. */
  change_link_rate: number | null;
  late_events_expected: number;
  late_events_counted: number;
  duplicates_sent: number;
  duplicates_dropped: number;
  rejected_events: number;
  deterministic: boolean | null;
  /** Share of explained faults whose incident went first to the team owning the root cause. */
  routing_accuracy: number | null;
  /** Incidents never routed to any team. */
  unrouted_incidents: number;
}

/** percentile is the nearest-rank p-quantile (0 < p <= 1) of `xs`, or null when empty. */
export function percentile(xs: readonly number[], p: number): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i] as number;
}

function ratio(num: number, den: number): number | null {
  return den === 0 ? null : num / den;
}

function mean(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function sum(cases: readonly CaseScore[], key: (c: CaseScore) => number): number {
  return cases.reduce((a, c) => a + key(c), 0);
}

/** FaultLevel are the metrics computed over faults; the rest are computed over cases. */
type FaultLevel = Pick<
  EvalMetrics,
  | "faults"
  | "rca_faults"
  | "rca_top1"
  | "rca_top3"
  | "missed_faults"
  | "noise_faults_in_incidents"
  | "detection_latency_p50_ms"
  | "detection_latency_p95_ms"
  | "prediction_lead_time_median_s"
  | "prediction_coverage"
  | "impact_error"
  | "impact_error_mean"
  | "impact_error_failed_only"
  | "impact_faults"
  | "change_link_rate"
>;

/**
 * faultMetrics computes the fault-level metrics over `faults`; lead times
 * count only when `predicted` (the pipeline reported predictions).
 */
export function faultMetrics(faults: readonly FaultScore[], predicted: boolean): FaultLevel {
  const real = faults.filter((f) => !f.noise);
  const rca = real.filter((f) => f.rootKind === "service");
  const detected = real.filter((f) => f.detected);
  const latencies = detected.map((f) => f.detectionLatencyMs as number);
  const leads = faults.flatMap((f) => (f.leadTimeS === undefined ? [] : [f.leadTimeS]));
  const impacts = faults.flatMap((f) => (f.impactError === undefined ? [] : [f.impactError]));
  const failedOnly = faults.flatMap((f) =>
    f.impactErrorFailedOnly === undefined ? [] : [f.impactErrorFailedOnly],
  );
  const linked = faults.filter((f) => f.changeLinked !== undefined);
  return {
    faults: faults.length,
    rca_faults: rca.length,
    rca_top1: ratio(rca.filter((f) => f.rank === 1).length, rca.length),
    rca_top3: ratio(rca.filter((f) => f.rank !== undefined && f.rank <= 3).length, rca.length),
    missed_faults: real.length - detected.length,
    noise_faults_in_incidents: faults.filter((f) => f.noise && f.detected).length,
    detection_latency_p50_ms: percentile(latencies, 0.5),
    detection_latency_p95_ms: percentile(latencies, 0.95),
    prediction_lead_time_median_s: predicted ? percentile(leads, 0.5) : null,
    prediction_coverage: predicted ? ratio(leads.filter((x) => x > 0).length, leads.length) : null,
    impact_error: pooledImpact(faults),
    impact_error_mean: mean(impacts),
    impact_error_failed_only: mean(failedOnly),
    impact_faults: impacts.length,
    change_link_rate: ratio(linked.filter((f) => f.changeLinked).length, linked.length),
  };
}

/** predictedAll tells whether every case had predictions to score. */
export function predictedAll(cases: readonly CaseScore[]): boolean {
  return cases.length > 0 && cases.every((c) => c.predictions !== null);
}

/** aggregate computes every metric over `cases` and all their faults. */
export function aggregate(cases: readonly CaseScore[], deterministic: boolean | null): EvalMetrics {
  const predicted = predictedAll(cases);
  const incidents = sum(cases, (c) => c.incidents);
  const alerts = sum(cases, (c) => c.alertsFiring);
  const episodes = sum(cases, (c) => c.alertEpisodes);
  const pc = (k: "total" | "hit" | "falseAlarm" | "unjustified" | "unjustifiedHits") =>
    sum(cases, (c) => c.predictions?.[k] ?? 0);
  return {
    cases: cases.length,
    ...faultMetrics(
      cases.flatMap((c) => c.faults),
      predicted,
    ),
    noise_reduction: alerts === 0 ? null : 1 - incidents / alerts,
    noise_reduction_episodes: episodes === 0 ? null : 1 - incidents / episodes,
    incidents,
    alerts_sent: alerts,
    alert_episodes: episodes,
    spurious_incidents: sum(cases, (c) => c.spuriousIncidents),
    noise_incidents: sum(cases, (c) => c.noiseIncidents),
    prediction_false_alarm_rate: predicted
      ? ratio(pc("falseAlarm"), pc("hit") + pc("falseAlarm"))
      : null,
    prediction_false_alarm_rate_truth: predicted ? ratio(pc("unjustified"), pc("total")) : null,
    predictions: predicted ? pc("total") : null,
    prediction_unjustified_hits: predicted ? pc("unjustifiedHits") : null,
    late_events_expected: sum(cases, (c) => c.lateExpected),
    late_events_counted: sum(cases, (c) => c.lateCounted),
    duplicates_sent: sum(cases, (c) => c.duplicatesSent),
    duplicates_dropped: sum(cases, (c) => c.duplicatesDropped),
    rejected_events: sum(cases, (c) => c.rejected),
    routing_accuracy: ratio(
      sum(cases, (c) => c.routingCorrect ?? 0),
      sum(cases, (c) => c.routingScored ?? 0),
    ),
    unrouted_incidents: sum(cases, (c) => c.unrouted ?? 0),
    deterministic,
  };
}

// Sum of customer-minutes off over sum of true customer-minutes.
function pooledImpact(faults: readonly FaultScore[]): number | null {
  let diff = 0;
  let truth = 0;
  for (const f of faults) {
    if (f.impactDiff === undefined || f.impactTruth === undefined) continue;
    diff += f.impactDiff;
    truth += f.impactTruth;
  }
  return truth === 0 ? null : diff / truth;
}
