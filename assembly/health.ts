// Service health: evidence from health checks, alerts and metric samples turns
// into OK / DEGRADED / DOWN.
//
// Each metric keeps a fast EWMA (the current value, smoothed) and a slow,
// learned baseline (mean and variance) that only learns while the service is
// healthy and the sample is not itself anomalous, so a failure is never
// learned as normal. The anomaly score is how many (floored) standard
// deviations the current value sits above its baseline. A service is
// unhealthy when it breaches its SLO thresholds, when it is far from its own
// baseline by a material amount, or when a probe or a firing alert says so.
// Turning unhealthy is immediate; turning healthy again waits P_RECOVER_MS of
// clean evidence (hysteresis), so a flapping signal holds one incident open.
import { blockCapacity, growBlock } from "./arena";
import { get, getF, put, putF } from "./state";
import { onAlert, onAnomaly, onHealthShift, onRecovered, onUnhealthy } from "./incidents";
import { servicesHealthChanged } from "./journeys";
import {
  A_FIRING,
  A_RESOLVED,
  H_DEGRADED,
  H_DOWN,
  H_OK,
  H_UNKNOWN,
  M_ERROR_RATE,
  M_LATENCY_P99,
  M_SATURATION,
  M_THROUGHPUT,
  O_HEALTH,
  P_BASE_ALPHA,
  P_DOWN_ERR,
  P_ALERT_CONFIRM_MS,
  P_ALERT_TIMEOUT_MS,
  P_ERR_ALPHA,
  P_FRESH_MS,
  P_RECOVER_MS,
  P_WARMUP,
  P_Z_UNHEALTHY,
  SEV_CRITICAL,
} from "./layout";
import { emit, setA, setB, setV0, setV1, setV2 } from "./output";
import { param } from "./params";
import { updateServiceForecast } from "./predict";
import {
  S_CHANGE_ID,
  S_CHANGE_TS,
  S_CRIT,
  S_ERR,
  S_ERR_BASE,
  S_EARLY,
  S_ERR_N,
  S_ERR_VAR,
  S_FIRING,
  S_FIRING_SINCE,
  S_HC,
  S_HC_STREAK,
  S_HEALTH,
  S_LAT,
  S_LAT_BASE,
  S_LAT_N,
  S_LAST_METRIC_TS,
  S_LAT_VAR,
  S_RECOVER_DUE,
  S_RPS,
  S_RPS_N,
  S_SAT,
  S_SLO_ERR,
  S_SLO_LAT,
  svc,
} from "./services";
import { schedule, T_ALERT_EXPIRE, T_CONFIRM, T_RECOVER } from "./timers";

// Floors for the standard deviation, so a very steady baseline does not turn
// noise into huge scores: absolute, and relative to the baseline itself.
// The absolute latency floor only has to stop sub-millisecond jitter; the
// relative floor does the rest. At 5 ms it hid a 6 ms service slowing down
// threefold (z = 2.4), as PetShop's search service does (docs/PETSHOP.md).
export const ERR_FLOOR: f64 = 0.002;
const LAT_FLOOR: f64 = 1.0;
const REL_FLOOR: f64 = 0.1;
// A baseline learns only from samples within this many deviations of it.
const LEARN_Z: f64 = 3.0;
// Material change beyond the z-score: absolute error-rate rise, latency ratio.
const ERR_MATERIAL: f64 = 0.01;
const LAT_MATERIAL: f64 = 1.5;

// Per-fingerprint alert state, 16 bytes: u8 0 = not firing, 1 = firing,
// 2 = firing critical; u32 service; f64 when it was last (re-)sent firing.
const FP_BYTES: usize = 16;
const FP_SERVICE: usize = 4;
const FP_SEEN: usize = 8;
let fpBase: usize = 0;
let fpCap: u32 = 0;
// Sum of every service's smoothed throughput: all the calls the estate
// reports per second, the scale for how much of it a failure touches.
let totalRps: f64 = 0;

function fpSlot(id: u32): usize {
  if (id >= fpCap) {
    let cap: u32 = fpCap == 0 ? 1024 : fpCap;
    while (cap <= id) cap <<= 1;
    fpBase = growBlock(fpBase, <usize>fpCap * FP_BYTES, <usize>cap * FP_BYTES);
    fpCap = <u32>(blockCapacity(<usize>cap * FP_BYTES) / FP_BYTES);
  }
  return fpBase + <usize>id * FP_BYTES;
}

