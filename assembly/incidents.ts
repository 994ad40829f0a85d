// Incidents: correlation of unhealthy services through the dependency graph,
// root-cause ranking, impact and severity, experience-only incidents, and the
// lifecycle OPEN -> (ACKNOWLEDGED) -> MITIGATED -> RESOLVED, with reopening
// instead of duplicates.
import { allocBlock, blockCapacity, freeBlock, growBlock } from "./arena";
import { anomaly, failExcess, reach, riseStart, rpsKnown, slowExcess } from "./health";
import { get, getF, put, putF } from "./state";
import {
  abandonBase,
  abandonNow,
  feedbackBase,
  feedbackNow,
  journeyAffected,
  journeyBurnShort,
  journeyMark,
  journeyServiceAt,
  journeyServiceEnd,
  journeyServiceStart,
  nextMarkEpoch,
} from "./journeys";
import {
  H_DEGRADED,
  H_DOWN,
  H_OK,
  IK_EXPERIENCE,
  IK_SERVICE,
  O_EXPERIENCE,
  O_IMPACT,
  O_MEMBER,
  O_MERGED,
  O_OPENED,
  O_RESOLVED,
  O_ROOT_CAUSE,
  O_SEVERITY,
  O_STATS,
  O_STATUS,
  P_CHANGE_WINDOW_MS,
  P_CORRELATION_WINDOW_MS,
  P_MAX_HOPS,
  P_PROPAGATION_MS,
  P_QUIET_MS,
  P_REOPEN_MS,
  P_SEV_CRITICAL_CPM,
  P_SEV_HIGH_CPM,
  R_ANOMALOUS,
  R_DOWN,
  R_EARLIEST,
  R_EXPLAINS_OTHERS,
  R_NO_UNHEALTHY_DEPS,
  R_RISING,
  R_TRAFFIC,
  R_RECENT_CHANGE,
  R_SUSPECT,
  PG_ROUTED,
  PG_SEVERITY,
  PG_TIMEOUT,
  SEV_I_CRITICAL,
  SEV_I_HIGH,
  SEV_I_LOW,
  SEV_I_MEDIUM,
  SKILL_DEPLOY,
  SKILL_EXPERIENCE,
  ST_ACKNOWLEDGED,
  ST_MERGED,
  ST_MITIGATED,
  ST_OPEN,
  ST_RESOLVED,
} from "./layout";
import { emit, setA, setB, setC, setD, setV0, setV1, setV2, setV3, setV4, setVersion } from "./output";
import { param } from "./params";
import {
  depAt,
  depEnd,
  depStart,
  rdepAt,
  rdepEnd,
  rdepStart,
  S_CHANGE_ID,
  S_CHANGE_TS,
  S_DEPTH,
  S_EARLY,
  S_HEALTH,
  S_INCIDENT,
  S_JOINED,
  S_LAST_INCIDENT,
  S_LINK_ID,
  S_LINK_TS,
  S_LAST_METRIC_TS,
  S_MARK,
  S_NEXT,
  S_ONSET,
  S_PEAK,
  S_PEAK_ANOMALY,
  S_PEAK_FAIL,
  S_PEAK_SLOW,
  SOFT_BIT,
  sjAt,
  sjEnd,
  sjStart,
  svc,
} from "./services";
import {
  chooseTeam,
  emitPage,
  emitRouted,
  pageThreshold,
  serviceKinds,
  tierCount,
  tierDelay,
} from "./routing";
import { schedule, T_ESCALATE, T_RESOLVE } from "./timers";

// Incident record fields.
const I_BYTES: usize = 128;
const I_STATUS: usize = 0; // u8 ST_*
const I_ACKED: usize = 1; // u8 1 once acknowledged (restored after MITIGATED, cleared on close)
const I_KIND: usize = 2; // u8 IK_*
const I_SEVERITY: usize = 3; // u8 SEV_I_*, 0 = not set
const I_HEAD: usize = 4; // u32 first member (service id + 1)
const I_OPENED: usize = 8; // f64
const I_ACTIVITY: usize = 16; // f64 last member change
const I_RESOLVE_DUE: usize = 24; // f64 pending resolution, 0 = none
const I_MEMBERS: usize = 32; // u32
const I_UNHEALTHY: usize = 36; // u32
const I_ALERTS: usize = 40; // u32
const I_VERSION: usize = 44; // u32
const I_TOP: usize = 48; // u32[3] current top candidates (service id + 1)
const I_TOPN: usize = 60; // u32 candidates in the current ranking
const I_RESOLVED_TS: usize = 64; // f64
const I_TEAM: usize = 72; // u32 routed team id + 1, 0 = none
const I_TIER: usize = 76; // u32 escalation tier last paged
const I_ESC_DUE: usize = 80; // f64 when the next tier is paged, 0 = not escalating
const I_ROUTED: usize = 88; // u8 1 once a routing decision was emitted
const I_JOURNEY: usize = 92; // u32 experience incidents: journey id + 1
const I_TOP_SCORE: usize = 96; // f32[3] scores of the top candidates as last emitted
const I_SETTLE: usize = 108; // u8 1 while listed to be ranked again when its instant is complete
// Smallest change of a top candidate's score worth re-emitting.
const SCORE_STEP: f64 = 0.01;
// A dependency explains a member only if it can account for more than
// this share of the member's excess failures or excess time in flight.
const EXPLAIN_SHARE: f64 = 0.5;
// The reach score (see health.ts) at which a candidate is said to touch a
// large share of the estate's traffic: 1% of all calls.
const TRAFFIC_REACH: f64 = 0.31622776601683794;

let incBase: usize = 0;
let incCap: u32 = 0;
/** incidentCount is the highest incident number handed out. */
export let incidentCount: u32 = 0;
export let openIncidents: u32 = 0;

// @ts-ignore: decorator
@inline
function inc(n: u32): usize {
  return incBase + <usize>n * I_BYTES;
}

function newIncident(ts: f64, kind: u8): u32 {
  const n = incidentCount + 1;
  if (n >= incCap) {
    const newCap: u32 = incCap == 0 ? 256 : incCap << 1;
    incBase = growBlock(incBase, <usize>incCap * I_BYTES, <usize>newCap * I_BYTES);
    incCap = <u32>(blockCapacity(<usize>newCap * I_BYTES) / I_BYTES);
  }
  incidentCount = n;
  openIncidents++;
  const p = inc(n);
  memory.fill(p, 0, I_BYTES);
  store<u8>(p + I_STATUS, ST_OPEN);
  store<u8>(p + I_KIND, kind);
  store<f64>(p + I_OPENED, ts);
  store<f64>(p + I_ACTIVITY, ts);
  return n;
}

/** incidentLive tells whether incident n is open, acknowledged or mitigated. */
export function incidentLive(n: u32): bool {
  if (n == 0 || n > incidentCount) return false;
  const st = load<u8>(inc(n) + I_STATUS);
  return st == ST_OPEN || st == ST_ACKNOWLEDGED || st == ST_MITIGATED;
}

