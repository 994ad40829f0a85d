// Customer journeys: impact now, impact predicted, and experience data.
//
// Journey signals (STARTED / COMPLETED / FAILED / ABANDONED counts per step)
// are summed into one-minute buckets of event time. When a bucket closes,
// the journey's failure and abandonment ratios update: a fast value, a
// learned baseline, and 5-minute and 1-hour averages for multi-window burn
// rates (failure ratio / error budget, as in the SRE workbook). Without
// fresh signals the impact is estimated from the health of the services the
// journey needs: success = product over them of (1 - excess error rate).
// Customers affected per minute = customers entering x the failure above
// baseline. The live incident that holds an unhealthy service of the
// journey carries that impact; its severity follows the customers affected.
// Feedback scores (NPS, CSAT) and abandonment are tracked the same way; a
// drop attaches to the incident impacting the journey, or opens an
// experience-only incident naming the journey's most suspicious services.
import { blockCapacity, growBlock } from "./arena";
import { get, getF, put, putF } from "./state";
import {
  emitExperience,
  experienceCleared,
  impactChanged,
  incidentLive,
  openExperienceIncident,
} from "./incidents";
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
} from "./layout";
import { param } from "./params";
import { emitOutcome, emitPrediction, holt, nextPredictionId, timeToBreach } from "./predict";
import {
  journeyTopology,
  jsAt,
  jsDirectEnd,
  jsEnd,
  jsStart,
  releaseStaging,
  S_CRIT,
  S_ERR,
  S_ERR_BASE,
  S_ERR_N,
  S_HC,
  S_HEALTH,
  S_INCIDENT,
  sjAt,
  sjEnd,
  sjStart,
  svc,
  topoJ,
} from "./services";
import { schedule, T_JPRED_DEADLINE } from "./timers";

// Journey record fields.
const J_BYTES: usize = 320;
const J_INCIDENT: usize = 0; // u32 incident currently carrying this journey's impact
const J_EXP_INCIDENT: usize = 4; // u32 live experience incident, 0 = none
const J_CPM: usize = 8; // f64 customers per minute from the topology
const J_SLO: usize = 16; // f64 SLO target success ratio
const J_BUCKET: usize = 24; // f64 start of the open minute bucket, 0 = none
const J_B_STARTED: usize = 32; // f64 counts in the open bucket
const J_B_FAILED: usize = 40;
const J_B_ABANDONED: usize = 48;
const J_B_COMPLETED: usize = 56;
const J_RATE: usize = 64; // f64 learned customers entering per minute
const J_FAIL: usize = 72; // f64 failure ratio, fast
const J_FAIL_BASE: usize = 80; // f64 learned failure-ratio baseline
const J_FAIL_VAR: usize = 88;
const J_FAIL_SHORT: usize = 96; // f64 5-minute average failure ratio
const J_FAIL_LONG: usize = 104; // f64 1-hour average failure ratio
const J_LAST_BUCKET: usize = 112; // f64 time the last bucket closed
const J_ABANDON: usize = 120; // f64 abandonment ratio, fast
const J_ABANDON_BASE: usize = 128;
const J_ABANDON_VAR: usize = 136;
const J_FB: usize = 144; // f64 feedback score 0..1, fast
const J_FB_BASE: usize = 152;
const J_FB_VAR: usize = 160;
const J_FB_N: usize = 168; // u32 feedback samples
const J_BUCKETS: usize = 172; // u32 buckets closed
const J_HOLT_LEVEL: usize = 176;
const J_HOLT_TREND: usize = 184;
const J_HOLT_TS: usize = 192;
const J_PRED_ID: usize = 200; // u32 active prediction
const J_DROP: usize = 204; // u8 experience drop bits (1 feedback, 2 abandonment)
const J_PRED_STREAK: usize = 208; // u32
const J_MARK: usize = 212; // u32 scratch stamp
const J_PRED_ISSUED: usize = 216; // f64
const J_PRED_DEADLINE: usize = 224; // f64
const J_LAST_AFFECTED: usize = 232; // f64 customers affected last emitted
const J_LAST_SUCCESS: usize = 240; // f64 success ratio last emitted
const J_MEASURED: usize = 248; // u8 1 = last emitted impact was measured
const J_LAST_BURN: usize = 256; // f64 short-window burn rate last emitted

