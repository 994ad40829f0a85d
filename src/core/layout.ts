// Mirror of assembly/layout.ts: the fixed-width records that cross the WASM
// boundary. test/unit/core-bridge.test.ts checks these against the module.

/** Bytes per input record. */
export const IN_BYTES = 32;
export const IN_TS = 0;
export const IN_KIND = 8;
export const IN_CODE = 9;
export const IN_FLAGS = 10;
export const IN_ENTITY = 12;
export const IN_VALUE = 16;
export const IN_AUX = 24;
export const IN_AUX2 = 28;

/** Event kinds as the core numbers them. */
export const K_HEALTH = 1;
export const K_METRIC = 2;
export const K_ALERT = 3;
export const K_CHANGE = 4;
export const K_JOURNEY = 5;
export const K_FEEDBACK = 6;
export const K_DEVICE = 7;
export const K_ACTION = 8;

/** Health states. */
export const H_UNKNOWN = 0;
export const H_OK = 1;
export const H_DEGRADED = 2;
export const H_DOWN = 3;

/** Bytes per output record. */
export const OUT_BYTES = 64;
export const OUT_TS = 0;
export const OUT_TYPE = 8;
export const OUT_INCIDENT = 12;
export const OUT_ENTITY = 16;
export const OUT_A = 20;
export const OUT_V0 = 24;
export const OUT_V1 = 32;
export const OUT_V2 = 40;
export const OUT_B = 48;
export const OUT_C = 52;
export const OUT_VERSION = 56;
export const OUT_D = 60;

/** Output record types. */
export const O_OPENED = 1;
export const O_MEMBER = 2;
export const O_ROOT_CAUSE = 3;
export const O_RESOLVED = 4;
export const O_HEALTH = 5;
export const O_STATS = 6;
export const O_LATE = 7;
export const O_MERGED = 8;
export const O_STATUS = 9;

/** Root-cause reason bits. */
export const R_NO_UNHEALTHY_DEPS = 1;
export const R_EARLIEST = 2;
export const R_RECENT_CHANGE = 4;
export const R_EXPLAINS_OTHERS = 8;
export const R_DOWN = 16;

/** Parameter slots (setParam ids). */
export const P_LATENESS_MS = 0;
export const P_CORRELATION_WINDOW_MS = 1;
export const P_RECOVER_MS = 2;
export const P_QUIET_MS = 3;
export const P_CHANGE_WINDOW_MS = 4;
export const P_ERR_ALPHA = 5;
export const P_DEFAULT_ERR_SLO = 6;
export const P_DEFAULT_LAT_SLO = 7;
export const P_DOWN_ERR = 8;
export const P_MAX_HOPS = 9;
/** How far apart onsets along an edge may be and still be one failure spreading. */
export const P_PROPAGATION_MS = 10;
export const P_COUNT = 16;

/** Counters readable with stat(). */
export const STAT_APPLIED = 0;
export const STAT_LATE = 1;
export const STAT_WATERMARK = 2;
export const STAT_PENDING = 3;
export const STAT_INCIDENTS = 4;
export const STAT_OPEN_INCIDENTS = 5;
export const STAT_TIMERS = 6;
export const STAT_MEMORY_BYTES = 7;
