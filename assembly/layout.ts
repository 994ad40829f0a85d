// Record layouts shared with the host (mirrored in src/core/layout.ts; a test
// checks the two agree through the exported layout getters in index.ts).

// ---- Input records: one per event, fixed width. ----
export const IN_BYTES: u32 = 32;
export const IN_TS: u32 = 0; // f64 event time, ms since epoch
export const IN_KIND: u32 = 8; // u8 event kind (K_*)
export const IN_CODE: u32 = 9; // u8 status / metric / state / outcome / change kind / scale
export const IN_FLAGS: u32 = 10; // u16 alert severity, or journey step index
export const IN_ENTITY: u32 = 12; // u32 service id (journey id for journey kinds)
export const IN_VALUE: u32 = 16; // f64 metric value / feedback score / count / tie key (alert, change, action)
export const IN_AUX: u32 = 24; // u32 fingerprint id / step id / change id / device id
export const IN_AUX2: u32 = 28; // u32 reserved (custom metric id)

// Event kinds.
export const K_HEALTH: u8 = 1;
export const K_METRIC: u8 = 2;
export const K_ALERT: u8 = 3;
export const K_CHANGE: u8 = 4;
// Journey signal: entity = journey, code = outcome, value = count,
// flags = step index within the journey (0 = first step, 0xffff unknown).
export const K_JOURNEY: u8 = 5;
// Feedback: entity = journey, code = scale (1 NPS 0-10, 2 CSAT 1-5), value = score.
export const K_FEEDBACK: u8 = 6;
export const K_DEVICE: u8 = 7;
// Incident action (code 1 acknowledge, 2 resolve); entity = incident number,
// aux = actor id.
export const K_ACTION: u8 = 8;

// Health states (also the HealthStatus codes of health-check events).
export const H_UNKNOWN: u8 = 0;
export const H_OK: u8 = 1;
export const H_DEGRADED: u8 = 2;
export const H_DOWN: u8 = 3;

// Metric codes.
export const M_ERROR_RATE: u8 = 1;
export const M_LATENCY_P99: u8 = 2;
export const M_SATURATION: u8 = 3;
export const M_THROUGHPUT: u8 = 4;
export const M_CUSTOM: u8 = 5;

// Alert states and severities.
export const A_FIRING: u8 = 1;
export const A_RESOLVED: u8 = 2;
export const SEV_CRITICAL: u16 = 4;

// Journey outcomes.
export const J_STARTED: u8 = 1;
export const J_COMPLETED: u8 = 2;
export const J_ABANDONED: u8 = 3;
export const J_FAILED: u8 = 4;

// Incident statuses (as in impactd.v1.IncidentStatus).
export const ST_OPEN: u8 = 1;
export const ST_ACKNOWLEDGED: u8 = 2;
export const ST_MITIGATED: u8 = 3;
export const ST_RESOLVED: u8 = 4;
export const ST_MERGED: u8 = 5;

// Incident kinds.
export const IK_SERVICE: u32 = 0; // services failing
export const IK_EXPERIENCE: u32 = 1; // customers unhappy, no backend failure found

// Severities (as in impactd.v1.IncidentSeverity; lower is worse).
export const SEV_I_CRITICAL: u32 = 1;
export const SEV_I_HIGH: u32 = 2;
export const SEV_I_MEDIUM: u32 = 3;
export const SEV_I_LOW: u32 = 4;

// ---- Output records: one per decision, fixed width. ----
export const OUT_BYTES: u32 = 80;
export const OUT_TS: u32 = 0; // f64 event time of the decision
export const OUT_TYPE: u32 = 8; // u32 O_*
export const OUT_INCIDENT: u32 = 12; // u32 incident number (0 = none)
export const OUT_ENTITY: u32 = 16; // u32 service id (journey id where noted)
export const OUT_A: u32 = 20; // u32 type-specific
export const OUT_V0: u32 = 24; // f64 type-specific
export const OUT_V1: u32 = 32; // f64 type-specific
export const OUT_V2: u32 = 40; // f64 type-specific
export const OUT_B: u32 = 48; // u32 type-specific
export const OUT_C: u32 = 52; // u32 type-specific
export const OUT_VERSION: u32 = 56; // u32 incident version after this record
export const OUT_D: u32 = 60; // u32 type-specific
export const OUT_V3: u32 = 64; // f64 type-specific
export const OUT_V4: u32 = 72; // f64 type-specific