// @ts-ignore: decorator
@inline
function zscore(value: f64, base: f64, sd: f64, floor: f64): f64 {
  return (value - base) / max(sd, max(REL_FLOOR * abs(base), floor));
}

/** errZ is the anomaly score of the service's error rate (0 while warming up). */
export function errZ(p: usize): f64 {
  if (<f64>load<u32>(p + S_ERR_N) < param(P_WARMUP)) return 0;
  return zscore(load<f64>(p + S_ERR), load<f64>(p + S_ERR_BASE), sqrt(load<f64>(p + S_ERR_VAR)), ERR_FLOOR);
}

/** latZ is the anomaly score of the service's latency (0 while warming up). */
export function latZ(p: usize): f64 {
  if (<f64>load<u32>(p + S_LAT_N) < param(P_WARMUP)) return 0;
  return zscore(load<f64>(p + S_LAT), load<f64>(p + S_LAT_BASE), sqrt(load<f64>(p + S_LAT_VAR)), LAT_FLOOR);
}

/**
 * within is true when `d` (value - baseline) is below `z` floored deviations.
 * It compares squares, so the per-sample path needs no square root.
 */
// @ts-ignore: decorator
@inline
export function within(d: f64, z: f64, variance: f64, base: f64, floor: f64): bool {
  if (d <= 0) return true;
  const f = max(REL_FLOOR * abs(base), floor);
  return d * d < z * z * max(variance, f * f);
}

/** anomaly is the service's anomaly score now: the higher of its metrics' z, at least 0. */
export function anomaly(p: usize): f64 {
  return max(0.0, max(errZ(p), latZ(p)));
}

/** rpsKnown tells whether service p has reported its throughput (zero calls is a measurement too). */
export function rpsKnown(p: usize): bool {
  return load<u32>(p + S_RPS_N) > 0;
}

/**
 * failExcess is service p's failed requests per second above its baseline
 * error rate, now: 0 without a throughput or a warmed-up baseline.
 */
export function failExcess(p: usize): f64 {
  const rps = load<f64>(p + S_RPS);
  if (rps <= 0 || <f64>load<u32>(p + S_ERR_N) < param(P_WARMUP)) return 0;
  return max(0.0, load<f64>(p + S_ERR) - load<f64>(p + S_ERR_BASE)) * rps;
}

/**
 * slowExcess is service p's requests in flight above what its baseline
 * latency keeps in flight, now (Little's law: excess latency in seconds
 * times requests per second): 0 without a throughput or a warmed-up
 * baseline. A caller waiting on a dependency cannot have more excess in
 * flight on its account than the dependency has.
 */
export function slowExcess(p: usize): f64 {
  const rps = load<f64>(p + S_RPS);
  if (rps <= 0 || <f64>load<u32>(p + S_LAT_N) < param(P_WARMUP)) return 0;
  return (max(0.0, load<f64>(p + S_LAT) - load<f64>(p + S_LAT_BASE)) * rps) / 1000.0;
}

/**
 * reach scores how much of the estate's traffic a failure of service p
 * touches, from its excess failures per second `fail` and excess requests
 * in flight `slow`: the affected requests per second (failed, or slowed
 * down in proportion to the slowdown) as a share of all the calls the
 * estate reports, to the power 1/4 (1% scores 0.32, 10% 0.56, all 1.0).
 * -1 when unknown: no throughput, or nothing measured above baseline.
 */
export function reach(p: usize, fail: f64, slow: f64): f64 {
  if (!rpsKnown(p) || totalRps <= 0) return -1;
  let affected = fail;
  const lb = load<f64>(p + S_LAT_BASE);
  if (lb > 0) affected = max(affected, (slow * 1000.0) / lb);
  if (affected <= 0) return -1;
  return sqrt(sqrt(min(affected / totalRps, 1.0)));
}

// Fresh, warmed-up metrics can vouch for a service: then a single failing
// probe or a young non-critical alert contradicted by them is held back.
function vouched(p: usize, ts: f64): bool {
  const n = load<u32>(p + S_ERR_N) + load<u32>(p + S_LAT_N);
  return <f64>n >= param(P_WARMUP) && ts - load<f64>(p + S_LAST_METRIC_TS) <= param(P_FRESH_MS);
}

