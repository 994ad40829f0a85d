// Service health (mirrors assembly/health.ts): health checks, alerts and
// metric samples are evidence for OK / DEGRADED / DOWN.
//
// Each metric keeps a fast EWMA and a slow learned baseline that learns only
// while the service is healthy and the sample is unremarkable, so a failure
// is never learned as normal. Turning unhealthy is immediate; turning healthy
// waits P_RECOVER_MS of clean evidence (hysteresis).
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
  P_ALERT_CONFIRM_MS,
  P_ALERT_TIMEOUT_MS,
  P_BASE_ALPHA,
  P_DOWN_ERR,
  P_ERR_ALPHA,
  P_FRESH_MS,
  P_RECOVER_MS,
  P_WARMUP,
  P_Z_UNHEALTHY,
  SEV_CRITICAL,
} from "../core/layout.js";
import type { Model } from "./model.js";
import type { Params } from "./params.js";
import type { ServiceState, Signal } from "./state.js";
import { T_ALERT_EXPIRE, T_CONFIRM, T_RECOVER } from "./timers.js";

// Floors for the standard deviation, so a very steady baseline does not turn
// noise into huge scores: absolute, and relative to the baseline itself.
/** ERR_FLOOR is the smallest error-rate deviation a z-score divides by. */
export const ERR_FLOOR = 0.002;
/** RISE_ERR_FLOOR is the smaller floor a rise in error rate is dated from. */
export const RISE_ERR_FLOOR = 0.0005;
// The absolute latency floor only stops sub-millisecond jitter; the relative
// floor does the rest.
const LAT_FLOOR = 1.0;
const REL_FLOOR = 0.1;
// A baseline learns only from samples within this many deviations of it.
const LEARN_Z = 3.0;
// Deviations above baseline at which a metric counts as rising (see riseStart).
const ELEVATED_Z = 2.0;
// Material change beyond the z-score: absolute error-rate rise, latency ratio.
const ERR_MATERIAL = 0.01;
const LAT_MATERIAL = 1.5;

/** zscore is how many floored standard deviations (`sd`) `value` sits above `base`. */
export function zscore(value: number, base: number, sd: number, floor: number): number {
  return (value - base) / Math.max(sd, Math.max(REL_FLOOR * Math.abs(base), floor));
}

/**
 * within is true when `d` (value - baseline) is below `z` floored
 * deviations. The core compares squares, so the per-sample path needs no
 * square root; the reference compares the same squares.
 */
export function within(
  d: number,
  z: number,
  variance: number,
  base: number,
  floor: number,
): boolean {
  if (d <= 0) return true;
  const f = Math.max(REL_FLOOR * Math.abs(base), floor);
  return d * d < z * z * Math.max(variance, f * f);
}

/** errZ is the anomaly score of the error rate (0 while warming up). */
export function errZ(params: Params, p: ServiceState): number {
  if (p.err.n < params.get(P_WARMUP)) return 0;
  return zscore(p.err.fast, p.err.base, Math.sqrt(p.err.variance), ERR_FLOOR);
}

/** latZ is the anomaly score of the latency (0 while warming up). */
export function latZ(params: Params, p: ServiceState): number {
  if (p.lat.n < params.get(P_WARMUP)) return 0;
  return zscore(p.lat.fast, p.lat.base, Math.sqrt(p.lat.variance), LAT_FLOOR);
}

/** anomaly is the service's anomaly score now: the higher of its metrics' z, at least 0. */
export function anomaly(params: Params, p: ServiceState): number {
  return Math.max(0.0, Math.max(errZ(params, p), latZ(params, p)));
}

/** failExcess is p's failed requests per second above its baseline error rate, now (0 without throughput or a warm baseline). */
export function failExcess(params: Params, p: ServiceState): number {
  if (p.rps <= 0 || p.err.n < params.get(P_WARMUP)) return 0;
  return Math.max(0.0, p.err.fast - p.err.base) * p.rps;
}

/** slowExcess is p's requests in flight above its baseline latency's, now (Little's law; 0 without throughput or a warm baseline). */
export function slowExcess(params: Params, p: ServiceState): number {
  if (p.rps <= 0 || p.lat.n < params.get(P_WARMUP)) return 0;
  return (Math.max(0.0, p.lat.fast - p.lat.base) * p.rps) / 1000.0;
}

