// Alertmanager webhook payload, version 4 (the body Alertmanager POSTs to a
// webhook_config receiver): one alert per notification, identified by the
// incident, so any tool that consumes Alertmanager webhooks can take
// impactd's incidents with no change.
import { impactText, severityName, statusName } from "../describe.js";
import { incidentUrl, type Notice, rootCauseOf } from "./notice.js";

/** ALERTNAME is the alertname label of every impactd notification. */
export const ALERTNAME = "ImpactdIncident";
/** ZERO_TIME is how Alertmanager writes the endsAt of a firing alert. */
export const ZERO_TIME = "0001-01-01T00:00:00Z";

/** AlertmanagerAlert is one alert of a webhook payload. */
export interface AlertmanagerAlert {
  status: "firing" | "resolved";
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** AlertmanagerWebhook is the webhook body, version 4. */
export interface AlertmanagerWebhook {
  version: "4";
  groupKey: string;
  truncatedAlerts: number;
  status: "firing" | "resolved";
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}

/** alertmanagerPayload renders a notice as an Alertmanager webhook v4 body. */
export function alertmanagerPayload(n: Notice): AlertmanagerWebhook {
  const d = n.draft;
  const inc = d.incident;
  const status = d.action === "resolve" ? "resolved" : "firing";
  const top = inc.rootCauses[0];
  const labels: Record<string, string> = {
    alertname: ALERTNAME,
    incident_id: inc.id,
    tenant: inc.tenant,
    team: d.team,
    service: rootCauseOf(n),
    severity: severityName(inc.severity),
  };
  const annotations: Record<string, string> = {
    summary: inc.title,
    description: d.what.join("; "),
    change: d.change,
    changes: d.changes.join(","),
    root_cause: top?.service ?? "",
    root_cause_reason: top?.reason ?? "",
    impact: impactText(inc),
    routing_reason: inc.routingReason,
    paged: d.paged.map((p) => `${p.target} (tier ${p.tier + 1})`).join(", "),
    incident_status: statusName(inc.status),
    incident_version: String(inc.version),
    notification_id: n.id,
    dedup_key: n.dedupKey,
  };
  const ended = inc.resolvedUnixMs || inc.updatedUnixMs;
  const alert: AlertmanagerAlert = {
    status,
    labels,
    annotations,
    startsAt: new Date(inc.openedUnixMs).toISOString(),
    endsAt: status === "resolved" ? new Date(ended).toISOString() : ZERO_TIME,
    generatorURL: incidentUrl(n),
    fingerprint: n.fingerprint,
  };
  const groupLabels = { incident_id: inc.id, tenant: inc.tenant };
  return {
    version: "4",
    groupKey: `{}:{incident_id=${JSON.stringify(inc.id)}, tenant=${JSON.stringify(inc.tenant)}}`,
    truncatedAlerts: 0,
    status,
    receiver: `${d.team}/${d.target.name}`,
    groupLabels,
    commonLabels: { ...labels },
    commonAnnotations: { ...annotations },
    externalURL: n.externalUrl,
    alerts: [alert],
  };
}