// @ts-ignore: decorator
@inline
function bump(n: u32): u32 {
  const p = inc(n) + I_VERSION;
  const v = load<u32>(p) + 1;
  store<u32>(p, v);
  return v;
}

function emitStats(ts: f64, n: u32): void {
  const p = inc(n);
  const o = emit(ts, O_STATS, n, 0);
  setA(o, load<u32>(p + I_ALERTS));
  setB(o, load<u32>(p + I_MEMBERS));
  setC(o, load<u32>(p + I_UNHEALTHY));
  setVersion(o, bump(n));
}

function setStatus(n: u32, st: u8, ts: f64, actor: u32, reopened: u32): void {
  const ip = inc(n);
  if (load<u8>(ip + I_STATUS) == st) return;
  store<u8>(ip + I_STATUS, st);
  const o = emit(ts, O_STATUS, n, 0);
  setA(o, st);
  setB(o, actor);
  setC(o, reopened);
  setVersion(o, bump(n));
}

// Back to OPEN (or ACKNOWLEDGED when someone had acknowledged it) after
// being MITIGATED: a member failed again.
function unmitigate(n: u32, ts: f64): void {
  const ip = inc(n);
  if (load<u8>(ip + I_STATUS) != ST_MITIGATED) return;
  setStatus(n, load<u8>(ip + I_ACKED) != 0 ? ST_ACKNOWLEDGED : ST_OPEN, ts, 0, 0);
}

// ---- Correlation ----

// Traversal scratch: a queue of service ids, reused across calls.
let queue: usize = 0;
let queueCap: u32 = 0;
let epoch: u32 = 0;

function pushQueue(len: u32, id: u32): u32 {
  if (len == queueCap) {
    const newCap: u32 = queueCap == 0 ? 256 : queueCap << 1;
    queue = growBlock(queue, <usize>queueCap * 4, <usize>newCap * 4);
    queueCap = newCap;
  }
  store<u32>(queue + <usize>len * 4, id);
  return len + 1;
}

// Incidents found by the last search, at most MAX_FOUND distinct ones.
const MAX_FOUND: u32 = 16;
const found: usize = memory.data(<i32>MAX_FOUND * 4);
let foundCount: u32 = 0;

function addFound(n: u32): void {
  for (let i: u32 = 0; i < foundCount; i++) if (load<u32>(found + <usize>i * 4) == n) return;
  if (foundCount < MAX_FOUND) {
    store<u32>(found + <usize>foundCount * 4, n);
    foundCount++;
  }
}

/**
 * findNeighbourIncidents collects the live incidents that service `s`,
 * turning unhealthy at `ts`, belongs to. Failures spread from a dependency
 * to its callers along hard edges, so two directions count:
 *  - downstream (what s calls, transitively): an unhealthy member there may
 *    be what s suffers from;
 *  - upstream (what calls s): a member there may be a symptom of s,
 *    detected first, if it turned unhealthy no more than P_PROPAGATION_MS
 *    before s, or if nothing else explains it (none of its own hard
 *    dependencies is unhealthy) and it failed after s's metrics began to
 *    rise: a slow degradation shows in a sensitive caller long before its
 *    own thresholds trip. A member already explained by another failing
 *    dependency in its incident is not a symptom of s: two independent
 *    faults that meet in a shared caller stay two incidents, each routed
 *    to its own owner.
 * An incident qualifies while it still has unhealthy members, or within
 * P_CORRELATION_WINDOW_MS of its last change once they all recovered.
 * The search walks only through services that are not known to be healthy
 * (an uninstrumented hop may carry the failure; a healthy one does not), up
 * to P_MAX_HOPS. Soft edges are skipped: callers survive a soft dependency.
 * The oldest incident found absorbs the others: detection order need not
 * follow the order in which the failure spread.
 */
function findNeighbourIncidents(s: u32, ts: f64): void {
  const maxHops = <u32>param(P_MAX_HOPS);
  const window = param(P_CORRELATION_WINDOW_MS);
  const propagation = param(P_PROPAGATION_MS);
  // A caller that failed well before s began to rise is not its symptom.
  const rise = riseStart(svc(s), ts);
  foundCount = 0;
  for (let dir = 0; dir < 2; dir++) {
    epoch++;
    let head: u32 = 0;
    let tail: u32 = pushQueue(0, s);
    store<u32>(svc(s) + S_MARK, epoch);
    store<u32>(svc(s) + S_DEPTH, 0);
    while (head < tail) {
      const cur = load<u32>(queue + <usize>head * 4);
      head++;
      const cp = svc(cur);
      const depth = load<u32>(cp + S_DEPTH);
      if (cur != s) {
        const n = load<u32>(cp + S_INCIDENT);
        if (n != 0 && load<u8>(cp + S_HEALTH) >= H_DEGRADED) {
          const timely =
            dir == 0 ||
            ((ts - load<f64>(cp + S_ONSET) <= propagation ||
              (!hasUnhealthyDep(cur, s) && load<f64>(cp + S_ONSET) >= rise - propagation)) &&
              !explainedByOther(cur, s, n, propagation, rise));
          if (timely && incidentLive(n)) {
            const ip = inc(n);
            if (load<u32>(ip + I_UNHEALTHY) > 0 || ts - load<f64>(ip + I_ACTIVITY) <= window) addFound(n);
          }
        }
        // Only a service that is not known healthy carries the failure on.
        if (load<u8>(cp + S_HEALTH) == H_OK) continue;
      }
      if (depth >= maxHops) continue;
      const a = dir == 0 ? depStart(cur) : rdepStart(cur);
      const b = dir == 0 ? depEnd(cur) : rdepEnd(cur);
      for (let k = a; k < b; k++) {
        const raw = dir == 0 ? depAt(k) : rdepAt(k);
        if (raw & SOFT_BIT) continue;
        const np = svc(raw);
        if (load<u32>(np + S_MARK) == epoch) continue;
        store<u32>(np + S_MARK, epoch);
        store<u32>(np + S_DEPTH, depth + 1);
        tail = pushQueue(tail, raw);
      }
    }
  }
}

// Is member id of incident n already explained by an unhealthy hard
// dependency other than `except` in n that failed before it (or within the
// propagation window after), while `except` began to rise (at `rise`) only
// after id had failed? Then the later failure of `except` is not what id
// suffers from: two faults that meet in one caller stay two incidents. A
// dependency that began to rise no later than id failed may be its cause,
// whichever of them was processed first: at coarse sampling a failure and
// its symptoms arrive in the same step.
function explainedByOther(id: u32, except: u32, n: u32, propagation: f64, rise: f64): bool {
  const onset = load<f64>(svc(id) + S_ONSET);
  if (rise <= onset) return false;
  for (let q = depStart(id); q < depEnd(id); q++) {
    const d = depAt(q);
    if (d & SOFT_BIT || d == except) continue;
    const dp = svc(d);
    if (load<u32>(dp + S_INCIDENT) == n && load<u8>(dp + S_HEALTH) >= H_DEGRADED && load<f64>(dp + S_ONSET) <= onset + propagation) {
      return true;
    }
  }
  return false;
}

