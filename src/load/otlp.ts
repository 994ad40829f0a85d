// Generated events as OpenTelemetry exports, the way an SDK or Collector
// would send them to impactd's OTLP receiver: metric samples become gauges
// named `impactd.<metric>` on a resource per service; every other kind
// becomes a log record with an `event_name` the receiver maps to the same
// impactd kind (docs/INGEST.md). One event, one data point or log record.
import {
  AlertState,
  ChangeKind,
  type Event,
  HealthStatus,
  JourneyOutcome,
  MetricKind,
} from "../gen/impactd/v1/event.js";
import type { ExportLogsServiceRequest } from "../gen/opentelemetry/proto/collector/logs/v1/logs_service.js";
import type { ExportMetricsServiceRequest } from "../gen/opentelemetry/proto/collector/metrics/v1/metrics_service.js";
import type { AnyValue, KeyValue } from "../gen/opentelemetry/proto/common/v1/common.js";
import type { LogRecord } from "../gen/opentelemetry/proto/logs/v1/logs.js";
import type { Metric, NumberDataPoint } from "../gen/opentelemetry/proto/metrics/v1/metrics.js";

/** OtlpBatch is one batch of events as OTLP export requests (either may be absent). */
export interface OtlpBatch {
  metrics: ExportMetricsServiceRequest | undefined;
  logs: ExportLogsServiceRequest | undefined;
  /** Data points plus log records: the events the batch carries. */
  items: number;
}

const METRIC_NAMES: Record<number, string> = {
  [MetricKind.METRIC_KIND_ERROR_RATE]: "impactd.error_rate",
  [MetricKind.METRIC_KIND_LATENCY_P99_MS]: "impactd.latency_p99_ms",
  [MetricKind.METRIC_KIND_SATURATION]: "impactd.saturation",
  [MetricKind.METRIC_KIND_THROUGHPUT]: "impactd.throughput",
};
const METRIC_WORDS: Record<number, string> = {
  [MetricKind.METRIC_KIND_ERROR_RATE]: "error_rate",
  [MetricKind.METRIC_KIND_LATENCY_P99_MS]: "latency_p99_ms",
  [MetricKind.METRIC_KIND_SATURATION]: "saturation",
  [MetricKind.METRIC_KIND_THROUGHPUT]: "throughput",
};
const HEALTH_WORDS: Record<number, string> = {
  [HealthStatus.HEALTH_STATUS_OK]: "ok",
  [HealthStatus.HEALTH_STATUS_DEGRADED]: "degraded",
  [HealthStatus.HEALTH_STATUS_DOWN]: "down",
};
const OUTCOME_WORDS: Record<number, string> = {
  [JourneyOutcome.JOURNEY_OUTCOME_STARTED]: "started",
  [JourneyOutcome.JOURNEY_OUTCOME_COMPLETED]: "completed",
  [JourneyOutcome.JOURNEY_OUTCOME_ABANDONED]: "abandoned",
  [JourneyOutcome.JOURNEY_OUTCOME_FAILED]: "failed",
};
const SEVERITY_WORDS = ["", "info", "warning", "error", "critical"];

const str = (value: string): AnyValue => ({ value: { $case: "stringValue", value } });
const dbl = (value: number): AnyValue => ({ value: { $case: "doubleValue", value } });
const kv = (key: string, value: AnyValue): KeyValue => ({ key, value });

// Nanosecond time: the event's millisecond plus a per-item offset, so two
// items of one series in the same millisecond keep distinct receiver ids.
function nanos(ts: number, item: number): string {
  return (BigInt(ts) * 1_000_000n + BigInt(item % 1_000_000)).toString();
}

function logRecord(ev: Event, item: number, eventName: string, attrs: KeyValue[]): LogRecord {
  return {
    timeUnixNano: nanos(ev.tsUnixMs, item),
    observedTimeUnixNano: "0",
    severityNumber: 9,
    severityText: "",
    body: undefined,
    attributes: attrs,
    droppedAttributesCount: 0,
    flags: 0,
    traceId: Buffer.alloc(0),
    spanId: Buffer.alloc(0),
    eventName,
  };
}

