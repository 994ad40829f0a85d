// Validation of incoming events. Every front end decodes into impactd.v1
// Event and calls validateEvent; a rejection names the field and the reason
// and carries a stable code (documented in docs/INGEST.md).
import type { Event } from "../gen/impactd/v1/event.js";

/** Rejection codes; stable, used as metric labels and in rejected_events. */
export const RejectCode = {
  UnknownKind: "UNKNOWN_KIND",
  InvalidTimestamp: "INVALID_TIMESTAMP",
  TimestampInFuture: "TIMESTAMP_IN_FUTURE",
  TimestampTooOld: "TIMESTAMP_TOO_OLD",
  MissingField: "MISSING_FIELD",
  InvalidName: "INVALID_NAME",
  InvalidEnum: "INVALID_ENUM",
  InvalidValue: "INVALID_VALUE",
  FieldTooLong: "FIELD_TOO_LONG",
  Malformed: "MALFORMED",
  BatchTooLarge: "BATCH_TOO_LARGE",
  UnknownIncident: "UNKNOWN_INCIDENT",
  /** Accepted and stored, but behind the watermark: not applied by the core. */
  LateEvent: "LATE_EVENT",
  MessageTooLarge: "MESSAGE_TOO_LARGE",
  RateLimited: "RATE_LIMITED",
  InvalidTopology: "INVALID_TOPOLOGY",
} as const;

/** RejectCodeValue is one of the RejectCode strings. */
export type RejectCodeValue = (typeof RejectCode)[keyof typeof RejectCode];

/** Problem is why one event was rejected. */
export interface Problem {
  code: RejectCodeValue;
  reason: string;
}

/** ValidationLimits bound what an event may contain. */
export interface ValidationLimits {
  /** How far ahead of the receiver's clock an event time may be. @default 10 minutes */
  maxFutureMs: number;
  /** How far behind the receiver's clock an event time may be. @default 30 days */
  maxPastMs: number;
  /** Longest free-text field, in characters. @default 4096 */
  maxTextLength: number;
  /** Most labels on an alert. @default 64 */
  maxLabels: number;
}

/** DEFAULT_LIMITS are the limits used unless configured otherwise. */
export const DEFAULT_LIMITS: ValidationLimits = {
  maxFutureMs: 10 * 60_000, // 10 minutes of clock skew
  maxPastMs: 30 * 24 * 3_600_000, // 30 days
  maxTextLength: 4096,
  maxLabels: 64,
};

/** NAME_PATTERN is what service, journey, step and tenant names must match. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

const MAX_LATENCY_MS = 3_600_000; // an hour: anything above is a unit mistake
const MAX_THROUGHPUT = 1e12;
const MAX_COUNT = 1e9;

function name(value: string, field: string): Problem | undefined {
  if (value === "") return { code: RejectCode.MissingField, reason: `${field} is empty` };
  if (!NAME_PATTERN.test(value)) {
    return {
      code: RejectCode.InvalidName,
      reason: `${field} ${JSON.stringify(value.slice(0, 64))} is not a valid name (letters, digits, ._:/- and at most 128 characters)`,
    };
  }
  return undefined;
}

function enumValue(value: number, max: number, field: string, type: string): Problem | undefined {
  if (value === 0) return { code: RejectCode.InvalidEnum, reason: `${field} is unspecified` };
  if (!Number.isInteger(value) || value < 1 || value > max) {
    return { code: RejectCode.InvalidEnum, reason: `${field} ${value} is not a known ${type}` };
  }
  return undefined;
}

const SHORT_TEXT = 256; // ids, names, versions, label keys

function text(value: string, field: string, max: number): Problem | undefined {
  if (value.length > max) {
    return {
      code: RejectCode.FieldTooLong,
      reason: `${field} has ${value.length} characters (limit ${max})`,
    };
  }
  return undefined;
}

function finite(value: number, field: string): Problem | undefined {
  if (!Number.isFinite(value)) {
    return { code: RejectCode.InvalidValue, reason: `${field} is ${value}, not a finite number` };
  }
  return undefined;
}

function inRange(value: number, lo: number, hi: number, field: string): Problem | undefined {
  return (
    finite(value, field) ??
    (value < lo || value > hi
      ? { code: RejectCode.InvalidValue, reason: `${field} ${value} is outside [${lo}, ${hi}]` }
      : undefined)
  );
}

function metricValue(metric: number, value: number, field: string): Problem | undefined {
  switch (metric) {
    case 1:
      return inRange(value, 0, 1, `${field} (error_rate)`);
    case 2:
      return inRange(value, 0, MAX_LATENCY_MS, `${field} (latency_p99_ms)`);
    case 3:
      return inRange(value, 0, 1, `${field} (saturation)`);
    case 4:
      return inRange(value, 0, MAX_THROUGHPUT, `${field} (throughput)`);
    default:
      return finite(value, field);
  }
}

function timestamp(ts: number, now: number, limits: ValidationLimits): Problem | undefined {
  if (!Number.isSafeInteger(ts) || ts <= 0) {
    return {
      code: RejectCode.InvalidTimestamp,
      reason: `ts_unix_ms ${ts} is not a positive integer of milliseconds`,
    };
  }
  if (ts > now + limits.maxFutureMs) {
    return {
      code: RejectCode.TimestampInFuture,
      reason: `ts_unix_ms ${new Date(ts).toISOString()} is more than ${limits.maxFutureMs} ms ahead of the receiver's clock`,
    };
  }
  if (ts < now - limits.maxPastMs) {
    return {
      code: RejectCode.TimestampTooOld,
      reason: `ts_unix_ms ${new Date(ts).toISOString()} is more than ${limits.maxPastMs} ms in the past`,
    };
  }
  return undefined;
}

/**
 * validateEvent checks one event against the impactd.v1 contract and the
 * limits; it returns the first problem found, or undefined when it is valid.
 */
