// The query pack: named, documented queries for the questions SREs ask,
// runnable with `impactd query NAME [--param k=v]` against either sink. Each
// query is rendered for the engine's dialect (timestamps and their
// milliseconds differ on legacy servers) and takes its inputs only as bound
// `{name:Type}` parameters. docs/QUERIES.md documents every query; a test
// checks each one's answer on seeded data.
import type { Dialect } from "../dialect.js";

/** QueryContext is what rendering a pack query needs. */
export interface QueryContext {
  readonly dialect: Dialect;
  /** Database of impactd's tables (names are qualified with it). */
  readonly database: string;
}

/** PackParam is one parameter of a pack query. */
export interface PackParam {
  readonly name: string;
  /** ClickHouse type of the `{name:Type}` placeholder. */
  readonly type: string;
  /** Value when not given; undefined makes the parameter required. */
  readonly default: string | undefined;
  readonly doc: string;
  /** Extra check of a given value; returns a problem or undefined. */
  readonly check?: (value: string) => string | undefined;
}

/** PackQuery is one named query. */
export interface PackQuery {
  readonly name: string;
  /** One line for `impactd query --list`. */
  readonly summary: string;
  readonly params: readonly PackParam[];
  /** sql renders the query for an engine. */
  sql(ctx: QueryContext): string;
}

/** ms renders a timestamp column as Int64 epoch milliseconds for the dialect. */
export function ms(d: Dialect, col: string): string {
  return d.dateTime64
    ? `toUnixTimestamp64Milli(${col})`
    : `(toInt64(toUnixTimestamp(${col})) * 1000 + ${col}_ms)`;
}

/**
 * shown selects a timestamp column for display: itself where it carries
 * milliseconds, else itself and its `_ms` companion (an alias of the same
 * name would shadow the column in the rest of the query).
 */
export function shown(d: Dialect, col: string): string {
  return d.dateTime64 ? col : `${col}, ${col}_ms`;
}

const TENANT: PackParam = {
  name: "tenant",
  type: "String",
  default: "",
  doc: "Only this tenant (empty: all tenants).",
};
const tenantFilter = "({tenant:String} = '' OR tenant = {tenant:String})";

const days = (n: number, doc = "Look back this many days."): PackParam => ({
  name: "days",
  type: "UInt32",
  default: String(n),
  doc,
});
const limit = (n: number): PackParam => ({
  name: "limit",
  type: "UInt32",
  default: String(n),
  doc: "Most rows returned.",
});
const since = (col: string) => `${col} >= now() - toIntervalDay({days:UInt32})`;

function ratio(v: string): string | undefined {
  const n = Number(v);
  return n > 0 && n < 1 ? undefined : "must be a ratio between 0 and 1, e.g. 0.999";
}