/**
 * evidence is the health level the current evidence supports at `ts`.
 * Metrics decide first. A probe counts at once unless fresh, normal metrics
 * contradict it, in which case it needs two failures in a row (a flapping
 * probe never gets them). A non-critical alert likewise waits
 * P_ALERT_CONFIRM_MS when metrics say the service is fine. A critical alert
 * always counts.
 */
function evidence(p: usize, ts: f64): u8 {
  if (load<u32>(p + S_CRIT) > 0) return H_DOWN;
  let level: u8 = H_OK;
  const zLimit = param(P_Z_UNHEALTHY);
  if (load<u32>(p + S_ERR_N) > 0) {
    const err = load<f64>(p + S_ERR);
    if (err >= param(P_DOWN_ERR)) return H_DOWN;
    if (err > load<f64>(p + S_SLO_ERR)) level = H_DEGRADED;
    const base = load<f64>(p + S_ERR_BASE);
    if (err - base >= max(ERR_MATERIAL, base) && errZ(p) >= zLimit) level = H_DEGRADED;
  }
  if (load<u32>(p + S_LAT_N) > 0) {
    const lat = load<f64>(p + S_LAT);
    if (lat > load<f64>(p + S_SLO_LAT)) level = H_DEGRADED;
    if (lat >= LAT_MATERIAL * load<f64>(p + S_LAT_BASE) && latZ(p) >= zLimit) level = H_DEGRADED;
  }
  const trusted = level >= H_DEGRADED || !vouched(p, ts);
  const hc = load<u8>(p + S_HC);
  if (hc >= H_DEGRADED && (trusted || load<u32>(p + S_HC_STREAK) >= 2)) {
    if (hc == H_DOWN) return H_DOWN;
    level = H_DEGRADED;
  }
  if (load<u32>(p + S_FIRING) > 0 && (trusted || ts - load<f64>(p + S_FIRING_SINCE) >= param(P_ALERT_CONFIRM_MS))) {
    level = H_DEGRADED;
  }
  return level;
}

function emitHealth(ts: f64, s: u32, p: usize, now: u8, was: u8): void {
  const o = emit(ts, O_HEALTH, 0, s);
  setA(o, now);
  setB(o, was);
  setV0(o, load<f64>(p + S_ERR));
  setV1(o, load<f64>(p + S_LAT));
  setV2(o, anomaly(p));
}

/** reevaluate applies the current evidence of service `s` at time `ts`. */
function reevaluate(s: u32, ts: f64): void {
  const p = svc(s);
  const level = evidence(p, ts);
  const cur = load<u8>(p + S_HEALTH);
  if (level >= H_DEGRADED) {
    store<f64>(p + S_RECOVER_DUE, 0);
    if (level == cur) return;
    store<u8>(p + S_HEALTH, level);
    emitHealth(ts, s, p, level, cur);
    if (cur < H_DEGRADED) {
      onUnhealthy(s, ts);
    } else {
      onHealthShift(s, ts);
    }
    servicesHealthChanged(s, ts);
    return;
  }
  if (cur == H_UNKNOWN) {
    store<u8>(p + S_HEALTH, H_OK);
    return;
  }
  if (cur >= H_DEGRADED && load<f64>(p + S_RECOVER_DUE) == 0) {
    const due = ts + param(P_RECOVER_MS);
    store<f64>(p + S_RECOVER_DUE, due);
    schedule(due, T_RECOVER, s);
  }
}

/** recoverTimer turns `s` healthy if its evidence stayed clean until `due`. */
export function recoverTimer(s: u32, due: f64): void {
  const p = svc(s);
  if (load<f64>(p + S_RECOVER_DUE) != due) return;
  store<f64>(p + S_RECOVER_DUE, 0);
  const cur = load<u8>(p + S_HEALTH);
  if (cur < H_DEGRADED || evidence(p, due) >= H_DEGRADED) return;
  store<u8>(p + S_HEALTH, H_OK);
  // The rise that led here is over; one still elevated starts anew.
  store<f64>(p + S_EARLY, 0);
  emitHealth(due, s, p, H_OK, cur);
  onRecovered(s, due);
  servicesHealthChanged(s, due);
}