// Does service id have an unhealthy hard dependency other than `except`?
function hasUnhealthyDep(id: u32, except: u32): bool {
  for (let q = depStart(id); q < depEnd(id); q++) {
    const d = depAt(q);
    if (d & SOFT_BIT || d == except) continue;
    if (load<u8>(svc(d) + S_HEALTH) >= H_DEGRADED) return true;
  }
  return false;
}

/** merge folds incident `from` into `into`: members, counters, activity. */
function merge(from: u32, into: u32, ts: f64): void {
  const fp = inc(from);
  const ip = inc(into);
  let m = load<u32>(fp + I_HEAD);
  while (m != 0) {
    const mp = svc(m - 1);
    const next = load<u32>(mp + S_NEXT);
    store<u32>(mp + S_INCIDENT, into);
    store<u32>(mp + S_LAST_INCIDENT, into);
    store<u32>(mp + S_NEXT, load<u32>(ip + I_HEAD));
    store<u32>(ip + I_HEAD, m);
    m = next;
  }
  const moved = load<u32>(fp + I_MEMBERS);
  store<u32>(ip + I_MEMBERS, load<u32>(ip + I_MEMBERS) + moved);
  store<u32>(ip + I_UNHEALTHY, load<u32>(ip + I_UNHEALTHY) + load<u32>(fp + I_UNHEALTHY));
  store<u32>(ip + I_ALERTS, load<u32>(ip + I_ALERTS) + load<u32>(fp + I_ALERTS));
  store<f64>(ip + I_ACTIVITY, ts);
  store<f64>(ip + I_RESOLVE_DUE, 0);
  store<u8>(fp + I_STATUS, ST_MERGED);
  store<f64>(fp + I_ESC_DUE, 0);
  store<u32>(fp + I_HEAD, 0);
  store<f64>(fp + I_RESOLVE_DUE, 0);
  openIncidents--;
  const o = emit(ts, O_MERGED, from, 0);
  setA(o, into);
  setVersion(o, bump(from));
  // Re-announce the moved members (now first in the list) under `into`.
  m = load<u32>(ip + I_HEAD);
  for (let i: u32 = 0; i < moved && m != 0; i++) {
    emitMember(into, m - 1, ts);
    m = load<u32>(svc(m - 1) + S_NEXT);
  }
  emitStats(ts, into);
}

// Reopens the incident `s` was last part of, when it resolved recently.
function reopenable(s: u32, ts: f64): u32 {
  const r = load<u32>(svc(s) + S_LAST_INCIDENT);
  if (r == 0) return 0;
  const rp = inc(r);
  if (load<u8>(rp + I_STATUS) != ST_RESOLVED || load<u8>(rp + I_KIND) != <u8>IK_SERVICE) return 0;
  if (ts - load<f64>(rp + I_RESOLVED_TS) > param(P_REOPEN_MS)) return 0;
  openIncidents++;
  store<f64>(rp + I_RESOLVED_TS, 0);
  setStatus(r, ST_OPEN, ts, 0, 1);
  resumeEscalation(r, ts);
  return r;
}

/** onUnhealthy is called when service `s` turns unhealthy at `ts`. */
export function onUnhealthy(s: u32, ts: f64): void {
  const sp = svc(s);
  let n = load<u32>(sp + S_INCIDENT);
  const health = load<u8>(sp + S_HEALTH);
  if (n != 0) {
    // Already a member (it had recovered): count it unhealthy again. Its
    // onset stays the first one, which is what ranking compares.
    if (health > load<u8>(sp + S_PEAK)) store<u8>(sp + S_PEAK, health);
    const ip = inc(n);
    store<u32>(ip + I_UNHEALTHY, load<u32>(ip + I_UNHEALTHY) + 1);
    store<f64>(ip + I_RESOLVE_DUE, 0);
    store<f64>(ip + I_ACTIVITY, ts);
    unmitigate(n, ts);
    emitMember(n, s, ts);
    rank(n, ts);
    return;
  }
  findNeighbourIncidents(s, ts);
  n = 0;
  for (let i: u32 = 0; i < foundCount; i++) {
    const c = load<u32>(found + <usize>i * 4);
    if (n == 0 || c < n) n = c;
  }
  for (let i: u32 = 0; i < foundCount; i++) {
    const c = load<u32>(found + <usize>i * 4);
    if (c != n) merge(c, n, ts);
  }
  if (n == 0) n = reopenable(s, ts);
  if (n == 0) {
    n = newIncident(ts, <u8>IK_SERVICE);
    const o = emit(ts, O_OPENED, n, s);
    setA(o, IK_SERVICE);
    setV0(o, ts);
    setVersion(o, bump(n));
  }
  // Its onset is when its metrics began to rise, if they did before now.
  join(n, s, ts, riseStart(sp, ts));
  rank(n, ts);
  updateSeverity(n, ts);
}

// A member record carries the member's health; it is re-sent whenever that
// health changes so every incident version is complete on its own.
function emitMember(n: u32, s: u32, ts: f64): void {
  const sp = svc(s);
  const a = anomaly(sp);
  notePeaks(sp, a);
  const o = emit(ts, O_MEMBER, n, s);
  setA(o, load<u8>(sp + S_HEALTH));
  setV0(o, a);
  setVersion(o, bump(n));
}

/**
 * onAnomaly records a member's anomaly score when it exceeds its peak in
 * the incident and re-ranks: symptom strength is the peak while a member,
 * not the score at the moment it joined.
 */
export function onAnomaly(s: u32, ts: f64): void {
  const sp = svc(s);
  const n = load<u32>(sp + S_INCIDENT);
  if (n == 0 || load<u8>(sp + S_HEALTH) < H_DEGRADED) return;
  if (notePeaks(sp, anomaly(sp))) rank(n, ts);
}

// Raises member sp's peaks (anomaly `a`, excess failures and excess
// requests in flight) to what it shows now; true when one grew.
function notePeaks(sp: usize, a: f64): bool {
  let grew = false;
  if (a > load<f64>(sp + S_PEAK_ANOMALY)) {
    store<f64>(sp + S_PEAK_ANOMALY, a);
    grew = true;
  }
  const fail = failExcess(sp);
  if (fail > load<f64>(sp + S_PEAK_FAIL)) {
    store<f64>(sp + S_PEAK_FAIL, fail);
    grew = true;
  }
  const slow = slowExcess(sp);
  if (slow > load<f64>(sp + S_PEAK_SLOW)) {
    store<f64>(sp + S_PEAK_SLOW, slow);
    grew = true;
  }
  return grew;
}

/** onHealthShift re-ranks when a member moves between DEGRADED and DOWN. */
export function onHealthShift(s: u32, ts: f64): void {
  const sp = svc(s);
  const n = load<u32>(sp + S_INCIDENT);
  if (n == 0) return;
  const health = load<u8>(sp + S_HEALTH);
  if (health > load<u8>(sp + S_PEAK)) store<u8>(sp + S_PEAK, health);
  emitMember(n, s, ts);
  rank(n, ts);
}

