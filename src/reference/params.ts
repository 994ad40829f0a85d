// Tunable parameters of the reference model: the same slots and defaults as
// assembly/params.ts (P_* in src/core/layout.ts), so one params map
// configures both the core and the reference.
import * as L from "../core/layout.js";

/** PARAM_DEFAULTS lists every parameter the core sets at start-up, by slot. */
export const PARAM_DEFAULTS: ReadonlyMap<number, number> = new Map([
  [L.P_LATENESS_MS, 2_000],
  [L.P_CORRELATION_WINDOW_MS, 10 * 60_000],
  [L.P_RECOVER_MS, 2 * 60_000],
  [L.P_QUIET_MS, 5 * 60_000],
  [L.P_CHANGE_WINDOW_MS, 15 * 60_000],
  [L.P_ERR_ALPHA, 0.3],
  [L.P_DEFAULT_ERR_SLO, 0.05],
  [L.P_DEFAULT_LAT_SLO, 1_000],
  [L.P_DOWN_ERR, 0.5],
  [L.P_MAX_HOPS, 3],
  [L.P_PROPAGATION_MS, 2 * 60_000],
  [L.P_BASE_ALPHA, 0.005],
  [L.P_Z_UNHEALTHY, 6],
  [L.P_WARMUP, 10],
  [L.P_REOPEN_MS, 30 * 60_000],
  [L.P_HORIZON_MS, 30 * 60_000],
  [L.P_HOLT_ALPHA, 0.3],
  [L.P_HOLT_BETA, 0.1],
  [L.P_PRED_STREAK, 3],
  [L.P_SEV_CRITICAL_CPM, 100],
  [L.P_SEV_HIGH_CPM, 10],
  [L.P_FEEDBACK_DROP, 0.15],
  [L.P_ABANDON_RISE, 0.05],
  [L.P_DEGRADED_FAIL, 0.05],
  [L.P_PAGE_TIER2_CPM, 500],
  [L.P_ALERT_CONFIRM_MS, 15 * 60_000],
  [L.P_FRESH_MS, 60_000],
  [L.P_ALERT_TIMEOUT_MS, 5 * 60_000],
]);

/** Params holds the parameter slots; unset slots read 0, as in the core. */
export class Params {
  // f64 slots, like the core's parameter area: a value set from JS is stored
  // as the same double the core would hold.
  private readonly slots = new Float64Array(L.P_COUNT);

  constructor(overrides: ReadonlyMap<number, number> = new Map()) {
    for (const [id, value] of PARAM_DEFAULTS) this.set(id, value);
    for (const [id, value] of overrides) this.set(id, value);
  }

  /** set writes slot `id`; ids out of range are ignored, as setParam does. */
  set(id: number, value: number): void {
    if (id < 0 || id >= L.P_COUNT) return;
    this.slots[id] = value;
  }

  /** get reads slot `id`. */
  get(id: number): number {
    return this.slots[id] ?? 0;
  }

  /** getU32 reads slot `id` converted as the core's `<u32>` cast does (saturating). */
  getU32(id: number): number {
    const v = this.get(id);
    if (!(v > 0)) return 0;
    return v >= 4_294_967_295 ? 4_294_967_295 : Math.trunc(v);
  }
}
