// OTLP log records that name an event (`event_name`, or the older
// `event.name` attribute) become impactd's typed kinds, so an OpenTelemetry
// SDK alone can send deploys, feedback, journey steps, probes and incident
// actions. The attributes each event reads are listed in docs/INGEST.md.
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
} from "../../gen/impactd/v1/event.js";
import type { Attributes } from "./attributes.js";

/** EventProblem is why an event log record could not be mapped. */
export interface EventProblem {
  code: "MISSING_FIELD" | "INVALID_ENUM" | "INVALID_VALUE";
  reason: string;
}

/** EventInput is what a mapping reads from one log record. */
export interface EventInput {
  name: string;
  attrs: Attributes;
  /** Resource service.name (may be undefined). */
  resourceService: string | undefined;
  /** Resource service.version (may be undefined). */
  resourceVersion: string | undefined;
  body: string;
}

type Kind = NonNullable<Event["kind"]>;
type Mapping = (e: EventInput) => Kind | EventProblem;

function missing(event: string, attr: string): EventProblem {
  return {
    code: "MISSING_FIELD",
    reason: `event ${event} needs the attribute ${attr}`,
  };
}

function pick<T>(
  event: string,
  attr: string,
  value: string | undefined,
  table: Record<string, T>,
): T | EventProblem {
  if (value === undefined) return missing(event, attr);
  const v = table[value.toLowerCase()];
  if (v === undefined) {
    return {
      code: "INVALID_ENUM",
      reason: `event ${event}: ${attr} ${JSON.stringify(value.slice(0, 64))} is not one of ${Object.keys(table).join(", ")}`,
    };
  }
  return v;
}

function isProblem(v: unknown): v is EventProblem {
  return typeof v === "object" && v !== null && "reason" in v && "code" in v;
}

function service(e: EventInput): string | EventProblem {
  return e.attrs.string("service.name") ?? e.resourceService ?? missing(e.name, "service.name");
}

function numberAttr(e: EventInput, attr: string): number | EventProblem {
  const v = e.attrs.number(attr);
  if (v === undefined) return missing(e.name, attr);
  if (!Number.isFinite(v))
    return { code: "INVALID_VALUE", reason: `event ${e.name}: ${attr} is not a finite number` };
  return v;
}

const CHANGE_KINDS: Record<string, ChangeKind> = {
  deploy: ChangeKind.CHANGE_KIND_DEPLOY,
  config: ChangeKind.CHANGE_KIND_CONFIG,
  scale: ChangeKind.CHANGE_KIND_SCALE,
  flag: ChangeKind.CHANGE_KIND_FLAG,
};
const HEALTH: Record<string, HealthStatus> = {
  ok: HealthStatus.HEALTH_STATUS_OK,
  degraded: HealthStatus.HEALTH_STATUS_DEGRADED,
  down: HealthStatus.HEALTH_STATUS_DOWN,
};
const SCALES: Record<string, FeedbackScale> = {
  nps: FeedbackScale.FEEDBACK_SCALE_NPS,
  csat: FeedbackScale.FEEDBACK_SCALE_CSAT,
};
const OUTCOMES: Record<string, JourneyOutcome> = {
  started: JourneyOutcome.JOURNEY_OUTCOME_STARTED,
  completed: JourneyOutcome.JOURNEY_OUTCOME_COMPLETED,
  abandoned: JourneyOutcome.JOURNEY_OUTCOME_ABANDONED,
  failed: JourneyOutcome.JOURNEY_OUTCOME_FAILED,
};
const ALERT_STATES: Record<string, AlertState> = {
  firing: AlertState.ALERT_STATE_FIRING,
  resolved: AlertState.ALERT_STATE_RESOLVED,
};
/** SEVERITIES maps severity words (alert labels, PagerDuty) to AlertSeverity. */
export const SEVERITIES: Record<string, AlertSeverity> = {
  info: AlertSeverity.ALERT_SEVERITY_INFO,
  warning: AlertSeverity.ALERT_SEVERITY_WARNING,
  error: AlertSeverity.ALERT_SEVERITY_ERROR,
  critical: AlertSeverity.ALERT_SEVERITY_CRITICAL,
};
const METRICS: Record<string, MetricKind> = {
  error_rate: MetricKind.METRIC_KIND_ERROR_RATE,
  latency_p99_ms: MetricKind.METRIC_KIND_LATENCY_P99_MS,
  saturation: MetricKind.METRIC_KIND_SATURATION,
  throughput: MetricKind.METRIC_KIND_THROUGHPUT,
};

function change(kind: ChangeKind | undefined): Mapping {
  return (e) => {
    const svc = service(e);
    if (isProblem(svc)) return svc;
    const k = kind ?? pick(e.name, "change.kind", e.attrs.string("change.kind"), CHANGE_KINDS);
    if (isProblem(k)) return k;
    return {
      $case: "change",
      value: {
        service: svc,
        kind: k,
        version:
          e.attrs.first("service.version", "deployment.version", "change.version") ??
          e.resourceVersion ??
          "",
        description: e.body,
      },
    };
  };
}

