// Per-service state (one fixed-size record per interned service id) and the
// topology: the dependency graph and the journey <-> service membership, all
// in compressed sparse row form.
import { allocBlock, blockCapacity, freeBlock, growBlock } from "./arena";
import { get, getF, put, putF } from "./state";
import { P_DEFAULT_ERR_SLO, P_DEFAULT_LAT_SLO } from "./layout";
import { param } from "./params";

// Service record fields, ordered by how often they are touched. At 100,000
// services the table is far beyond the L2 cache and each event lands on a
// random record, so what an event costs is how many cache lines of its
// record it touches. The record is five 64-byte lines and the table starts
// on a line boundary (arena.ts), so the lines below are the lines touched:
//
// - line 0: everything a health check or an error-rate sample of a healthy
//   service reads (evidence, learn, the freshness check in vouched);
// - line 1: the rest of what an error-rate sample touches (trackRise's
//   latency baseline and rise start, the forecast's restart), and what
//   evidence reads of the latency once a service reports it;
// - lines 2-4: the latency variance (a latency sample's third line: what a
//   service with both metrics touches cannot fit in two), then state read
//   only when something happens: alerts, incidents, root cause, predictions.
//
// docs/CORE.md (Memory) lists which path touches which field.
export const S_BYTES: usize = 320;
// -- line 0 (bytes 0-63) --
export const S_HEALTH: usize = 0; // u8 current health H_*
export const S_HC: usize = 1; // u8 last health-check status
export const S_ATTACHED: usize = 2; // u8 1 = named by the topology
export const S_PEAK: usize = 3; // u8 worst health while in the current incident
export const S_ERR_N: usize = 4; // u32 error-rate samples seen
export const S_LAT_N: usize = 8; // u32 latency samples seen
export const S_CRIT: usize = 12; // u32 critical alerts firing
export const S_FIRING: usize = 16; // u32 alerts firing
export const S_HC_STREAK: usize = 20; // u32 consecutive non-OK health checks
export const S_LAST_METRIC_TS: usize = 24; // f64 time of the last error-rate or latency sample
export const S_ERR: usize = 32; // f64 smoothed error rate (fast EWMA)
export const S_ERR_BASE: usize = 40; // f64 learned baseline of the error rate
export const S_ERR_VAR: usize = 48; // f64 learned variance around the baseline
export const S_SLO_ERR: usize = 56; // f64 error-rate threshold
// -- line 1 (bytes 64-127) --
export const S_PRED_ID: usize = 64; // u32 active prediction, 0 = none
export const S_PRED_STREAK: usize = 68; // u32 consecutive forecasts of a breach
export const S_LAT: usize = 72; // f64 smoothed p99 latency
export const S_LAT_BASE: usize = 80; // f64 learned latency baseline
export const S_SLO_LAT: usize = 88; // f64 latency threshold
// f64 when its metrics first rose above ELEVATED_Z deviations of baseline in the
// current rise (0 = not elevated): a slow degradation starts well before it
// is detected, and ranking compares when failures started, not when seen.
export const S_EARLY: usize = 96;
export const S_HOLT_LEVEL: usize = 104; // f64 Holt level of the error rate
export const S_HOLT_TREND: usize = 112; // f64 Holt trend, per millisecond
export const S_HOLT_TS: usize = 120; // f64 time of the last Holt update
// -- lines 2-4 (bytes 128-319): touched when something happens --
export const S_LAT_VAR: usize = 128; // f64 learned latency variance
// A throughput sample touches only these two, in one line.
export const S_RPS: usize = 136; // f64 smoothed throughput, requests per second (see S_RPS_N)
export const S_RPS_N: usize = 144; // u32 throughput samples seen (0: throughput unknown)
export const S_INCIDENT: usize = 148; // u32 live incident number, 0 = none
export const S_SAT: usize = 152; // f64 smoothed saturation
export const S_RECOVER_DUE: usize = 160; // f64 pending recovery time, 0 = none
export const S_FIRING_SINCE: usize = 168; // f64 when alerts started firing (0 = none firing)
export const S_ONSET: usize = 176; // f64 when it turned unhealthy (first onset in its incident)
export const S_NEXT: usize = 184; // u32 next member of the same incident (id+1)
export const S_LAST_INCIDENT: usize = 188; // u32 last incident it was part of
export const S_PEAK_ANOMALY: usize = 192; // f64 highest anomaly in the current incident
// Peaks while a member of its current incident, for ranking by volume:
// excess failed requests per second, and excess requests in flight (by
// Little's law, excess latency in seconds times requests per second).
export const S_PEAK_FAIL: usize = 200;
export const S_PEAK_SLOW: usize = 208;
export const S_JOINED: usize = 216; // f64 when it joined its incident (its onset may be earlier)
// The last change as of joining its incident (time f64, host id u32): a
// later change (a rollback) does not unlink the one that came before onset.
export const S_LINK_TS: usize = 224;
export const S_LINK_ID: usize = 232;
export const S_CHANGE_ID: usize = 236; // u32 host id of the last change
export const S_CHANGE_TS: usize = 240; // f64 time of the last change
export const S_PRED_ISSUED: usize = 248; // f64 when the active prediction was issued
export const S_PRED_DEADLINE: usize = 256; // f64 when it counts as a false alarm
export const S_MARK: usize = 264; // u32 traversal epoch stamp
export const S_DEPTH: usize = 268; // u32 traversal depth
export const S_JOURNEY_MARK: usize = 272; // u32 scratch stamp for journey scans
export const S_OWNER: usize = 276; // u32 owning team id + 1, 0 = none
export const S_KINDS: usize = 280; // u32 failure-kind bits (database, network, ...)
// Bytes 284-319 are free: the record is kept a whole number of lines so
// every record starts on a line boundary.

