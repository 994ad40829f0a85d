// Tunable parameters, stored as f64 slots the host sets with setParam().
import {
  P_CHANGE_WINDOW_MS,
  P_CORRELATION_WINDOW_MS,
  P_COUNT,
  P_DEFAULT_ERR_SLO,
  P_DEFAULT_LAT_SLO,
  P_DOWN_ERR,
  P_ERR_ALPHA,
  P_LATENESS_MS,
  P_MAX_HOPS,
  P_PROPAGATION_MS,
  P_QUIET_MS,
  P_RECOVER_MS,
} from "./layout";

const params: usize = memory.data(P_COUNT * 8);

/** param reads parameter slot `id`. */
// @ts-ignore: decorator
@inline
export function param(id: i32): f64 {
  return load<f64>(params + (<usize>id << 3));
}

/** setParamValue writes parameter slot `id`; ids out of range are ignored. */
export function setParamValue(id: i32, value: f64): void {
  if (id < 0 || id >= P_COUNT) return;
  store<f64>(params + (<usize>id << 3), value);
}

/** resetParams restores every default (see docs/CORE.md). */
export function resetParams(): void {
  setParamValue(P_LATENESS_MS, 2_000);
  setParamValue(P_CORRELATION_WINDOW_MS, 10 * 60_000);
  setParamValue(P_RECOVER_MS, 2 * 60_000);
  setParamValue(P_QUIET_MS, 5 * 60_000);
  setParamValue(P_CHANGE_WINDOW_MS, 15 * 60_000);
  setParamValue(P_ERR_ALPHA, 0.3);
  setParamValue(P_DEFAULT_ERR_SLO, 0.05);
  setParamValue(P_DEFAULT_LAT_SLO, 1_000);
  setParamValue(P_DOWN_ERR, 0.5);
  setParamValue(P_MAX_HOPS, 3);
  setParamValue(P_PROPAGATION_MS, 2 * 60_000);
}