export function validateEvent(
  ev: Event,
  now: number,
  limits: ValidationLimits = DEFAULT_LIMITS,
): Problem | undefined {
  const head =
    timestamp(ev.tsUnixMs, now, limits) ??
    (ev.tenant === "" ? undefined : name(ev.tenant, "tenant")) ??
    text(ev.id, "id", SHORT_TEXT) ??
    text(ev.source, "source", SHORT_TEXT);
  if (head !== undefined) return head;
  const k = ev.kind;
  if (k === undefined) {
    return {
      code: RejectCode.UnknownKind,
      reason:
        "event kind is missing or unknown to impactd.v1 (expected one of health_check, metric, alert, change, journey_signal, feedback, device_telemetry, incident_action)",
    };
  }
  switch (k.$case) {
    case "healthCheck":
      return (
        name(k.value.service, "health_check.service") ??
        enumValue(k.value.status, 3, "health_check.status", "HealthStatus") ??
        text(k.value.message, "health_check.message", limits.maxTextLength)
      );
    case "metric":
      return (
        name(k.value.service, "metric.service") ??
        enumValue(k.value.metric, 5, "metric.metric", "MetricKind") ??
        (k.value.metric === 5 ? name(k.value.customName, "metric.custom_name") : undefined) ??
        metricValue(k.value.metric, k.value.value, "metric.value")
      );
    case "alert": {
      const a = k.value;
      const labels = Object.entries(a.labels);
      return (
        name(a.service, "alert.service") ??
        (a.name === ""
          ? { code: RejectCode.MissingField, reason: "alert.name is empty" }
          : undefined) ??
        text(a.name, "alert.name", SHORT_TEXT) ??
        enumValue(a.state, 2, "alert.state", "AlertState") ??
        (a.severity < 0 || a.severity > 4 || !Number.isInteger(a.severity)
          ? {
              code: RejectCode.InvalidEnum,
              reason: `alert.severity ${a.severity} is not a known AlertSeverity`,
            }
          : undefined) ??
        text(a.fingerprint, "alert.fingerprint", SHORT_TEXT) ??
        text(a.summary, "alert.summary", limits.maxTextLength) ??
        (labels.length > limits.maxLabels
          ? {
              code: RejectCode.FieldTooLong,
              reason: `alert.labels has ${labels.length} entries (limit ${limits.maxLabels})`,
            }
          : undefined) ??
        labels
          .map(
            ([key, v]) =>
              text(key, "alert.labels key", SHORT_TEXT) ??
              text(v, `alert.labels[${key}]`, limits.maxTextLength),
          )
          .find((p) => p !== undefined)
      );
    }
    case "change":
      return (
        name(k.value.service, "change.service") ??
        enumValue(k.value.kind, 4, "change.kind", "ChangeKind") ??
        text(k.value.version, "change.version", SHORT_TEXT) ??
        text(k.value.description, "change.description", limits.maxTextLength)
      );
    case "journeySignal":
      return (
        name(k.value.journey, "journey_signal.journey") ??
        (k.value.step === "" ? undefined : name(k.value.step, "journey_signal.step")) ??
        enumValue(k.value.outcome, 4, "journey_signal.outcome", "JourneyOutcome") ??
        inRange(k.value.count, 0, MAX_COUNT, "journey_signal.count")
      );
    case "feedback": {
      const f = k.value;
      return (
        name(f.journey, "feedback.journey") ??
        enumValue(f.scale, 2, "feedback.scale", "FeedbackScale") ??
        (f.scale === 1
          ? inRange(f.score, 0, 10, "feedback.score (NPS)")
          : inRange(f.score, 1, 5, "feedback.score (CSAT)")) ??
        text(f.channel, "feedback.channel", SHORT_TEXT) ??
        text(f.text, "feedback.text", limits.maxTextLength)
      );
    }
    case "deviceTelemetry":
      return (
        name(k.value.deviceId, "device_telemetry.device_id") ??
        name(k.value.service, "device_telemetry.service") ??
        enumValue(k.value.metric, 5, "device_telemetry.metric", "MetricKind") ??
        (k.value.metric === 5
          ? name(k.value.customName, "device_telemetry.custom_name")
          : undefined) ??
        metricValue(k.value.metric, k.value.value, "device_telemetry.value")
      );
    case "incidentAction": {
      const a = k.value;
      return (
        (a.incidentId === ""
          ? { code: RejectCode.MissingField, reason: "incident_action.incident_id is empty" }
          : undefined) ??
        text(a.incidentId, "incident_action.incident_id", SHORT_TEXT) ??
        enumValue(a.action, 2, "incident_action.action", "IncidentActionKind") ??
        (a.actor === ""
          ? { code: RejectCode.MissingField, reason: "incident_action.actor is empty" }
          : undefined) ??
        text(a.actor, "incident_action.actor", SHORT_TEXT) ??
        text(a.note, "incident_action.note", limits.maxTextLength)
      );
    }
    default:
      return { code: RejectCode.UnknownKind, reason: "event kind is unknown to impactd.v1" };
  }
}
