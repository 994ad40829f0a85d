// How the client commands print incidents: a table row each, or JSON in the
// API's own JSON mapping (so scripts see the same field names as grpcurl).

import { InvalidArgumentError } from "../../errors.js";
import { IncidentUpdate } from "../../gen/impactd/v1/api.js";
import {
  type Incident,
  Incident as IncidentMessage,
  IncidentSeverity,
  IncidentStatus,
} from "../../gen/impactd/v1/incident.js";
import { parseDuration } from "../../util/duration.js";

/** FORMATS are the output formats of the client commands. */
export const FORMATS = ["table", "json"] as const;

/** statusName is "open", "acknowledged", ... */
export function statusName(s: IncidentStatus): string {
  return (IncidentStatus[s] ?? String(s)).replace("INCIDENT_STATUS_", "").toLowerCase();
}

/** severityName is "critical", "high", ... */
export function severityName(s: IncidentSeverity): string {
  return (IncidentSeverity[s] ?? String(s)).replace("INCIDENT_SEVERITY_", "").toLowerCase();
}

function time(ms: number): string {
  return ms === 0 ? "" : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** row is an incident as one table row. */
export function row(i: Incident): Record<string, unknown> {
  return {
    id: i.id,
    status: statusName(i.status),
    severity: severityName(i.severity),
    opened: time(i.openedUnixMs),
    root_cause: i.rootCauses[0]?.service ?? "",
    services: i.services.length,
    title: i.title,
  };
}

/** incidentJson is the API's JSON form of an incident. */
export function incidentJson(i: Incident): unknown {
  return IncidentMessage.toJSON(i);
}

/** updateJson is the API's JSON form of an update (one line per update when watching). */
export function updateJson(u: IncidentUpdate): string {
  return JSON.stringify(IncidentUpdate.toJSON(u));
}

/** updateLine is an update as one human-readable line. */
export function updateLine(u: IncidentUpdate): string {
  if (u.incident === undefined)
    return `#${u.sequence} resync: the server no longer had the updates after the cursor; current open incidents follow`;
  const i = u.incident;
  const cause = i.rootCauses[0]?.service;
  return [
    `#${u.sequence}`,
    i.id,
    statusName(i.status),
    severityName(i.severity),
    `[${u.changes.join(",")}]`,
    cause === undefined ? "" : `root cause ${cause}`,
    i.title,
  ]
    .filter((s) => s !== "")
    .join(" ");
}

function enumList<T extends number>(
  text: string | undefined,
  flag: string,
  e: Record<string, string | number>,
  prefix: string,
): T[] {
  if (text === undefined) return [];
  return text.split(",").map((part) => {
    const v = e[`${prefix}${part.trim().toUpperCase()}`];
    if (typeof v !== "number" || v === 0) {
      const names = Object.keys(e)
        .filter((k) => k.startsWith(prefix) && !k.endsWith("UNSPECIFIED"))
        .map((k) => k.slice(prefix.length).toLowerCase());
      throw new InvalidArgumentError(
        `--${flag} ${JSON.stringify(part)}: expected ${names.join(", ")}`,
      );
    }
    return v as T;
  });
}

/** parseStatuses reads "--status open,acknowledged". */
export function parseStatuses(text: string | undefined): IncidentStatus[] {
  return enumList(text, "status", IncidentStatus, "INCIDENT_STATUS_");
}

/** parseSeverities reads "--severity critical,high". */
export function parseSeverities(text: string | undefined): IncidentSeverity[] {
  return enumList(text, "severity", IncidentSeverity, "INCIDENT_SEVERITY_");
}

/** parseTime reads "2h" (ago), an ISO date or epoch ms; 0 when absent. */
export function parseTime(text: string | undefined, flag: string, now = Date.now()): number {
  if (text === undefined) return 0;
  if (/^\d{10,}$/.test(text)) return Number(text);
  const iso = Date.parse(text);
  if (/^\d{4}-/.test(text) && !Number.isNaN(iso)) return iso;
  try {
    return now - parseDuration(text, `--${flag}`);
  } catch {
    throw new InvalidArgumentError(
      `--${flag} ${JSON.stringify(text)}: expected a duration ago (2h), an ISO time or epoch ms`,
    );
  }
}
