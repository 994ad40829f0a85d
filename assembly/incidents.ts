// Incidents: correlation of unhealthy services through the dependency graph,
// root-cause ranking, and the open -> resolved lifecycle.
import { allocBlock, blockCapacity, freeBlock, growBlock } from "./arena";
import {
  H_DEGRADED,
  H_DOWN,
  O_MEMBER,
  O_OPENED,
  O_RESOLVED,
  O_ROOT_CAUSE,
  O_STATS,
  P_CHANGE_WINDOW_MS,
  P_CORRELATION_WINDOW_MS,
  P_MAX_HOPS,
  P_QUIET_MS,
  R_DOWN,
  R_EARLIEST,
  R_EXPLAINS_OTHERS,
  R_NO_UNHEALTHY_DEPS,
  R_RECENT_CHANGE,
} from "./layout";
import { emit, setA, setB, setC, setD, setV0, setVersion } from "./output";
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
  S_HEALTH,
  S_INCIDENT,
  S_MARK,
  S_NEXT,
  S_ONSET,
  SOFT_BIT,
  svc,
} from "./services";
import { schedule, T_RESOLVE } from "./timers";

// Incident record fields.
const I_BYTES: usize = 64;
const I_STATUS: usize = 0; // u8 1 = open, 4 = resolved
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

const ST_OPEN: u8 = 1;
const ST_RESOLVED: u8 = 4;

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

