// OTLP spans -> per-service error rate and p99 latency, and the
// service-to-service edges the traces reveal. Entry spans (server, consumer
// and root spans) are the requests a service handled; they are grouped per
// service into windows of span end time, and each window of the export
// becomes one error-rate and one latency sample (so the result depends only
// on the spans, not on when they arrive). Nothing is held between exports:
// an acknowledged export is fully in the pipeline.
import { MetricKind } from "../../gen/impactd/v1/event.js";
import type { ExportTraceServiceRequest } from "../../gen/opentelemetry/proto/collector/trace/v1/trace_service.js";
import {
  Span,
  Span_SpanKind as SpanKind,
  Status_StatusCode as StatusCode,
} from "../../gen/opentelemetry/proto/trace/v1/trace.js";
import { NAME_PATTERN } from "../../pipeline/validate.js";
import { Attributes, resourceService } from "./attributes.js";
import {
  type Conversion,
  type ConvertContext,
  emptyConversion,
  event,
  json,
  timestampProblem,
} from "./convert.js";
import { stableId } from "./ids.js";
import { nanosToMs, nanosToMsExact } from "./time.js";

/** DEFAULT_SPAN_WINDOW_MS is the span-time window one error-rate/latency sample covers. */
export const DEFAULT_SPAN_WINDOW_MS = 10_000;
/** MAX_SPAN_DURATION_MS: a request span longer than this is refused as absurd. */
export const MAX_SPAN_DURATION_MS = 3_600_000;

/** TraceOptions tune span conversion. */
export interface TraceOptions {
  /** @default DEFAULT_SPAN_WINDOW_MS */
  windowMs?: number;
  /** Says whether a name is a service of the tenant's topology (for server.address matching). */
  knownService?: (name: string) => boolean;
}

interface Valid {
  item: number;
  service: string;
  span: Span;
  endMs: number;
  durationMs: number;
}

interface SpanWindow {
  service: string;
  index: number;
  ts: number;
  items: number[];
  ids: string[];
  errors: number;
  durations: number[];
}

const ENTRY_KINDS = new Set([SpanKind.SPAN_KIND_SERVER, SpanKind.SPAN_KIND_CONSUMER]);
const OUTGOING_KINDS = new Set([SpanKind.SPAN_KIND_CLIENT, SpanKind.SPAN_KIND_PRODUCER]);

function spanProblem(
  span: Span,
  ctx: ConvertContext,
): { code: string; reason: string } | undefined {
  if (span.traceId.length !== 16)
    return {
      code: "INVALID_VALUE",
      reason: `span.trace_id has ${span.traceId.length} bytes (want 16)`,
    };
  if (span.spanId.length !== 8)
    return {
      code: "INVALID_VALUE",
      reason: `span.span_id has ${span.spanId.length} bytes (want 8)`,
    };
  if (span.parentSpanId.length !== 0 && span.parentSpanId.length !== 8)
    return {
      code: "INVALID_VALUE",
      reason: `span.parent_span_id has ${span.parentSpanId.length} bytes (want 0 or 8)`,
    };
  if (!(span.kind in SpanKind) || span.kind < 0)
    return { code: "INVALID_ENUM", reason: `span.kind ${span.kind} is not a known SpanKind` };
  const code = span.status?.code ?? 0;
  if (!(code in StatusCode) || code < 0)
    return { code: "INVALID_ENUM", reason: `span.status.code ${code} is not a known StatusCode` };
  const end = nanosToMs(span.endTimeUnixNano);
  const ts = timestampProblem(end, ctx, "span.end_time_unix_nano");
  if (ts !== undefined) return ts;
  const duration = nanosToMsExact(span.endTimeUnixNano) - nanosToMsExact(span.startTimeUnixNano);
  if (nanosToMs(span.startTimeUnixNano) <= 0 || duration < 0)
    return {
      code: "INVALID_TIMESTAMP",
      reason: "span.start_time_unix_nano is unset or after end_time_unix_nano",
    };
  if (duration > MAX_SPAN_DURATION_MS)
    return {
      code: "INVALID_VALUE",
      reason: `span lasts ${Math.round(duration)} ms (limit ${MAX_SPAN_DURATION_MS})`,
    };
  return undefined;
}

function p99(sorted: readonly number[]): number {
  return sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)] ?? 0;
}