export let svcBase: usize = 0;
export let svcCap: u32 = 0;

/** svc returns the address of service `id`'s record, growing the table. */
// @ts-ignore: decorator
@inline
export function svc(id: u32): usize {
  if (id >= svcCap) growServices(id + 1);
  return svcBase + <usize>id * S_BYTES;
}

/** growServices makes room for ids below `n`; new records get default SLOs. */
export function growServices(n: u32): void {
  if (n <= svcCap) return;
  let cap: u32 = svcCap == 0 ? 256 : svcCap;
  while (cap < n) cap <<= 1;
  const oldBytes = <usize>svcCap * S_BYTES;
  svcBase = growBlock(svcBase, oldBytes, <usize>cap * S_BYTES);
  const fresh = <u32>(blockCapacity(<usize>cap * S_BYTES) / S_BYTES);
  for (let i = svcCap; i < fresh; i++) {
    const p = svcBase + <usize>i * S_BYTES;
    store<f64>(p + S_SLO_ERR, param(P_DEFAULT_ERR_SLO));
    store<f64>(p + S_SLO_LAT, param(P_DEFAULT_LAT_SLO));
  }
  svcCap = fresh;
}

// ---- Topology (CSR). Edge targets carry SOFT_BIT for soft edges. ----
export const SOFT_BIT: u32 = 0x80000000;
export let topoN: u32 = 0;
export let topoJ: u32 = 0;
let depOff: usize = 0; // u32[topoN + 1]
let deps: usize = 0; // u32[edges]
let rdepOff: usize = 0;
let rdeps: usize = 0;
let edges: u32 = 0;
let jOff: usize = 0; // u32[topoJ + 1]: journey -> services
let jSvc: usize = 0;
let jDirect: usize = 0; // u32[topoJ]: how many of a journey's services its steps name
let jEdges: u32 = 0;
let sjOff: usize = 0; // u32[topoN + 1]: service -> journeys
let sjJ: usize = 0;

let staging: usize = 0;
let stagingBytes: usize = 0;
let stN: u32 = 0;
let stE: u32 = 0;
let stJ: u32 = 0;
let stJE: u32 = 0;

// Staging layout: depOff u32[n+1], deps u32[e], jOff u32[j+1], jSvc u32[je],
// jDirect u32[j], (8-aligned) sloErr f64[n], sloLat f64[n], cpm f64[j],
// sloTarget f64[j]. A journey's services list first the ones its steps name
// (jDirect of them), then the hard dependencies they need in turn.
function intsBytes(n: u32, e: u32, j: u32, je: u32): usize {
  return (<usize>(n + 1 + e + j + 1 + je + j) * 4 + 7) & ~(<usize>7);
}

/** topologyBegin reserves the staging area the host fills before topologyCommit. */
export function topologyBegin(n: u32, e: u32, j: u32, je: u32): usize {
  freeBlock(staging, stagingBytes);
  stN = n;
  stE = e;
  stJ = j;
  stJE = je;
  stagingBytes = intsBytes(n, e, j, je) + <usize>(n * 2 + j * 2) * 8;
  staging = allocBlock(stagingBytes);
  return staging;
}