function newIncident(ts: f64): u32 {
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
  store<f64>(p + I_OPENED, ts);
  store<f64>(p + I_ACTIVITY, ts);
  return n;
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

/**
 * findNeighbourIncident looks along the dependency graph from `s`, downstream
 * (what s calls) and upstream (what calls s) separately, up to P_MAX_HOPS,
 * for a service in an incident that is open and active within the
 * correlation window. Nearest wins; ties go to the older incident.
 */
function findNeighbourIncident(s: u32, ts: f64): u32 {
  const maxHops = <u32>param(P_MAX_HOPS);
  const window = param(P_CORRELATION_WINDOW_MS);
  let best: u32 = 0;
  let bestDepth: u32 = 0xffffffff;
  for (let dir = 0; dir < 2; dir++) {
    epoch++;
    let head: u32 = 0;
    let tail: u32 = pushQueue(0, s);
    store<u32>(svc(s) + S_MARK, epoch);
    store<u32>(svc(s) + S_DEPTH, 0);
    while (head < tail) {
      const cur = load<u32>(queue + <usize>head * 4);
      head++;
      const depth = load<u32>(svc(cur) + S_DEPTH);
      if (depth > bestDepth) break;
      if (cur != s) {
        const n = load<u32>(svc(cur) + S_INCIDENT);
        if (n != 0) {
          const ip = inc(n);
          if (
            load<u8>(ip + I_STATUS) == ST_OPEN &&
            ts - load<f64>(ip + I_ACTIVITY) <= window &&
            (depth < bestDepth || n < best)
          ) {
            best = n;
            bestDepth = depth;
          }
        }
      }
      if (depth >= maxHops) continue;
      const a = dir == 0 ? depStart(cur) : rdepStart(cur);
      const b = dir == 0 ? depEnd(cur) : rdepEnd(cur);
      for (let j = a; j < b; j++) {
        const next = (dir == 0 ? depAt(j) : rdepAt(j)) & ~SOFT_BIT;
        const np = svc(next);
        if (load<u32>(np + S_MARK) == epoch) continue;
        store<u32>(np + S_MARK, epoch);
        store<u32>(np + S_DEPTH, depth + 1);
        tail = pushQueue(tail, next);
      }
    }
  }
  return best;
}

/** onUnhealthy is called when service `s` turns unhealthy at `ts`. */
export function onUnhealthy(s: u32, ts: f64): void {
  const sp = svc(s);
  let n = load<u32>(sp + S_INCIDENT);
  if (n != 0) {
    // Already a member (it had recovered): count it unhealthy again.
    const ip = inc(n);
    store<u32>(ip + I_UNHEALTHY, load<u32>(ip + I_UNHEALTHY) + 1);
    store<f64>(ip + I_RESOLVE_DUE, 0);
    store<f64>(ip + I_ACTIVITY, ts);
    emitMember(n, s, ts);
    rank(n, ts);
    return;
  }
  n = findNeighbourIncident(s, ts);
  if (n == 0) {
    n = newIncident(ts);
    const o = emit(ts, O_OPENED, n, s);
    setV0(o, ts);
    setVersion(o, bump(n));
  }
  const ip = inc(n);
  store<u32>(sp + S_INCIDENT, n);
  store<u32>(sp + S_NEXT, load<u32>(ip + I_HEAD));
  store<u32>(ip + I_HEAD, s + 1);
  store<u32>(ip + I_MEMBERS, load<u32>(ip + I_MEMBERS) + 1);
  store<u32>(ip + I_UNHEALTHY, load<u32>(ip + I_UNHEALTHY) + 1);
  store<f64>(ip + I_RESOLVE_DUE, 0);
  store<f64>(ip + I_ACTIVITY, ts);
  emitMember(n, s, ts);
  rank(n, ts);
}

// A member record carries the member's health; it is re-sent whenever that
// health changes so every incident version is complete on its own.
function emitMember(n: u32, s: u32, ts: f64): void {
  const o = emit(ts, O_MEMBER, n, s);
  setA(o, load<u8>(svc(s) + S_HEALTH));
  setVersion(o, bump(n));
}

/** onHealthShift re-ranks when a member moves between DEGRADED and DOWN. */
export function onHealthShift(s: u32, ts: f64): void {
  const n = load<u32>(svc(s) + S_INCIDENT);
  if (n == 0) return;
  emitMember(n, s, ts);
  rank(n, ts);
}

/** onRecovered is called when service `s` is healthy again. */
export function onRecovered(s: u32, ts: f64): void {
  const n = load<u32>(svc(s) + S_INCIDENT);
  if (n == 0) return;
  const ip = inc(n);
  const left = load<u32>(ip + I_UNHEALTHY) - 1;
  store<u32>(ip + I_UNHEALTHY, left);
  store<f64>(ip + I_ACTIVITY, ts);
  if (left == 0) {
    const due = ts + param(P_QUIET_MS);
    store<f64>(ip + I_RESOLVE_DUE, due);
    schedule(due, T_RESOLVE, n);
  }
  emitMember(n, s, ts);
  rank(n, ts);
}

/** onAlert folds an alert on service `s` into its open incident, if any. */
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
  if (load<u8>(ip + I_STATUS) != ST_OPEN) return;
  if (load<f64>(ip + I_RESOLVE_DUE) != due || load<u32>(ip + I_UNHEALTHY) != 0) return;
  store<u8>(ip + I_STATUS, ST_RESOLVED);
  store<f64>(ip + I_RESOLVE_DUE, 0);
  openIncidents--;
  let m = load<u32>(ip + I_HEAD);
  while (m != 0) {
    const mp = svc(m - 1);
    m = load<u32>(mp + S_NEXT);
    store<u32>(mp + S_INCIDENT, 0);
    store<u32>(mp + S_NEXT, 0);
  }
  store<u32>(ip + I_HEAD, 0);
  const o = emit(due, O_RESOLVED, n, 0);
  setV0(o, load<f64>(ip + I_OPENED));
  setVersion(o, bump(n));
}

// ---- Root cause ----

// Scratch for the ranking: (score f64, service u32, reasons u32, change u32).
const C_BYTES: usize = 24;
let cand: usize = 0;
let candBytes: usize = 0;

/**
 * rank scores every member of incident `n` and emits the top three when the
 * ranking changed. Score = anomaly strength + topology (no unhealthy
 * dependency: it is not explained by something below it) + how many members
 * it explains + onset precedence + a change shortly before onset.
 */
