// Root-cause scoring (mirrors rank() and openExperienceIncident() in
// assembly/incidents.ts): the members of a service incident and its rising
// dependencies, and the suspects of an experience-only incident, scored and
// put in rank order.
import {
  H_DEGRADED,
  H_DOWN,
  P_CHANGE_WINDOW_MS,
  P_PROPAGATION_MS,
  R_ANOMALOUS,
  R_DOWN,
  R_EARLIEST,
  R_EXPLAINS_OTHERS,
  R_NO_UNHEALTHY_DEPS,
  R_RECENT_CHANGE,
  R_RISING,
  R_SUSPECT,
  R_TRAFFIC,
} from "../core/layout.js";
import { anomaly, failExcess, reach, slowExcess } from "./health.js";
import type { Model } from "./model.js";
import type { ServiceState } from "./state.js";

// A dependency counts as rising after RISE_MIN_MS of continuous elevation,
// or at once above RISE_ANOMALY; at most MAX_RISING of them are candidates.
const RISE_MIN_MS = 30_000;
const RISE_ANOMALY = 4.0;
const MAX_RISING = 8;
// A dependency explains a member only if it can account for more than this
// share of the member's excess failures or excess time in flight.
const EXPLAIN_SHARE = 0.5;
// The reach score at which a candidate touches 1% of the estate's calls.
const TRAFFIC_REACH = 0.31622776601683794;

/** strength is a candidate's term up to 1.0: its reach where known (share >= 0), else anomaly / 20. */
function strength(share: number, anomaly: number): number {
  return share >= 0 ? share : Math.min(anomaly / 20.0, 1.0);
}

/**
 * canExplain: is dependency dp (excess failures `fail`, excess requests in
 * flight `slow`) big enough to explain member mp? Not when, on every
 * measure where the member is affected, it shows no more than
 * EXPLAIN_SHARE of the member's peak. Without throughput on both, it is.
 */
function canExplain(fail: number, slow: number, dp: ServiceState, mp: ServiceState): boolean {
  if (dp.rpsN === 0 || mp.rpsN === 0) return true; // a dependency serving no calls explains nothing
  if (mp.peakFail <= 0 && mp.peakSlow <= 0) return true;
  return fail > EXPLAIN_SHARE * mp.peakFail || slow > EXPLAIN_SHARE * mp.peakSlow;
}

// Is hard dependency d of member mp, failing since `onset`, rising but not
// (yet) unhealthy, its rise begun before that onset (or within the
// propagation window after), lasting by ts, and big enough to explain it?
function risingDep(m: Model, d: number, mp: ServiceState, onset: number, ts: number): boolean {
  const dp = m.tables.service(d);
  if (dp.health >= H_DEGRADED || dp.incident !== 0) return false;
  if (dp.early <= 0 || dp.early > onset + m.params.get(P_PROPAGATION_MS)) return false;
  // Measured to its latest sample, not to ts (as the core does).
  const seen = Math.min(ts, dp.lastMetricTs);
  if (seen - dp.early < RISE_MIN_MS && anomaly(m.params, dp) < RISE_ANOMALY) return false;
  return canExplain(failExcess(m.params, dp), slowExcess(m.params, dp), dp, mp);
}

// Does service id, failing since `onset`, have a rising hard dependency?
function hasRisingDep(m: Model, id: number, onset: number, ts: number): boolean {
  const mp = m.tables.service(id);
  return m.graph.dependencies(id).some((e) => !e.soft && risingDep(m, e.service, mp, onset, ts));
}

/** Candidate is one scored root-cause candidate. */
export interface Candidate {
  service: number;
  score: number;
  /** R_* reason bits. */
  reasons: number;
  /** Linked change id, 0 = none. */
  change: number;
}

// Best first: score descending, then service id ascending. Ids are unique,
// so this is a total order and any correct top-3 selection (the core uses a
// partial selection sort) picks the same three in the same order.
function byRank(a: Candidate, b: Candidate): number {
  if (a.score !== b.score) return a.score > b.score ? -1 : 1;
  return a.service - b.service;
}

/**
 * rankMembers scores every member of incident n at ts, best first. Scores
 * use the incident's history, so a recovered root cause keeps its rank:
 *  - strength: worst health while in the incident (DOWN 1.0, else 0.6);
 *  - +2.0 unless a hard dependency in the incident turned unhealthy before
 *    it (or within P_PROPAGATION_MS after) and is big enough to explain it
 *    (canExplain): then it is more likely a symptom;
 *  - up to +0.5 for the share of members that call it, failed after it and
 *    that it can explain (the share of the member counter, less one);
 *  - +0.5 for the earliest onset (every member tying for it);
 *  - up to +1.0 for reach (the share of the estate's calls its failure
 *    touched at its peak) where throughput is known, else for anomaly
 *    strength (peak score / 20);
 *  - +1.0 for a change on it within P_CHANGE_WINDOW_MS before its onset.
 * A healthy hard dependency of a member whose metrics began rising before
 * that member failed (and still rise) is a candidate too (rankRising), and
 * the member it explains loses its +2.0.
 */