/** applyHealthCheck records a probe result. */
export function applyHealthCheck(s: u32, ts: f64, status: u8): void {
  const p = svc(s);
  store<u8>(p + S_HC, status);
  store<u32>(p + S_HC_STREAK, status >= H_DEGRADED ? load<u32>(p + S_HC_STREAK) + 1 : 0);
  reevaluate(s, ts);
}

/** confirmTimer re-evaluates a service whose uncorroborated alert has fired long enough. */
export function confirmTimer(s: u32, due: f64): void {
  reevaluate(s, due);
}

// Updates the fast EWMA and, while healthy and unremarkable, the baseline.
// While warming up every sample is learned except one beyond the SLO
// threshold `limit`: a service watched for the first time mid-incident must
// not learn the failure as its normal. The first sample seeds the baseline
// clamped to `limit`, as journeys do, for the same reason.
function learn(
  p: usize,
  x: f64,
  fastAt: usize,
  baseAt: usize,
  varAt: usize,
  countAt: usize,
  floor: f64,
  limit: f64,
): void {
  const n = load<u32>(p + countAt);
  if (n == 0) {
    store<f64>(p + fastAt, x);
    store<f64>(p + baseAt, min(x, limit));
    store<f64>(p + varAt, 0);
    store<u32>(p + countAt, 1);
    return;
  }
  const fast = load<f64>(p + fastAt);
  store<f64>(p + fastAt, fast + param(P_ERR_ALPHA) * (x - fast));
  const base = load<f64>(p + baseAt);
  const variance = load<f64>(p + varAt);
  const warm = <f64>n < param(P_WARMUP);
  const learnable = warm
    ? x <= limit
    : load<u8>(p + S_HEALTH) < H_DEGRADED && within(x - base, LEARN_Z, variance, base, floor);
  if (learnable) {
    const a = warm ? 1.0 / <f64>(n + 1) : param(P_BASE_ALPHA);
    const d = x - base;
    const inc = a * d;
    store<f64>(p + baseAt, base + inc);
    store<f64>(p + varAt, (1 - a) * (variance + d * inc));
  }
  store<u32>(p + countAt, n + 1);
}

// Elevated: error rate or latency more than ELEVATED_Z floored deviations
// above baseline. S_EARLY keeps when the current rise began.
const ELEVATED_Z: f64 = 2.0;
// A rise in error rate counts from a smaller absolute step than unhealthy
// does: doubling a 0.3% error rate is a rise worth dating.
const RISE_ERR_FLOOR: f64 = 0.0005;

function trackRise(p: usize, ts: f64): void {
  const eb = load<f64>(p + S_ERR_BASE);
  const lb = load<f64>(p + S_LAT_BASE);
  const warm = param(P_WARMUP);
  const errUp =
    <f64>load<u32>(p + S_ERR_N) >= warm &&
    !within(load<f64>(p + S_ERR) - eb, ELEVATED_Z, load<f64>(p + S_ERR_VAR), eb, RISE_ERR_FLOOR);
  const latUp =
    <f64>load<u32>(p + S_LAT_N) >= warm &&
    !within(load<f64>(p + S_LAT) - lb, ELEVATED_Z, load<f64>(p + S_LAT_VAR), lb, LAT_FLOOR);
  if (!errUp && !latUp) store<f64>(p + S_EARLY, 0);
  else if (load<f64>(p + S_EARLY) == 0) store<f64>(p + S_EARLY, ts);
}

/** riseStart is when service p's current rise began, or `ts` when its metrics show none. */
export function riseStart(p: usize, ts: f64): f64 {
  const e = load<f64>(p + S_EARLY);
  return e > 0 && e < ts ? e : ts;
}

