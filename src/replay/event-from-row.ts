// The inverse of eventRow (src/pipeline/rows.ts): rebuilds the impactd.v1
// Event an `events` row was made from, so stored raw events can run through
// the core again. Lossless for every event the validator accepts, with two
// documented exceptions (docs/SCHEMA.md, "Replay"): a custom metric whose name
// equals a standard one comes back as that standard metric, and a journey
// signal count of 0 (which eventRow stores as 1) comes back as 1.
import { ImpactdError } from "../errors.js";
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
import type { EventRow } from "../sinks/rows.js";

/** ReplayError reports a stored row that cannot become an event again. */
export class ReplayError extends ImpactdError {
  constructor(message: string) {
    super("REPLAY_ERROR", message);
  }
}

// Lower-case name without the enum prefix -> enum number, the inverse of the
// names eventRow writes ("down" -> HEALTH_STATUS_DOWN).
function byName(e: Record<string, string | number>, prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of Object.entries(e)) {
    if (typeof v === "number" && v >= 0 && k.startsWith(prefix)) {
      out.set(k.slice(prefix.length).toLowerCase(), v);
    }
  }
  return out;
}

const HEALTH = byName(HealthStatus, "HEALTH_STATUS_");
const METRIC = byName(MetricKind, "METRIC_KIND_");
const SEVERITY = byName(AlertSeverity, "ALERT_SEVERITY_");
const ALERT_STATE = byName(AlertState, "ALERT_STATE_");
const CHANGE = byName(ChangeKind, "CHANGE_KIND_");
const OUTCOME = byName(JourneyOutcome, "JOURNEY_OUTCOME_");
const SCALE = byName(FeedbackScale, "FEEDBACK_SCALE_");
const ACTION = byName(IncidentActionKind, "INCIDENT_ACTION_KIND_");

function num(map: Map<string, number>, name: string): number {
  return map.get(name) ?? 0;
}

// A stored metric name is a standard kind's name or a custom metric's own.
function metricOf(name: string): { metric: number; customName: string } {
  const standard = METRIC.get(name);
  if (standard !== undefined && standard !== MetricKind.METRIC_KIND_CUSTOM && name !== "") {
    return { metric: standard, customName: "" };
  }
  return name === ""
    ? { metric: MetricKind.METRIC_KIND_UNSPECIFIED, customName: "" }
    : { metric: MetricKind.METRIC_KIND_CUSTOM, customName: name };
}

/** eventFromRow rebuilds the event an `events` row stores. Throws ReplayError for an unknown kind. */
export function eventFromRow(row: EventRow): Event {
  const base = { tsUnixMs: row.ts, source: row.source, tenant: row.tenant, id: row.event_id };
  switch (row.kind) {
    case "health_check":
      return {
        ...base,
        kind: {
          $case: "healthCheck",
          value: { service: row.service, status: num(HEALTH, row.status), message: row.text },
        },
      };
    case "metric":
      return {
        ...base,
        kind: {
          $case: "metric",
          value: { service: row.service, ...metricOf(row.metric), value: row.value },
        },
      };
    case "alert":
      return {
        ...base,
        kind: {
          $case: "alert",
          value: {
            service: row.service,
            name: row.name,
            severity: num(SEVERITY, row.severity),
            labels: { ...row.labels },
            state: num(ALERT_STATE, row.status),
            fingerprint: row.fingerprint,
            summary: row.text,
          },
        },
      };
    case "change":
      return {
        ...base,
        kind: {
          $case: "change",
          value: {
            service: row.service,
            kind: num(CHANGE, row.status),
            version: row.version,
            description: row.text,
          },
        },
      };
    case "journey_signal":
      return {
        ...base,
        kind: {
          $case: "journeySignal",
          value: {
            journey: row.journey,
            step: row.step,
            outcome: num(OUTCOME, row.status),
            count: row.count,
          },
        },
      };
    case "feedback":
      return {
        ...base,
        kind: {
          $case: "feedback",
          value: {
            journey: row.journey,
            score: row.value,
            scale: num(SCALE, row.scale),
            channel: row.channel,
            text: row.text,
          },
        },
      };
    case "device_telemetry":
      return {
        ...base,
        kind: {
          $case: "deviceTelemetry",
          value: {
            deviceId: row.device_id,
            service: row.service,
            ...metricOf(row.metric),
            value: row.value,
          },
        },
      };
    case "incident_action":
      return {
        ...base,
        kind: {
          $case: "incidentAction",
          value: {
            incidentId: row.name,
            action: num(ACTION, row.status),
            actor: row.channel,
            note: row.text,
          },
        },
      };
    default:
      throw new ReplayError(
        `event ${row.event_id || "(no id)"} at ${row.ts} has unknown kind ${JSON.stringify(row.kind)}`,
      );
  }
}
