// Customer journeys (mirrors assembly/journeys.ts): impact now, impact
// predicted, and experience data.
//
// Journey signals are summed into one-minute buckets of event time. When a
// bucket closes, the failure and abandonment ratios update (a fast value, a
// learned baseline, 5-minute and 1-hour averages for burn rates). Without
// fresh signals the impact is estimated from the services the journey's
// steps call: success = product of (1 - excess error rate). The live
// incident holding the journey's worst-failing services carries the impact.
// Feedback and abandonment drops attach to that incident, or open an
// experience-only incident.
import {
  H_DEGRADED,
  H_DOWN,
  J_ABANDONED,
  J_COMPLETED,
  J_FAILED,
  J_STARTED,
  P_ABANDON_RISE,
  P_DEGRADED_FAIL,
  P_FEEDBACK_DROP,
  P_HORIZON_MS,
  P_PRED_STREAK,
  P_WARMUP,
} from "../core/layout.js";
import type { Model } from "./model.js";
import { OUTCOME_FALSE_ALARM, OUTCOME_HIT, TARGET_JOURNEY, timeToBreach } from "./predict.js";
import type { EncodedTopology, JourneyState, Signal } from "./state.js";
import { T_JPRED_DEADLINE } from "./timers.js";

const MINUTE = 60_000;
const SHORT_ALPHA = 0.18126924692201818; // 1 - exp(-1/5): 5-minute window
const LONG_ALPHA = 0.016528546178155; // 1 - exp(-1/60): 1-hour window
// A minute bucket is already an aggregate: its ratio is the current value.
// (With alpha 1 the core still computes fast + 1 * (x - fast), which can
// differ from x in the last bit; so does the reference.)
const FAST_ALPHA = 1.0;
const RATE_ALPHA = 0.2;
const BASE_ALPHA = 0.05;
const FB_FAST_ALPHA = 0.1;
const FB_BASE_ALPHA = 0.01;
const FB_WARMUP = 30;
const FRESH_MS = 3 * MINUTE;
const RISE_Z = 3.0;
const FAIL_FLOOR = 0.001;
// Abandonment above this share is never learned as normal while warming up.
const ABANDON_LIMIT = 0.2;
/** Experience drop bits. */
const DROP_FEEDBACK = 1;
const DROP_ABANDON = 2;

/** budget is journey p's error budget (1 - SLO target), never 0. */
function budget(p: JourneyState): number {
  return Math.max(1.0 - p.slo, 1e-6);
}

/** entering is customers per minute entering p: learned once signals arrive. */
function entering(p: JourneyState): number {
  return p.buckets > 0 ? p.rate : p.cpm;
}

/** Journeys keeps journey impact, journey forecasts and experience data. */
export class Journeys {
  constructor(private readonly m: Model) {}

  /** loadTopology copies each journey's customers per minute and SLO target in. */
  loadTopology(t: EncodedTopology): void {
    t.journeys.forEach((spec, j) => {
      const p = this.m.tables.journey(j);
      p.cpm = spec.cpm;
      p.slo = spec.slo > 0 && spec.slo < 1 ? spec.slo : 0.99;
    });
  }

  // Failure a service adds to the journeys that need it: its error rate above
  // baseline when measured, all of it when hard down, a small share when it
  // is degraded by latency or alerts only.
  private excess(s: number): number {
    const p = this.m.tables.service(s);
    const h = p.health;
    if (h < H_DEGRADED) return 0;
    let x = 0;
    if (p.err.n > 0) x = Math.max(0.0, p.err.fast - p.err.base);
    if (h === H_DOWN && (p.probe === H_DOWN || p.critical > 0)) x = 1.0;
    return Math.min(1.0, Math.max(x, this.m.params.get(P_DEGRADED_FAIL)));
  }

  /** serviceExposure sums customers per minute over the journeys that need s. */
  serviceExposure(s: number): number {
    let total = 0;
    for (const j of this.m.graph.journeysOf(s)) total += entering(this.m.tables.journey(j));
    return total;
  }

