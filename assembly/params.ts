// Tunable parameters, stored as f64 slots the host sets with setParam().
// Defaults and their reasons are documented in docs/CORE.md.
import * as L from "./layout";

const params: usize = memory.data(L.P_COUNT * 8);

/** param reads parameter slot `id`. */
// @ts-ignore: decorator
@inline
export function param(id: i32): f64 {
  return load<f64>(params + (<usize>id << 3));
}

/** setParamValue writes parameter slot `id`; ids out of range are ignored. */
export function setParamValue(id: i32, value: f64): void {
  if (id < 0 || id >= L.P_COUNT) return;
  store<f64>(params + (<usize>id << 3), value);
}

/** resetParams restores every default. */
export function resetParams(): void {
  setParamValue(L.P_LATENESS_MS, 2_000);
  setParamValue(L.P_CORRELATION_WINDOW_MS, 10 * 60_000);
  setParamValue(L.P_RECOVER_MS, 2 * 60_000);
  setParamValue(L.P_QUIET_MS, 5 * 60_000);
  setParamValue(L.P_CHANGE_WINDOW_MS, 15 * 60_000);
  setParamValue(L.P_ERR_ALPHA, 0.3);
  setParamValue(L.P_DEFAULT_ERR_SLO, 0.05);
  setParamValue(L.P_DEFAULT_LAT_SLO, 1_000);
  setParamValue(L.P_DOWN_ERR, 0.5);
  setParamValue(L.P_MAX_HOPS, 3);
  setParamValue(L.P_PROPAGATION_MS, 2 * 60_000);
  setParamValue(L.P_BASE_ALPHA, 0.005);
  setParamValue(L.P_Z_UNHEALTHY, 6);
  setParamValue(L.P_WARMUP, 10);
  setParamValue(L.P_REOPEN_MS, 30 * 60_000);
  setParamValue(L.P_HORIZON_MS, 30 * 60_000);
  setParamValue(L.P_HOLT_ALPHA, 0.3);
  setParamValue(L.P_HOLT_BETA, 0.1);
  setParamValue(L.P_PRED_STREAK, 3);
  setParamValue(L.P_SEV_CRITICAL_CPM, 100);
  setParamValue(L.P_SEV_HIGH_CPM, 10);
  setParamValue(L.P_FEEDBACK_DROP, 0.15);
  setParamValue(L.P_ABANDON_RISE, 0.05);
  setParamValue(L.P_DEGRADED_FAIL, 0.05);
  setParamValue(L.P_PAGE_TIER2_CPM, 500);
  setParamValue(L.P_ALERT_CONFIRM_MS, 15 * 60_000);
  setParamValue(L.P_FRESH_MS, 60_000);
  setParamValue(L.P_ALERT_TIMEOUT_MS, 5 * 60_000);
}