/** QUERY_PACK lists every named query, in docs order. */
export const QUERY_PACK: readonly PackQuery[] = [
  {
    name: "open_incidents_by_impact",
    summary: "open incidents, most customers affected first",
    params: [TENANT, limit(20)],
    sql: ({ dialect: d, database: db }) => `SELECT
  incident_id, tenant, severity, status, title, root_cause, team, journeys,
  round(customers_affected_per_min, 1) AS customers_affected_per_min,
  alert_count, ${shown(d, "opened_at")},
  round((toInt64(toUnixTimestamp(now())) - toInt64(toUnixTimestamp(opened_at))) / 60, 1) AS open_minutes
FROM ${db}.incidents
WHERE status NOT IN ('resolved', 'merged') AND ${tenantFilter}
ORDER BY customers_affected_per_min DESC,
  multiIf(severity = 'critical', 0, severity = 'high', 1, severity = 'medium', 2, 3),
  ${ms(d, "opened_at")}, incident_id
LIMIT {limit:UInt32}`,
  },
  {
    name: "incident_timeline",
    summary: "everything that happened to one incident, in order",
    params: [{ name: "incident", type: "String", default: undefined, doc: "Incident id." }, TENANT],
    sql: ({ dialect: d, database: db }) => `SELECT
  ${shown(d, "ts")}, type, service, actor, status, severity, root_cause, detail, version
FROM ${db}.incident_events
WHERE incident_id = {incident:String} AND ${tenantFilter}
ORDER BY ${ms(d, "ts")}, version, type, service`,
  },
  {
    name: "mtta_mttr_by_team",
    summary: "mean time to acknowledge and to resolve, per team",
    params: [TENANT, days(30, "Incidents opened in the last this many days.")],
    sql: ({ dialect: d, database: db }) => `SELECT
  if(team = '', '(unrouted)', team) AS team,
  count() AS incidents,
  countIf(acknowledged_at IS NOT NULL) AS acknowledged,
  round(avgIf((${ms(d, "acknowledged_at")} - ${ms(d, "opened_at")}) / 60000, acknowledged_at IS NOT NULL), 2) AS mtta_minutes,
  countIf(resolved_at IS NOT NULL) AS resolved,
  round(avgIf((${ms(d, "resolved_at")} - ${ms(d, "opened_at")}) / 60000, resolved_at IS NOT NULL), 2) AS mttr_minutes,
  round(quantileExactIf(0.9)((${ms(d, "resolved_at")} - ${ms(d, "opened_at")}) / 60000, resolved_at IS NOT NULL), 2) AS mttr_p90_minutes
FROM ${db}.incidents
WHERE status != 'merged' AND ${since("opened_at")} AND ${tenantFilter}
GROUP BY team
ORDER BY incidents DESC, team`,
  },
  {
    name: "top_root_cause_services",
    summary: "services most often the root cause (default: this week)",
    params: [TENANT, days(7), limit(10)],
    sql: ({ database: db }) => `SELECT
  root_cause AS service,
  count() AS incidents,
  round(sum(customers_affected_per_min), 1) AS customers_affected_per_min,
  arraySort(groupUniqArray(team)) AS teams,
  max(opened_at) AS last_opened_at
FROM ${db}.incidents
WHERE root_cause != '' AND status != 'merged' AND ${since("opened_at")} AND ${tenantFilter}
GROUP BY root_cause
ORDER BY incidents DESC, customers_affected_per_min DESC, service
LIMIT {limit:UInt32}`,
  },
  {
    name: "noisiest_alert_sources",
    summary: "alert sources, services and alert names sending the most alerts (default: this week)",
    params: [TENANT, days(7), limit(20)],
    sql: ({ database: db }) => `SELECT
  source, service, name AS alert,
  count() AS alerts,
  countIf(status = 'firing') AS firing,
  uniqExact(fingerprint) AS fingerprints,
  max(ts) AS last_seen
FROM ${db}.events
WHERE kind = 'alert' AND ${since("ts")} AND ${tenantFilter}
GROUP BY source, service, alert
ORDER BY alerts DESC, source, service, alert
LIMIT {limit:UInt32}`,
  },
  {
    name: "journey_error_budget",
    summary: "journeys' success ratio, error budget remaining and burn rate",
    params: [
      TENANT,
      days(30, "SLO window in days."),
      {
        name: "short_hours",
        type: "UInt32",
        default: "1",
        doc: "Short burn-rate window in hours.",
      },
      {
        name: "target",
        type: "Float64",
        default: "0.999",
        doc: "SLO target for journeys without one in journey_impact.",
        check: ratio,
      },
    ],
    sql: ({ database: db }) => `SELECT
  journey, completed, failed, success_ratio,
  if(slo > 0 AND slo < 1, slo, {target:Float64}) AS slo_target,
  round(1 - (1 - success_ratio) / (1 - slo_target), 4) AS error_budget_remaining,
  round((1 - success_ratio) / (1 - slo_target), 3) AS burn_rate_window,
  round(if(short_total = 0, 0, short_failed / short_total) / (1 - slo_target), 3) AS burn_rate_short
FROM (
  SELECT
    journey,
    sumIf(count, status = 'completed') AS completed,
    sumIf(count, status = 'failed') AS failed,
    if(completed + failed = 0, 1, completed / (completed + failed)) AS success_ratio,
    sumIf(count, status IN ('completed', 'failed') AND ts >= now() - toIntervalHour({short_hours:UInt32})) AS short_total,
    sumIf(count, status = 'failed' AND ts >= now() - toIntervalHour({short_hours:UInt32})) AS short_failed
  FROM ${db}.events
  WHERE kind = 'journey_signal' AND ${since("ts")} AND ${tenantFilter}
  GROUP BY journey
) AS signals ANY LEFT JOIN (
  SELECT journey, argMax(slo_target, ts) AS slo
  FROM ${db}.journey_impact
  WHERE ${tenantFilter}
  GROUP BY journey
) AS targets USING journey
ORDER BY error_budget_remaining, journey`,
  },
  {
    name: "prediction_precision_lead_time",
    summary: "how often predictions came true, and how early",
    params: [TENANT, days(30, "Predictions made in the last this many days.")],
    sql: ({ dialect: d, database: db }) => {
      const lead = `(${ms(d, "breached_at")} - ${ms(d, "made_at")}) / 60000`;
      const cols = (kind: string, target: string) => `${kind} AS target_kind, ${target} AS target,
  count() AS predictions,
  countIf(outcome = 'breached') AS true_positives,
  countIf(outcome = 'not_breached') AS false_alarms,
  countIf(outcome = 'pending') AS pending,
  round(if(true_positives + false_alarms = 0, nan, true_positives / (true_positives + false_alarms)), 3) AS precision,
  round(if(true_positives = 0, nan, medianExactIf(${lead}, outcome = 'breached')), 1) AS median_lead_minutes,
  round(if(true_positives = 0, nan, minIf(${lead}, outcome = 'breached')), 1) AS min_lead_minutes`;
      const where = `WHERE ${since("made_at")} AND ${tenantFilter}`;
      return `SELECT * FROM (
SELECT ${cols("'(all)'", "''")}
FROM ${db}.predictions ${where}
UNION ALL
SELECT ${cols("target_kind", "target")}
FROM ${db}.predictions ${where}
GROUP BY target_kind, target
)
WHERE predictions > 0
ORDER BY target_kind = '(all)' DESC, predictions DESC, target_kind, target`;
    },
  },
  {
    name: "rejected_by_reason",
    summary: "rejected events per code and front end, with an example reason",
    params: [TENANT, days(7)],
    sql: ({ database: db }) => `SELECT
  code, front_end,
  count() AS rejected,
  uniqExact(source) AS sources,
  min(reason) AS example_reason,
  max(received_at) AS last_seen
FROM ${db}.rejected_events
WHERE ${since("received_at")} AND ${tenantFilter}
GROUP BY code, front_end
ORDER BY rejected DESC, code, front_end`,
  },
];

/** packQuery finds a pack query by name. */
export function packQuery(name: string): PackQuery | undefined {
  return QUERY_PACK.find((q) => q.name === name);
}