  // The live incident that explains most of journey j's failure: the one
  // whose unhealthy services in the journey add the largest excess error
  // (ties: the older incident), or 0 when none holds an unhealthy service of
  // the journey.
  private carrier(j: number): number {
    const { tables, graph, incidents } = this.m;
    const services = graph.journeyServices(j);
    let best = 0;
    let bestExcess = -1;
    for (const s of services) {
      const sp = tables.service(s);
      const n = sp.incident;
      if (n === 0 || sp.health < H_DEGRADED || !incidents.live(n)) continue;
      if (n === best) continue;
      let total = 0;
      for (const t of services) if (tables.service(t).incident === n) total += this.excess(t);
      if (total > bestExcess || (total === bestExcess && n < best)) {
        best = n;
        bestExcess = total;
      }
    }
    return best;
  }

  /**
   * refreshJourney recomputes journey j's impact and hands it to the incident
   * that carries it, emitting only material changes.
   */
  refreshJourney(j: number, ts: number): void {
    const { tables, graph, incidents } = this.m;
    const p = tables.journey(j);
    const b = budget(p);
    let success: number;
    let affected: number;
    let burnShort: number;
    let burnLong: number;
    let measured = 0;
    const cpm = entering(p);
    if (p.buckets > 0 && ts - p.lastBucket <= FRESH_MS) {
      // Customers affected: those who fail and those who give up, above normal.
      const fail = p.fail.fast;
      const abandon = p.abandon.fast;
      success = Math.max(0.0, 1.0 - fail - abandon);
      affected =
        cpm * (Math.max(0.0, fail - p.fail.base) + Math.max(0.0, abandon - p.abandon.base));
      burnShort = p.failShort / b;
      burnLong = p.failLong / b;
      measured = 1;
    } else {
      // Only the services the steps call: their error rates already carry
      // what their own dependencies do to them.
      let ok = 1.0;
      for (const s of graph.directServices(j)) ok *= 1.0 - this.excess(s);
      success = ok;
      affected = cpm * (1.0 - ok);
      burnShort = (1.0 - ok) / b;
      burnLong = burnShort;
    }
    let n = this.carrier(j);
    const e = p.experienceIncident;
    const expLive = e !== 0 && incidents.live(e);
    // With no failing service to blame, an experience-only incident carries it.
    if (n === 0 && expLive) n = e;
    const prev = p.incident;
    if (n !== prev && prev !== 0 && incidents.live(prev)) {
      // The previous incident no longer carries this journey. Its severity is
      // recomputed before p.incident moves on (as in the core).
      incidents.impactChanged(prev, j, ts, success, 0, burnShort, burnLong, cpm, measured);
    }
    p.incident = n;
    if (n === 0) return;
    const material =
      n !== prev ||
      Math.abs(affected - p.lastAffected) > Math.max(0.05 * p.lastAffected, 0.5) ||
      Math.abs(success - p.lastSuccess) > 0.005 ||
      Math.abs(burnShort - p.lastBurn) > Math.max(0.1 * p.lastBurn, 0.5) ||
      p.lastMeasured !== measured;
    if (!material) return;
    p.lastAffected = affected;
    p.lastSuccess = success;
    p.lastBurn = burnShort;
    p.lastMeasured = measured;
    incidents.impactChanged(n, j, ts, success, affected, burnShort, burnLong, cpm, measured);
    // (Liveness as it was before the impact was handed over, as in the core.)
    if (expLive && e !== n) {
      // A service failure now explains the experience drop: fold it in.
      p.experienceIncident = 0;
      incidents.emitExperience(n, j, ts, p.drop, e);
    }
  }

  /** servicesHealthChanged refreshes the journeys that need service s. */
  servicesHealthChanged(s: number, ts: number): void {
    for (const j of this.m.graph.journeysOf(s)) this.refreshJourney(j, ts);
  }

  /** affectedFor is the customers-affected figure journey j last handed to incident n. */
  affectedFor(j: number, n: number): number {
    const p = this.m.tables.journey(j);
    return p.incident === n ? p.lastAffected : 0;
  }

  /** burnShort is the short-window burn rate of journey j. */
  burnShort(j: number): number {
    const p = this.m.tables.journey(j);
    return p.failShort / budget(p);
  }

  // ---- Signals ----