/**
 * reach scores the share of the estate's calls (totalRps) that p's failure
 * touches, from excess failures `fail` and excess requests in flight
 * `slow`, to the power 1/4; -1 when unknown (no throughput, nothing above
 * baseline).
 */
export function reach(totalRps: number, p: ServiceState, fail: number, slow: number): number {
  if (p.rpsN === 0 || totalRps <= 0) return -1;
  let affected = fail;
  if (p.lat.base > 0) affected = Math.max(affected, (slow * 1000.0) / p.lat.base);
  if (affected <= 0) return -1;
  return Math.sqrt(Math.sqrt(Math.min(affected / totalRps, 1.0)));
}

/** riseStart is when service p's current rise began, or `ts` when its metrics show none. */
export function riseStart(p: ServiceState, ts: number): number {
  return p.early > 0 && p.early < ts ? p.early : ts;
}

/** AlertSlot is one fingerprint's state; the core keeps it after a resolution. */
interface AlertSlot {
  /** 0 not firing, 1 firing, 2 firing critical. */
  state: number;
  /** The service it fired on. */
  service: number;
  /** When it was last (re-)sent firing. */
  seen: number;
}

/** Health turns evidence into service health and reports its changes. */
export class Health {
  /** Alert state per fingerprint id (global, not per service, as in the core). */
  private readonly alerts = new Map<number, AlertSlot>();

  constructor(private readonly m: Model) {}

  // Fresh, warmed-up metrics can vouch for a service: then a single failing
  // probe or a young non-critical alert contradicted by them is held back.
  private vouched(p: ServiceState, ts: number): boolean {
    const params = this.m.params;
    const n = (p.err.n + p.lat.n) >>> 0;
    return n >= params.get(P_WARMUP) && ts - p.lastMetricTs <= params.get(P_FRESH_MS);
  }

  /**
   * evidence is the health level the current evidence supports at ts.
   * Metrics decide first. A probe counts at once unless fresh, normal
   * metrics contradict it; then it needs two failures in a row. A
   * non-critical alert likewise waits P_ALERT_CONFIRM_MS when metrics say
   * the service is fine. A critical alert always counts.
   */
  private evidence(p: ServiceState, ts: number): number {
    const params = this.m.params;
    if (p.critical > 0) return H_DOWN;
    let level = H_OK;
    const zLimit = params.get(P_Z_UNHEALTHY);
    if (p.err.n > 0) {
      const err = p.err.fast;
      if (err >= params.get(P_DOWN_ERR)) return H_DOWN;
      if (err > p.sloErr) level = H_DEGRADED;
      const base = p.err.base;
      if (err - base >= Math.max(ERR_MATERIAL, base) && errZ(params, p) >= zLimit)
        level = H_DEGRADED;
    }
    if (p.lat.n > 0) {
      const lat = p.lat.fast;
      if (lat > p.sloLat) level = H_DEGRADED;
      if (lat >= LAT_MATERIAL * p.lat.base && latZ(params, p) >= zLimit) level = H_DEGRADED;
    }
    const trusted = level >= H_DEGRADED || !this.vouched(p, ts);
    const hc = p.probe;
    if (hc >= H_DEGRADED && (trusted || p.probeStreak >= 2)) {
      if (hc === H_DOWN) return H_DOWN;
      level = H_DEGRADED;
    }
    if (p.firing > 0 && (trusted || ts - p.firingSince >= params.get(P_ALERT_CONFIRM_MS))) {
      level = H_DEGRADED;
    }
    return level;
  }

  private emitHealth(ts: number, s: number, p: ServiceState, now: number, was: number): void {
    const o = this.m.out.emit(ts, O_HEALTH, 0, s);
    o.a = now;
    o.b = was;
    o.v0 = p.err.fast;
    o.v1 = p.lat.fast;
    o.v2 = anomaly(this.m.params, p);
  }