/** onRecovered is called when service `s` is healthy again. */
export function onRecovered(s: u32, ts: f64): void {
  const n = load<u32>(svc(s) + S_INCIDENT);
  if (n == 0) return;
  const ip = inc(n);
  store<u32>(ip + I_UNHEALTHY, load<u32>(ip + I_UNHEALTHY) - 1);
  store<f64>(ip + I_ACTIVITY, ts);
  emitMember(n, s, ts);
  rehome(n, ts);
  if (load<u32>(ip + I_UNHEALTHY) == 0) mitigate(n, ts);
  rank(n, ts);
}

// Every member is healthy again: mitigated; resolved after a quiet period.
function mitigate(n: u32, ts: f64): void {
  const ip = inc(n);
  const due = ts + param(P_QUIET_MS);
  store<f64>(ip + I_RESOLVE_DUE, due);
  schedule(due, T_RESOLVE, n);
  setStatus(n, ST_MITIGATED, ts, 0, 0);
}

// Is service id unhealthy because of a hard dependency in incident `n`?
function explainedWithin(id: u32, n: u32): bool {
  for (let q = depStart(id); q < depEnd(id); q++) {
    const d = depAt(q);
    if (d & SOFT_BIT) continue;
    const dp = svc(d);
    if (load<u32>(dp + S_INCIDENT) == n && load<u8>(dp + S_HEALTH) >= H_DEGRADED) return true;
  }
  return false;
}

// The live incident, other than `n`, of an unhealthy hard dependency of id.
function otherCause(id: u32, n: u32): u32 {
  let best: u32 = 0;
  for (let q = depStart(id); q < depEnd(id); q++) {
    const d = depAt(q);
    if (d & SOFT_BIT) continue;
    const dp = svc(d);
    const b = load<u32>(dp + S_INCIDENT);
    if (b != 0 && b != n && load<u8>(dp + S_HEALTH) >= H_DEGRADED && incidentLive(b) && (best == 0 || b < best)) best = b;
  }
  return best;
}

/**
 * rehome moves symptoms of incident `n` whose cause there has recovered but
 * who stay unhealthy because a dependency fails in another live incident:
 * a gateway hurt first by a database outage and then by a bad deploy of a
 * search service belongs to the search incident once the database is back.
 * A moved member starts a new onset in its new incident.
 */
function rehome(n: u32, ts: f64): void {
  const ip = inc(n);
  if (load<u32>(ip + I_MEMBERS) < 2) return;
  foundCount = 0;
  let m = load<u32>(ip + I_HEAD);
  while (m != 0) {
    const id = m - 1;
    const mp = svc(id);
    if (load<u8>(mp + S_HEALTH) >= H_DEGRADED && !explainedWithin(id, n) && otherCause(id, n) != 0) addFound(id);
    m = load<u32>(mp + S_NEXT);
  }
  const count = foundCount;
  for (let i: u32 = 0; i < count; i++) {
    const id = load<u32>(found + <usize>i * 4);
    const to = otherCause(id, n);
    unlink(n, id);
    store<u32>(ip + I_MEMBERS, load<u32>(ip + I_MEMBERS) - 1);
    store<u32>(ip + I_UNHEALTHY, load<u32>(ip + I_UNHEALTHY) - 1);
    const o = emit(ts, O_MEMBER, n, id);
    setA(o, load<u8>(svc(id) + S_HEALTH));
    setC(o, 1); // left this incident
    setVersion(o, bump(n));
    join(to, id, ts, ts);
    rank(to, ts);
    updateSeverity(to, ts);
  }
}

// Removes service id from incident n's member list.
function unlink(n: u32, id: u32): void {
  const ip = inc(n);
  let prev: u32 = 0;
  let m = load<u32>(ip + I_HEAD);
  while (m != 0) {
    const next = load<u32>(svc(m - 1) + S_NEXT);
    if (m - 1 == id) {
      if (prev == 0) store<u32>(ip + I_HEAD, next);
      else store<u32>(svc(prev - 1) + S_NEXT, next);
      break;
    }
    prev = m;
    m = next;
  }
  const sp = svc(id);
  store<u32>(sp + S_INCIDENT, 0);
  store<u32>(sp + S_NEXT, 0);
}

// Adds unhealthy service s to live incident n at `ts`, its failure there
// having begun at `onset`.
function join(n: u32, s: u32, ts: f64, onset: f64): void {
  const sp = svc(s);
  const ip = inc(n);
  unmitigate(n, ts);
  store<f64>(sp + S_ONSET, onset);
  store<f64>(sp + S_JOINED, ts);
  store<f64>(sp + S_LINK_TS, load<f64>(sp + S_CHANGE_TS));
  store<u32>(sp + S_LINK_ID, load<u32>(sp + S_CHANGE_ID));
  store<u8>(sp + S_PEAK, load<u8>(sp + S_HEALTH));
  store<f64>(sp + S_PEAK_ANOMALY, anomaly(sp));
  store<f64>(sp + S_PEAK_FAIL, failExcess(sp));
  store<f64>(sp + S_PEAK_SLOW, slowExcess(sp));
  store<u32>(sp + S_INCIDENT, n);
  store<u32>(sp + S_LAST_INCIDENT, n);
  store<u32>(sp + S_NEXT, load<u32>(ip + I_HEAD));
  store<u32>(ip + I_HEAD, s + 1);
  store<u32>(ip + I_MEMBERS, load<u32>(ip + I_MEMBERS) + 1);
  store<u32>(ip + I_UNHEALTHY, load<u32>(ip + I_UNHEALTHY) + 1);
  store<f64>(ip + I_RESOLVE_DUE, 0);
  store<f64>(ip + I_ACTIVITY, ts);
  emitMember(n, s, ts);
}

/** onAlert folds an alert on service `s` into its live incident, if any. */
export function onAlert(s: u32, ts: f64): void {
  const n = load<u32>(svc(s) + S_INCIDENT);
  if (n == 0) return;
  const ip = inc(n);
  store<u32>(ip + I_ALERTS, load<u32>(ip + I_ALERTS) + 1);
  emitStats(ts, n);
}

/** resolveTimer resolves incident `n` if its quiet period passed untouched. */
export function resolveTimer(n: u32, due: f64): void {
  const ip = inc(n);
  if (!incidentLive(n)) return;
  if (load<f64>(ip + I_RESOLVE_DUE) != due || load<u32>(ip + I_UNHEALTHY) != 0) return;
  close(n, due, 0);
}

