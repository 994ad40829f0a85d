// Event-time ordering. Incoming records wait in a sorted pending buffer until
// the watermark (max event time seen - allowed lateness) passes them; then they
// are applied in a total order (time, then record bytes). The decisions depend
// only on that order, so any batching and any arrival order within the
// lateness bound give identical outputs. Records behind the watermark are
// reported as late and not applied.
import { blockCapacity, growBlock } from "./arena";
import { get, getF, put, putF } from "./state";
import {
  alertExpireTimer,
  applyAlert,
  applyChange,
  applyHealthCheck,
  applyMetric,
  confirmTimer,
  recoverTimer,
} from "./health";
import { applyAction, escalateTimer, resolveTimer, settle, trackRankings, unsettled } from "./incidents";
import { applyFeedback, applyJourneySignal, journeyPredictionDeadline } from "./journeys";
import { servicePredictionDeadline } from "./predict";
import { S_BYTES, svcBase, svcCap } from "./services";
import {
  IN_AUX,
  IN_BYTES,
  IN_CODE,
  IN_ENTITY,
  IN_FLAGS,
  IN_KIND,
  IN_TS,
  IN_VALUE,
  K_ACTION,
  K_ALERT,
  K_CHANGE,
  K_DEVICE,
  K_FEEDBACK,
  K_HEALTH,
  K_JOURNEY,
  K_METRIC,
  O_LATE,
  P_LATENESS_MS,
} from "./layout";
import { emit, setA, setV0 } from "./output";
import { param } from "./params";
import {
  nextDue,
  pop,
  T_ALERT_EXPIRE,
  T_CONFIRM,
  T_ESCALATE,
  T_JPRED_DEADLINE,
  T_PRED_DEADLINE,
  T_RECOVER,
  T_RESOLVE,
  topTarget,
  topType,
} from "./timers";

/** watermark: every event with ts < watermark has been applied. */
export let watermark: f64 = -Infinity;
export let maxTs: f64 = -Infinity;
export let lateCount: u64 = 0;
export let appliedCount: u64 = 0;
// Event time of the instant whose records apply now (see drain).
let instantTs: f64 = -Infinity;

let inBase: usize = 0;
let inCap: u32 = 0;
let pend: usize = 0; // sorted records not yet applied
let pendCount: u32 = 0;
let pendCap: u32 = 0;
let tmp: usize = 0; // merge scratch
let tmpCap: u32 = 0;

function ensure(base: usize, cap: u32, n: u32): usize {
  return n <= cap ? base : growBlock(base, <usize>cap * IN_BYTES, <usize>n * IN_BYTES);
}

function capOf(n: u32): u32 {
  return <u32>(blockCapacity(<usize>n * IN_BYTES) / IN_BYTES);
}

/** reserveInput returns where the host writes up to `n` input records. */
export function reserveInput(n: u32): usize {
  if (n > inCap) {
    inBase = ensure(inBase, inCap, n);
    inCap = capOf(n);
  }
  return inBase;
}

// @ts-ignore: decorator
@inline
function before(a: usize, b: usize): bool {
  const ta = load<f64>(a + IN_TS);
  const tb = load<f64>(b + IN_TS);
  if (ta != tb) return ta < tb;
  // Actions go first at equal times: the host applies them at the watermark
  // as they arrive, before later events of that same time (see ingest).
  const ka = load<u8>(a + IN_KIND) == K_ACTION;
  const kb = load<u8>(b + IN_KIND) == K_ACTION;
  if (ka != kb) return ka;
  const x = load<u64>(a + 8);
  const y = load<u64>(b + 8);
  if (x != y) return x < y;
  const u = load<u64>(a + 16);
  const v = load<u64>(b + 16);
  if (u != v) return u < v;
  return load<u64>(a + 24) < load<u64>(b + 24);
}

function isSorted(base: usize, n: u32): bool {
  for (let i: u32 = 1; i < n; i++) {
    if (before(base + <usize>i * IN_BYTES, base + <usize>(i - 1) * IN_BYTES)) return false;
  }
  return true;
}

// Merges [a, a+na) and [b, b+nb) into dst.
function merge(a: usize, na: u32, b: usize, nb: u32, dst: usize): void {
  let i: u32 = 0;
  let j: u32 = 0;
  let k: usize = dst;
  while (i < na && j < nb) {
    const pa = a + <usize>i * IN_BYTES;
    const pb = b + <usize>j * IN_BYTES;
    if (before(pb, pa)) {
      memory.copy(k, pb, IN_BYTES);
      j++;
    } else {
      memory.copy(k, pa, IN_BYTES);
      i++;
    }
    k += IN_BYTES;
  }
  if (i < na) memory.copy(k, a + <usize>i * IN_BYTES, <usize>(na - i) * IN_BYTES);
  else if (j < nb) memory.copy(k, b + <usize>j * IN_BYTES, <usize>(nb - j) * IN_BYTES);
}