  /** reevaluate applies the current evidence of service s at time ts. */
  private reevaluate(s: number, ts: number): void {
    const m = this.m;
    const p = m.tables.service(s);
    const level = this.evidence(p, ts);
    const cur = p.health;
    if (level >= H_DEGRADED) {
      p.recoverDue = 0;
      if (level === cur) return;
      p.health = level;
      this.emitHealth(ts, s, p, level, cur);
      if (cur < H_DEGRADED) m.incidents.onUnhealthy(s, ts);
      else m.incidents.onHealthShift(s, ts);
      m.journeys.servicesHealthChanged(s, ts);
      return;
    }
    // First evidence, and it is clean: healthy at once, nothing to announce.
    if (cur === H_UNKNOWN) {
      p.health = H_OK;
      return;
    }
    if (cur >= H_DEGRADED && p.recoverDue === 0) {
      const due = ts + m.params.get(P_RECOVER_MS);
      p.recoverDue = due;
      m.timers.schedule(due, T_RECOVER, s);
    }
  }

  /** recoverTimer turns s healthy if its evidence stayed clean until `due`. */
  recoverTimer(s: number, due: number): void {
    const m = this.m;
    const p = m.tables.service(s);
    if (p.recoverDue !== due) return; // rescheduled or cancelled since
    p.recoverDue = 0;
    const cur = p.health;
    if (cur < H_DEGRADED || this.evidence(p, due) >= H_DEGRADED) return;
    p.health = H_OK;
    // The rise that led here is over; one still elevated starts anew.
    p.early = 0;
    this.emitHealth(due, s, p, H_OK, cur);
    m.incidents.onRecovered(s, due);
    m.journeys.servicesHealthChanged(s, due);
  }

  /** applyHealthCheck records a probe result and the run of failing ones. */
  applyHealthCheck(s: number, ts: number, status: number): void {
    const p = this.m.tables.service(s);
    p.probe = status;
    p.probeStreak = status >= H_DEGRADED ? (p.probeStreak + 1) >>> 0 : 0;
    this.reevaluate(s, ts);
  }

  /** confirmTimer re-evaluates a service whose uncorroborated alert has fired long enough. */
  confirmTimer(s: number, due: number): void {
    this.reevaluate(s, due);
  }

  // Updates the fast EWMA and, while healthy and unremarkable, the baseline.
  // While warming up every sample is learned except one beyond the SLO
  // threshold `limit`: a service first watched mid-incident must not learn
  // the failure as its normal; the first sample seeds the baseline clamped
  // to `limit`, as journeys do. The warm-up mean is exact (a = 1/(n+1)).
  private learn(p: ServiceState, sig: Signal, x: number, floor: number, limit: number): void {
    const params = this.m.params;
    const n = sig.n;
    if (n === 0) {
      sig.fast = x;
      sig.base = Math.min(x, limit);
      sig.variance = 0;
      sig.n = 1;
      return;
    }
    sig.fast = sig.fast + params.get(P_ERR_ALPHA) * (x - sig.fast);
    const base = sig.base;
    const variance = sig.variance;
    const warm = n < params.get(P_WARMUP);
    const learnable = warm
      ? x <= limit
      : p.health < H_DEGRADED && within(x - base, LEARN_Z, variance, base, floor);
    if (learnable) {
      const a = warm ? 1.0 / (n + 1) : params.get(P_BASE_ALPHA);
      const d = x - base;
      const inc = a * d;
      sig.base = base + inc;
      sig.variance = (1 - a) * (variance + d * inc);
    }
    sig.n = (n + 1) >>> 0;
  }

  // A rise is an error rate or latency more than ELEVATED_Z floored
  // deviations above baseline; `early` keeps when the current one began.
  private trackRise(p: ServiceState, ts: number): void {
    const warm = this.m.params.get(P_WARMUP);
    const errUp =
      p.err.n >= warm &&
      !within(p.err.fast - p.err.base, ELEVATED_Z, p.err.variance, p.err.base, RISE_ERR_FLOOR);
    const latUp =
      p.lat.n >= warm &&
      !within(p.lat.fast - p.lat.base, ELEVATED_Z, p.lat.variance, p.lat.base, LAT_FLOOR);
    if (!errUp && !latUp) p.early = 0;
    else if (p.early === 0) p.early = ts;
  }

