// Mirror of assembly/layout.ts: the fixed-width records that cross the WASM
// boundary. test/unit/core-bridge.test.ts checks these against the module.
// test/unit/core-bridge.test.ts also compares every constant with the
// AssemblyScript source, so the two cannot drift apart.

// ---- Input records: one per event, fixed width. ----
export const IN_BYTES = 32;
export const IN_TS = 0; // f64 event time, ms since epoch
export const IN_KIND = 8; // u8 event kind (K_*)
export const IN_CODE = 9; // u8 status / metric / state / outcome / change kind / scale
export const IN_FLAGS = 10; // u16 alert severity, or journey step index
export const IN_ENTITY = 12; // u32 service id (journey id for journey kinds)
export const IN_VALUE = 16; // f64 metric value / feedback score / count / tie key (alert, change, action)
export const IN_AUX = 24; // u32 fingerprint id / step id / change id / device id
export const IN_AUX2 = 28; // u32 reserved (custom metric id)

// Event kinds.
export const K_HEALTH = 1;
export const K_METRIC = 2;
export const K_ALERT = 3;
export const K_CHANGE = 4;
// Journey signal: entity = journey, code = outcome, value = count,
// flags = step index within the journey (0 = first step, 0xffff unknown).
export const K_JOURNEY = 5;
// Feedback: entity = journey, code = scale (1 NPS 0-10, 2 CSAT 1-5), value = score.
export const K_FEEDBACK = 6;
export const K_DEVICE = 7;
// Incident action (code 1 acknowledge, 2 resolve); entity = incident number,
// aux = actor id.
export const K_ACTION = 8;

// Health states (also the HealthStatus codes of health-check events).
export const H_UNKNOWN = 0;
export const H_OK = 1;
export const H_DEGRADED = 2;
export const H_DOWN = 3;

// Metric codes.
export const M_ERROR_RATE = 1;
export const M_LATENCY_P99 = 2;
export const M_SATURATION = 3;
export const M_THROUGHPUT = 4;
export const M_CUSTOM = 5;

// Alert states and severities.
export const A_FIRING = 1;
export const A_RESOLVED = 2;
export const SEV_CRITICAL = 4;

// Journey outcomes.
export const J_STARTED = 1;
export const J_COMPLETED = 2;
export const J_ABANDONED = 3;
export const J_FAILED = 4;

// Incident statuses (as in impactd.v1.IncidentStatus).
export const ST_OPEN = 1;
export const ST_ACKNOWLEDGED = 2;
export const ST_MITIGATED = 3;
export const ST_RESOLVED = 4;
export const ST_MERGED = 5;

// Incident kinds.
export const IK_SERVICE = 0; // services failing
export const IK_EXPERIENCE = 1; // customers unhappy, no backend failure found

// Severities (as in impactd.v1.IncidentSeverity; lower is worse).
export const SEV_I_CRITICAL = 1;
export const SEV_I_HIGH = 2;
export const SEV_I_MEDIUM = 3;
export const SEV_I_LOW = 4;

// ---- Output records: one per decision, fixed width. ----
export const OUT_BYTES = 80;
export const OUT_TS = 0; // f64 event time of the decision
export const OUT_TYPE = 8; // u32 O_*
export const OUT_INCIDENT = 12; // u32 incident number (0 = none)
export const OUT_ENTITY = 16; // u32 service id (journey id where noted)
export const OUT_A = 20; // u32 type-specific
export const OUT_V0 = 24; // f64 type-specific
export const OUT_V1 = 32; // f64 type-specific
export const OUT_V2 = 40; // f64 type-specific
export const OUT_B = 48; // u32 type-specific
export const OUT_C = 52; // u32 type-specific
export const OUT_VERSION = 56; // u32 incident version after this record
export const OUT_D = 60; // u32 type-specific
export const OUT_V3 = 64; // f64 type-specific
export const OUT_V4 = 72; // f64 type-specific

