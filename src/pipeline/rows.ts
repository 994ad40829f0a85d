// Conversions from API messages to sink rows.
import {
  AlertSeverity,
  AlertState,
  ChangeKind,
  type Event,
  FeedbackScale,
  HealthStatus,
  IncidentActionKind,
  JourneyOutcome,
  MetricKind,
} from "../gen/impactd/v1/event.js";
import { type Incident, IncidentSeverity, IncidentStatus } from "../gen/impactd/v1/incident.js";
import type { EventRow, IncidentRow, RejectionRow } from "../sinks/rows.js";

// Enum number -> lower-case name without the enum prefix, e.g. 3 -> "down".
function names(e: Record<string, string | number>, prefix: string): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(e)) {
    if (typeof v === "number" && v >= 0)
      out[v] = k.startsWith(prefix) ? k.slice(prefix.length).toLowerCase() : "";
  }
  return out;
}

const HEALTH = names(HealthStatus, "HEALTH_STATUS_");
const METRIC = names(MetricKind, "METRIC_KIND_");
const SEVERITY = names(AlertSeverity, "ALERT_SEVERITY_");
const ALERT_STATE = names(AlertState, "ALERT_STATE_");
const CHANGE = names(ChangeKind, "CHANGE_KIND_");
const OUTCOME = names(JourneyOutcome, "JOURNEY_OUTCOME_");
const SCALE = names(FeedbackScale, "FEEDBACK_SCALE_");
const ACTION = names(IncidentActionKind, "INCIDENT_ACTION_KIND_");
const INCIDENT_STATUS = names(IncidentStatus, "INCIDENT_STATUS_");
const INCIDENT_SEVERITY = names(IncidentSeverity, "INCIDENT_SEVERITY_");

/** KIND_NAMES maps Event.kind cases to the `events.kind` column values. */
export const KIND_NAMES = {
  healthCheck: "health_check",
  metric: "metric",
  alert: "alert",
  change: "change",
  journeySignal: "journey_signal",
  feedback: "feedback",
  deviceTelemetry: "device_telemetry",
  incidentAction: "incident_action",
} as const;

/** healthName renders a health state number as "ok", "degraded", "down". */
export function healthName(h: number): string {
  return HEALTH[h] || "unknown";
}

/** incidentStatusName renders an IncidentStatus as "open", "resolved", ... */
export function incidentStatusName(s: IncidentStatus): string {
  return INCIDENT_STATUS[s] || "unspecified";
}

/** incidentSeverityName renders an IncidentSeverity as "critical", "high", ... */
export function incidentSeverityName(s: IncidentSeverity): string {
  return INCIDENT_SEVERITY[s] || "unspecified";
}

/** eventRow flattens a validated event into an `events` row. */
export function eventRow(ev: Event, tenant: string, receivedAt: number, eventId: string): EventRow {
  const row: EventRow = {
    tenant,
    ts: ev.tsUnixMs,
    received_at: receivedAt,
    event_id: eventId,
    source: ev.source,
    kind: ev.kind === undefined ? "" : KIND_NAMES[ev.kind.$case],
    service: "",
    journey: "",
    step: "",
    status: "",
    metric: "",
    name: "",
    severity: "",
    fingerprint: "",
    value: 0,
    count: 0,
    scale: "",
    channel: "",
    device_id: "",
    version: "",
    text: "",
    labels: {},
  };
  const k = ev.kind;
  switch (k?.$case) {
    case "healthCheck":
      row.service = k.value.service;
      row.status = HEALTH[k.value.status] ?? "";
      row.text = k.value.message;
      break;
    case "metric":
      row.service = k.value.service;
      row.metric =
        k.value.metric === MetricKind.METRIC_KIND_CUSTOM
          ? k.value.customName
          : (METRIC[k.value.metric] ?? "");
      row.value = k.value.value;
      break;
    case "alert":
      row.service = k.value.service;
      row.name = k.value.name;
      row.severity = SEVERITY[k.value.severity] ?? "";
      row.status = ALERT_STATE[k.value.state] ?? "";
      row.fingerprint = k.value.fingerprint;
      row.text = k.value.summary;
      row.labels = k.value.labels;
      break;
    case "change":
      row.service = k.value.service;
      row.status = CHANGE[k.value.kind] ?? "";
      row.version = k.value.version;
      row.text = k.value.description;
      break;
    case "journeySignal":
      row.journey = k.value.journey;
      row.step = k.value.step;
      row.status = OUTCOME[k.value.outcome] ?? "";
      row.count = k.value.count === 0 ? 1 : k.value.count;
      row.value = row.count;
      break;
    case "feedback":
      row.journey = k.value.journey;
      row.value = k.value.score;
      row.scale = SCALE[k.value.scale] ?? "";
      row.channel = k.value.channel;
      row.text = k.value.text;
      break;
    case "deviceTelemetry":
      row.service = k.value.service;
      row.device_id = k.value.deviceId;
      row.metric =
        k.value.metric === MetricKind.METRIC_KIND_CUSTOM
          ? k.value.customName
          : (METRIC[k.value.metric] ?? "");
      row.value = k.value.value;
      break;
    case "incidentAction":
      // The incident goes in `name`, the actor in `channel`, the note in `text`.
      row.status = ACTION[k.value.action] ?? "";
      row.name = k.value.incidentId;
      row.channel = k.value.actor;
      row.text = k.value.note;
      break;
  }
  return row;
}

/** MAX_PAYLOAD is the longest payload excerpt stored with a rejection. */
export const MAX_PAYLOAD = 64 * 1024;

/** rejectionRow records why an event (or a whole payload) was refused. */
export function rejectionRow(args: {
  tenant: string;
  receivedAt: number;
  ts?: number | undefined;
  frontEnd: string;
  source: string;
  code: string;
  reason: string;
  eventId: string;
  payload: string;
}): RejectionRow {
  const tsOk =
    args.ts !== undefined &&
    Number.isSafeInteger(args.ts) &&
    args.ts > 0 &&
    args.ts < 4102444800000;
  return {
    tenant: args.tenant,
    received_at: args.receivedAt,
    ts: tsOk ? (args.ts as number) : null,
    front_end: args.frontEnd,
    source: args.source,
    code: args.code,
    reason: args.reason,
    event_id: args.eventId,
    payload: args.payload.length > MAX_PAYLOAD ? args.payload.slice(0, MAX_PAYLOAD) : args.payload,
  };
}

/** incidentRow renders one incident version for `incident_versions`. */
export function incidentRow(inc: Incident, writtenAt: number): IncidentRow {
  const top = inc.rootCauses[0];
  return {
    tenant: inc.tenant,
    incident_id: inc.id,
    version: inc.version,
    status: incidentStatusName(inc.status),
    severity: incidentSeverityName(inc.severity),
    title: inc.title,
    opened_at: inc.openedUnixMs,
    updated_at: inc.updatedUnixMs,
    acknowledged_at: inc.acknowledgedUnixMs || null,
    mitigated_at: inc.mitigatedUnixMs || null,
    resolved_at: inc.resolvedUnixMs || null,
    services: inc.services,
    root_cause: top?.service ?? "",
    root_cause_score: top?.score ?? 0,
    candidates: inc.rootCauses.map((c) => c.service),
    candidate_scores: inc.rootCauses.map((c) => c.score),
    candidate_reasons: inc.rootCauses.map((c) => c.reason),
    alert_count: inc.alertCount,
    team: inc.team,
    journeys: inc.journeys.map((j) => j.journey),
    customers_affected_per_min: inc.journeys.reduce((s, j) => s + j.customersAffectedPerMin, 0),
    written_at: writtenAt,
  };
}
