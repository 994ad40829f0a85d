// Prediction: Holt's linear method (level + trend) on a service's error rate
// and on a journey's failure ratio, updated at each sample with the trend
// kept per millisecond so irregular sampling works. When the forecast crosses
// the SLO threshold within P_HORIZON_MS for P_PRED_STREAK samples in a row,
// and the level has risen well above its learned baseline, a prediction is
// issued with the predicted breach time. It is scored later: a hit when the
// threshold is crossed before the deadline (issue time + 1.5 horizons), a
// false alarm when the deadline passes first. One prediction per target is
// active at a time.
import {
  O_PREDICTION,
  O_PREDICTION_OUTCOME,
  P_HOLT_ALPHA,
  P_HOLT_BETA,
  P_HORIZON_MS,
  P_PRED_STREAK,
  P_WARMUP,
} from "./layout";
import { get, getF, put, putF } from "./state";
import { emit, setA, setB, setC, setV0, setV1, setV2, setV3, setV4 } from "./output";
import { param } from "./params";
import {
  S_ERR,
  S_ERR_BASE,
  S_ERR_N,
  S_ERR_VAR,
  S_HOLT_LEVEL,
  S_HOLT_TREND,
  S_HOLT_TS,
  S_PRED_DEADLINE,
  S_PRED_ID,
  S_PRED_ISSUED,
  S_PRED_STREAK,
  S_SLO_ERR,
  svc,
} from "./services";
import { ERR_FLOOR, within } from "./health";
import { serviceExposure } from "./journeys";
import { schedule, T_PRED_DEADLINE } from "./timers";

/** predictionCount is the number of predictions issued (ids are 1..count). */
export let predictionCount: u32 = 0;

// Significance of the rise before a forecast may turn into a prediction.
const RISE_Z: f64 = 3.0;
// Below this many deviations above baseline the trend is not followed.
const ELEVATED_Z: f64 = 1.5;

/**
 * holt updates a (level, trend, ts) triple at `base` offsets of record `p`
 * with sample x at time ts.
 */
export function holt(p: usize, levelAt: usize, trendAt: usize, tsAt: usize, x: f64, ts: f64): void {
  const last = load<f64>(p + tsAt);
  if (last == 0) {
    store<f64>(p + levelAt, x);
    store<f64>(p + trendAt, 0);
    store<f64>(p + tsAt, ts);
    return;
  }
  const dt = ts - last;
  if (dt <= 0) return; // same instant: keep the first, order-independent
  const a = param(P_HOLT_ALPHA);
  const b = param(P_HOLT_BETA);
  const level = load<f64>(p + levelAt);
  const trend = load<f64>(p + trendAt);
  const predicted = level + trend * dt;
  const next = a * x + (1 - a) * predicted;
  store<f64>(p + levelAt, next);
  store<f64>(p + trendAt, (b * (next - level)) / dt + (1 - b) * trend);
  store<f64>(p + tsAt, ts);
}

/**
 * forecastBreach returns the time until `level` reaches `threshold` at
 * `trend`, or -1 when it will not (flat or falling, or already there).
 */
// @ts-ignore: decorator
@inline
export function timeToBreach(level: f64, trend: f64, threshold: f64): f64 {
  if (level >= threshold || trend <= 0) return -1;
  return (threshold - level) / trend;
}

/** nextPredictionId hands out prediction ids. */
export function nextPredictionId(): u32 {
  predictionCount++;
  return predictionCount;
}

/** emitPrediction writes an O_PREDICTION record. */
export function emitPrediction(
  ts: f64,
  entity: u32,
  kind: u32,
  id: u32,
  breachAt: f64,
  forecast: f64,
  level: f64,
  threshold: f64,
  customers: f64,
): void {
  const o = emit(ts, O_PREDICTION, 0, entity);
  setA(o, kind);
  setB(o, id);
  setV0(o, breachAt);
  setV1(o, forecast);
  setV2(o, level);
  setV3(o, threshold);
  setV4(o, customers);
}

