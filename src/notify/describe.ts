// Human-readable pieces of a notification: severity names, impact, pages.
import {
  type Incident,
  IncidentSeverity,
  IncidentStatus,
  type Page,
} from "../gen/impactd/v1/incident.js";

const SEVERITY: Record<number, string> = {
  [IncidentSeverity.INCIDENT_SEVERITY_CRITICAL]: "critical",
  [IncidentSeverity.INCIDENT_SEVERITY_HIGH]: "high",
  [IncidentSeverity.INCIDENT_SEVERITY_MEDIUM]: "medium",
  [IncidentSeverity.INCIDENT_SEVERITY_LOW]: "low",
};
const STATUS: Record<number, string> = {
  [IncidentStatus.INCIDENT_STATUS_OPEN]: "open",
  [IncidentStatus.INCIDENT_STATUS_ACKNOWLEDGED]: "acknowledged",
  [IncidentStatus.INCIDENT_STATUS_MITIGATED]: "mitigated",
  [IncidentStatus.INCIDENT_STATUS_RESOLVED]: "resolved",
  [IncidentStatus.INCIDENT_STATUS_MERGED]: "merged",
};

/** severityName renders a severity as critical, high, medium, low or unknown. */
export function severityName(s: IncidentSeverity): string {
  return SEVERITY[s] ?? "unknown";
}

/** severityFromName reads severityName's output back. */
export function severityFromName(name: string): IncidentSeverity {
  for (const [k, v] of Object.entries(SEVERITY)) if (v === name) return Number(k);
  return IncidentSeverity.INCIDENT_SEVERITY_UNSPECIFIED;
}

/** statusName renders an incident status as open, acknowledged, ... */
export function statusName(s: IncidentStatus): string {
  return STATUS[s] ?? "unspecified";
}

/** statusFromName reads statusName's output back. */
export function statusFromName(name: string): IncidentStatus {
  for (const [k, v] of Object.entries(STATUS)) if (v === name) return Number(k);
  return IncidentStatus.INCIDENT_STATUS_UNSPECIFIED;
}

/** isWorse tells whether severity `a` is worse than `b` (unknown is the mildest). */
export function isWorse(a: IncidentSeverity, b: IncidentSeverity): boolean {
  if (a === IncidentSeverity.INCIDENT_SEVERITY_UNSPECIFIED) return false;
  return b === IncidentSeverity.INCIDENT_SEVERITY_UNSPECIFIED || a < b;
}

/** customersPerMin is the incident's current customers affected a minute, over every journey. */
export function customersPerMin(inc: Incident): number {
  return inc.journeys.reduce((s, j) => s + j.customersAffectedPerMin, 0);
}

/** impactText says which journeys lose how many customers a minute, or that none do. */
export function impactText(inc: Incident): string {
  const hit = inc.journeys.filter((j) => j.customersAffectedPerMin >= 0.5);
  if (hit.length === 0) return "no customer journey impact measured";
  const parts = hit.map((j) => `${j.journey} ${Math.round(j.customersAffectedPerMin)}/min`);
  return `${Math.round(customersPerMin(inc))} customers/min affected (${parts.join(", ")})`;
}

/** pageText renders a page as "tier 2 (@payments-secondary): customer impact". */
export function pageText(p: Page): string {
  return `tier ${p.tier + 1} (${p.target}): ${p.cause}`;
}

/** minutes renders a duration in ms as whole minutes. */
export function minutes(ms: number): string {
  const m = Math.max(0, Math.round(ms / 60_000));
  return `${m} min`;
}
