// SRE queries about routing, escalation and notifications: named, documented
// (docs/ROUTING.md), inputs only as bound `{name:Type}` parameters. They read
// the `incidents` view and the notifier's `notifications` view; shaped like
// the query pack's entries so they can join it as they are.

/** RoutingQueryParam is one parameter of a query. */
export interface RoutingQueryParam {
  readonly name: string;
  /** ClickHouse type of the placeholder. */
  readonly type: string;
  /** Value when not given. */
  readonly default: string;
  readonly doc: string;
}

/** RoutingQuery is one named query. */
export interface RoutingQuery {
  readonly name: string;
  readonly summary: string;
  readonly params: readonly RoutingQueryParam[];
  readonly sql: string;
}

const TENANT: RoutingQueryParam = {
  name: "tenant",
  type: "String",
  default: "",
  doc: "Only this tenant (empty: all tenants).",
};
const tenantFilter = "({tenant:String} = '' OR tenant = {tenant:String})";
const days = (n: number, doc: string): RoutingQueryParam => ({
  name: "days",
  type: "UInt32",
  default: String(n),
  doc,
});
const msOf = (col: string) => `toUnixTimestamp64Milli(assumeNotNull(${col}))`;

// One row per page a notification delivered: (incident, team, tier).
const pages = (since: string) => `SELECT tenant, incident_id, team, ts, arrayJoin(tiers) AS tier
  FROM notifications
  WHERE status != 'superseded' AND ${since} AND ${tenantFilter}`;

/** ROUTING_QUERIES lists the routing and notification queries, in docs order. */
export const ROUTING_QUERIES: readonly RoutingQuery[] = [
  {
    name: "mtta_mttr_by_team",
    summary: "mean time to acknowledge and to resolve, per team (event time)",
    params: [TENANT, days(30, "Incidents opened in the last this many days.")],
    sql: `SELECT
  if(team = '', '(unrouted)', team) AS team,
  count() AS incidents,
  countIf(acknowledged_at IS NOT NULL) AS acknowledged,
  round(avgIf((${msOf("acknowledged_at")} - toUnixTimestamp64Milli(opened_at)) / 60000, acknowledged_at IS NOT NULL), 2) AS mtta_minutes,
  countIf(resolved_at IS NOT NULL) AS resolved,
  round(avgIf((${msOf("resolved_at")} - toUnixTimestamp64Milli(opened_at)) / 60000, resolved_at IS NOT NULL), 2) AS mttr_minutes
FROM incidents
WHERE status != 'merged' AND opened_at >= now() - toIntervalDay({days:UInt32}) AND ${tenantFilter}
GROUP BY team
ORDER BY incidents DESC, team`,
  },
  {
    name: "escalations_by_team",
    summary:
      "incidents paged, incidents escalated past tier 1, and the deepest tier reached, per team",
    params: [TENANT, days(30, "Pages sent in the last this many days.")],
    sql: `SELECT
  team,
  uniqExact(tenant, incident_id) AS incidents_paged,
  uniqExactIf(tenant, incident_id, tier > 0) AS incidents_escalated,
  uniqExactIf(tenant, incident_id, tier, tier > 0) AS escalations,
  max(tier) + 1 AS deepest_tier
FROM (${pages("ts >= now() - toIntervalDay({days:UInt32})")})
GROUP BY team
ORDER BY escalations DESC, incidents_paged DESC, team`,
  },
  {
    name: "pages_per_week",
    summary: "pages (a tier of a policy paged for an incident) per ISO week and team",
    params: [
      TENANT,
      { name: "weeks", type: "UInt32", default: "12", doc: "Look back this many weeks." },
    ],
    sql: `SELECT
  toStartOfWeek(ts, 1) AS week,
  team,
  uniqExact(tenant, incident_id, tier) AS pages,
  uniqExact(tenant, incident_id) AS incidents,
  uniqExactIf(tenant, incident_id, tier, tier > 0) AS escalations
FROM (${pages("ts >= now() - toIntervalWeek({weeks:UInt32})")})
GROUP BY week, team
ORDER BY week DESC, pages DESC, team`,
  },
  {
    name: "notification_delivery",
    summary:
      "delivery health per team and target: delivered, failed, pending, attempts, delay, last error",
    params: [TENANT, days(7, "Notifications created in the last this many days.")],
    sql: `SELECT
  team, target, kind,
  count() AS notifications,
  countIf(status = 'delivered') AS delivered,
  countIf(status = 'failed') AS failed,
  countIf(status = 'pending') AS pending,
  round(avg(attempts), 2) AS avg_attempts,
  round(quantileExactIf(0.95)((${msOf("delivered_at")} - toUnixTimestamp64Milli(created_at)) / 1000, delivered_at IS NOT NULL), 3) AS p95_delivery_seconds,
  argMaxIf(last_error, created_at, last_error != '') AS last_error
FROM notifications
WHERE created_at >= now() - toIntervalDay({days:UInt32}) AND ${tenantFilter}
GROUP BY team, target, kind
ORDER BY failed DESC, pending DESC, team, target`,
  },
  {
    name: "routing_accuracy",
    summary:
      "routing accuracy of `impactd eval` runs (share of faults routed first to the root cause's owner)",
    params: [{ name: "limit", type: "UInt32", default: "20", doc: "Most runs returned." }],
    sql: `SELECT
  created_at,
  JSONExtract(report, 'routing_accuracy', 'Nullable(Float64)') AS routing_accuracy,
  JSONExtract(report, 'unrouted_incidents', 'Nullable(UInt64)') AS unrouted_incidents,
  JSONExtract(report, 'cases', 'Nullable(UInt64)') AS cases
FROM eval_reports
ORDER BY created_at DESC
LIMIT {limit:UInt32}`,
  },
];

/** routingQuery finds a query by name. */
export function routingQuery(name: string): RoutingQuery | undefined {
  return ROUTING_QUERIES.find((q) => q.name === name);
}

/** routingQueryParams merges given values over a query's defaults. */
export function routingQueryParams(
  q: RoutingQuery,
  given: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of q.params) out[p.name] = given[p.name] ?? p.default;
  return out;
}
