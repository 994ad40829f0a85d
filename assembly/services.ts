// Per-service state (one fixed-size record per interned service id) and the
// dependency graph in compressed sparse row form, both directions.
import { allocBlock, blockCapacity, freeBlock, growBlock } from "./arena";
import { P_DEFAULT_ERR_SLO, P_DEFAULT_LAT_SLO } from "./layout";
import { param } from "./params";

// Service record fields.
export const S_BYTES: usize = 128;
export const S_HEALTH: usize = 0; // u8 current health H_*
export const S_HC: usize = 1; // u8 last health-check status
export const S_ATTACHED: usize = 2; // u8 1 = named by the topology
export const S_PEAK: usize = 3; // u8 worst health while in the current incident
export const S_INCIDENT: usize = 4; // u32 open incident number, 0 = none
export const S_ONSET: usize = 8; // f64 when it turned unhealthy (first onset in its incident)
export const S_ERR: usize = 16; // f64 EWMA error rate
export const S_ERR_VAR: usize = 24; // f64 EWMA variance of error rate
export const S_LAT: usize = 32; // f64 EWMA p99 latency
export const S_LAT_VAR: usize = 40; // f64 EWMA variance of latency
export const S_SLO_ERR: usize = 48; // f64 error-rate threshold
export const S_SLO_LAT: usize = 56; // f64 latency threshold
export const S_RECOVER_DUE: usize = 64; // f64 pending recovery time, 0 = none
export const S_CHANGE_TS: usize = 72; // f64 time of the last change
export const S_CHANGE_ID: usize = 80; // u32 host id of the last change
export const S_FIRING: usize = 84; // u32 alerts firing
export const S_CRIT: usize = 88; // u32 critical alerts firing
export const S_NEXT: usize = 92; // u32 next member of the same incident (id+1)
export const S_ERR_N: usize = 96; // u32 error-rate samples seen
export const S_LAT_N: usize = 100; // u32 latency samples seen
export const S_MARK: usize = 104; // u32 traversal epoch stamp
export const S_DEPTH: usize = 108; // u32 traversal depth
export const S_SAT: usize = 112; // f64 EWMA saturation

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

// ---- Dependency graph (CSR). Edge targets carry SOFT_BIT for soft edges. ----
export const SOFT_BIT: u32 = 0x80000000;
export let topoN: u32 = 0;
let depOff: usize = 0; // u32[topoN + 1]
let deps: usize = 0; // u32[edges]
let rdepOff: usize = 0;
let rdeps: usize = 0;
let edges: u32 = 0;
let staging: usize = 0;
let stagingBytes: usize = 0;
let stagingN: u32 = 0;
let stagingE: u32 = 0;

/**
 * topologyBegin reserves a staging area the host fills before topologyCommit:
 * depOff u32[n+1], deps u32[e], sloErr f64[n], sloLat f64[n] (0 = default).
 */
export function topologyBegin(n: u32, e: u32): usize {
  freeBlock(staging, stagingBytes);
  stagingN = n;
  stagingE = e;
  stagingBytes = stagingLayoutBytes(n, e);
  staging = allocBlock(stagingBytes);
  return staging;
}

function stagingLayoutBytes(n: u32, e: u32): usize {
  const ints = (<usize>(n + 1 + e) * 4 + 7) & ~(<usize>7);
  return ints + <usize>n * 16;
}

/** topologyCommit swaps the staged graph in; service state is kept. */
export function topologyCommit(): void {
  const n = stagingN;
  const e = stagingE;
  freeBlock(depOff, <usize>(topoN + 1) * 4);
  freeBlock(deps, <usize>edges * 4);
  freeBlock(rdepOff, <usize>(topoN + 1) * 4);
  freeBlock(rdeps, <usize>edges * 4);
  depOff = allocBlock(<usize>(n + 1) * 4);
  deps = allocBlock(<usize>max<u32>(e, 1) * 4);
  memory.copy(depOff, staging, <usize>(n + 1) * 4);
  memory.copy(deps, staging + <usize>(n + 1) * 4, <usize>e * 4);
  // Reverse edges: count, prefix-sum, fill.
  rdepOff = allocBlock(<usize>(n + 1) * 4);
  rdeps = allocBlock(<usize>max<u32>(e, 1) * 4);
  for (let i: u32 = 0; i < e; i++) {
    const to = load<u32>(deps + <usize>i * 4) & ~SOFT_BIT;
    if (to < n) {
      const at = rdepOff + <usize>(to + 1) * 4;
      store<u32>(at, load<u32>(at) + 1);
    }
  }
  for (let i: u32 = 0; i < n; i++) {
    const at = rdepOff + <usize>(i + 1) * 4;
    store<u32>(at, load<u32>(at) + load<u32>(at - 4));
  }
  const cursor = allocBlock(<usize>max<u32>(n, 1) * 4);
  for (let from: u32 = 0; from < n; from++) {
    const a = load<u32>(depOff + <usize>from * 4);
    const b = load<u32>(depOff + <usize>(from + 1) * 4);
    for (let j = a; j < b; j++) {
      const raw = load<u32>(deps + <usize>j * 4);
      const to = raw & ~SOFT_BIT;
      if (to >= n) continue;
      const slot = load<u32>(rdepOff + <usize>to * 4) + load<u32>(cursor + <usize>to * 4);
      store<u32>(cursor + <usize>to * 4, load<u32>(cursor + <usize>to * 4) + 1);
      store<u32>(rdeps + <usize>slot * 4, from | (raw & SOFT_BIT));
    }
  }
  freeBlock(cursor, <usize>max<u32>(n, 1) * 4);
  topoN = n;
  edges = e;
  growServices(n);
  const sloAt = staging + ((<usize>(n + 1 + e) * 4 + 7) & ~(<usize>7));
  for (let i: u32 = 0; i < n; i++) {
    const p = svc(i);
    const se = load<f64>(sloAt + <usize>i * 8);
    const sl = load<f64>(sloAt + <usize>(n + i) * 8);
    store<f64>(p + S_SLO_ERR, se > 0 ? se : param(P_DEFAULT_ERR_SLO));
    store<f64>(p + S_SLO_LAT, sl > 0 ? sl : param(P_DEFAULT_LAT_SLO));
    store<u8>(p + S_ATTACHED, 1);
  }
  freeBlock(staging, stagingBytes);
  staging = 0;
  stagingBytes = 0;
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
export function depAt(j: u32): u32 {
  return load<u32>(deps + <usize>j * 4);
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
export function rdepAt(j: u32): u32 {
  return load<u32>(rdeps + <usize>j * 4);
}