function action(kind: IncidentActionKind): Mapping {
  return (e) => {
    const incidentId = e.attrs.string("incident.id");
    if (incidentId === undefined) return missing(e.name, "incident.id");
    const actor = e.attrs.first("incident.actor", "user.id", "enduser.id");
    if (actor === undefined) return missing(e.name, "incident.actor");
    return { $case: "incidentAction", value: { incidentId, action: kind, actor, note: e.body } };
  };
}

/** EVENT_MAPPINGS maps event names to the impactd kind they produce. */
export const EVENT_MAPPINGS: ReadonlyMap<string, Mapping> = new Map<string, Mapping>([
  ["deploy", change(ChangeKind.CHANGE_KIND_DEPLOY)],
  ["change", change(undefined)],
  [
    "health_check",
    (e) => {
      const svc = service(e);
      if (isProblem(svc)) return svc;
      const status = pick(e.name, "health.status", e.attrs.string("health.status"), HEALTH);
      if (isProblem(status)) return status;
      return { $case: "healthCheck", value: { service: svc, status, message: e.body } };
    },
  ],
  [
    "feedback",
    (e) => {
      const journey = e.attrs.string("journey.name");
      if (journey === undefined) return missing(e.name, "journey.name");
      const score = numberAttr(e, "feedback.score");
      if (isProblem(score)) return score;
      const scale = pick(e.name, "feedback.scale", e.attrs.string("feedback.scale"), SCALES);
      if (isProblem(scale)) return scale;
      const channel = e.attrs.string("feedback.channel") ?? "";
      return { $case: "feedback", value: { journey, score, scale, channel, text: e.body } };
    },
  ],
  [
    "journey.step",
    (e) => {
      const journey = e.attrs.string("journey.name");
      if (journey === undefined) return missing(e.name, "journey.name");
      const outcome = pick(e.name, "journey.outcome", e.attrs.string("journey.outcome"), OUTCOMES);
      if (isProblem(outcome)) return outcome;
      const count = e.attrs.number("journey.count") ?? 1;
      if (!Number.isInteger(count) || count < 1 || count > 1e9)
        return {
          code: "INVALID_VALUE",
          reason: `event ${e.name}: journey.count ${count} is not an integer in [1, 1e9]`,
        };
      const step = e.attrs.string("journey.step") ?? "";
      return { $case: "journeySignal", value: { journey, step, outcome, count } };
    },
  ],
  [
    "alert",
    (e) => {
      const svc = service(e);
      if (isProblem(svc)) return svc;
      const name = e.attrs.string("alert.name");
      if (name === undefined) return missing(e.name, "alert.name");
      const state = pick(
        e.name,
        "alert.state",
        e.attrs.string("alert.state") ?? "firing",
        ALERT_STATES,
      );
      if (isProblem(state)) return state;
      const severityText = e.attrs.string("alert.severity");
      const severity =
        severityText === undefined
          ? AlertSeverity.ALERT_SEVERITY_UNSPECIFIED
          : pick(e.name, "alert.severity", severityText, SEVERITIES);
      if (isProblem(severity)) return severity;
      const labels: Record<string, string> = {};
      for (const kv of e.attrs.list) {
        if (!kv.key.startsWith("alert.label.")) continue;
        labels[kv.key.slice("alert.label.".length)] = e.attrs.string(kv.key) ?? "";
      }
      return {
        $case: "alert",
        value: {
          service: svc,
          name,
          severity,
          labels,
          state,
          fingerprint: e.attrs.string("alert.fingerprint") ?? "",
          summary: e.body,
        },
      };
    },
  ],
  ["incident.ack", action(IncidentActionKind.INCIDENT_ACTION_KIND_ACKNOWLEDGE)],
  ["incident.resolve", action(IncidentActionKind.INCIDENT_ACTION_KIND_RESOLVE)],
  [
    "device.telemetry",
    (e) => {
      const svc = service(e);
      if (isProblem(svc)) return svc;
      const deviceId = e.attrs.string("device.id");
      if (deviceId === undefined) return missing(e.name, "device.id");
      const metricName = e.attrs.string("metric.name");
      if (metricName === undefined) return missing(e.name, "metric.name");
      const value = numberAttr(e, "metric.value");
      if (isProblem(value)) return value;
      const metric = METRICS[metricName] ?? MetricKind.METRIC_KIND_CUSTOM;
      return {
        $case: "deviceTelemetry",
        value: {
          deviceId,
          service: svc,
          metric,
          customName: metric === MetricKind.METRIC_KIND_CUSTOM ? metricName : "",
          value,
        },
      };
    },
  ],
]);

/** mapEvent maps a named event, or returns undefined when the name is not an impactd event. */
export function mapEvent(e: EventInput): Kind | EventProblem | undefined {
  return EVENT_MAPPINGS.get(e.name)?.(e);
}

export { isProblem as isEventProblem };