  // Fast value and learned baseline of a ratio, updated once per bucket; as
  // for services, warm-up learns every bucket except one beyond `limit`.
  private ratioUpdate(sig: Signal, x: number, n: number, learnOk: boolean, limit: number): void {
    if (n === 0) {
      sig.fast = x;
      sig.base = Math.min(x, limit);
      sig.variance = 0;
      return;
    }
    sig.fast = sig.fast + FAST_ALPHA * (x - sig.fast);
    const base = sig.base;
    const variance = sig.variance;
    const warm = n < this.m.params.get(P_WARMUP);
    const sd = Math.max(Math.sqrt(variance), Math.max(0.1 * base, FAIL_FLOOR));
    if (warm ? x <= limit : learnOk && (x - base) / sd < RISE_Z) {
      const a = warm ? 1.0 / (n + 1) : BASE_ALPHA;
      const d = x - base;
      sig.base = base + a * d;
      // Note the order (d * a) * d, unlike health.ts's d * (a * d): the
      // rounding differs, and the reference keeps the core's.
      sig.variance = (1 - a) * (variance + d * a * d);
    }
  }

  private closeBucket(j: number, p: JourneyState, ts: number): void {
    const started = p.started;
    const n = p.buckets;
    if (started > 0) {
      const fail = Math.min(1.0, p.failed / started);
      const abandon = Math.min(1.0, p.abandoned / started);
      p.rate = n === 0 ? started : p.rate + RATE_ALPHA * (started - p.rate);
      const quiet = p.incident === 0;
      // A journey failing more than twice its error budget is not at its normal.
      const limit = 2.0 * budget(p);
      this.ratioUpdate(p.fail, fail, n, quiet, limit);
      const abandonQuiet = quiet && (p.drop & DROP_ABANDON) === 0;
      this.ratioUpdate(p.abandon, abandon, n, abandonQuiet, Math.max(limit, ABANDON_LIMIT));
      const s = p.failShort;
      const l = p.failLong;
      p.failShort = n === 0 ? fail : s + SHORT_ALPHA * (fail - s);
      p.failLong = n === 0 ? fail : l + LONG_ALPHA * (fail - l);
      p.buckets = (n + 1) >>> 0;
      p.lastBucket = ts;
      this.forecastJourney(j, p, fail, ts);
      this.checkAbandonment(j, p, ts);
    }
    p.started = 0;
    p.failed = 0;
    p.abandoned = 0;
    p.completed = 0;
    this.refreshJourney(j, ts);
  }

  /**
   * applyJourneySignal adds a count to journey j's open minute bucket; a
   * signal in a later minute closes the open bucket first. Only the first
   * step's STARTED counts customers entering (unknown step 0xffff: counted).
   */
  applyJourneySignal(j: number, ts: number, outcome: number, count: number, step: number): void {
    const p = this.m.tables.journey(j);
    const minute = Math.floor(ts / MINUTE) * MINUTE;
    if (p.bucket === 0) p.bucket = minute;
    else if (minute > p.bucket) {
      this.closeBucket(j, p, p.bucket + MINUTE);
      p.bucket = minute;
    }
    if (outcome === J_STARTED) {
      if (step === 0 || step === 0xffff) p.started += count;
    } else if (outcome === J_FAILED) p.failed += count;
    else if (outcome === J_ABANDONED) p.abandoned += count;
    else if (outcome === J_COMPLETED) p.completed += count;
  }

  // ---- Journey prediction ----

  private forecastJourney(j: number, p: JourneyState, fail: number, ts: number): void {
    const { params, prediction } = this.m;
    prediction.holt(p.forecast, fail, ts);
    const threshold = budget(p);
    const active = p.predictionId;
    if (p.fail.fast > threshold) {
      if (active !== 0) {
        prediction.emitOutcome(ts, j, TARGET_JOURNEY, active, OUTCOME_HIT, ts, p.predictionIssued);
        p.predictionId = 0;
      }
      p.predictionStreak = 0;
      return;
    }
    if (active !== 0 || p.buckets < params.get(P_WARMUP)) return;
    const level = p.forecast.level;
    const trend = p.forecast.trend;
    const horizon = params.get(P_HORIZON_MS);
    const tb = timeToBreach(level, trend, threshold);
    const base = p.fail.base;
    const sd = Math.max(Math.sqrt(p.fail.variance), Math.max(0.1 * base, FAIL_FLOOR));
    if (tb < 0 || tb > horizon || (level - base) / sd < RISE_Z) {
      p.predictionStreak = 0;
      return;
    }
    const streak = (p.predictionStreak + 1) >>> 0;
    p.predictionStreak = streak;
    if (streak < params.get(P_PRED_STREAK)) return;
    const id = prediction.nextId();
    const deadline = ts + 1.5 * horizon;
    p.predictionId = id;
    p.predictionIssued = ts;
    p.predictionDeadline = deadline;
    p.predictionStreak = 0;
    const forecast = Math.min(1.0, level + trend * horizon);
    const customers = entering(p) * Math.max(0.0, forecast - base);
    prediction.emitPrediction(
      ts,
      j,
      TARGET_JOURNEY,
      id,
      ts + tb,
      forecast,
      level,
      threshold,
      customers,
    );
    this.m.timers.schedule(deadline, T_JPRED_DEADLINE, j);
  }

