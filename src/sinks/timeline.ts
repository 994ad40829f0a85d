// Rows for the incident timeline (`incident_events`), the service health
// series (`service_health`) and `predictions`, built from what the pipeline
// already has: an incident snapshot with the names of what changed since the
// last one, the core's health decisions, and its predictions as made and as
// scored.
import { type Incident, type Prediction, PredictionOutcome } from "../gen/impactd/v1/incident.js";
import { healthName, incidentSeverityName, incidentStatusName } from "../pipeline/rows.js";
import type { IncidentEventRow, PredictionRow, ServiceHealthRow } from "./rows.js";

/**
 * INCIDENT_EVENT_TYPES are the timeline entry types the incident tracker
 * reports today (IncidentState.changes); others pass through unchanged.
 */
export const INCIDENT_EVENT_TYPES = [
  "opened",
  "member_added",
  "member_left",
  "member_health",
  "root_cause_changed",
  "severity_raised",
  "impact",
  "experience",
  "routed",
  "rerouted",
  "paged",
  "escalated",
  "acknowledged",
  "mitigated",
  "merged",
  "resolved",
  "reopened",
  "reactivated",
] as const;

/** HealthChange is the part of a core health output a service_health row needs. */
export interface HealthChange {
  ts: number;
  service: string;
  health: number;
  previous: number;
  errorRate: number;
  latencyMs: number;
}

function finite(v: number): number {
  return Number.isFinite(v) ? v : 0;
}

/** serviceHealthRow renders one health change of a tenant's service. */
export function serviceHealthRow(
  tenant: string,
  h: HealthChange,
  writtenAt: number,
): ServiceHealthRow {
  return {
    tenant,
    service: h.service,
    ts: h.ts,
    health: healthName(h.health),
    previous: healthName(h.previous),
    error_rate: finite(h.errorRate),
    latency_ms: finite(h.latencyMs),
    anomaly_score: 0,
    incident_id: "",
    written_at: writtenAt,
  };
}

/**
 * incidentEventRows renders one timeline row per change name of a published
 * incident version (the names IncidentState.changes collects). Unknown names
 * are kept as they are, so new change kinds reach the timeline unchanged.
 */
export function incidentEventRows(
  inc: Incident,
  changes: readonly string[],
  writtenAt: number,
): IncidentEventRow[] {
  const top = inc.rootCauses[0];
  const base = {
    tenant: inc.tenant,
    incident_id: inc.id,
    version: inc.version,
    status: incidentStatusName(inc.status),
    severity: incidentSeverityName(inc.severity),
    root_cause: top?.service ?? "",
    written_at: writtenAt,
  };
  return changes.map((type): IncidentEventRow => {
    let ts = inc.updatedUnixMs;
    let service = "";
    let actor = "";
    let detail = "";
    switch (type) {
      case "opened":
        ts = inc.openedUnixMs;
        service = inc.services[0] ?? top?.service ?? "";
        detail = inc.title;
        break;
      case "member_added":
        service = inc.services.at(-1) ?? "";
        detail = `members: ${inc.services.join(", ")}`;
        break;
      case "root_cause_changed":
        service = top?.service ?? "";
        detail =
          top === undefined ? "" : `${top.service} (score ${top.score.toFixed(3)}): ${top.reason}`;
        break;
      case "severity_raised":
        detail = `severity ${base.severity}`;
        break;
      case "routed":
      case "rerouted":
        detail =
          inc.routingReason === "" ? `to ${inc.team}` : `to ${inc.team}: ${inc.routingReason}`;
        break;
      case "paged":
      case "escalated": {
        const page = inc.pages.at(-1);
        if (page !== undefined) {
          ts = page.atUnixMs || ts;
          detail = `tier ${page.tier} of ${page.team}: ${page.target} via ${page.channel} (${page.cause})`;
        }
        break;
      }
      case "mitigated":
        ts = inc.mitigatedUnixMs || ts;
        break;
      case "merged":
        detail = `merged into ${inc.mergedInto}`;
        break;
      case "acknowledged":
        ts = inc.acknowledgedUnixMs || ts;
        actor = inc.acknowledgedBy;
        break;
      case "resolved":
        ts = inc.resolvedUnixMs || ts;
        actor = inc.resolvedBy;
        break;
    }
    return { ...base, ts, type, service, actor, detail };
  });
}

/**
 * predictionRow renders a prediction as made (version 1, outcome pending) or
 * as scored (version 2, breached or not_breached).
 */
export function predictionRow(p: Prediction, writtenAt: number): PredictionRow {
  const scored = p.outcome !== PredictionOutcome.PREDICTION_OUTCOME_PENDING;
  const hit = p.outcome === PredictionOutcome.PREDICTION_OUTCOME_HIT;
  const breach = p.predictedBreachUnixMs > 0 ? p.predictedBreachUnixMs : null;
  return {
    tenant: p.tenant,
    prediction_id: p.id,
    version: scored ? 2 : 1,
    made_at: p.issuedUnixMs,
    target_kind: p.targetKind,
    target: p.target,
    signal: "",
    horizon_s: breach === null ? 0 : Math.max(0, Math.round((breach - p.issuedUnixMs) / 1000)),
    predicted_breach_at: breach,
    level: finite(p.level),
    predicted_value: finite(p.forecast),
    threshold: finite(p.threshold),
    predicted_customers_affected_per_min: finite(p.predictedCustomersAffectedPerMin),
    outcome: !scored ? "pending" : hit ? "breached" : "not_breached",
    breached_at: hit && p.actualBreachUnixMs > 0 ? p.actualBreachUnixMs : null,
    scored_at: hit && p.actualBreachUnixMs > 0 ? p.actualBreachUnixMs : null,
    incident_id: "",
    written_at: writtenAt,
  };
}