export function rankMembers(m: Model, n: number, ts: number): Candidate[] {
  const { tables, graph, params } = m;
  const inc = tables.incident(n);
  const members = inc.memberCount;
  const changeWindow = params.get(P_CHANGE_WINDOW_MS);
  const propagation = params.get(P_PROPAGATION_MS);
  // Every member that shares the earliest onset counts as first: coarse
  // sampling puts a failure and its first symptoms at the same instant.
  // Rising dependencies, in member order, then dependency order, once each.
  let earliest = Number.POSITIVE_INFINITY;
  const rising: number[] = [];
  for (const id of inc.members) {
    const onset = tables.service(id).onset;
    earliest = Math.min(earliest, onset);
    for (const e of graph.dependencies(id)) {
      if (e.soft || rising.length >= MAX_RISING || rising.includes(e.service)) continue;
      if (risingDep(m, e.service, tables.service(id), onset, ts)) rising.push(e.service);
    }
  }
  for (const d of rising) earliest = Math.min(earliest, tables.service(d).early);
  const candidates = inc.members.map((id): Candidate => {
    const sp = tables.service(id);
    const onset = sp.onset;
    let reasons = 0;
    let score = sp.peak === H_DOWN ? 1.0 : 0.6;
    if (sp.peak === H_DOWN) reasons |= R_DOWN;
    let explainedBy = 0;
    for (const e of graph.dependencies(id)) {
      if (e.soft) continue;
      const dp = tables.service(e.service);
      // A dependency that failed before this member turned unhealthy may
      // explain it even when the member's metrics had been rising earlier.
      if (
        dp.incident === n &&
        dp.onset <= sp.joined + propagation &&
        canExplain(dp.peakFail, dp.peakSlow, dp, sp)
      )
        explainedBy++;
    }
    if (explainedBy === 0 && !hasRisingDep(m, id, onset, ts)) {
      score += 2.0;
      reasons |= R_NO_UNHEALTHY_DEPS;
    }
    let explains = 0;
    for (const e of graph.callersOf(id)) {
      if (e.soft) continue;
      const cp = tables.service(e.service);
      if (
        cp.incident === n &&
        cp.onset >= onset - propagation &&
        canExplain(sp.peakFail, sp.peakSlow, sp, cp)
      )
        explains++;
    }
    if (explains > 0 && members > 1) {
      score += (0.5 * explains) / (members - 1);
      reasons |= R_EXPLAINS_OTHERS;
    }
    if (onset === earliest) {
      score += 0.5;
      reasons |= R_EARLIEST;
    }
    const anomaly = sp.peakAnomaly;
    if (anomaly >= 6.0) reasons |= R_ANOMALOUS;
    const share = reach(tables.totalRps, sp, sp.peakFail, sp.peakSlow);
    score += strength(share, anomaly);
    if (share >= TRAFFIC_REACH) reasons |= R_TRAFFIC;
    let change = 0;
    const cts = sp.linkTs;
    if (cts > 0 && cts <= onset && onset - cts <= changeWindow) {
      score += 1.0;
      reasons |= R_RECENT_CHANGE;
      change = sp.linkId;
    }
    return { service: id, score, reasons, change };
  });
  for (const d of rising) candidates.push(rankRising(m, n, d, members, earliest));
  return candidates.sort(byRank);
}

// Scores rising dependency d of incident n like a member with strength 0.3
// and no failing dependency: the share of all members among its callers in
// the incident, the earliest rise, its anomaly now, a change before the rise.
function rankRising(m: Model, n: number, d: number, members: number, earliest: number): Candidate {
  const { tables, graph, params } = m;
  const dp = tables.service(d);
  const early = dp.early;
  let score = 0.3 + 2.0;
  let reasons = R_RISING | R_NO_UNHEALTHY_DEPS | R_EXPLAINS_OTHERS;
  const fail = failExcess(params, dp);
  const slow = slowExcess(params, dp);
  let explains = 0;
  for (const e of graph.callersOf(d)) {
    if (e.soft) continue;
    const cp = tables.service(e.service);
    if (cp.incident === n && canExplain(fail, slow, dp, cp)) explains++;
  }
  score += (0.5 * explains) / members;
  if (early <= earliest) {
    score += 0.5;
    reasons |= R_EARLIEST;
  }
  const share = reach(tables.totalRps, dp, fail, slow);
  score += strength(share, anomaly(params, dp));
  if (share >= TRAFFIC_REACH) reasons |= R_TRAFFIC;
  let change = 0;
  const cts = dp.changeTs;
  if (cts > 0 && cts <= early && early - cts <= params.get(P_CHANGE_WINDOW_MS)) {
    score += 1.0;
    reasons |= R_RECENT_CHANGE;
    change = dp.changeId;
  }
  return { service: d, score, reasons, change };
}

/**
 * rankSuspects scores the services journey j needs when its customers are
 * unhappy and no failing service explains it, best first: anomaly (even
 * below the unhealthy threshold, up to 1.0), +1.0 when degraded, +1.0 for a
 * change within P_CHANGE_WINDOW_MS before ts.
 */
export function rankSuspects(m: Model, j: number, ts: number): Candidate[] {
  const { tables, graph, params } = m;
  const changeWindow = params.get(P_CHANGE_WINDOW_MS);
  const recentChange = (cts: number) => cts > 0 && cts <= ts && ts - cts <= changeWindow;
  const suspects = graph.journeyServices(j).map((id): Candidate => {
    const sp = tables.service(id);
    const a = anomaly(params, sp);
    let score = Math.min(a, 10.0) / 10.0;
    if (sp.health >= H_DEGRADED) score += 1.0;
    let reasons = R_SUSPECT;
    if (a >= 3.0) reasons |= R_ANOMALOUS;
    let change = 0;
    if (recentChange(sp.changeTs)) {
      score += 1.0;
      reasons |= R_RECENT_CHANGE;
      change = sp.changeId;
    }
    return { service: id, score, reasons, change };
  });
  return suspects.sort(byRank);
}