/** emitOutcome writes an O_PREDICTION_OUTCOME record (c: 1 hit, 2 false alarm). */
export function emitOutcome(ts: f64, entity: u32, kind: u32, id: u32, outcome: u32, breachAt: f64, issued: f64): void {
  const o = emit(ts, O_PREDICTION_OUTCOME, 0, entity);
  setA(o, kind);
  setB(o, id);
  setC(o, outcome);
  setV0(o, breachAt);
  setV1(o, issued);
}

/** updateServiceForecast folds error-rate sample x into the service's forecast. */
export function updateServiceForecast(s: u32, ts: f64, x: f64): void {
  const p = svc(s);
  const threshold = load<f64>(p + S_SLO_ERR);
  const active = load<u32>(p + S_PRED_ID);
  const base = load<f64>(p + S_ERR_BASE);
  const variance = load<f64>(p + S_ERR_VAR);
  // Most samples sit near the baseline: then the forecast restarts from the
  // sample (three stores) instead of running Holt's update, which only
  // matters once the error rate has risen (RISE_Z is needed to predict).
  if (active == 0 && within(load<f64>(p + S_ERR) - base, ELEVATED_Z, variance, base, ERR_FLOOR)) {
    store<f64>(p + S_HOLT_LEVEL, x);
    store<f64>(p + S_HOLT_TREND, 0);
    store<f64>(p + S_HOLT_TS, ts);
    store<u32>(p + S_PRED_STREAK, 0);
    return;
  }
  holt(p, S_HOLT_LEVEL, S_HOLT_TREND, S_HOLT_TS, x, ts);
  // The SLO is breached: score the active prediction.
  if (load<f64>(p + S_ERR) > threshold) {
    if (active != 0) {
      emitOutcome(ts, s, 0, active, 1, ts, load<f64>(p + S_PRED_ISSUED));
      store<u32>(p + S_PRED_ID, 0);
    }
    store<u32>(p + S_PRED_STREAK, 0);
    return;
  }
  if (active != 0 || <f64>load<u32>(p + S_ERR_N) < param(P_WARMUP)) return;
  const level = load<f64>(p + S_HOLT_LEVEL);
  const trend = load<f64>(p + S_HOLT_TREND);
  const horizon = param(P_HORIZON_MS);
  const tb = timeToBreach(level, trend, threshold);
  if (tb < 0 || tb > horizon) {
    store<u32>(p + S_PRED_STREAK, 0);
    return;
  }
  if (within(level - base, RISE_Z, variance, base, ERR_FLOOR)) {
    store<u32>(p + S_PRED_STREAK, 0);
    return;
  }
  const streak = load<u32>(p + S_PRED_STREAK) + 1;
  store<u32>(p + S_PRED_STREAK, streak);
  if (<f64>streak < param(P_PRED_STREAK)) return;
  const id = nextPredictionId();
  const deadline = ts + 1.5 * horizon;
  store<u32>(p + S_PRED_ID, id);
  store<f64>(p + S_PRED_ISSUED, ts);
  store<f64>(p + S_PRED_DEADLINE, deadline);
  store<u32>(p + S_PRED_STREAK, 0);
  const forecast = min(1.0, level + trend * horizon);
  emitPrediction(ts, s, 0, id, ts + tb, forecast, level, threshold, serviceExposure(s) * max(0.0, forecast - base));
  schedule(deadline, T_PRED_DEADLINE, s);
}

/** servicePredictionDeadline scores a service prediction whose deadline passed. */
export function servicePredictionDeadline(s: u32, due: f64): void {
  const p = svc(s);
  const active = load<u32>(p + S_PRED_ID);
  if (active == 0 || load<f64>(p + S_PRED_DEADLINE) != due) return;
  emitOutcome(due, s, 0, active, 2, 0, load<f64>(p + S_PRED_ISSUED));
  store<u32>(p + S_PRED_ID, 0);
}

/** saveState writes this module's globals for a checkpoint (see state.ts). */
export function saveState(): void {
  put(<u64>predictionCount);
}

/** loadState reads them back in the same order. */
export function loadState(): void {
  predictionCount = <u32>get();
}