function rank(n: u32, ts: f64): void {
  const ip = inc(n);
  const members = load<u32>(ip + I_MEMBERS);
  const need = <usize>members * C_BYTES;
  if (need > candBytes) {
    freeBlock(cand, candBytes);
    candBytes = blockCapacity(need);
    cand = allocBlock(candBytes);
  }
  // Earliest onset among members (ties: lowest id).
  let earliest: f64 = Infinity;
  let earliestId: u32 = 0xffffffff;
  let m = load<u32>(ip + I_HEAD);
  while (m != 0) {
    const id = m - 1;
    const mp = svc(id);
    const on = load<f64>(mp + S_ONSET);
    if (on < earliest || (on == earliest && id < earliestId)) {
      earliest = on;
      earliestId = id;
    }
    m = load<u32>(mp + S_NEXT);
  }
  const changeWindow = param(P_CHANGE_WINDOW_MS);
  let k: u32 = 0;
  m = load<u32>(ip + I_HEAD);
  while (m != 0) {
    const id = m - 1;
    const mp = svc(id);
    const health = load<u8>(mp + S_HEALTH);
    let reasons: u32 = 0;
    let score: f64 = health == H_DOWN ? 1.0 : health == H_DEGRADED ? 0.6 : 0.2;
    if (health == H_DOWN) reasons |= R_DOWN;
    let unhealthyDeps: u32 = 0;
    for (let j = depStart(id); j < depEnd(id); j++) {
      const d = depAt(j);
      if (d & SOFT_BIT) continue;
      if (load<u8>(svc(d) + S_HEALTH) >= H_DEGRADED) unhealthyDeps++;
    }
    if (unhealthyDeps == 0) {
      score += 2.0;
      reasons |= R_NO_UNHEALTHY_DEPS;
    }
    let explained: u32 = 0;
    for (let j = rdepStart(id); j < rdepEnd(id); j++) {
      const c = rdepAt(j) & ~SOFT_BIT;
      if (load<u32>(svc(c) + S_INCIDENT) == n) explained++;
    }
    if (explained > 0 && members > 1) {
      score += (0.5 * <f64>explained) / <f64>(members - 1);
      reasons |= R_EXPLAINS_OTHERS;
    }
    if (id == earliestId) {
      score += 0.5;
      reasons |= R_EARLIEST;
    }
    let change: u32 = 0;
    const cts = load<f64>(mp + S_CHANGE_TS);
    const onset = load<f64>(mp + S_ONSET);
    if (cts > 0 && cts <= onset && onset - cts <= changeWindow) {
      score += 1.0;
      reasons |= R_RECENT_CHANGE;
      change = load<u32>(mp + S_CHANGE_ID);
    }
    const cp = cand + <usize>k * C_BYTES;
    store<f64>(cp, score);
    store<u32>(cp + 8, id);
    store<u32>(cp + 12, reasons);
    store<u32>(cp + 16, change);
    k++;
    m = load<u32>(mp + S_NEXT);
  }
  // Partial selection of the top three (score desc, id asc).
  const top: u32 = k < 3 ? k : 3;
  for (let i: u32 = 0; i < top; i++) {
    let bi = i;
    for (let j = i + 1; j < k; j++) {
      const a = cand + <usize>j * C_BYTES;
      const b = cand + <usize>bi * C_BYTES;
      const sa = load<f64>(a);
      const sb = load<f64>(b);
      if (sa > sb || (sa == sb && load<u32>(a + 8) < load<u32>(b + 8))) bi = j;
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
  let changed = load<u32>(ip + I_TOPN) != top;
  for (let i: u32 = 0; i < top && !changed; i++) {
    changed = load<u32>(ip + I_TOP + <usize>i * 4) != load<u32>(cand + <usize>i * C_BYTES + 8) + 1;
  }
  if (!changed) return;
  store<u32>(ip + I_TOPN, top);
  for (let i: u32 = 0; i < top; i++) {
    const cp = cand + <usize>i * C_BYTES;
    const id = load<u32>(cp + 8);
    store<u32>(ip + I_TOP + <usize>i * 4, id + 1);
    const o = emit(ts, O_ROOT_CAUSE, n, id);
    setA(o, i + 1);
    setB(o, top);
    setV0(o, load<f64>(cp));
    setC(o, load<u32>(cp + 16));
    setD(o, load<u32>(cp + 12));
    setVersion(o, bump(n));
  }
}