  /** journeyPredictionDeadline scores a journey prediction whose deadline passed. */
  journeyPredictionDeadline(j: number, due: number): void {
    const p = this.m.tables.journey(j);
    const active = p.predictionId;
    if (active === 0 || p.predictionDeadline !== due) return;
    this.m.prediction.emitOutcome(
      due,
      j,
      TARGET_JOURNEY,
      active,
      OUTCOME_FALSE_ALARM,
      0,
      p.predictionIssued,
    );
    p.predictionId = 0;
  }

  // ---- Experience ----

  // Sets or clears one drop bit; the first bit set attaches the drop to the
  // carrying incident or opens an experience incident, the last bit cleared
  // starts that incident's quiet period.
  private setDrop(j: number, p: JourneyState, bit: number, on: boolean, ts: number): void {
    const incidents = this.m.incidents;
    const was = p.drop;
    const now = on ? was | bit : was & ~bit;
    if (now === was) return;
    p.drop = now;
    if (was === 0 && now !== 0) {
      const n = this.carrier(j);
      if (n !== 0) incidents.emitExperience(n, j, ts, now, 0);
      else {
        p.experienceIncident = incidents.openExperienceIncident(j, ts, now);
        this.refreshJourney(j, ts); // the new incident carries the journey's impact
      }
    } else if (now === 0) {
      const e = p.experienceIncident;
      if (e !== 0) incidents.experienceCleared(e, ts);
      p.experienceIncident = 0;
    }
  }

  // Abandonment above baseline by P_ABANDON_RISE turns the drop on; it turns
  // off below half of that (hysteresis).
  private checkAbandonment(j: number, p: JourneyState, ts: number): void {
    if (p.buckets < this.m.params.get(P_WARMUP)) return;
    const rise = p.abandon.fast - p.abandon.base;
    const limit = this.m.params.get(P_ABANDON_RISE);
    const on = (p.drop & DROP_ABANDON) !== 0;
    this.setDrop(j, p, DROP_ABANDON, on ? rise > limit * 0.5 : rise > limit, ts);
  }

  /** applyFeedback folds a score in (NPS 0-10 when scale is 1, else CSAT 1-5), as 0..1. */
  applyFeedback(j: number, ts: number, scale: number, score: number): void {
    const p = this.m.tables.journey(j);
    const fb = p.feedback;
    const u = scale === 1 ? score / 10.0 : (score - 1.0) / 4.0;
    const n = fb.n;
    if (n === 0) {
      fb.fast = u;
      fb.base = u;
    } else {
      fb.fast = fb.fast + FB_FAST_ALPHA * (u - fb.fast);
      // The baseline holds still during a drop, so the drop is not learned.
      if (n < FB_WARMUP || (p.drop & DROP_FEEDBACK) === 0) {
        const a = n < FB_WARMUP ? 1.0 / (n + 1) : FB_BASE_ALPHA;
        fb.base = fb.base + a * (u - fb.base);
      }
    }
    fb.n = (n + 1) >>> 0;
    if (fb.n < FB_WARMUP) return;
    const drop = fb.base - fb.fast;
    const limit = this.m.params.get(P_FEEDBACK_DROP);
    const on = (p.drop & DROP_FEEDBACK) !== 0;
    this.setDrop(j, p, DROP_FEEDBACK, on ? drop > limit * 0.5 : drop > limit, ts);
  }
}