// Builds the reverse of a CSR relation (from -> to) into (to -> from).
function reverse(off: usize, list: usize, from: u32, to: u32, count: u32, roff: usize, rlist: usize, keepBit: bool): void {
  for (let i: u32 = 0; i < count; i++) {
    const t = load<u32>(list + <usize>i * 4) & ~SOFT_BIT;
    if (t < to) {
      const at = roff + <usize>(t + 1) * 4;
      store<u32>(at, load<u32>(at) + 1);
    }
  }
  for (let i: u32 = 0; i < to; i++) {
    const at = roff + <usize>(i + 1) * 4;
    store<u32>(at, load<u32>(at) + load<u32>(at - 4));
  }
  const cursor = allocBlock(<usize>max<u32>(to, 1) * 4);
  for (let f: u32 = 0; f < from; f++) {
    const a = load<u32>(off + <usize>f * 4);
    const b = load<u32>(off + <usize>(f + 1) * 4);
    for (let k = a; k < b; k++) {
      const raw = load<u32>(list + <usize>k * 4);
      const t = raw & ~SOFT_BIT;
      if (t >= to) continue;
      const c = load<u32>(cursor + <usize>t * 4);
      store<u32>(cursor + <usize>t * 4, c + 1);
      store<u32>(rlist + <usize>(load<u32>(roff + <usize>t * 4) + c) * 4, keepBit ? f | (raw & SOFT_BIT) : f);
    }
  }
  freeBlock(cursor, <usize>max<u32>(to, 1) * 4);
}

function copyOut(src: usize, count: u32): usize {
  const p = allocBlock(<usize>max<u32>(count, 1) * 4);
  memory.copy(p, src, <usize>count * 4);
  return p;
}

/** topologyCommit swaps the staged topology in; service and journey state is kept. */
export function topologyCommit(): void {
  const n = stN;
  const e = stE;
  const j = stJ;
  const je = stJE;
  freeBlock(depOff, <usize>(topoN + 1) * 4);
  freeBlock(deps, <usize>max<u32>(edges, 1) * 4);
  freeBlock(rdepOff, <usize>(topoN + 1) * 4);
  freeBlock(rdeps, <usize>max<u32>(edges, 1) * 4);
  freeBlock(jOff, <usize>(topoJ + 1) * 4);
  freeBlock(jSvc, <usize>max<u32>(jEdges, 1) * 4);
  freeBlock(jDirect, <usize>max<u32>(topoJ, 1) * 4);
  freeBlock(sjOff, <usize>(topoN + 1) * 4);
  freeBlock(sjJ, <usize>max<u32>(jEdges, 1) * 4);
  const ints = staging;
  depOff = copyOut(ints, n + 1);
  deps = copyOut(ints + <usize>(n + 1) * 4, e);
  jOff = copyOut(ints + <usize>(n + 1 + e) * 4, j + 1);
  jSvc = copyOut(ints + <usize>(n + 1 + e + j + 1) * 4, je);
  jDirect = copyOut(ints + <usize>(n + 1 + e + j + 1 + je) * 4, j);
  rdepOff = allocBlock(<usize>(n + 1) * 4);
  rdeps = allocBlock(<usize>max<u32>(e, 1) * 4);
  reverse(depOff, deps, n, n, e, rdepOff, rdeps, true);
  sjOff = allocBlock(<usize>(n + 1) * 4);
  sjJ = allocBlock(<usize>max<u32>(je, 1) * 4);
  reverse(jOff, jSvc, j, n, je, sjOff, sjJ, false);
  topoN = n;
  edges = e;
  topoJ = j;
  jEdges = je;
  growServices(n);
  const f = staging + intsBytes(n, e, j, je);
  for (let i: u32 = 0; i < n; i++) {
    const p = svc(i);
    const se = load<f64>(f + <usize>i * 8);
    const sl = load<f64>(f + <usize>(n + i) * 8);
    store<f64>(p + S_SLO_ERR, se > 0 ? se : param(P_DEFAULT_ERR_SLO));
    store<f64>(p + S_SLO_LAT, sl > 0 ? sl : param(P_DEFAULT_LAT_SLO));
    store<u8>(p + S_ATTACHED, 1);
  }
  journeyTopology = f + <usize>(n * 2) * 8;
}

/**
 * journeyTopology points at the staged per-journey figures (cpm f64[j],
 * sloTarget f64[j]) until journeys.ts copies them in; then staging is freed.
 */