// The log record for a non-metric event, or undefined for kinds OTLP does not carry.
function eventLog(ev: Event, item: number): { service: string; record: LogRecord } | undefined {
  const k = ev.kind;
  switch (k?.$case) {
    case "healthCheck":
      return {
        service: k.value.service,
        record: logRecord(ev, item, "health_check", [
          kv("health.status", str(HEALTH_WORDS[k.value.status] ?? "ok")),
        ]),
      };
    case "alert":
      return {
        service: k.value.service,
        record: logRecord(ev, item, "alert", [
          kv("alert.name", str(k.value.name)),
          kv(
            "alert.state",
            str(k.value.state === AlertState.ALERT_STATE_RESOLVED ? "resolved" : "firing"),
          ),
          ...(SEVERITY_WORDS[k.value.severity]
            ? [kv("alert.severity", str(SEVERITY_WORDS[k.value.severity] as string))]
            : []),
        ]),
      };
    case "change":
      return {
        service: k.value.service,
        record: logRecord(ev, item, "change", [
          kv("change.kind", str(ChangeKind[k.value.kind].slice(12).toLowerCase())),
          kv("change.version", str(k.value.version)),
        ]),
      };
    case "journeySignal":
      return {
        service: "",
        record: logRecord(ev, item, "journey.step", [
          kv("journey.name", str(k.value.journey)),
          kv("journey.step", str(k.value.step)),
          kv("journey.outcome", str(OUTCOME_WORDS[k.value.outcome] ?? "started")),
          kv("journey.count", dbl(k.value.count === 0 ? 1 : k.value.count)),
        ]),
      };
    case "feedback":
      return {
        service: "",
        record: logRecord(ev, item, "feedback", [
          kv("journey.name", str(k.value.journey)),
          kv("feedback.score", dbl(k.value.score)),
          kv("feedback.scale", str(k.value.scale === 2 ? "csat" : "nps")),
          kv("feedback.channel", str(k.value.channel)),
        ]),
      };
    case "deviceTelemetry":
      return {
        service: k.value.service,
        record: logRecord(ev, item, "device.telemetry", [
          kv("device.id", str(k.value.deviceId)),
          kv("metric.name", str(METRIC_WORDS[k.value.metric] ?? k.value.customName)),
          kv("metric.value", dbl(k.value.value)),
        ]),
      };
    default:
      return undefined;
  }
}

const resource = (service: string) => ({
  attributes: service === "" ? [] : [kv("service.name", str(service))],
  droppedAttributesCount: 0,
});
const SCOPE = { name: "impactd-load", version: "1", attributes: [], droppedAttributesCount: 0 };

/** toOtlp turns a batch of generated events into OTLP metrics and logs exports. */
export function toOtlp(events: readonly Event[], firstItem = 0): OtlpBatch {
  // service -> metric name -> points, and service -> log records.
  const metrics = new Map<string, Map<string, NumberDataPoint[]>>();
  const logs = new Map<string, LogRecord[]>();
  let items = 0;
  events.forEach((ev, i) => {
    const item = firstItem + i;
    const k = ev.kind;
    if (k?.$case === "metric" && METRIC_NAMES[k.value.metric] !== undefined) {
      let byName = metrics.get(k.value.service);
      if (byName === undefined) {
        byName = new Map();
        metrics.set(k.value.service, byName);
      }
      const name = METRIC_NAMES[k.value.metric] as string;
      let points = byName.get(name);
      if (points === undefined) {
        points = [];
        byName.set(name, points);
      }
      points.push({
        attributes: [],
        startTimeUnixNano: "0",
        timeUnixNano: nanos(ev.tsUnixMs, item),
        value: { $case: "asDouble", value: k.value.value },
        exemplars: [],
        flags: 0,
      });
      items++;
      return;
    }
    const log = eventLog(ev, item);
    if (log === undefined) return;
    let records = logs.get(log.service);
    if (records === undefined) {
      records = [];
      logs.set(log.service, records);
    }
    records.push(log.record);
    items++;
  });
  return {
    items,
    metrics:
      metrics.size === 0
        ? undefined
        : {
            resourceMetrics: [...metrics].map(([service, byName]) => ({
              resource: resource(service),
              schemaUrl: "",
              scopeMetrics: [
                {
                  scope: SCOPE,
                  schemaUrl: "",
                  metrics: [...byName].map(
                    ([name, dataPoints]): Metric => ({
                      name,
                      description: "",
                      unit: "",
                      metadata: [],
                      data: { $case: "gauge", value: { dataPoints } },
                    }),
                  ),
                },
              ],
            })),
          },
    logs:
      logs.size === 0
        ? undefined
        : {
            resourceLogs: [...logs].map(([service, logRecords]) => ({
              resource: resource(service),
              schemaUrl: "",
              scopeLogs: [{ scope: SCOPE, schemaUrl: "", logRecords }],
            })),
          },
  };
}