// Output types.
// Incident opened; entity = first service (journey for experience
// incidents), a = kind (IK_*), v0 = open ts.
export const O_OPENED = 1;
// Service joined an incident or a member's health changed; entity = service,
// a = its health now, v0 = its anomaly score, c = 1 when the service left
// this incident (moved to the incident of the dependency it now suffers from).
export const O_MEMBER = 2;
// Root-cause candidate; entity = service, a = rank (1-based), b = number of
// candidates in this ranking, v0 = score, c = linked change id (0 = none),
// d = reason bits (R_*).
export const O_ROOT_CAUSE = 3;
// Incident resolved; v0 = opened ts, b = actor id + 1 when resolved by hand.
export const O_RESOLVED = 4;
// Service health changed; entity = service, a = new state, b = old state,
// v0 = error rate (smoothed), v1 = p99 latency (smoothed), v2 = anomaly score.
export const O_HEALTH = 5;
// Incident counters; a = alerts folded, b = members, c = unhealthy members.
export const O_STATS = 6;
// Input record arrived behind the watermark; a = index in its batch,
// v0 = watermark at the time.
export const O_LATE = 7;
// Incident folded into another one: incident = the absorbed one, a = the
// incident it now belongs to. Its members are re-announced under that one.
export const O_MERGED = 8;
// Incident status changed; a = new status (ST_*), b = actor id + 1 (0 when
// no one acted),
// c = 1 when the incident was reopened.
export const O_STATUS = 9;
// Journey impact of an incident; entity = journey, v0 = success ratio,
// v1 = customers affected per minute, v2 = burn rate over the short window,
// v3 = burn rate over the long window, v4 = customers per minute entering,
// a = 1 when measured from journey signals, 0 when estimated from services.
export const O_IMPACT = 10;
// Incident severity changed; a = severity (SEV_I_*), v0 = customers affected
// per minute over all its journeys.
export const O_SEVERITY = 11;
// Prediction issued; entity = service or journey, a = 0 service / 1 journey,
// b = prediction id, v0 = predicted breach time, v1 = forecast at the
// horizon, v2 = current level, v3 = threshold, v4 = predicted customers
// affected per minute at the horizon.
export const O_PREDICTION = 12;
// Prediction scored; entity, a as O_PREDICTION, b = prediction id,
// c = 1 hit (the breach came) / 2 false alarm (it did not), v0 = actual
// breach time (0 if none), v1 = issue time.
export const O_PREDICTION_OUTCOME = 13;
// Experience drop attached to an incident; entity = journey, v0 = feedback
// score now (0..1), v1 = its baseline, v2 = abandonment ratio now,
// v3 = its baseline, a = 1 feedback drop, 2 abandonment rise, 3 both.
export const O_EXPERIENCE = 14;

// Incident routed to a team; a = team id + 1 (0 = nobody), b = reason
// (RT_*), c = previous team id + 1, d = failure-kind bits that were matched.
export const O_ROUTED = 15;
// A tier of the routed team's escalation policy is paged; a = team id + 1,
// b = tier index (0 = first), c = cause (PG_*).
export const O_PAGE = 16;

// Routing reasons.
export const RT_NONE = 0; // no team could take it
export const RT_OWNER = 1; // owns the top root-cause candidate
export const RT_SKILL = 2; // nobody owns it; this team has the matching skill
export const RT_FALLBACK = 3; // nobody owns it or has the skill: the fallback team
export const RT_SKILL_MATCH = 8; // flag: the owner also has a matching skill

// Page causes.
export const PG_ROUTED = 1; // first tier, paged when routed
export const PG_TIMEOUT = 2; // the tier before did not acknowledge in time
export const PG_SEVERITY = 3; // impact crossed the team's threshold: tier 2 at once

// Reserved skill bits; other skills and service kinds get bits 2..31.
export const SKILL_DEPLOY = 1; // "deploy": a change shortly before onset
export const SKILL_EXPERIENCE = 2; // "experience": experience-only incidents

// Root-cause reason bits.
export const R_NO_UNHEALTHY_DEPS = 1; // its own dependencies are healthy
export const R_EARLIEST = 2; // first to turn unhealthy
export const R_RECENT_CHANGE = 4; // changed shortly before onset
export const R_EXPLAINS_OTHERS = 8; // unhealthy members depend on it
export const R_DOWN = 16; // hard down, not just degraded
export const R_ANOMALOUS = 32; // its metrics are far from their baseline
export const R_SUSPECT = 64; // experience incident: in the journey, looks off
export const R_RISING = 128; // its metrics rise, not yet past its thresholds
export const R_TRAFFIC = 256; // its failure touches at least 1% of the estate's calls

// ---- Parameters (host sets them with setParam). ----
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
export const P_PROPAGATION_MS = 10;
export const P_BASE_ALPHA = 11;
export const P_Z_UNHEALTHY = 12;
export const P_WARMUP = 13;
export const P_REOPEN_MS = 14;
export const P_HORIZON_MS = 15;
export const P_HOLT_ALPHA = 16;
export const P_HOLT_BETA = 17;
export const P_PRED_STREAK = 18;
export const P_SEV_CRITICAL_CPM = 19;
export const P_SEV_HIGH_CPM = 20;
export const P_FEEDBACK_DROP = 21;
export const P_ABANDON_RISE = 22;
export const P_DEGRADED_FAIL = 23;
export const P_PAGE_TIER2_CPM = 24;
export const P_ALERT_CONFIRM_MS = 25;
export const P_FRESH_MS = 26;
export const P_ALERT_TIMEOUT_MS = 27;
export const P_COUNT = 32;

/** Counters readable with stat(). */
export const STAT_APPLIED = 0;
export const STAT_LATE = 1;
export const STAT_WATERMARK = 2;
export const STAT_PENDING = 3;
export const STAT_INCIDENTS = 4;
export const STAT_OPEN_INCIDENTS = 5;
export const STAT_TIMERS = 6;
export const STAT_MEMORY_BYTES = 7;
export const STAT_PREDICTIONS = 8;
