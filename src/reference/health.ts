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
  O_HEALTH,
  P_BASE_ALPHA,
  P_DOWN_ERR,
  P_ERR_ALPHA,
  P_RECOVER_MS,
  P_WARMUP,
  P_Z_UNHEALTHY,
  SEV_CRITICAL,
} from "../core/layout.js";
import type { Model } from "./model.js";
import type { ServiceState, Signal } from "./state.js";
import { T_RECOVER } from "./timers.js";

// Floors for the standard deviation, so a very steady baseline does not turn
// noise into huge scores: absolute, and relative to the baseline itself.
const ERR_FLOOR = 0.002;
const LAT_FLOOR = 5.0;
const REL_FLOOR = 0.1;
// A baseline learns only from samples within this many deviations of it.
const LEARN_Z = 3.0;
// Material change beyond the z-score: absolute error-rate rise, latency ratio.
const ERR_MATERIAL = 0.01;
const LAT_MATERIAL = 1.5;

/** zscore is how many (floored) standard deviations `value` sits above `base`. */
export function zscore(value: number, base: number, variance: number, floor: number): number {
  const sd = Math.max(Math.sqrt(variance), Math.max(REL_FLOOR * Math.abs(base), floor));
  return (value - base) / sd;
}

/** Health turns evidence into service health and reports its changes. */
export class Health {
  /** Alert state per fingerprint id: 1 firing, 2 firing critical (absent = not firing). */
  private readonly alerts = new Map<number, number>();

  constructor(private readonly m: Model) {}

  /** errZ is the anomaly score of the error rate (0 while warming up). */
  errZ(p: ServiceState): number {
    if (p.err.n < this.m.params.get(P_WARMUP)) return 0;
    return zscore(p.err.fast, p.err.base, p.err.variance, ERR_FLOOR);
  }

  /** latZ is the anomaly score of the latency (0 while warming up). */
  latZ(p: ServiceState): number {
    if (p.lat.n < this.m.params.get(P_WARMUP)) return 0;
    return zscore(p.lat.fast, p.lat.base, p.lat.variance, LAT_FLOOR);
  }

  /** evidence is the health level the current evidence supports. */
  private evidence(p: ServiceState): number {
    const params = this.m.params;
    if (p.probe === H_DOWN || p.critical > 0) return H_DOWN;
    let level = H_OK;
    if (p.probe === H_DEGRADED || p.firing > 0) level = H_DEGRADED;
    const zLimit = params.get(P_Z_UNHEALTHY);
    if (p.err.n > 0) {
      const err = p.err.fast;
      if (err >= params.get(P_DOWN_ERR)) return H_DOWN;
      if (err > p.sloErr) level = H_DEGRADED;
      const base = p.err.base;
      if (this.errZ(p) >= zLimit && err - base >= Math.max(ERR_MATERIAL, base)) level = H_DEGRADED;
    }
    if (p.lat.n > 0) {
      const lat = p.lat.fast;
      if (lat > p.sloLat) level = H_DEGRADED;
      if (this.latZ(p) >= zLimit && lat >= LAT_MATERIAL * p.lat.base) level = H_DEGRADED;
    }
    return level;
  }

  private emitHealth(ts: number, s: number, p: ServiceState, now: number, was: number): void {
    const o = this.m.out.emit(ts, O_HEALTH, 0, s);
    o.a = now;
    o.b = was;
    o.v0 = p.err.fast;
    o.v1 = p.lat.fast;
    o.v2 = p.anomaly;
  }

  /** reevaluate applies the current evidence of service s at time ts. */
  private reevaluate(s: number, ts: number): void {
    const m = this.m;
    const p = m.tables.service(s);
    const level = this.evidence(p);
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
    if (cur < H_DEGRADED || this.evidence(p) >= H_DEGRADED) return;
    p.health = H_OK;
    this.emitHealth(due, s, p, H_OK, cur);
    m.incidents.onRecovered(s, due);
    m.journeys.servicesHealthChanged(s, due);
  }

  /** applyHealthCheck records a probe result. */
  applyHealthCheck(s: number, ts: number, status: number): void {
    this.m.tables.service(s).probe = status;
    this.reevaluate(s, ts);
  }

  // Updates the fast EWMA and, while healthy and unremarkable, the baseline.
  // While warming up every sample is learned except one beyond the SLO
  // threshold `limit`: a service first watched mid-incident must not learn
  // the failure as its normal. The warm-up mean is exact (a = 1/(n+1)).
  private learn(p: ServiceState, sig: Signal, x: number, floor: number, limit: number): void {
    const params = this.m.params;
    const n = sig.n;
    if (n === 0) {
      sig.fast = x;
      sig.base = x;
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
      : p.health < H_DEGRADED && zscore(x, base, variance, floor) < LEARN_Z;
    if (learnable) {
      const a = warm ? 1.0 / (n + 1) : params.get(P_BASE_ALPHA);
      const d = x - base;
      const inc = a * d;
      sig.base = base + inc;
      sig.variance = (1 - a) * (variance + d * inc);
    }
    sig.n = (n + 1) >>> 0;
  }

  /** applyMetric folds a metric sample (or device reading) into the service's estimates. */
  applyMetric(s: number, ts: number, metric: number, value: number): void {
    const m = this.m;
    const p = m.tables.service(s);
    if (metric === M_ERROR_RATE) {
      this.learn(p, p.err, value, ERR_FLOOR, p.sloErr);
      m.prediction.updateServiceForecast(s, ts, value);
    } else if (metric === M_LATENCY_P99) {
      this.learn(p, p.lat, value, LAT_FLOOR, p.sloLat);
    } else if (metric === M_SATURATION) {
      p.saturation = p.saturation + m.params.get(P_ERR_ALPHA) * (value - p.saturation);
      return;
    } else {
      return; // throughput and custom metrics are stored by the host, not judged here
    }
    p.anomaly = Math.max(0.0, Math.max(this.errZ(p), this.latZ(p)));
    const was = p.health;
    this.reevaluate(s, ts);
    // While unhealthy, its error rate moves the journeys' estimated impact
    // (refreshJourney only emits material changes).
    if (was >= H_DEGRADED && p.health === was) m.journeys.servicesHealthChanged(s, ts);
  }

  /**
   * applyAlert tracks firing alerts per fingerprint; repeats are folded. The
   * fingerprint's state is global, not per service, as in the core.
   */
  applyAlert(s: number, ts: number, state: number, severity: number, fp: number): void {
    const m = this.m;
    const p = m.tables.service(s);
    const was = this.alerts.get(fp) ?? 0;
    const crit = severity >= SEV_CRITICAL ? 2 : 1;
    if (state === A_FIRING) {
      if (was === 0) {
        this.alerts.set(fp, crit);
        p.firing = (p.firing + 1) >>> 0;
        if (crit === 2) p.critical = (p.critical + 1) >>> 0;
      }
      this.reevaluate(s, ts);
      m.incidents.onAlert(s, ts);
    } else if (state === A_RESOLVED && was !== 0) {
      this.alerts.delete(fp);
      // u32 counters: a fingerprint resolved on another service than the
      // one it fired on wraps this one below zero, as in the core.
      p.firing = (p.firing - 1) >>> 0;
      if (was === 2) p.critical = (p.critical - 1) >>> 0;
      this.reevaluate(s, ts);
    }
  }

  /** applyChange remembers the latest change so root cause can link it. */
  applyChange(s: number, ts: number, changeId: number): void {
    const p = this.m.tables.service(s);
    p.changeTs = ts;
    p.changeId = changeId;
  }
}