/** applyMetric folds a metric sample into the service's estimates. */
export function applyMetric(s: u32, ts: f64, metric: u8, value: f64): void {
  const p = svc(s);
  if (metric == M_ERROR_RATE || metric == M_LATENCY_P99) store<f64>(p + S_LAST_METRIC_TS, ts);
  if (metric == M_ERROR_RATE) {
    learn(p, value, S_ERR, S_ERR_BASE, S_ERR_VAR, S_ERR_N, ERR_FLOOR, load<f64>(p + S_SLO_ERR));
    updateServiceForecast(s, ts, value);
  } else if (metric == M_LATENCY_P99) {
    learn(p, value, S_LAT, S_LAT_BASE, S_LAT_VAR, S_LAT_N, LAT_FLOOR, load<f64>(p + S_SLO_LAT));
  } else if (metric == M_SATURATION) {
    const sat = load<f64>(p + S_SAT);
    store<f64>(p + S_SAT, sat + param(P_ERR_ALPHA) * (value - sat));
    return;
  } else if (metric == M_THROUGHPUT) {
    // The first sample is taken as it is; later ones are smoothed like
    // the error rate.
    const old = load<f64>(p + S_RPS);
    const seen = load<u32>(p + S_RPS_N);
    const rps = seen == 0 ? max(0.0, value) : max(0.0, old + param(P_ERR_ALPHA) * (value - old));
    store<f64>(p + S_RPS, rps);
    store<u32>(p + S_RPS_N, seen + 1);
    totalRps += rps - old;
    return;
  } else {
    return;
  }
  trackRise(p, ts);
  const was = load<u8>(p + S_HEALTH);
  reevaluate(s, ts);
  // While unhealthy, its error rate moves the journeys' estimated impact
  // (refreshJourney only emits material changes).
  if (was >= H_DEGRADED && load<u8>(p + S_HEALTH) == was) {
    servicesHealthChanged(s, ts);
    onAnomaly(s, ts);
  }
}

/**
 * applyAlert tracks firing alerts per fingerprint; repeats are folded. A
 * firing alert not re-sent within P_ALERT_TIMEOUT_MS counts as resolved,
 * as in Alertmanager's resolve_timeout: sources that never send RESOLVED
 * (error logs, most webhooks) do not leave services unhealthy for ever.
 */
export function applyAlert(s: u32, ts: f64, state: u8, severity: u16, fp: u32): void {
  const p = svc(s);
  const slot = fpSlot(fp);
  const was = load<u8>(slot);
  const crit: u8 = severity >= SEV_CRITICAL ? 2 : 1;
  if (state == A_FIRING) {
    store<f64>(slot + FP_SEEN, ts);
    schedule(ts + param(P_ALERT_TIMEOUT_MS), T_ALERT_EXPIRE, fp);
    if (was == 0) {
      store<u8>(slot, crit);
      store<u32>(slot + FP_SERVICE, s);
      const firing = load<u32>(p + S_FIRING);
      if (firing == 0) {
        store<f64>(p + S_FIRING_SINCE, ts);
        // Held back by healthy metrics? Look again once it has fired long enough.
        schedule(ts + param(P_ALERT_CONFIRM_MS), T_CONFIRM, s);
      }
      store<u32>(p + S_FIRING, firing + 1);
      if (crit == 2) store<u32>(p + S_CRIT, load<u32>(p + S_CRIT) + 1);
    }
    reevaluate(s, ts);
    onAlert(s, ts);
  } else if (state == A_RESOLVED && was != 0) {
    resolveAlert(slot, ts);
  }
}

// Clears a firing fingerprint and re-evaluates the service it was on.
function resolveAlert(slot: usize, ts: f64): void {
  const was = load<u8>(slot);
  const s = load<u32>(slot + FP_SERVICE);
  const p = svc(s);
  store<u8>(slot, 0);
  store<u32>(p + S_FIRING, load<u32>(p + S_FIRING) - 1);
  if (was == 2) store<u32>(p + S_CRIT, load<u32>(p + S_CRIT) - 1);
  reevaluate(s, ts);
}

/** alertExpireTimer resolves fingerprint fp if it was not re-sent since `due` was set. */
export function alertExpireTimer(fp: u32, due: f64): void {
  const slot = fpSlot(fp);
  if (load<u8>(slot) == 0 || load<f64>(slot + FP_SEEN) + param(P_ALERT_TIMEOUT_MS) != due) return;
  resolveAlert(slot, due);
}

/** applyChange remembers the latest change so root cause can link it. */
export function applyChange(s: u32, ts: f64, changeId: u32): void {
  const p = svc(s);
  store<f64>(p + S_CHANGE_TS, ts);
  store<u32>(p + S_CHANGE_ID, changeId);
}

/** saveState writes this module's globals for a checkpoint (see state.ts). */
export function saveState(): void {
  put(<u64>fpBase);
  put(<u64>fpCap);
  putF(totalRps);
}

/** loadState reads them back in the same order. */
export function loadState(): void {
  fpBase = <usize>get();
  fpCap = <u32>get();
  totalRps = getF();
}
