// The output buffer: fixed-width decision records the host reads after each
// exported call. It grows by doubling and is reset at the start of each call.
import { blockCapacity, growBlock } from "./arena";
import { get, getF, put, putF } from "./state";
import {
  OUT_A,
  OUT_B,
  OUT_BYTES,
  OUT_C,
  OUT_D,
  OUT_ENTITY,
  OUT_INCIDENT,
  OUT_TS,
  OUT_TYPE,
  OUT_V0,
  OUT_V1,
  OUT_V2,
  OUT_V3,
  OUT_V4,
  OUT_VERSION,
} from "./layout";

export let outBase: usize = 0;
export let outCount: u32 = 0;
let outCap: u32 = 0;

/** resetOutput empties the buffer for the next call. */
export function resetOutput(): void {
  outCount = 0;
}

/** emit appends a record and returns its address; unset fields are zero. */
export function emit(ts: f64, type: u32, incident: u32, entity: u32): usize {
  if (outCount == outCap) {
    const oldBytes = <usize>outCap * OUT_BYTES;
    const newCap: u32 = outCap == 0 ? 1024 : outCap << 1;
    outBase = growBlock(outBase, oldBytes, <usize>newCap * OUT_BYTES);
    outCap = <u32>(blockCapacity(<usize>newCap * OUT_BYTES) / OUT_BYTES);
  }
  const p = outBase + <usize>outCount * OUT_BYTES;
  outCount++;
  memory.fill(p, 0, OUT_BYTES);
  store<f64>(p + OUT_TS, ts);
  store<u32>(p + OUT_TYPE, type);
  store<u32>(p + OUT_INCIDENT, incident);
  store<u32>(p + OUT_ENTITY, entity);
  return p;
}

// @ts-ignore: decorator
@inline
export function setA(p: usize, v: u32): void {
  store<u32>(p + OUT_A, v);
}
// @ts-ignore: decorator
@inline
export function setB(p: usize, v: u32): void {
  store<u32>(p + OUT_B, v);
}
// @ts-ignore: decorator
@inline
export function setC(p: usize, v: u32): void {
  store<u32>(p + OUT_C, v);
}
// @ts-ignore: decorator
@inline
export function setD(p: usize, v: u32): void {
  store<u32>(p + OUT_D, v);
}
// @ts-ignore: decorator
@inline
export function setV0(p: usize, v: f64): void {
  store<f64>(p + OUT_V0, v);
}
// @ts-ignore: decorator
@inline
export function setV1(p: usize, v: f64): void {
  store<f64>(p + OUT_V1, v);
}
// @ts-ignore: decorator
@inline
export function setV2(p: usize, v: f64): void {
  store<f64>(p + OUT_V2, v);
}
// @ts-ignore: decorator
@inline
export function setVersion(p: usize, v: u32): void {
  store<u32>(p + OUT_VERSION, v);
}
// @ts-ignore: decorator
@inline
export function setV3(p: usize, v: f64): void {
  store<f64>(p + OUT_V3, v);
}
// @ts-ignore: decorator
@inline
export function setV4(p: usize, v: f64): void {
  store<f64>(p + OUT_V4, v);
}

/** saveState writes this module's globals for a checkpoint (see state.ts). */
export function saveState(): void {
  put(<u64>outBase);
  put(<u64>outCount);
  put(<u64>outCap);
}

/** loadState reads them back in the same order. */
export function loadState(): void {
  outBase = <usize>get();
  outCount = <u32>get();
  outCap = <u32>get();
}