/** convertTraces turns an OTLP trace export into samples and discovered edges. */
export function convertTraces(
  req: ExportTraceServiceRequest,
  ctx: ConvertContext,
  opts: TraceOptions = {},
): Conversion {
  const windowMs = opts.windowMs ?? DEFAULT_SPAN_WINDOW_MS;
  const out = emptyConversion();
  const valid: Valid[] = [];
  for (const rs of req.resourceSpans) {
    const service = resourceService(rs.resource);
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        const item = out.items++;
        const problem =
          service === undefined
            ? { code: "MISSING_FIELD", reason: "the resource has no service.name attribute" }
            : spanProblem(span, ctx);
        if (problem !== undefined || service === undefined) {
          out.problems.push({
            item,
            code: problem?.code ?? "MISSING_FIELD",
            reason: `span ${JSON.stringify(span.name.slice(0, 64))}: ${problem?.reason ?? ""}`,
            payload: json(() => Span.toJSON(span)),
          });
          continue;
        }
        valid.push({
          item,
          service,
          span,
          endMs: nanosToMs(span.endTimeUnixNano),
          durationMs: nanosToMsExact(span.endTimeUnixNano) - nanosToMsExact(span.startTimeUnixNano),
        });
      }
    }
  }
  const serviceOf = new Map<string, string>();
  for (const v of valid) serviceOf.set(spanKey(v.span.traceId, v.span.spanId), v.service);

  const windows = new Map<string, SpanWindow>();
  const edges = new Map<string, [string, string]>();
  const addEdge = (from: string, to: string) => {
    if (from !== to && NAME_PATTERN.test(from) && NAME_PATTERN.test(to))
      edges.set(`${from}\u0000${to}`, [from, to]);
  };
  for (const v of valid) {
    const s = v.span;
    const parent =
      s.parentSpanId.length === 0 ? undefined : serviceOf.get(spanKey(s.traceId, s.parentSpanId));
    if (parent !== undefined) addEdge(parent, v.service);
    if (OUTGOING_KINDS.has(s.kind)) {
      const callee = calleeOf(new Attributes(s.attributes), opts.knownService);
      if (callee !== undefined) addEdge(v.service, callee);
    }
    if (!ENTRY_KINDS.has(s.kind) && s.parentSpanId.length !== 0) {
      out.ignored++;
      continue;
    }
    const index = Math.floor(v.endMs / windowMs);
    const key = `${v.service}\u0000${index}`;
    let w = windows.get(key);
    if (w === undefined) {
      w = { service: v.service, index, ts: 0, items: [], ids: [], errors: 0, durations: [] };
      windows.set(key, w);
    }
    w.items.push(v.item);
    w.ids.push(s.spanId.toString("hex"));
    w.ts = Math.max(w.ts, v.endMs);
    w.durations.push(v.durationMs);
    if (s.status?.code === StatusCode.STATUS_CODE_ERROR) w.errors++;
  }
  for (const w of windows.values()) {
    const base = stableId("otlp-s", w.service, w.index, ...w.ids);
    w.durations.sort((a, b) => a - b);
    const add = (metric: MetricKind, value: number) => {
      out.events.push(
        event(ctx, w.ts, `${base}:${metric}`, {
          $case: "metric",
          value: { service: w.service, metric, customName: "", value },
        }),
      );
      out.origins.push(w.items);
    };
    add(MetricKind.METRIC_KIND_ERROR_RATE, w.errors / w.items.length);
    add(MetricKind.METRIC_KIND_LATENCY_P99_MS, p99(w.durations));
  }
  out.edges = [...edges.values()];
  return out;
}

function spanKey(traceId: Buffer, spanId: Buffer): string {
  return `${traceId.toString("hex")}:${spanId.toString("hex")}`;
}

/**
 * calleeOf names the service an outgoing span calls: `peer.service` when the
 * instrumentation set it, else `server.address` (or the older
 * `net.peer.name`) when it, or its first DNS label, is a known service, so
 * IP addresses and external hosts do not become services.
 */
export function calleeOf(
  a: Attributes,
  known: ((name: string) => boolean) | undefined,
): string | undefined {
  const peer = a.string("peer.service");
  if (peer !== undefined) return peer;
  const host = a.first("server.address", "net.peer.name");
  if (host === undefined || known === undefined) return undefined;
  if (known(host)) return host;
  const label = host.split(".")[0] ?? "";
  return label !== "" && known(label) ? label : undefined;
}