// Bottom-up merge sort of n records at `base`, using `tmp` as scratch.
function sortRecords(base: usize, n: u32): void {
  if (n < 2 || isSorted(base, n)) return;
  if (n > tmpCap) {
    tmp = ensure(tmp, tmpCap, n);
    tmpCap = capOf(n);
  }
  let src = base;
  let dst = tmp;
  for (let width: u32 = 1; width < n; width <<= 1) {
    for (let lo: u32 = 0; lo < n; lo += width << 1) {
      const mid = min<u32>(lo + width, n);
      const hi = min<u32>(lo + (width << 1), n);
      merge(
        src + <usize>lo * IN_BYTES,
        mid - lo,
        src + <usize>mid * IN_BYTES,
        hi - mid,
        dst + <usize>lo * IN_BYTES,
      );
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src != base) memory.copy(base, src, <usize>n * IN_BYTES);
}

function fireTimersUpTo(limit: f64, inclusive: bool): void {
  while (true) {
    const due = nextDue();
    if (inclusive ? due > limit : due >= limit) return;
    const type = topType();
    const target = topTarget();
    pop();
    if (type == T_RECOVER) recoverTimer(target, due);
    else if (type == T_RESOLVE) resolveTimer(target, due);
    else if (type == T_PRED_DEADLINE) servicePredictionDeadline(target, due);
    else if (type == T_JPRED_DEADLINE) journeyPredictionDeadline(target, due);
    else if (type == T_ESCALATE) escalateTimer(target, due);
    else if (type == T_CONFIRM) confirmTimer(target, due);
    else if (type == T_ALERT_EXPIRE) alertExpireTimer(target, due);
  }
}

function apply(p: usize): void {
  const ts = load<f64>(p + IN_TS);
  if (nextDue() <= ts) fireTimersUpTo(ts, true);
  trackRankings(true);
  const kind = load<u8>(p + IN_KIND);
  const entity = load<u32>(p + IN_ENTITY);
  const code = load<u8>(p + IN_CODE);
  if (kind == K_HEALTH) {
    applyHealthCheck(entity, ts, code);
  } else if (kind == K_METRIC || kind == K_DEVICE) {
    applyMetric(entity, ts, code, load<f64>(p + IN_VALUE));
  } else if (kind == K_ALERT) {
    applyAlert(entity, ts, code, load<u16>(p + IN_FLAGS), load<u32>(p + IN_AUX));
  } else if (kind == K_CHANGE) {
    applyChange(entity, ts, load<u32>(p + IN_AUX));
  } else if (kind == K_JOURNEY) {
    applyJourneySignal(entity, ts, code, load<f64>(p + IN_VALUE), load<u16>(p + IN_FLAGS));
  } else if (kind == K_FEEDBACK) {
    applyFeedback(entity, ts, code, load<f64>(p + IN_VALUE));
  } else if (kind == K_ACTION) {
    applyAction(entity, ts, code, load<u32>(p + IN_AUX));
  }
  trackRankings(false);
  appliedCount++;
}

// Events name service records in no useful order; with 100,000 services
// most records are in no cache. Applying one event takes more instructions
// than the processor looks ahead, so each event would wait for its record's
// miss alone, one after another. Before each group of TOUCH_GROUP events the
// records they name are loaded together instead: the misses overlap and the
// group waits about once. WebAssembly has no prefetch instruction; these
// loads change no state, and their xor goes to a global only so that the
// compiler keeps them. Lines 0 and 1 of a record are what a health check
// and a metric sample touch (services.ts). Ids of other kinds of event
// (journeys, incidents) just load a record for nothing; ids beyond the
// table load record 0.
const TOUCH_GROUP: u32 = 32;
// Below this many record slots the lines that events touch (two of each
// record's five, 512 KiB at 4,096 slots) fit in a core's L2 cache (512 KiB
// on the reference machine), and the loads would only cost: about 16
// instructions, 3% of an event.
const TOUCH_MIN_SLOTS: u32 = 4096;
let touchSink: u32 = 0;

function touchGroup(from: u32, to: u32): void {
  let acc: u32 = 0;
  const cap = svcCap;
  for (let k = from; k < to; k++) {
    const id = load<u32>(pend + <usize>k * IN_BYTES + IN_ENTITY);
    const r = svcBase + <usize>(id < cap ? id : 0) * S_BYTES;
    acc ^= load<u8>(r) ^ load<u8>(r + 64);
  }
  touchSink ^= acc;
}

// Applies pending records with ts < watermark (and, when `actions`, the
// incident actions at exactly the watermark, which sort first at that time),
// then timers due before it. Once an instant is complete (a record of a
// later time comes, or the watermark passes it) the incidents ranked by its
// records are ranked again (incidents.ts, "Settling an instant"); an
// instant of actions at the watermark may go on in a later call.
function drain(actions: bool): void {
  let i: u32 = 0;
  const touch = svcCap >= TOUCH_MIN_SLOTS;
  while (i < pendCount) {
    if (touch && i % TOUCH_GROUP == 0) touchGroup(i, min<u32>(i + TOUCH_GROUP, pendCount));
    const p = pend + <usize>i * IN_BYTES;
    const ts = load<f64>(p + IN_TS);
    if (ts >= watermark && !(actions && ts == watermark && load<u8>(p + IN_KIND) == K_ACTION)) break;
    if (ts != instantTs) {
      if (unsettled() > 0) settle(instantTs);
      instantTs = ts;
    }
    apply(p);
    i++;
  }
  if (unsettled() > 0 && instantTs < watermark) settle(instantTs);
  if (i > 0) {
    pendCount -= i;
    memory.copy(pend, pend + <usize>i * IN_BYTES, <usize>pendCount * IN_BYTES);
  }
  fireTimersUpTo(watermark, false);
}

/**
 * ingest takes `n` records from the input region: late ones are reported,
 * the rest are merged into the pending buffer and applied up to the new
 * watermark. An incident action at exactly the watermark takes effect in
 * this call too: it sorts before anything else at that time, and the
 * actions waiting there apply in record order, as a replay applies them,
 * not in the order they arrived.
 */
export function ingest(n: u32): void {
  let kept: u32 = 0;
  let acting = false;
  for (let i: u32 = 0; i < n; i++) {
    const p = inBase + <usize>i * IN_BYTES;
    const ts = load<f64>(p + IN_TS);
    if (ts < watermark) {
      const o = emit(ts, O_LATE, 0, load<u32>(p + IN_ENTITY));
      setA(o, i);
      setV0(o, watermark);
      lateCount++;
      continue;
    }
    if (ts == watermark && load<u8>(p + IN_KIND) == K_ACTION) acting = true;
    else if (ts > maxTs) maxTs = ts;
    if (kept != i) memory.copy(inBase + <usize>kept * IN_BYTES, p, IN_BYTES);
    kept++;
  }
  sortRecords(inBase, kept);
  const total = pendCount + kept;
  if (total > pendCap || total > tmpCap) {
    pend = ensure(pend, pendCap, total);
    pendCap = capOf(total);
    tmp = ensure(tmp, tmpCap, total);
    tmpCap = capOf(total);
  }
  if (kept > 0) {
    if (pendCount == 0 || !before(inBase, pend + <usize>(pendCount - 1) * IN_BYTES)) {
      // In order after what is pending (the usual case): append.
      memory.copy(pend + <usize>pendCount * IN_BYTES, inBase, <usize>kept * IN_BYTES);
    } else {
      merge(pend, pendCount, inBase, kept, tmp);
      const t = pend;
      pend = tmp;
      tmp = t;
      const c = pendCap;
      pendCap = tmpCap;
      tmpCap = c;
    }
    pendCount = total;
  }
  const w = maxTs - param(P_LATENESS_MS);
  const advanced = w > watermark;
  if (advanced) watermark = w;
  drain(acting && !advanced);
}

/** advanceTo moves the watermark to `w` (never backwards) and applies. */
export function advanceTo(w: f64): void {
  if (w > watermark) watermark = w;
  drain(false);
}

/** pendingCount is the number of records waiting for the watermark. */
export function pendingCount(): u32 {
  return pendCount;
}

/** saveState writes this module's globals for a checkpoint (see state.ts). */
export function saveState(): void {
  putF(watermark);
  putF(maxTs);
  putF(instantTs);
  put(<u64>lateCount);
  put(<u64>appliedCount);
  put(<u64>inBase);
  put(<u64>inCap);
  put(<u64>pend);
  put(<u64>pendCount);
  put(<u64>pendCap);
  put(<u64>tmp);
  put(<u64>tmpCap);
}

/** loadState reads them back in the same order. */
export function loadState(): void {
  watermark = getF();
  maxTs = getF();
  instantTs = getF();
  lateCount = <u64>get();
  appliedCount = <u64>get();
  inBase = <usize>get();
  inCap = <u32>get();
  pend = <usize>get();
  pendCount = <u32>get();
  pendCap = <u32>get();
  tmp = <usize>get();
  tmpCap = <u32>get();
}