const MINUTE: f64 = 60_000;
const SHORT_ALPHA: f64 = 0.18126924692201818; // 1 - exp(-1/5): 5-minute window
const LONG_ALPHA: f64 = 0.016528546178155; // 1 - exp(-1/60): 1-hour window
// A minute bucket is already an aggregate: its ratio is the current value.
const FAST_ALPHA: f64 = 1.0;
const RATE_ALPHA: f64 = 0.2;
const BASE_ALPHA: f64 = 0.05;
const FB_FAST_ALPHA: f64 = 0.1;
const FB_BASE_ALPHA: f64 = 0.01;
const FB_WARMUP: u32 = 30;
const FRESH_MS: f64 = 3 * MINUTE;
const RISE_Z: f64 = 3.0;
const FAIL_FLOOR: f64 = 0.001;
// Abandonment above this share is never learned as normal while warming up.
const ABANDON_LIMIT: f64 = 0.2;

let jBase: usize = 0;
let jCap: u32 = 0;
let markEpoch: u32 = 0;

/** jrn returns the address of journey `id`'s record, growing the table. */
// @ts-ignore: decorator
@inline
function jrn(id: u32): usize {
  if (id >= jCap) growJourneys(id + 1);
  return jBase + <usize>id * J_BYTES;
}

function growJourneys(n: u32): void {
  let cap: u32 = jCap == 0 ? 64 : jCap;
  while (cap < n) cap <<= 1;
  jBase = growBlock(jBase, <usize>jCap * J_BYTES, <usize>cap * J_BYTES);
  const fresh = <u32>(blockCapacity(<usize>cap * J_BYTES) / J_BYTES);
  for (let i = jCap; i < fresh; i++) store<f64>(jBase + <usize>i * J_BYTES + J_SLO, 0.99);
  jCap = fresh;
}

/** journeysFromTopology copies the staged journey figures in and frees staging. */
export function journeysFromTopology(): void {
  const n = topoJ;
  if (n > 0) jrn(n - 1);
  const f = journeyTopology;
  for (let i: u32 = 0; i < n; i++) {
    const p = jrn(i);
    store<f64>(p + J_CPM, load<f64>(f + <usize>i * 8));
    const slo = load<f64>(f + <usize>(n + i) * 8);
    store<f64>(p + J_SLO, slo > 0 && slo < 1 ? slo : 0.99);
  }
  releaseStaging();
}

// Failure a service adds to the journeys that need it: its error rate above
// baseline when measured, all of it when hard down, a small share when it is
// degraded by latency or alerts only.
function excess(s: u32): f64 {
  const p = svc(s);
  const h = load<u8>(p + S_HEALTH);
  if (h < H_DEGRADED) return 0;
  let x: f64 = 0;
  if (load<u32>(p + S_ERR_N) > 0) x = max(0.0, load<f64>(p + S_ERR) - load<f64>(p + S_ERR_BASE));
  if (h == H_DOWN && (load<u8>(p + S_HC) == H_DOWN || load<u32>(p + S_CRIT) > 0)) x = 1.0;
  return min(1.0, max(x, param(P_DEGRADED_FAIL)));
}

// Customers per minute entering journey p: learned when signals arrive.
// @ts-ignore: decorator
@inline
function entering(p: usize): f64 {
  return load<u32>(p + J_BUCKETS) > 0 ? load<f64>(p + J_RATE) : load<f64>(p + J_CPM);
}

/** serviceExposure sums customers per minute over the journeys that need s. */
export function serviceExposure(s: u32): f64 {
  let total: f64 = 0;
  for (let k = sjStart(s); k < sjEnd(s); k++) total += entering(jrn(sjAt(k)));
  return total;
}

