// Prediction (mirrors assembly/predict.ts): Holt's linear method (level +
// trend per millisecond) on a service's error rate and a journey's failure
// ratio. When the forecast crosses the threshold within P_HORIZON_MS for
// P_PRED_STREAK samples in a row, and the level has risen well above its
// learned baseline, a prediction is issued. It is scored later: a hit when
// the threshold is crossed before the deadline (issue time + 1.5 horizons),
// a false alarm when the deadline passes first. One active prediction per
// target.
import {
  O_PREDICTION,
  O_PREDICTION_OUTCOME,
  P_HOLT_ALPHA,
  P_HOLT_BETA,
  P_HORIZON_MS,
  P_PRED_STREAK,
  P_WARMUP,
} from "../core/layout.js";
import { ERR_FLOOR, within } from "./health.js";
import type { Model } from "./model.js";
import type { Holt } from "./state.js";
import { T_PRED_DEADLINE } from "./timers.js";

// Significance of the rise before a forecast may turn into a prediction.
const RISE_Z = 3.0;
// Below this many deviations above baseline the trend is not followed.
const ELEVATED_Z = 1.5;

/** Target kinds of a prediction (OUT_A of O_PREDICTION). */
export const TARGET_SERVICE = 0;
export const TARGET_JOURNEY = 1;

/** Outcome codes (OUT_C of O_PREDICTION_OUTCOME). */
export const OUTCOME_HIT = 1;
export const OUTCOME_FALSE_ALARM = 2;

/**
 * timeToBreach is the time until `level` reaches `threshold` at `trend`, or
 * -1 when it will not (flat or falling, or already there).
 */
export function timeToBreach(level: number, trend: number, threshold: number): number {
  if (level >= threshold || trend <= 0) return -1;
  return (threshold - level) / trend;
}

/** Prediction issues and scores predictions; the journey side lives in journeys.ts. */
export class Prediction {
  constructor(private readonly m: Model) {}

  /** holt folds sample x at time ts into forecast h. */
  holt(h: Holt, x: number, ts: number): void {
    const last = h.ts;
    if (last === 0) {
      h.level = x;
      h.trend = 0;
      h.ts = ts;
      return;
    }
    const dt = ts - last;
    if (dt <= 0) return; // same instant: keep the first, order-independent
    const a = this.m.params.get(P_HOLT_ALPHA);
    const b = this.m.params.get(P_HOLT_BETA);
    const level = h.level;
    const trend = h.trend;
    const predicted = level + trend * dt;
    const next = a * x + (1 - a) * predicted;
    h.level = next;
    h.trend = (b * (next - level)) / dt + (1 - b) * trend;
    h.ts = ts;
  }

  /** nextId hands out prediction ids (1, 2, ...), shared by services and journeys. */
  nextId(): number {
    this.m.tables.predictions = (this.m.tables.predictions + 1) >>> 0;
    return this.m.tables.predictions;
  }

  /** emitPrediction writes an O_PREDICTION record. */
  emitPrediction(
    ts: number,
    entity: number,
    kind: number,
    id: number,
    breachAt: number,
    forecast: number,
    level: number,
    threshold: number,
    customers: number,
  ): void {
    const o = this.m.out.emit(ts, O_PREDICTION, 0, entity);
    o.a = kind;
    o.b = id;
    o.v0 = breachAt;
    o.v1 = forecast;
    o.v2 = level;
    o.v3 = threshold;
    o.v4 = customers;
  }

  /** emitOutcome writes an O_PREDICTION_OUTCOME record. */
  emitOutcome(
    ts: number,
    entity: number,
    kind: number,
    id: number,
    outcome: number,
    breachAt: number,
    issued: number,
  ): void {
    const o = this.m.out.emit(ts, O_PREDICTION_OUTCOME, 0, entity);
    o.a = kind;
    o.b = id;
    o.c = outcome;
    o.v0 = breachAt;
    o.v1 = issued;
  }

  /** updateServiceForecast folds error-rate sample x into service s's forecast. */
  updateServiceForecast(s: number, ts: number, x: number): void {
    const m = this.m;
    const params = m.params;
    const p = m.tables.service(s);
    const threshold = p.sloErr;
    const active = p.predictionId;
    const base = p.err.base;
    const variance = p.err.variance;
    // Near the baseline the forecast restarts from the sample instead of
    // following the trend: only a rise well above normal may be predicted.
    if (active === 0 && within(p.err.fast - base, ELEVATED_Z, variance, base, ERR_FLOOR)) {
      p.forecast.level = x;
      p.forecast.trend = 0;
      p.forecast.ts = ts;
      p.predictionStreak = 0;
      return;
    }
    this.holt(p.forecast, x, ts);
    // The SLO is breached (smoothed rate): score the active prediction a hit.
    if (p.err.fast > threshold) {
      if (active !== 0) {
        this.emitOutcome(ts, s, TARGET_SERVICE, active, OUTCOME_HIT, ts, p.predictionIssued);
        p.predictionId = 0;
      }
      p.predictionStreak = 0;
      return;
    }
    if (active !== 0 || p.err.n < params.get(P_WARMUP)) return;
    const level = p.forecast.level;
    const trend = p.forecast.trend;
    const horizon = params.get(P_HORIZON_MS);
    const tb = timeToBreach(level, trend, threshold);
    if (tb < 0 || tb > horizon || within(level - base, RISE_Z, variance, base, ERR_FLOOR)) {
      p.predictionStreak = 0;
      return;
    }
    const streak = (p.predictionStreak + 1) >>> 0;
    p.predictionStreak = streak;
    if (streak < params.get(P_PRED_STREAK)) return;
    const id = this.nextId();
    const deadline = ts + 1.5 * horizon;
    p.predictionId = id;
    p.predictionIssued = ts;
    p.predictionDeadline = deadline;
    p.predictionStreak = 0;
    const forecast = Math.min(1.0, level + trend * horizon);
    const customers = m.journeys.serviceExposure(s) * Math.max(0.0, forecast - base);
    this.emitPrediction(ts, s, TARGET_SERVICE, id, ts + tb, forecast, level, threshold, customers);
    m.timers.schedule(deadline, T_PRED_DEADLINE, s);
  }

  /** servicePredictionDeadline scores a service prediction whose deadline passed. */
  servicePredictionDeadline(s: number, due: number): void {
    const p = this.m.tables.service(s);
    const active = p.predictionId;
    if (active === 0 || p.predictionDeadline !== due) return;
    this.emitOutcome(due, s, TARGET_SERVICE, active, OUTCOME_FALSE_ALARM, 0, p.predictionIssued);
    p.predictionId = 0;
  }
}