// close resolves incident `n` at `ts`; `actor` is the actor id + 1 for a
// manual resolution, 0 when the signals resolved it.
function close(n: u32, ts: f64, actor: u32): void {
  const ip = inc(n);
  store<u8>(ip + I_STATUS, ST_RESOLVED);
  store<f64>(ip + I_RESOLVE_DUE, 0);
  store<f64>(ip + I_ESC_DUE, 0);
  store<f64>(ip + I_RESOLVED_TS, ts);
  openIncidents--;
  let m = load<u32>(ip + I_HEAD);
  while (m != 0) {
    const mp = svc(m - 1);
    m = load<u32>(mp + S_NEXT);
    store<u32>(mp + S_INCIDENT, 0);
    store<u32>(mp + S_NEXT, 0);
    store<u8>(mp + S_PEAK, 0);
  }
  store<u32>(ip + I_HEAD, 0);
  // Its members are detached, recovered or not: counters that outlived them
  // would hold a reopened incident unhealthy for ever.
  store<u32>(ip + I_MEMBERS, 0);
  store<u32>(ip + I_UNHEALTHY, 0);
  // An acknowledgement covers this episode only: a reopened incident needs
  // a new one, and escalates until it gets it.
  store<u8>(ip + I_ACKED, 0);
  const o = emit(ts, O_RESOLVED, n, 0);
  setV0(o, load<f64>(ip + I_OPENED));
  setB(o, actor);
  setVersion(o, bump(n));
}

/**
 * applyAction applies an acknowledgement (code 1) or a manual resolution
 * (code 2) of incident `n` by `actor`. Actions on unknown or closed
 * incidents change nothing.
 */
export function applyAction(n: u32, ts: f64, code: u8, actor: u32): void {
  if (!incidentLive(n)) return;
  const ip = inc(n);
  if (code == 1) {
    if (load<u8>(ip + I_ACKED) != 0) return;
    store<u8>(ip + I_ACKED, 1);
    store<f64>(ip + I_ESC_DUE, 0); // acknowledged: no further tiers
    if (load<u8>(ip + I_STATUS) == ST_OPEN) setStatus(n, ST_ACKNOWLEDGED, ts, actor + 1, 0);
  } else if (code == 2) {
    close(n, ts, actor + 1);
  }
}

// ---- Impact and severity ----

/** impactChanged records journey j's impact on incident n and updates severity. */
export function impactChanged(
  n: u32,
  j: u32,
  ts: f64,
  success: f64,
  affected: f64,
  burnShort: f64,
  burnLong: f64,
  cpm: f64,
  measured: u32,
): void {
  const o = emit(ts, O_IMPACT, n, j);
  setA(o, measured);
  setV0(o, success);
  setV1(o, affected);
  setV2(o, burnShort);
  setV3(o, burnLong);
  setV4(o, cpm);
  setVersion(o, bump(n));
  updateSeverity(n, ts);
}

// Severity from customer impact: customers affected per minute over the
// incident's journeys, raised to HIGH by a fast error-budget burn (14.4x,
// the SRE workbook's paging threshold) even when few customers are counted.
function updateSeverity(n: u32, ts: f64): void {
  const ip = inc(n);
  const mark = nextMarkEpoch();
  let total: f64 = 0;
  let burn: f64 = 0;
  let unhealthy: u32 = 0;
  let m = load<u32>(ip + I_HEAD);
  while (m != 0) {
    const id = m - 1;
    const mp = svc(id);
    if (load<u8>(mp + S_HEALTH) >= H_DEGRADED) unhealthy++;
    for (let k = sjStart(id); k < sjEnd(id); k++) {
      const j = sjAt(k);
      if (!journeyMark(j, mark)) continue;
      total += journeyAffected(j, n);
      burn = max(burn, journeyBurnShort(j));
    }
    m = load<u32>(mp + S_NEXT);
  }
  maybeSkipTier(n, total, ts);
  // An experience incident's impact is its journey's.
  const ej = load<u32>(ip + I_JOURNEY);
  if (ej != 0 && journeyMark(ej - 1, mark)) total += journeyAffected(ej - 1, n);
  let sev = SEV_I_LOW;
  if (total >= param(P_SEV_CRITICAL_CPM)) sev = SEV_I_CRITICAL;
  else if (total >= param(P_SEV_HIGH_CPM) || burn >= 14.4) sev = SEV_I_HIGH;
  else if (total > 0 || unhealthy > 1 || load<u8>(ip + I_KIND) == <u8>IK_EXPERIENCE) sev = SEV_I_MEDIUM;
  if (<u32>load<u8>(ip + I_SEVERITY) == sev) return;
  store<u8>(ip + I_SEVERITY, <u8>sev);
  const o = emit(ts, O_SEVERITY, n, 0);
  setA(o, sev);
  setV0(o, total);
  setVersion(o, bump(n));
}

// ---- Experience ----

/**
 * emitExperience attaches journey j's experience drop to incident n;
 * `absorbed` is an experience-only incident that n now explains (merged).
 */
export function emitExperience(n: u32, j: u32, ts: f64, bits: u8, absorbed: u32): void {
  if (absorbed != 0 && incidentLive(absorbed)) merge(absorbed, n, ts);
  const o = emit(ts, O_EXPERIENCE, n, j);
  setA(o, bits);
  setV0(o, feedbackNow(j));
  setV1(o, feedbackBase(j));
  setV2(o, abandonNow(j));
  setV3(o, abandonBase(j));
  setVersion(o, bump(n));
}

/**
 * openExperienceIncident opens an incident for a journey whose customers are
 * unhappy while no live incident explains it, ranking the journey's services
 * as suspects: anomaly (even below the unhealthy threshold), degraded
 * health, and a change shortly before.
 */
export function openExperienceIncident(j: u32, ts: f64, bits: u8): u32 {
  const n = newIncident(ts, <u8>IK_EXPERIENCE);
  store<u32>(inc(n) + I_JOURNEY, j + 1);
  const o = emit(ts, O_OPENED, n, j);
  setA(o, IK_EXPERIENCE);
  setV0(o, ts);
  setVersion(o, bump(n));
  const changeWindow = param(P_CHANGE_WINDOW_MS);
  // Keep the best three suspects (score desc, id asc).
  let s1: u32 = 0xffffffff;
  let s2: u32 = 0xffffffff;
  let s3: u32 = 0xffffffff;
  let v1: f64 = -1;
  let v2: f64 = -1;
  let v3: f64 = -1;
  for (let k = journeyServiceStart(j); k < journeyServiceEnd(j); k++) {
    const id = journeyServiceAt(k);
    const sp = svc(id);
    let score: f64 = min(anomaly(sp), 10.0) / 10.0;
    if (load<u8>(sp + S_HEALTH) >= H_DEGRADED) score += 1.0;
    const cts = load<f64>(sp + S_CHANGE_TS);
    if (cts > 0 && cts <= ts && ts - cts <= changeWindow) score += 1.0;
    if (score > v1 || (score == v1 && id < s1)) {
      s3 = s2;
      v3 = v2;
      s2 = s1;
      v2 = v1;
      s1 = id;
      v1 = score;
    } else if (score > v2 || (score == v2 && id < s2)) {
      s3 = s2;
      v3 = v2;
      s2 = id;
      v2 = score;
    } else if (score > v3 || (score == v3 && id < s3)) {
      s3 = id;
      v3 = score;
    }
  }
  const count: u32 = s1 == 0xffffffff ? 0 : s2 == 0xffffffff ? 1 : s3 == 0xffffffff ? 2 : 3;
  for (let r: u32 = 0; r < count; r++) {
    const id = r == 0 ? s1 : r == 1 ? s2 : s3;
    const sp = svc(id);
    let reasons: u32 = R_SUSPECT;
    if (anomaly(sp) >= 3.0) reasons |= R_ANOMALOUS;
    const cts = load<f64>(sp + S_CHANGE_TS);
    let change: u32 = 0;
    if (cts > 0 && cts <= ts && ts - cts <= changeWindow) {
      reasons |= R_RECENT_CHANGE;
      change = load<u32>(sp + S_CHANGE_ID);
    }
    const c = emit(ts, O_ROOT_CAUSE, n, id);
    setA(c, r + 1);
    setB(c, count);
    setV0(c, r == 0 ? v1 : r == 1 ? v2 : v3);
    setC(c, change);
    setD(c, reasons);
    setVersion(c, bump(n));
  }
  emitExperience(n, j, ts, bits, 0);
  route(n, ts, count > 0 ? s1 : 0xffffffff, 0);
  updateSeverity(n, ts);
  return n;
}