// The live incident that explains most of journey j's failure: the one whose
// unhealthy services in the journey add the largest excess error (ties: the
// older incident), or 0 when no unhealthy service of the journey is in one.
// Two incidents can touch a journey through a shared symptom (a gateway);
// the one holding the service that actually fails most carries the impact.
function carrier(j: u32): u32 {
  let best: u32 = 0;
  let bestExcess: f64 = -1;
  for (let k = jsStart(j); k < jsEnd(j); k++) {
    const s = jsAt(k);
    const sp = svc(s);
    const n = load<u32>(sp + S_INCIDENT);
    if (n == 0 || load<u8>(sp + S_HEALTH) < H_DEGRADED || !incidentLive(n)) continue;
    if (n == best) continue;
    // Sum this incident's excess over the journey's services.
    let total: f64 = 0;
    for (let q = jsStart(j); q < jsEnd(j); q++) {
      const t = jsAt(q);
      if (load<u32>(svc(t) + S_INCIDENT) == n) total += excess(t);
    }
    if (total > bestExcess || (total == bestExcess && n < best)) {
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
export function refreshJourney(j: u32, ts: f64): void {
  const p = jrn(j);
  const slo = load<f64>(p + J_SLO);
  const budget = max(1.0 - slo, 1e-6);
  let success: f64;
  let affected: f64;
  let burnShort: f64;
  let burnLong: f64;
  let measured: u32 = 0;
  const cpm = entering(p);
  if (load<u32>(p + J_BUCKETS) > 0 && ts - load<f64>(p + J_LAST_BUCKET) <= FRESH_MS) {
    // Customers affected: those who fail and those who give up, above normal.
    const fail = load<f64>(p + J_FAIL);
    const abandon = load<f64>(p + J_ABANDON);
    success = max(0.0, 1.0 - fail - abandon);
    affected =
      cpm * (max(0.0, fail - load<f64>(p + J_FAIL_BASE)) + max(0.0, abandon - load<f64>(p + J_ABANDON_BASE)));
    burnShort = load<f64>(p + J_FAIL_SHORT) / budget;
    burnLong = load<f64>(p + J_FAIL_LONG) / budget;
    measured = 1;
  } else {
    let ok: f64 = 1.0;
    // Only the services the steps call: their error rates already carry
    // what their own dependencies do to them.
    for (let k = jsStart(j); k < jsDirectEnd(j); k++) ok *= 1.0 - excess(jsAt(k));
    success = ok;
    affected = cpm * (1.0 - ok);
    burnShort = (1.0 - ok) / budget;
    burnLong = burnShort;
  }
  let n = carrier(j);
  const e = load<u32>(p + J_EXP_INCIDENT);
  const expLive = e != 0 && incidentLive(e);
  // With no failing service to blame, an experience-only incident carries it.
  if (n == 0 && expLive) n = e;
  const prev = load<u32>(p + J_INCIDENT);
  if (n != prev && prev != 0 && incidentLive(prev)) {
    // The previous incident no longer carries this journey.
    impactChanged(prev, j, ts, success, 0, burnShort, burnLong, cpm, measured);
  }
  store<u32>(p + J_INCIDENT, n);
  if (n == 0) return;
  const lastA = load<f64>(p + J_LAST_AFFECTED);
  const lastS = load<f64>(p + J_LAST_SUCCESS);
  const material =
    n != prev ||
    abs(affected - lastA) > max(0.05 * lastA, 0.5) ||
    abs(success - lastS) > 0.005 ||
    abs(burnShort - load<f64>(p + J_LAST_BURN)) > max(0.1 * load<f64>(p + J_LAST_BURN), 0.5) ||
    <u32>load<u8>(p + J_MEASURED) != measured;
  if (!material) return;
  store<f64>(p + J_LAST_AFFECTED, affected);
  store<f64>(p + J_LAST_SUCCESS, success);
  store<f64>(p + J_LAST_BURN, burnShort);
  store<u8>(p + J_MEASURED, <u8>measured);
  impactChanged(n, j, ts, success, affected, burnShort, burnLong, cpm, measured);
  if (expLive && e != n) {
    // A service failure now explains the experience drop: fold it in.
    store<u32>(p + J_EXP_INCIDENT, 0);
    emitExperience(n, j, ts, load<u8>(p + J_DROP), e);
  }
}

/** servicesHealthChanged refreshes the journeys that need service s. */
export function servicesHealthChanged(s: u32, ts: f64): void {
  for (let k = sjStart(s); k < sjEnd(s); k++) refreshJourney(sjAt(k), ts);
}

/** nextMarkEpoch starts a new scan that visits each journey once (see journeyMark). */
export function nextMarkEpoch(): u32 {
  markEpoch++;
  return markEpoch;
}

/** journeyMark stamps journey j with `epoch`; returns false if it already was. */
export function journeyMark(j: u32, epoch: u32): bool {
  const p = jrn(j);
  if (load<u32>(p + J_MARK) == epoch) return false;
  store<u32>(p + J_MARK, epoch);
  return true;
}

/** journeyAffected is the customers-affected figure last handed to an incident. */
export function journeyAffected(j: u32, n: u32): f64 {
  const p = jrn(j);
  return load<u32>(p + J_INCIDENT) == n ? load<f64>(p + J_LAST_AFFECTED) : 0;
}

/** journeyBurnShort is the short-window burn rate of journey j. */
export function journeyBurnShort(j: u32): f64 {
  const p = jrn(j);
  return load<f64>(p + J_FAIL_SHORT) / max(1.0 - load<f64>(p + J_SLO), 1e-6);
}

// ---- Signals ----

// As for services: warm-up learns every bucket except one beyond `limit`.
function ratioUpdate(
  p: usize,
  x: f64,
  fastAt: usize,
  baseAt: usize,
  varAt: usize,
  n: u32,
  learnOk: bool,
  limit: f64,
): void {
  if (n == 0) {
    store<f64>(p + fastAt, x);
    store<f64>(p + baseAt, min(x, limit));
    store<f64>(p + varAt, 0);
    return;
  }
  const fast = load<f64>(p + fastAt);
  store<f64>(p + fastAt, fast + FAST_ALPHA * (x - fast));
  const base = load<f64>(p + baseAt);
  const variance = load<f64>(p + varAt);
  const warm = <f64>n < param(P_WARMUP);
  const sd = max(sqrt(variance), max(0.1 * base, FAIL_FLOOR));
  if (warm ? x <= limit : learnOk && (x - base) / sd < RISE_Z) {
    const a = warm ? 1.0 / <f64>(n + 1) : BASE_ALPHA;
    const d = x - base;
    store<f64>(p + baseAt, base + a * d);
    store<f64>(p + varAt, (1 - a) * (variance + d * a * d));
  }
}

function closeBucket(j: u32, p: usize, ts: f64): void {
  const started = load<f64>(p + J_B_STARTED);
  const n = load<u32>(p + J_BUCKETS);
  if (started > 0) {
    const fail = min(1.0, load<f64>(p + J_B_FAILED) / started);
    const abandon = min(1.0, load<f64>(p + J_B_ABANDONED) / started);
    const rate = load<f64>(p + J_RATE);
    store<f64>(p + J_RATE, n == 0 ? started : rate + RATE_ALPHA * (started - rate));
    const quiet = load<u32>(p + J_INCIDENT) == 0;
    // A journey failing more than twice its error budget is not at its normal.
    const limit = 2.0 * max(1.0 - load<f64>(p + J_SLO), 1e-6);
    ratioUpdate(p, fail, J_FAIL, J_FAIL_BASE, J_FAIL_VAR, n, quiet, limit);
    const abandonQuiet = quiet && (load<u8>(p + J_DROP) & 2) == 0;
    ratioUpdate(p, abandon, J_ABANDON, J_ABANDON_BASE, J_ABANDON_VAR, n, abandonQuiet, max(limit, ABANDON_LIMIT));
    const s = load<f64>(p + J_FAIL_SHORT);
    const l = load<f64>(p + J_FAIL_LONG);
    store<f64>(p + J_FAIL_SHORT, n == 0 ? fail : s + SHORT_ALPHA * (fail - s));
    store<f64>(p + J_FAIL_LONG, n == 0 ? fail : l + LONG_ALPHA * (fail - l));
    store<u32>(p + J_BUCKETS, n + 1);
    store<f64>(p + J_LAST_BUCKET, ts);
    forecastJourney(j, p, fail, ts);
    checkAbandonment(j, p, ts);
  }
  store<f64>(p + J_B_STARTED, 0);
  store<f64>(p + J_B_FAILED, 0);
  store<f64>(p + J_B_ABANDONED, 0);
  store<f64>(p + J_B_COMPLETED, 0);
  refreshJourney(j, ts);
}

/**
 * applyJourneySignal adds a count to journey j's open minute bucket; a
 * signal in a later minute closes the open bucket first. Only the first
 * step's STARTED counts customers entering (unknown step: counted).
 */
export function applyJourneySignal(j: u32, ts: f64, outcome: u8, count: f64, step: u16): void {
  const p = jrn(j);
  const minute = Math.floor(ts / MINUTE) * MINUTE;
  const open = load<f64>(p + J_BUCKET);
  if (open == 0) store<f64>(p + J_BUCKET, minute);
  else if (minute > open) {
    closeBucket(j, p, open + MINUTE);
    store<f64>(p + J_BUCKET, minute);
  }
  if (outcome == J_STARTED) {
    if (step == 0 || step == 0xffff) store<f64>(p + J_B_STARTED, load<f64>(p + J_B_STARTED) + count);
  } else if (outcome == J_FAILED) {
    store<f64>(p + J_B_FAILED, load<f64>(p + J_B_FAILED) + count);
  } else if (outcome == J_ABANDONED) {
    store<f64>(p + J_B_ABANDONED, load<f64>(p + J_B_ABANDONED) + count);
  } else if (outcome == J_COMPLETED) {
    store<f64>(p + J_B_COMPLETED, load<f64>(p + J_B_COMPLETED) + count);
  }
}

// ---- Journey prediction ----

function forecastJourney(j: u32, p: usize, fail: f64, ts: f64): void {
  holt(p, J_HOLT_LEVEL, J_HOLT_TREND, J_HOLT_TS, fail, ts);
  const threshold = max(1.0 - load<f64>(p + J_SLO), 1e-6);
  const active = load<u32>(p + J_PRED_ID);
  if (load<f64>(p + J_FAIL) > threshold) {
    if (active != 0) {
      emitOutcome(ts, j, 1, active, 1, ts, load<f64>(p + J_PRED_ISSUED));
      store<u32>(p + J_PRED_ID, 0);
    }
    store<u32>(p + J_PRED_STREAK, 0);
    return;
  }
  if (active != 0 || <f64>load<u32>(p + J_BUCKETS) < param(P_WARMUP)) return;
  const level = load<f64>(p + J_HOLT_LEVEL);
  const trend = load<f64>(p + J_HOLT_TREND);
  const horizon = param(P_HORIZON_MS);
  const tb = timeToBreach(level, trend, threshold);
  const base = load<f64>(p + J_FAIL_BASE);
  const sd = max(sqrt(load<f64>(p + J_FAIL_VAR)), max(0.1 * base, FAIL_FLOOR));
  if (tb < 0 || tb > horizon || (level - base) / sd < RISE_Z) {
    store<u32>(p + J_PRED_STREAK, 0);
    return;
  }
  const streak = load<u32>(p + J_PRED_STREAK) + 1;
  store<u32>(p + J_PRED_STREAK, streak);
  if (<f64>streak < param(P_PRED_STREAK)) return;
  const id = nextPredictionId();
  const deadline = ts + 1.5 * horizon;
  store<u32>(p + J_PRED_ID, id);
  store<f64>(p + J_PRED_ISSUED, ts);
  store<f64>(p + J_PRED_DEADLINE, deadline);
  store<u32>(p + J_PRED_STREAK, 0);
  const forecast = min(1.0, level + trend * horizon);
  emitPrediction(ts, j, 1, id, ts + tb, forecast, level, threshold, entering(p) * max(0.0, forecast - base));
  schedule(deadline, T_JPRED_DEADLINE, j);
}

/** journeyPredictionDeadline scores a journey prediction whose deadline passed. */
export function journeyPredictionDeadline(j: u32, due: f64): void {
  const p = jrn(j);
  const active = load<u32>(p + J_PRED_ID);
  if (active == 0 || load<f64>(p + J_PRED_DEADLINE) != due) return;
  emitOutcome(due, j, 1, active, 2, 0, load<f64>(p + J_PRED_ISSUED));
  store<u32>(p + J_PRED_ID, 0);
}

// ---- Experience ----

function setDrop(j: u32, p: usize, bit: u8, on: bool, ts: f64): void {
  const was = load<u8>(p + J_DROP);
  const now: u8 = on ? was | bit : was & ~bit;
  if (now == was) return;
  store<u8>(p + J_DROP, now);
  if (was == 0 && now != 0) {
    const n = carrier(j);
    if (n != 0) {
      emitExperience(n, j, ts, now, 0);
    } else {
      store<u32>(p + J_EXP_INCIDENT, openExperienceIncident(j, ts, now));
      refreshJourney(j, ts);
    }
  } else if (now == 0) {
    const e = load<u32>(p + J_EXP_INCIDENT);
    if (e != 0) experienceCleared(e, ts);
    store<u32>(p + J_EXP_INCIDENT, 0);
  }
}

function checkAbandonment(j: u32, p: usize, ts: f64): void {
  if (<f64>load<u32>(p + J_BUCKETS) < param(P_WARMUP)) return;
  const rise = load<f64>(p + J_ABANDON) - load<f64>(p + J_ABANDON_BASE);
  const limit = param(P_ABANDON_RISE);
  const on = (load<u8>(p + J_DROP) & 2) != 0;
  setDrop(j, p, 2, on ? rise > limit * 0.5 : rise > limit, ts);
}

/** applyFeedback folds a score (NPS 0-10 when scale is 1, CSAT 1-5 when 2) in. */
export function applyFeedback(j: u32, ts: f64, scale: u8, score: f64): void {
  const p = jrn(j);
  const u = scale == 1 ? score / 10.0 : (score - 1.0) / 4.0;
  const n = load<u32>(p + J_FB_N);
  if (n == 0) {
    store<f64>(p + J_FB, u);
    store<f64>(p + J_FB_BASE, u);
  } else {
    const fast = load<f64>(p + J_FB);
    store<f64>(p + J_FB, fast + FB_FAST_ALPHA * (u - fast));
    if (n < FB_WARMUP || (load<u8>(p + J_DROP) & 1) == 0) {
      const a = n < FB_WARMUP ? 1.0 / <f64>(n + 1) : FB_BASE_ALPHA;
      const base = load<f64>(p + J_FB_BASE);
      store<f64>(p + J_FB_BASE, base + a * (u - base));
    }
  }
  store<u32>(p + J_FB_N, n + 1);
  if (n + 1 < FB_WARMUP) return;
  const drop = load<f64>(p + J_FB_BASE) - load<f64>(p + J_FB);
  const limit = param(P_FEEDBACK_DROP);
  const on = (load<u8>(p + J_DROP) & 1) != 0;
  setDrop(j, p, 1, on ? drop > limit * 0.5 : drop > limit, ts);
}

/** feedbackNow, feedbackBase, abandonNow, abandonBase expose journey j's experience state. */
export function feedbackNow(j: u32): f64 {
  return load<f64>(jrn(j) + J_FB);
}
export function feedbackBase(j: u32): f64 {
  return load<f64>(jrn(j) + J_FB_BASE);
}
export function abandonNow(j: u32): f64 {
  return load<f64>(jrn(j) + J_ABANDON);
}
export function abandonBase(j: u32): f64 {
  return load<f64>(jrn(j) + J_ABANDON_BASE);
}

/** journeyServiceStart/End/At walk the services journey j needs (for suspects). */
export function journeyServiceStart(j: u32): u32 {
  return jsStart(j);
}
export function journeyServiceEnd(j: u32): u32 {
  return jsEnd(j);
}
export function journeyServiceAt(k: u32): u32 {
  return jsAt(k);
}

/** saveState writes this module's globals for a checkpoint (see state.ts). */
export function saveState(): void {
  put(<u64>jBase);
  put(<u64>jCap);
  put(<u64>markEpoch);
}

/** loadState reads them back in the same order. */
export function loadState(): void {
  jBase = <usize>get();
  jCap = <u32>get();
  markEpoch = <u32>get();
}
