// The JSON message published on a team's NATS subject: the change, who is
// paged, and the incident version itself (impactd.v1.Incident as JSON).
import { Incident } from "../../gen/impactd/v1/incident.js";
import { impactText, severityName, statusName } from "../describe.js";
import type { Notice } from "./notice.js";

/** NatsNotification is the body of a NATS notification. */
export interface NatsNotification {
  notification_id: string;
  dedup_key: string;
  tenant: string;
  incident_id: string;
  incident_version: number;
  change: string;
  changes: string[];
  what_changed: string;
  action: string;
  team: string;
  paged: { tier: number; target: string; channel: string; cause: string }[];
  status: string;
  severity: string;
  title: string;
  root_cause: string;
  impact: string;
  incident: unknown;
}

/** natsMessage renders a notice as the JSON published on NATS. */
export function natsMessage(n: Notice): NatsNotification {
  const d = n.draft;
  const inc = d.incident;
  return {
    notification_id: n.id,
    dedup_key: n.dedupKey,
    tenant: inc.tenant,
    incident_id: inc.id,
    incident_version: inc.version,
    change: d.change,
    changes: d.changes,
    what_changed: d.what.join("; "),
    action: d.action,
    team: d.team,
    paged: d.paged.map((p) => ({
      tier: p.tier + 1,
      target: p.target,
      channel: p.channel,
      cause: p.cause,
    })),
    status: statusName(inc.status),
    severity: severityName(inc.severity),
    title: inc.title,
    root_cause: inc.rootCauses[0]?.service ?? "",
    impact: impactText(inc),
    incident: Incident.toJSON(inc),
  };
}