/** experienceCleared starts the quiet period of an experience-only incident. */
export function experienceCleared(n: u32, ts: f64): void {
  if (!incidentLive(n)) return;
  const ip = inc(n);
  if (load<u32>(ip + I_MEMBERS) != 0) return;
  const due = ts + param(P_QUIET_MS);
  store<f64>(ip + I_RESOLVE_DUE, due);
  schedule(due, T_RESOLVE, n);
  setStatus(n, ST_MITIGATED, ts, 0, 0);
}

// ---- Settling an instant ----
// The records of one instant apply one at a time, in the order of their
// bytes, which puts the service id first: a ranking made halfway through
// an instant sees some of its samples and not others, and which ones
// depends on how the topology numbered the services. Every incident ranked
// while the records of an instant applied is ranked once more when the
// instant is complete (stream.ts), so the ranking an instant leaves behind
// depends on what arrived in it, not on that order.
let tracking: bool = false;
let settleList: usize = 0;
let settleBytes: usize = 0;
let settleCount: u32 = 0;

/** trackRankings marks (on) or stops marking the incidents ranked from now on for settling. */
export function trackRankings(on: bool): void {
  tracking = on;
}

/** unsettled is how many incidents wait to be ranked again. */
export function unsettled(): u32 {
  return settleCount;
}

/** settle ranks again, at `ts`, every live incident ranked during the instant `ts`. */
export function settle(ts: f64): void {
  for (let i: u32 = 0; i < settleCount; i++) {
    const n = load<u32>(settleList + <usize>i * 4);
    store<u8>(inc(n) + I_SETTLE, 0);
    if (incidentLive(n) && load<u8>(inc(n) + I_KIND) == <u8>IK_SERVICE) rank(n, ts);
  }
  settleCount = 0;
}

// ---- Root cause ----

// A candidate's strength term, up to 1.0: its reach where throughput is
// known (`share` >= 0, health.ts), else its anomaly score / 20.
// @ts-ignore: decorator
@inline
function strength(share: f64, anomaly: f64): f64 {
  return share >= 0 ? share : min(anomaly / 20.0, 1.0);
}

// Scratch for the ranking: (score f64, service u32, reasons u32, change u32).
const C_BYTES: usize = 24;
let cand: usize = 0;
let candBytes: usize = 0;

/**
 * rank scores every member of incident `n` and emits the top three when the
 * ranking changed. Scores use the incident's history, not the moment, so a
 * root cause that has recovered keeps its rank:
 *  - strength: worst health while in the incident (DOWN 1.0, DEGRADED 0.6);
 *  - +2.0 unless a hard dependency in the same incident failed before it
 *    turned unhealthy (or within P_PROPAGATION_MS after) and is big enough
 *    to explain it (canExplain): then it is more likely a symptom;
 *  - up to +0.5 for the share of members that call it, failed after it and
 *    are small enough for it to explain;
 *  - +0.5 for the earliest onset (shared by every member that ties for it);
 *  - up to +1.0 for reach, the share of the estate's calls its failure
 *    touched at its peak (health.ts), where throughput is reported; else
 *    for anomaly strength (peak score / 20);
 *  - +1.0 for a change on it within P_CHANGE_WINDOW_MS before its onset.
 * A healthy hard dependency of a member whose metrics began rising before
 * that member failed (and still rise a minute on) is a candidate too, scored
 * the same way with strength 0.3, and the member it explains loses its +2.0:
 * a slow failure shows in its callers before its own thresholds trip.
 */