export let journeyTopology: usize = 0;

/** releaseStaging frees the staging area once every module took its part. */
export function releaseStaging(): void {
  freeBlock(staging, stagingBytes);
  staging = 0;
  stagingBytes = 0;
  journeyTopology = 0;
}

/** depStart/depEnd bound the outgoing edges of `id` (callee side). */
// @ts-ignore: decorator
@inline
export function depStart(id: u32): u32 {
  return id < topoN ? load<u32>(depOff + <usize>id * 4) : 0;
}
// @ts-ignore: decorator
@inline
export function depEnd(id: u32): u32 {
  return id < topoN ? load<u32>(depOff + <usize>(id + 1) * 4) : 0;
}
// @ts-ignore: decorator
@inline
export function depAt(k: u32): u32 {
  return load<u32>(deps + <usize>k * 4);
}
// @ts-ignore: decorator
@inline
export function rdepStart(id: u32): u32 {
  return id < topoN ? load<u32>(rdepOff + <usize>id * 4) : 0;
}
// @ts-ignore: decorator
@inline
export function rdepEnd(id: u32): u32 {
  return id < topoN ? load<u32>(rdepOff + <usize>(id + 1) * 4) : 0;
}
// @ts-ignore: decorator
@inline
export function rdepAt(k: u32): u32 {
  return load<u32>(rdeps + <usize>k * 4);
}

/** Journey -> services (deduplicated over steps). */
// @ts-ignore: decorator
@inline
export function jsStart(jid: u32): u32 {
  return jid < topoJ ? load<u32>(jOff + <usize>jid * 4) : 0;
}
// @ts-ignore: decorator
@inline
export function jsEnd(jid: u32): u32 {
  return jid < topoJ ? load<u32>(jOff + <usize>(jid + 1) * 4) : 0;
}
// @ts-ignore: decorator
@inline
export function jsAt(k: u32): u32 {
  return load<u32>(jSvc + <usize>k * 4);
}

/** jsDirectEnd bounds the services journey j's steps name themselves. */
// @ts-ignore: decorator
@inline
export function jsDirectEnd(jid: u32): u32 {
  return jid < topoJ ? load<u32>(jOff + <usize>jid * 4) + load<u32>(jDirect + <usize>jid * 4) : 0;
}

/** Service -> journeys (a service belongs to a journey it is needed by, directly or not). */
// @ts-ignore: decorator
@inline
export function sjStart(id: u32): u32 {
  return id < topoN ? load<u32>(sjOff + <usize>id * 4) : 0;
}
// @ts-ignore: decorator
@inline
export function sjEnd(id: u32): u32 {
  return id < topoN ? load<u32>(sjOff + <usize>(id + 1) * 4) : 0;
}
// @ts-ignore: decorator
@inline
export function sjAt(k: u32): u32 {
  return load<u32>(sjJ + <usize>k * 4);
}

/** saveState writes this module's globals for a checkpoint (see state.ts). */
export function saveState(): void {
  put(<u64>svcBase);
  put(<u64>svcCap);
  put(<u64>topoN);
  put(<u64>topoJ);
  put(<u64>depOff);
  put(<u64>deps);
  put(<u64>rdepOff);
  put(<u64>rdeps);
  put(<u64>edges);
  put(<u64>jOff);
  put(<u64>jSvc);
  put(<u64>jDirect);
  put(<u64>jEdges);
  put(<u64>sjOff);
  put(<u64>sjJ);
  put(<u64>staging);
  put(<u64>stagingBytes);
  put(<u64>stN);
  put(<u64>stE);
  put(<u64>stJ);
  put(<u64>stJE);
  put(<u64>journeyTopology);
}

/** loadState reads them back in the same order. */
export function loadState(): void {
  svcBase = <usize>get();
  svcCap = <u32>get();
  topoN = <u32>get();
  topoJ = <u32>get();
  depOff = <usize>get();
  deps = <usize>get();
  rdepOff = <usize>get();
  rdeps = <usize>get();
  edges = <u32>get();
  jOff = <usize>get();
  jSvc = <usize>get();
  jDirect = <usize>get();
  jEdges = <u32>get();
  sjOff = <usize>get();
  sjJ = <usize>get();
  staging = <usize>get();
  stagingBytes = <usize>get();
  stN = <u32>get();
  stE = <u32>get();
  stJ = <u32>get();
  stJE = <u32>get();
  journeyTopology = <usize>get();
}
