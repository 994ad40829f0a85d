// Service health: evidence from health checks, alerts and metric samples turns
// into OK / DEGRADED / DOWN. Turning unhealthy is immediate; turning healthy
// again waits P_RECOVER_MS of clean evidence (hysteresis), so a flapping
// signal holds one incident open instead of opening many.
import {
  A_FIRING,
  A_RESOLVED,
  H_DEGRADED,
  H_DOWN,
  H_OK,
  H_UNKNOWN,
  M_ERROR_RATE,
  M_LATENCY_P99,
  M_SATURATION,
  O_HEALTH,
  P_DOWN_ERR,
  P_ERR_ALPHA,
  P_RECOVER_MS,
  SEV_CRITICAL,
} from "./layout";
import { onAlert, onHealthShift, onRecovered, onUnhealthy } from "./incidents";
import { emit, setA, setB, setV0, setV1 } from "./output";
import { param } from "./params";
import {
  S_CHANGE_ID,
  S_CHANGE_TS,
  S_CRIT,
  S_ERR,
  S_ERR_N,
  S_ERR_VAR,
  S_FIRING,
  S_HC,
  S_HEALTH,
  S_LAT,
  S_LAT_N,
  S_LAT_VAR,
  S_RECOVER_DUE,
  S_SAT,
  S_SLO_ERR,
  S_SLO_LAT,
  svc,
} from "./services";
import { schedule, T_RECOVER } from "./timers";

// Per-fingerprint alert state: u8 firing flag, indexed by host fingerprint id.
let fpBase: usize = 0;
let fpCap: u32 = 0;
import { blockCapacity, growBlock } from "./arena";

function fpSlot(id: u32): usize {
  if (id >= fpCap) {
    let cap: u32 = fpCap == 0 ? 1024 : fpCap;
    while (cap <= id) cap <<= 1;
    fpBase = growBlock(fpBase, <usize>fpCap, <usize>cap);
    fpCap = <u32>blockCapacity(<usize>cap);
  }
  return fpBase + <usize>id;
}

/** evidence is the health level the current evidence supports. */
function evidence(p: usize): u8 {
  let level: u8 = H_OK;
  const hc = load<u8>(p + S_HC);
  if (hc == H_DOWN) return H_DOWN;
  if (hc == H_DEGRADED) level = H_DEGRADED;
  if (load<u32>(p + S_CRIT) > 0) return H_DOWN;
  if (load<u32>(p + S_FIRING) > 0) level = H_DEGRADED;
  if (load<u32>(p + S_ERR_N) > 0) {
    const err = load<f64>(p + S_ERR);
    if (err >= param(P_DOWN_ERR)) return H_DOWN;
    if (err > load<f64>(p + S_SLO_ERR)) level = H_DEGRADED;
  }
  if (load<u32>(p + S_LAT_N) > 0 && load<f64>(p + S_LAT) > load<f64>(p + S_SLO_LAT)) {
    level = H_DEGRADED;
  }
  return level;
}

function emitHealth(ts: f64, s: u32, p: usize, now: u8, was: u8): void {
  const o = emit(ts, O_HEALTH, 0, s);
  setA(o, now);
  setB(o, was);
  setV0(o, load<f64>(p + S_ERR));
  setV1(o, load<f64>(p + S_LAT));
}

/** reevaluate applies the current evidence of service `s` at time `ts`. */
function reevaluate(s: u32, ts: f64): void {
  const p = svc(s);
  const level = evidence(p);
  const cur = load<u8>(p + S_HEALTH);
  if (level >= H_DEGRADED) {
    store<f64>(p + S_RECOVER_DUE, 0);
    if (level == cur) return;
    store<u8>(p + S_HEALTH, level);
    emitHealth(ts, s, p, level, cur);
    if (cur < H_DEGRADED) {
      onUnhealthy(s, ts);
    } else {
      onHealthShift(s, ts);
    }
    return;
  }
  if (cur == H_UNKNOWN) {
    store<u8>(p + S_HEALTH, H_OK);
    return;
  }
  if (cur >= H_DEGRADED && load<f64>(p + S_RECOVER_DUE) == 0) {
    const due = ts + param(P_RECOVER_MS);
    store<f64>(p + S_RECOVER_DUE, due);
    schedule(due, T_RECOVER, s);
  }
}

/** recoverTimer turns `s` healthy if its evidence stayed clean until `due`. */
export function recoverTimer(s: u32, due: f64): void {
  const p = svc(s);
  if (load<f64>(p + S_RECOVER_DUE) != due) return;
  store<f64>(p + S_RECOVER_DUE, 0);
  const cur = load<u8>(p + S_HEALTH);
  if (cur < H_DEGRADED || evidence(p) >= H_DEGRADED) return;
  store<u8>(p + S_HEALTH, H_OK);
  emitHealth(due, s, p, H_OK, cur);
  onRecovered(s, due);
}

/** applyHealthCheck records a probe result. */
export function applyHealthCheck(s: u32, ts: f64, status: u8): void {
  store<u8>(svc(s) + S_HC, status);
  reevaluate(s, ts);
}

function ewma(p: usize, meanAt: usize, varAt: usize, countAt: usize, x: f64): void {
  const n = load<u32>(p + countAt);
  if (n == 0) {
    store<f64>(p + meanAt, x);
    store<f64>(p + varAt, 0);
  } else {
    const a = param(P_ERR_ALPHA);
    const mean = load<f64>(p + meanAt);
    const d = x - mean;
    const inc = a * d;
    store<f64>(p + meanAt, mean + inc);
    store<f64>(p + varAt, (1 - a) * (load<f64>(p + varAt) + d * inc));
  }
  store<u32>(p + countAt, n + 1);
}

/** applyMetric folds a metric sample into the service's estimates. */
export function applyMetric(s: u32, ts: f64, metric: u8, value: f64): void {
  const p = svc(s);
  if (metric == M_ERROR_RATE) {
    ewma(p, S_ERR, S_ERR_VAR, S_ERR_N, value);
  } else if (metric == M_LATENCY_P99) {
    ewma(p, S_LAT, S_LAT_VAR, S_LAT_N, value);
  } else if (metric == M_SATURATION) {
    store<f64>(p + S_SAT, value);
    return;
  } else {
    return;
  }
  reevaluate(s, ts);
}

/** applyAlert tracks firing alerts per fingerprint; repeats are folded. */
export function applyAlert(s: u32, ts: f64, state: u8, severity: u16, fp: u32): void {
  const p = svc(s);
  const slot = fpSlot(fp);
  const was = load<u8>(slot);
  const crit: u8 = severity >= SEV_CRITICAL ? 2 : 1;
  if (state == A_FIRING) {
    if (was == 0) {
      store<u8>(slot, crit);
      store<u32>(p + S_FIRING, load<u32>(p + S_FIRING) + 1);
      if (crit == 2) store<u32>(p + S_CRIT, load<u32>(p + S_CRIT) + 1);
    }
    reevaluate(s, ts);
    onAlert(s, ts);
  } else if (state == A_RESOLVED && was != 0) {
    store<u8>(slot, 0);
    store<u32>(p + S_FIRING, load<u32>(p + S_FIRING) - 1);
    if (was == 2) store<u32>(p + S_CRIT, load<u32>(p + S_CRIT) - 1);
    reevaluate(s, ts);
  }
}

/** applyChange remembers the latest change so root cause can link it. */
export function applyChange(s: u32, ts: f64, changeId: u32): void {
  const p = svc(s);
  store<f64>(p + S_CHANGE_TS, ts);
  store<u32>(p + S_CHANGE_ID, changeId);
}