function rank(n: u32, ts: f64): void {
  const ip = inc(n);
  if (tracking && load<u8>(ip + I_SETTLE) == 0) {
    store<u8>(ip + I_SETTLE, 1);
    const need = <usize>(settleCount + 1) * 4;
    if (need > settleBytes) {
      const bytes = blockCapacity(need * 2);
      settleList = growBlock(settleList, settleBytes, bytes);
      settleBytes = bytes;
    }
    store<u32>(settleList + <usize>settleCount * 4, n);
    settleCount++;
  }
  const members = load<u32>(ip + I_MEMBERS);
  // Earliest onset among members. Members that share it all count as
  // first: coarse sampling (one step every few minutes) puts a failure and
  // its first symptoms at the same instant, and a service id says nothing
  // about which came first.
  let earliest: f64 = Infinity;
  risingCount = 0;
  epoch++;
  let m = load<u32>(ip + I_HEAD);
  while (m != 0) {
    const mp = svc(m - 1);
    const onset = load<f64>(mp + S_ONSET);
    earliest = min(earliest, onset);
    collectRising(m - 1, onset, ts);
    m = load<u32>(mp + S_NEXT);
  }
  for (let r: u32 = 0; r < risingCount; r++) {
    earliest = min(earliest, load<f64>(svc(load<u32>(rising + <usize>r * 4)) + S_EARLY));
  }
  const total = members + risingCount;
  const need = <usize>total * C_BYTES;
  if (need > candBytes) {
    freeBlock(cand, candBytes);
    candBytes = blockCapacity(need);
    cand = allocBlock(candBytes);
  }
  const changeWindow = param(P_CHANGE_WINDOW_MS);
  const propagation = param(P_PROPAGATION_MS);
  let k: u32 = 0;
  m = load<u32>(ip + I_HEAD);
  while (m != 0) {
    const id = m - 1;
    const mp = svc(id);
    const peak = load<u8>(mp + S_PEAK);
    const onset = load<f64>(mp + S_ONSET);
    // A dependency that failed before this member turned unhealthy may
    // explain it even when the member's metrics had been rising earlier.
    const joined = load<f64>(mp + S_JOINED);
    let reasons: u32 = 0;
    let score: f64 = peak == H_DOWN ? 1.0 : 0.6;
    if (peak == H_DOWN) reasons |= R_DOWN;
    let explainedBy: u32 = 0;
    for (let q = depStart(id); q < depEnd(id); q++) {
      const d = depAt(q);
      if (d & SOFT_BIT) continue;
      const dp = svc(d);
      if (
        load<u32>(dp + S_INCIDENT) == n &&
        load<f64>(dp + S_ONSET) <= joined + propagation &&
        canExplain(load<f64>(dp + S_PEAK_FAIL), load<f64>(dp + S_PEAK_SLOW), dp, mp)
      )
        explainedBy++;
    }
    if (explainedBy == 0 && !hasRisingDep(id, onset, ts)) {
      score += 2.0;
      reasons |= R_NO_UNHEALTHY_DEPS;
    }
    let explains: u32 = 0;
    for (let q = rdepStart(id); q < rdepEnd(id); q++) {
      const c = rdepAt(q);
      if (c & SOFT_BIT) continue;
      const cp = svc(c);
      if (
        load<u32>(cp + S_INCIDENT) == n &&
        load<f64>(cp + S_ONSET) >= onset - propagation &&
        canExplain(load<f64>(mp + S_PEAK_FAIL), load<f64>(mp + S_PEAK_SLOW), mp, cp)
      )
        explains++;
    }
    if (explains > 0 && members > 1) {
      score += (0.5 * <f64>explains) / <f64>(members - 1);
      reasons |= R_EXPLAINS_OTHERS;
    }
    if (onset == earliest) {
      score += 0.5;
      reasons |= R_EARLIEST;
    }
    const anomaly = load<f64>(mp + S_PEAK_ANOMALY);
    if (anomaly >= 6.0) reasons |= R_ANOMALOUS;
    const share = reach(mp, load<f64>(mp + S_PEAK_FAIL), load<f64>(mp + S_PEAK_SLOW));
    score += strength(share, anomaly);
    if (share >= TRAFFIC_REACH) reasons |= R_TRAFFIC;
    let change: u32 = 0;
    const cts = load<f64>(mp + S_LINK_TS);
    if (cts > 0 && cts <= onset && onset - cts <= changeWindow) {
      score += 1.0;
      reasons |= R_RECENT_CHANGE;
      change = load<u32>(mp + S_LINK_ID);
    }
    const cp = cand + <usize>k * C_BYTES;
    store<f64>(cp, score);
    store<u32>(cp + 8, id);
    store<u32>(cp + 12, reasons);
    store<u32>(cp + 16, change);
    k++;
    m = load<u32>(mp + S_NEXT);
  }
  // Dependencies whose metrics began rising before a member failed and
  // still rise: the likely cause of a slow failure, seen before it trips
  // its own thresholds.
  for (let r: u32 = 0; r < risingCount; r++) {
    const id = load<u32>(rising + <usize>r * 4);
    const dp = svc(id);
    const early = load<f64>(dp + S_EARLY);
    let score: f64 = 0.3 + 2.0;
    let reasons: u32 = R_RISING | R_NO_UNHEALTHY_DEPS;
    const fail = failExcess(dp);
    const slow = slowExcess(dp);
    let explains: u32 = 0;
    for (let q = rdepStart(id); q < rdepEnd(id); q++) {
      const c = rdepAt(q);
      if (c & SOFT_BIT) continue;
      const cp = svc(c);
      if (load<u32>(cp + S_INCIDENT) == n && canExplain(fail, slow, dp, cp)) explains++;
    }
    score += (0.5 * <f64>explains) / <f64>members;
    reasons |= R_EXPLAINS_OTHERS;
    if (early <= earliest) {
      score += 0.5;
      reasons |= R_EARLIEST;
    }
    const share = reach(dp, fail, slow);
    score += strength(share, anomaly(dp));
    if (share >= TRAFFIC_REACH) reasons |= R_TRAFFIC;
    let change: u32 = 0;
    const cts = load<f64>(dp + S_CHANGE_TS);
    if (cts > 0 && cts <= early && early - cts <= changeWindow) {
      score += 1.0;
      reasons |= R_RECENT_CHANGE;
      change = load<u32>(dp + S_CHANGE_ID);
    }
    const cp = cand + <usize>k * C_BYTES;
    store<f64>(cp, score);
    store<u32>(cp + 8, id);
    store<u32>(cp + 12, reasons);
    store<u32>(cp + 16, change);
    k++;
  }
  // Partial selection of the top three (score desc, id asc).
  const top: u32 = k < 3 ? k : 3;
  for (let i: u32 = 0; i < top; i++) {
    let bi = i;
    for (let q = i + 1; q < k; q++) {
      const a = cand + <usize>q * C_BYTES;
      const b = cand + <usize>bi * C_BYTES;
      const sa = load<f64>(a);
      const sb = load<f64>(b);
      if (sa > sb || (sa == sb && load<u32>(a + 8) < load<u32>(b + 8))) bi = q;
    }
    if (bi != i) {
      const a = cand + <usize>i * C_BYTES;
      const b = cand + <usize>bi * C_BYTES;
      for (let w: usize = 0; w < C_BYTES; w += 8) {
        const t = load<u64>(a + w);
        store<u64>(a + w, load<u64>(b + w));
        store<u64>(b + w, t);
      }
    }
  }
  // Scores count as changes too: readers compare candidates across
  // incidents by score, and a peak that grows without reordering left
  // them stale.
  let changed = load<u32>(ip + I_TOPN) != top;
  for (let i: u32 = 0; i < top && !changed; i++) {
    const cp = cand + <usize>i * C_BYTES;
    changed =
      load<u32>(ip + I_TOP + <usize>i * 4) != load<u32>(cp + 8) + 1 ||
      abs(<f64>load<f32>(ip + I_TOP_SCORE + <usize>i * 4) - load<f64>(cp)) >= SCORE_STEP;
  }
  if (!changed) return;
  store<u32>(ip + I_TOPN, top);
  for (let i: u32 = 0; i < top; i++) {
    const cp = cand + <usize>i * C_BYTES;
    const id = load<u32>(cp + 8);
    store<u32>(ip + I_TOP + <usize>i * 4, id + 1);
    store<f32>(ip + I_TOP_SCORE + <usize>i * 4, <f32>load<f64>(cp));
    const o = emit(ts, O_ROOT_CAUSE, n, id);
    setA(o, i + 1);
    setB(o, top);
    setV0(o, load<f64>(cp));
    setC(o, load<u32>(cp + 16));
    setD(o, load<u32>(cp + 12));
    setVersion(o, bump(n));
  }
  const lead = cand;
  route(n, ts, load<u32>(lead + 8), (load<u32>(lead + 12) & R_RECENT_CHANGE) != 0 ? SKILL_DEPLOY : 0);
}

// ---- Rising dependencies ----

// A dependency counts as rising after RISE_MIN_MS of continuous elevation
// (health.ts trackRise), so one noisy sample names nobody.
const RISE_MIN_MS: f64 = 30_000;
const RISE_ANOMALY: f64 = 4.0;
const MAX_RISING: u32 = 8;
let rising: usize = 0;
let risingCount: u32 = 0;