// Output types.
// Incident opened; entity = first service (journey for experience
// incidents), a = kind (IK_*), v0 = open ts.
export const O_OPENED: u32 = 1;
// Service joined an incident or a member's health changed; entity = service,
// a = its health now, v0 = its anomaly score, c = 1 when the service left
// this incident (moved to the incident of the dependency it now suffers from).
export const O_MEMBER: u32 = 2;
// Root-cause candidate; entity = service, a = rank (1-based), b = number of
// candidates in this ranking, v0 = score, c = linked change id (0 = none),
// d = reason bits (R_*).
export const O_ROOT_CAUSE: u32 = 3;
// Incident resolved; v0 = opened ts, b = actor id + 1 when resolved by hand.
export const O_RESOLVED: u32 = 4;
// Service health changed; entity = service, a = new state, b = old state,
// v0 = error rate (smoothed), v1 = p99 latency (smoothed), v2 = anomaly score.
export const O_HEALTH: u32 = 5;
// Incident counters; a = alerts folded, b = members, c = unhealthy members.
export const O_STATS: u32 = 6;
// Input record arrived behind the watermark; a = index in its batch,
// v0 = watermark at the time.
export const O_LATE: u32 = 7;
// Incident folded into another one: incident = the absorbed one, a = the
// incident it now belongs to. Its members are re-announced under that one.
export const O_MERGED: u32 = 8;
// Incident status changed; a = new status (ST_*), b = actor id + 1 (0 when
// no one acted),
// c = 1 when the incident was reopened.
export const O_STATUS: u32 = 9;
// Journey impact of an incident; entity = journey, v0 = success ratio,
// v1 = customers affected per minute, v2 = burn rate over the short window,
// v3 = burn rate over the long window, v4 = customers per minute entering,
// a = 1 when measured from journey signals, 0 when estimated from services.
export const O_IMPACT: u32 = 10;
// Incident severity changed; a = severity (SEV_I_*), v0 = customers affected
// per minute over all its journeys.
export const O_SEVERITY: u32 = 11;
// Prediction issued; entity = service or journey, a = 0 service / 1 journey,
// b = prediction id, v0 = predicted breach time, v1 = forecast at the
// horizon, v2 = current level, v3 = threshold, v4 = predicted customers
// affected per minute at the horizon.
export const O_PREDICTION: u32 = 12;
// Prediction scored; entity, a as O_PREDICTION, b = prediction id,
// c = 1 hit (the breach came) / 2 false alarm (it did not), v0 = actual
// breach time (0 if none), v1 = issue time.
export const O_PREDICTION_OUTCOME: u32 = 13;
// Experience drop attached to an incident; entity = journey, v0 = feedback
// score now (0..1), v1 = its baseline, v2 = abandonment ratio now,
// v3 = its baseline, a = 1 feedback drop, 2 abandonment rise, 3 both.
export const O_EXPERIENCE: u32 = 14;

// Incident routed to a team; a = team id + 1 (0 = nobody), b = reason
// (RT_*), c = previous team id + 1, d = failure-kind bits that were matched.
export const O_ROUTED: u32 = 15;
// A tier of the routed team's escalation policy is paged; a = team id + 1,
// b = tier index (0 = first), c = cause (PG_*).
export const O_PAGE: u32 = 16;

// Routing reasons.
export const RT_NONE: u32 = 0; // no team could take it
export const RT_OWNER: u32 = 1; // owns the top root-cause candidate
export const RT_SKILL: u32 = 2; // nobody owns it; this team has the matching skill
export const RT_FALLBACK: u32 = 3; // nobody owns it or has the skill: the fallback team
export const RT_SKILL_MATCH: u32 = 8; // flag: the owner also has a matching skill

// Page causes.
export const PG_ROUTED: u32 = 1; // first tier, paged when routed
export const PG_TIMEOUT: u32 = 2; // the tier before did not acknowledge in time
export const PG_SEVERITY: u32 = 3; // impact crossed the team's threshold: tier 2 at once

// Reserved skill bits; other skills and service kinds get bits 2..31.
export const SKILL_DEPLOY: u32 = 1; // "deploy": a change shortly before onset
export const SKILL_EXPERIENCE: u32 = 2; // "experience": experience-only incidents

// Root-cause reason bits.
export const R_NO_UNHEALTHY_DEPS: u32 = 1; // its own dependencies are healthy
export const R_EARLIEST: u32 = 2; // first to turn unhealthy
export const R_RECENT_CHANGE: u32 = 4; // changed shortly before onset
export const R_EXPLAINS_OTHERS: u32 = 8; // unhealthy members depend on it
export const R_DOWN: u32 = 16; // hard down, not just degraded
export const R_ANOMALOUS: u32 = 32; // its metrics are far from their baseline
export const R_SUSPECT: u32 = 64; // experience incident: in the journey, looks off
export const R_RISING: u32 = 128; // its metrics rise, not yet past its thresholds
export const R_TRAFFIC: u32 = 256; // its failure touches at least 1% of the estate's calls

// ---- Parameters (host sets them with setParam). ----
export const P_LATENESS_MS: i32 = 0;
export const P_CORRELATION_WINDOW_MS: i32 = 1;
export const P_RECOVER_MS: i32 = 2;
export const P_QUIET_MS: i32 = 3;
export const P_CHANGE_WINDOW_MS: i32 = 4;
export const P_ERR_ALPHA: i32 = 5;
export const P_DEFAULT_ERR_SLO: i32 = 6;
export const P_DEFAULT_LAT_SLO: i32 = 7;
export const P_DOWN_ERR: i32 = 8;
export const P_MAX_HOPS: i32 = 9;
export const P_PROPAGATION_MS: i32 = 10;
export const P_BASE_ALPHA: i32 = 11;
export const P_Z_UNHEALTHY: i32 = 12;
export const P_WARMUP: i32 = 13;
export const P_REOPEN_MS: i32 = 14;
export const P_HORIZON_MS: i32 = 15;
export const P_HOLT_ALPHA: i32 = 16;
export const P_HOLT_BETA: i32 = 17;
export const P_PRED_STREAK: i32 = 18;
export const P_SEV_CRITICAL_CPM: i32 = 19;
export const P_SEV_HIGH_CPM: i32 = 20;
export const P_FEEDBACK_DROP: i32 = 21;
export const P_ABANDON_RISE: i32 = 22;
export const P_DEGRADED_FAIL: i32 = 23;
export const P_PAGE_TIER2_CPM: i32 = 24;
export const P_ALERT_CONFIRM_MS: i32 = 25;
export const P_FRESH_MS: i32 = 26;
export const P_ALERT_TIMEOUT_MS: i32 = 27;
export const P_COUNT: i32 = 32;
