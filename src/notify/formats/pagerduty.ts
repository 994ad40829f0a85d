// PagerDuty Events API v2: trigger, acknowledge and resolve events with one
// dedup_key per incident, so PagerDuty keeps one alert per impactd incident.
import { IncidentSeverity } from "../../gen/impactd/v1/incident.js";
import { impactText, statusName } from "../describe.js";
import { incidentUrl, type Notice, rootCauseOf } from "./notice.js";

/** PAGERDUTY_SUMMARY_MAX is the Events API's limit on payload.summary. */
export const PAGERDUTY_SUMMARY_MAX = 1024;

/** PagerDutySeverity is the Events API's severity scale. */
export type PagerDutySeverity = "critical" | "error" | "warning" | "info";

/** PagerDutyEvent is one Events API v2 event. */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: "trigger" | "acknowledge" | "resolve";
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  client?: string;
  client_url?: string;
}

/** pagerdutySeverity maps impact severity to PagerDuty's scale (unknown impact: warning). */
export function pagerdutySeverity(s: IncidentSeverity): PagerDutySeverity {
  switch (s) {
    case IncidentSeverity.INCIDENT_SEVERITY_CRITICAL:
      return "critical";
    case IncidentSeverity.INCIDENT_SEVERITY_HIGH:
      return "error";
    case IncidentSeverity.INCIDENT_SEVERITY_LOW:
      return "info";
    default:
      return "warning";
  }
}

/** pagerdutyEvent renders a notice as an Events API v2 event (a payload only on trigger, where PagerDuty reads it). */
export function pagerdutyEvent(n: Notice): PagerDutyEvent {
  const d = n.draft;
  const inc = d.incident;
  const ev: PagerDutyEvent = {
    routing_key: d.target.routingKey,
    event_action: d.action,
    dedup_key: n.dedupKey,
  };
  if (d.action !== "trigger") return ev;
  const top = inc.rootCauses[0];
  const summary = `[${d.change}] ${inc.title}`;
  ev.payload = {
    summary:
      summary.length <= PAGERDUTY_SUMMARY_MAX
        ? summary
        : `${summary.slice(0, PAGERDUTY_SUMMARY_MAX - 1)}…`,
    source: rootCauseOf(n) || "impactd",
    severity: pagerdutySeverity(inc.severity),
    timestamp: new Date(inc.updatedUnixMs).toISOString(),
    component: top?.service ?? "",
    group: d.team,
    class: inc.failureKinds.join(",") || "incident",
    custom_details: {
      what_changed: d.what.join("; "),
      change: d.change,
      changes: d.changes,
      incident_id: inc.id,
      tenant: inc.tenant,
      status: statusName(inc.status),
      root_cause: top?.service ?? "",
      root_cause_reason: top?.reason ?? "",
      routing_reason: inc.routingReason,
      impact: impactText(inc),
      services: inc.services,
      paged: d.paged.map((p) => ({ tier: p.tier + 1, target: p.target, cause: p.cause })),
      incident_version: inc.version,
      notification_id: n.id,
    },
  };
  ev.client = "impactd";
  const url = incidentUrl(n);
  if (url !== "") ev.client_url = url;
  return ev;
}