  /** applyMetric folds a metric sample (or device reading) into the service's estimates. */
  applyMetric(s: number, ts: number, metric: number, value: number): void {
    const m = this.m;
    const p = m.tables.service(s);
    if (metric === M_ERROR_RATE || metric === M_LATENCY_P99) p.lastMetricTs = ts;
    if (metric === M_ERROR_RATE) {
      this.learn(p, p.err, value, ERR_FLOOR, p.sloErr);
      m.prediction.updateServiceForecast(s, ts, value);
    } else if (metric === M_LATENCY_P99) {
      this.learn(p, p.lat, value, LAT_FLOOR, p.sloLat);
    } else if (metric === M_SATURATION) {
      p.saturation = p.saturation + m.params.get(P_ERR_ALPHA) * (value - p.saturation);
      return;
    } else if (metric === M_THROUGHPUT) {
      // The first sample as it is, later ones smoothed like the error rate.
      const old = p.rps;
      p.rps =
        p.rpsN === 0
          ? Math.max(0.0, value)
          : Math.max(0.0, old + m.params.get(P_ERR_ALPHA) * (value - old));
      p.rpsN = (p.rpsN + 1) >>> 0;
      m.tables.totalRps += p.rps - old;
      return;
    } else {
      return; // custom metrics are stored by the host, not judged here
    }
    this.trackRise(p, ts);
    const was = p.health;
    this.reevaluate(s, ts);
    // While unhealthy, its error rate moves the journeys' estimated impact
    // (refreshJourney only emits material changes), and a stronger anomaly
    // than before may change the ranking.
    if (was >= H_DEGRADED && p.health === was) {
      m.journeys.servicesHealthChanged(s, ts);
      m.incidents.onAnomaly(s, ts);
    }
  }

  private slot(fp: number): AlertSlot {
    let slot = this.alerts.get(fp);
    if (slot === undefined) {
      slot = { state: 0, service: 0, seen: 0 };
      this.alerts.set(fp, slot);
    }
    return slot;
  }

  /**
   * applyAlert tracks firing alerts per fingerprint; repeats are folded. A
   * firing alert not re-sent within P_ALERT_TIMEOUT_MS counts as resolved
   * (Alertmanager's resolve_timeout). A resolution applies to the service
   * the fingerprint fired on.
   */
  applyAlert(s: number, ts: number, state: number, severity: number, fp: number): void {
    const m = this.m;
    const p = m.tables.service(s);
    const slot = this.slot(fp);
    const was = slot.state;
    const crit = severity >= SEV_CRITICAL ? 2 : 1;
    if (state === A_FIRING) {
      slot.seen = ts;
      m.timers.schedule(ts + m.params.get(P_ALERT_TIMEOUT_MS), T_ALERT_EXPIRE, fp);
      if (was === 0) {
        slot.state = crit;
        slot.service = s;
        const firing = p.firing;
        if (firing === 0) {
          p.firingSince = ts;
          // Held back by healthy metrics? Look again once it has fired long enough.
          m.timers.schedule(ts + m.params.get(P_ALERT_CONFIRM_MS), T_CONFIRM, s);
        }
        p.firing = (firing + 1) >>> 0;
        if (crit === 2) p.critical = (p.critical + 1) >>> 0;
      }
      this.reevaluate(s, ts);
      m.incidents.onAlert(s, ts);
    } else if (state === A_RESOLVED && was !== 0) {
      this.resolveAlert(slot, ts);
    }
  }

  // Clears a firing fingerprint and re-evaluates the service it was on.
  private resolveAlert(slot: AlertSlot, ts: number): void {
    const was = slot.state;
    const p = this.m.tables.service(slot.service);
    slot.state = 0;
    p.firing = (p.firing - 1) >>> 0;
    if (was === 2) p.critical = (p.critical - 1) >>> 0;
    this.reevaluate(slot.service, ts);
  }

  /** alertExpireTimer resolves fingerprint fp if it was not re-sent since this timer was set. */
  alertExpireTimer(fp: number, due: number): void {
    const slot = this.slot(fp);
    if (slot.state === 0 || slot.seen + this.m.params.get(P_ALERT_TIMEOUT_MS) !== due) return;
    this.resolveAlert(slot, due);
  }

  /** applyChange remembers the latest change so root cause can link it. */
  applyChange(s: number, ts: number, changeId: number): void {
    const p = this.m.tables.service(s);
    p.changeTs = ts;
    p.changeId = changeId;
  }
}