// Is hard dependency d of a member failing since `onset` rising but not
// (yet) unhealthy, its rise begun before that onset (or within the
// propagation window after: a sensitive caller can show a slow failure
// first) and lasting by `ts`?
function risingDep(d: u32, mp: usize, onset: f64, ts: f64): bool {
  const dp = svc(d);
  if (load<u8>(dp + S_HEALTH) >= H_DEGRADED || load<u32>(dp + S_INCIDENT) != 0) return false;
  const early = load<f64>(dp + S_EARLY);
  if (early <= 0 || early > onset + param(P_PROPAGATION_MS)) return false;
  // Measured to its latest sample, not to `ts`: with samples minutes apart
  // one elevated sample would otherwise look like a lasting rise.
  const seen = min(ts, load<f64>(dp + S_LAST_METRIC_TS));
  if (seen - early < RISE_MIN_MS && anomaly(dp) < RISE_ANOMALY) return false;
  return canExplain(failExcess(dp), slowExcess(dp), dp, mp);
}

/**
 * canExplain tells whether dependency dp, with excess failures per second
 * `fail` and excess requests in flight `slow`, is big enough to explain
 * member mp's failure: a caller cannot fail more calls on a dependency's
 * account than the dependency fails, nor wait on it for longer than it
 * takes. It cannot when, on every measure where the member is affected,
 * the dependency shows no more than EXPLAIN_SHARE of the member's peak:
 * then most of the member's failure is its own. A dependency that serves
 * no calls explains nothing. Without throughput reported on both sides,
 * it can.
 */
function canExplain(fail: f64, slow: f64, dp: usize, mp: usize): bool {
  if (!rpsKnown(dp) || !rpsKnown(mp)) return true;
  const mf = load<f64>(mp + S_PEAK_FAIL);
  const ms = load<f64>(mp + S_PEAK_SLOW);
  if (mf <= 0 && ms <= 0) return true;
  return fail > EXPLAIN_SHARE * mf || slow > EXPLAIN_SHARE * ms;
}

// Does service id, failing since `onset`, have a rising hard dependency?
function hasRisingDep(id: u32, onset: f64, ts: f64): bool {
  const mp = svc(id);
  for (let q = depStart(id); q < depEnd(id); q++) {
    const d = depAt(q);
    if (!(d & SOFT_BIT) && risingDep(d, mp, onset, ts)) return true;
  }
  return false;
}

// Adds member id's rising hard dependencies (once each, marked with the
// current epoch) to the scratch list, up to MAX_RISING.
function collectRising(id: u32, onset: f64, ts: f64): void {
  if (rising == 0) rising = allocBlock(<usize>MAX_RISING * 4);
  for (let q = depStart(id); q < depEnd(id); q++) {
    const d = depAt(q);
    if (d & SOFT_BIT || risingCount >= MAX_RISING) continue;
    const dp = svc(d);
    if (load<u32>(dp + S_MARK) == epoch || !risingDep(d, svc(id), onset, ts)) continue;
    store<u32>(dp + S_MARK, epoch);
    store<u32>(rising + <usize>risingCount * 4, d);
    risingCount++;
  }
}

// ---- Routing and escalation (policy data in routing.ts) ----

/**
 * route sends incident n to the team for its top candidate `top` (a service
 * id, 0xffffffff when there is none) with extra failure bits `extra`, and
 * pages the first tier when the team changes.
 */
function route(n: u32, ts: f64, top: u32, extra: u32): void {
  const ip = inc(n);
  let bits = extra;
  if (top != 0xffffffff) bits |= serviceKinds(top);
  if (load<u8>(ip + I_KIND) == <u8>IK_EXPERIENCE) bits |= SKILL_EXPERIENCE;
  const choice = chooseTeam(top, bits);
  const teamPlus1 = choice & 0xffffff;
  const previous = load<u32>(ip + I_TEAM);
  if (load<u8>(ip + I_ROUTED) != 0 && teamPlus1 == previous) return;
  store<u8>(ip + I_ROUTED, 1);
  store<u32>(ip + I_TEAM, teamPlus1);
  emitRouted(ts, n, teamPlus1, choice >>> 24, previous, bits, bump(n));
  store<f64>(ip + I_ESC_DUE, 0);
  if (teamPlus1 == 0) return;
  store<u32>(ip + I_TIER, 0);
  const due = emitPage(ts, n, teamPlus1, 0, PG_ROUTED, bump(n));
  if (load<u8>(ip + I_ACKED) == 0) store<f64>(ip + I_ESC_DUE, due);
}

/** escalateTimer pages the next tier if incident n is still unacknowledged. */
export function escalateTimer(n: u32, due: f64): void {
  if (!incidentLive(n)) return;
  const ip = inc(n);
  if (load<f64>(ip + I_ESC_DUE) != due || load<u8>(ip + I_ACKED) != 0) return;
  const tier = load<u32>(ip + I_TIER) + 1;
  store<u32>(ip + I_TIER, tier);
  store<f64>(ip + I_ESC_DUE, emitPage(due, n, load<u32>(ip + I_TEAM), tier, PG_TIMEOUT, bump(n)));
}

// A reopened incident is unacknowledged again: the tier last paged (told of
// the reopening by the notifier) gets its delay once more before the next
// tier is paged.
function resumeEscalation(n: u32, ts: f64): void {
  const ip = inc(n);
  const teamPlus1 = load<u32>(ip + I_TEAM);
  const tier = load<u32>(ip + I_TIER);
  const delay = tierDelay(teamPlus1, tier);
  if (delay == Infinity || tier + 1 >= tierCount(teamPlus1)) return;
  const due = ts + delay;
  store<f64>(ip + I_ESC_DUE, due);
  schedule(due, T_ESCALATE, n);
}

// An incident costing more customers a minute than the team's threshold
// pages tier 2 at once instead of waiting for tier 1's delay.
function maybeSkipTier(n: u32, customers: f64, ts: f64): void {
  const ip = inc(n);
  const teamPlus1 = load<u32>(ip + I_TEAM);
  if (teamPlus1 == 0 || load<u8>(ip + I_ACKED) != 0 || load<u32>(ip + I_TIER) != 0) return;
  if (tierCount(teamPlus1) < 2 || customers < pageThreshold(teamPlus1)) return;
  store<u32>(ip + I_TIER, 1);
  store<f64>(ip + I_ESC_DUE, emitPage(ts, n, teamPlus1, 1, PG_SEVERITY, bump(n)));
}

/** saveState writes this module's globals for a checkpoint (see state.ts). */
export function saveState(): void {
  put(<u64>incBase);
  put(<u64>incCap);
  put(<u64>incidentCount);
  put(<u64>openIncidents);
  put(<u64>queue);
  put(<u64>queueCap);
  put(<u64>epoch);
  put(<u64>foundCount);
  put(<u64>cand);
  put(<u64>candBytes);
  put(<u64>rising);
  put(<u64>settleList);
  put(<u64>settleBytes);
  put(<u64>settleCount);
}

/** loadState reads them back in the same order. */
export function loadState(): void {
  incBase = <usize>get();
  incCap = <u32>get();
  incidentCount = <u32>get();
  openIncidents = <u32>get();
  queue = <usize>get();
  queueCap = <u32>get();
  epoch = <u32>get();
  foundCount = <u32>get();
  cand = <usize>get();
  candBytes = <usize>get();
  rising = <usize>get();
  settleList = <usize>get();
  settleBytes = <usize>get();
  settleCount = <u32>get();
}
