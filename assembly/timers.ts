// Event-time timers: a binary min-heap of (due, type, target). Timers fire as
// event time passes them, never on wall-clock time, so replays fire them at
// the same points. A timer may be stale (its target was rescheduled); the
// handler checks and ignores it.
import { blockCapacity, growBlock } from "./arena";
import { get, getF, put, putF } from "./state";

const T_BYTES: usize = 16;
let heapBase: usize = 0;
let heapCap: u32 = 0;
export let timerCount: u32 = 0;

// Timer types.
export const T_RECOVER: u32 = 1; // service recovery check
export const T_RESOLVE: u32 = 2; // incident resolution check
export const T_PRED_DEADLINE: u32 = 3; // service prediction deadline
export const T_JPRED_DEADLINE: u32 = 4; // journey prediction deadline
export const T_ESCALATE: u32 = 5; // escalation to the next tier
export const T_CONFIRM: u32 = 6; // an uncorroborated alert has fired long enough
export const T_ALERT_EXPIRE: u32 = 7; // a firing alert was not re-sent in time

// @ts-ignore: decorator
@inline
function at(i: u32): usize {
  return heapBase + <usize>i * T_BYTES;
}

// @ts-ignore: decorator
@inline
function less(a: usize, b: usize): bool {
  const da = load<f64>(a);
  const db = load<f64>(b);
  if (da != db) return da < db;
  // Same due time: order by (type, target) so the order never depends on
  // insertion order.
  return load<u64>(a + 8) < load<u64>(b + 8);
}

function swap(i: u32, j: u32): void {
  const a = at(i);
  const b = at(j);
  const d = load<f64>(a);
  const k = load<u64>(a + 8);
  store<f64>(a, load<f64>(b));
  store<u64>(a + 8, load<u64>(b + 8));
  store<f64>(b, d);
  store<u64>(b + 8, k);
}

/** schedule adds a timer. */
export function schedule(due: f64, type: u32, target: u32): void {
  if (timerCount == heapCap) {
    const newCap: u32 = heapCap == 0 ? 256 : heapCap << 1;
    heapBase = growBlock(heapBase, <usize>heapCap * T_BYTES, <usize>newCap * T_BYTES);
    heapCap = <u32>(blockCapacity(<usize>newCap * T_BYTES) / T_BYTES);
  }
  let i = timerCount++;
  const p = at(i);
  store<f64>(p, due);
  // type in the high half so (type, target) compares as one u64.
  store<u64>(p + 8, ((<u64>type) << 32) | <u64>target);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!less(at(i), at(parent))) break;
    swap(i, parent);
    i = parent;
  }
}

/** nextDue is the earliest due time, or +inf when no timer is pending. */
// @ts-ignore: decorator
@inline
export function nextDue(): f64 {
  return timerCount == 0 ? Infinity : load<f64>(at(0));
}

/** topType and topTarget describe the earliest timer. */
export function topType(): u32 {
  return <u32>(load<u64>(at(0) + 8) >> 32);
}
export function topTarget(): u32 {
  return <u32>load<u64>(at(0) + 8);
}

/** pop removes the earliest timer. */
export function pop(): void {
  timerCount--;
  if (timerCount == 0) return;
  swap(0, timerCount);
  let i: u32 = 0;
  while (true) {
    const l: u32 = 2 * i + 1;
    const r: u32 = l + 1;
    let m = i;
    if (l < timerCount && less(at(l), at(m))) m = l;
    if (r < timerCount && less(at(r), at(m))) m = r;
    if (m == i) break;
    swap(i, m);
    i = m;
  }
}

/** saveState writes this module's globals for a checkpoint (see state.ts). */
export function saveState(): void {
  put(<u64>heapBase);
  put(<u64>heapCap);
  put(<u64>timerCount);
}

/** loadState reads them back in the same order. */
export function loadState(): void {
  heapBase = <usize>get();
  heapCap = <u32>get();
  timerCount = <u32>get();
}
