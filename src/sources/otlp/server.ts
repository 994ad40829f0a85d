// The OTLP/gRPC receiver: opentelemetry.proto.collector.{trace,metrics,logs}.v1
// Export on their standard service names. Each export is converted, submitted
// to the pipeline and answered once its events are durable. Refused items are
// counted in partial_success and stored in rejected_events; a backed-up sink
// is answered UNAVAILABLE with RetryInfo, as the OTLP spec asks, so exporters
// back off instead of impactd buffering without bound.
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import {
  ExportLogsServiceRequest,
  LogsServiceService,
} from "../../gen/opentelemetry/proto/collector/logs/v1/logs_service.js";
import {
  ExportMetricsServiceRequest,
  MetricsServiceService,
} from "../../gen/opentelemetry/proto/collector/metrics/v1/metrics_service.js";
import {
  ExportTraceServiceRequest,
  TraceServiceService,
} from "../../gen/opentelemetry/proto/collector/trace/v1/trace_service.js";
import type { Metrics } from "../../metrics/index.js";
import { DEFAULT_TENANT, type Pipeline } from "../../pipeline/pipeline.js";
import {
  DEFAULT_LIMITS,
  NAME_PATTERN,
  RejectCode,
  type ValidationLimits,
} from "../../pipeline/validate.js";
import { grpcStatusOf } from "../../security/errors.js";
import type { Conversion, ConvertContext } from "./convert.js";
import { convertLogs } from "./logs.js";
import { convertMetrics, type MetricsConversion } from "./metrics.js";
import { CumulativeSeries } from "./series.js";
import { retryMetadata } from "./status-details.js";
import { convertTraces } from "./traces.js";

/** DEFAULT_OTLP_PORT is the standard OTLP/gRPC port. */
export const DEFAULT_OTLP_PORT = 4317;
/** DEFAULT_OTLP_MAX_MESSAGE_BYTES bounds one export request (the Collector's default is 4 MiB). */
export const DEFAULT_OTLP_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** DEFAULT_RETRY_AFTER_MS is the delay suggested to exporters under overload. */
export const DEFAULT_RETRY_AFTER_MS = 1_000;
/** SUBMIT_CHUNK is the most events submitted to the pipeline as one batch. */
export const SUBMIT_CHUNK = 10_000;
/** TENANT_HEADER is the request metadata that names the tenant (the Grafana Mimir/Tempo convention). */
export const TENANT_HEADER = "x-scope-orgid";
/** FRONT_END is this receiver's name in rejected_events and metrics. */
export const FRONT_END = "otlp";

/** OtlpServerOptions configure the OTLP receiver. */
export interface OtlpServerOptions {
  pipeline: Pipeline;
  /** @default "127.0.0.1" */
  host?: string;
  /** 0 picks a free port. @default DEFAULT_OTLP_PORT */
  port?: number;
  /** @default DEFAULT_OTLP_MAX_MESSAGE_BYTES */
  maxMessageBytes?: number;
  /** Should match the pipeline's. @default DEFAULT_LIMITS */
  limits?: ValidationLimits;
  /** @default DEFAULT_RETRY_AFTER_MS */
  retryAfterMs?: number;
  /** Span window (see traces.ts). */
  spanWindowMs?: number;
  now?: () => number;
  metrics?: Metrics;
  /** @default insecure (plaintext) */
  credentials?: ServerCredentials;
  /** Authenticated tenant of a call; when set, it overrides the tenant header. */
  tenantOf?: (call: ServerUnaryCall<unknown, unknown>) => string | undefined;
}

/** OtlpServer is a running OTLP receiver. */
export interface OtlpServer {
  readonly port: number;
  readonly address: string;
  close(): Promise<void>;
}

interface Undecodable {
  undecodable: string;
  tooLarge: boolean;
  bytes: number;
  excerpt: string;
}

interface Signal<Req> {
  name: "traces" | "metrics" | "logs";
  items: string;
  type: string;
  decode(buf: Uint8Array): Req;
  convert(req: Req, ctx: ConvertContext, tenant: string): Conversion;
  durable?(conv: Conversion): void;
  response(rejected: number, message: string): unknown;
}

function deserializer<Req>(signal: Signal<Req>, max: number) {
  return (buf: Buffer): Req | Undecodable => {
    const excerpt = buf.subarray(0, 256).toString("base64");
    if (buf.length > max) {
      return {
        undecodable: `${buf.length} bytes is over the limit of ${max}; send smaller batches`,
        tooLarge: true,
        bytes: buf.length,
        excerpt,
      };
    }
    try {
      return signal.decode(buf);
    } catch (err) {
      return { undecodable: (err as Error).message, tooLarge: false, bytes: buf.length, excerpt };
    }
  };
}

/** startOtlpServer binds the OTLP/gRPC receiver and starts serving. */
export async function startOtlpServer(opts: OtlpServerOptions): Promise<OtlpServer> {
  const pipeline = opts.pipeline;
  const max = opts.maxMessageBytes ?? DEFAULT_OTLP_MAX_MESSAGE_BYTES;
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const now = opts.now ?? Date.now;
  const retryAfter = opts.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
  const series = new CumulativeSeries();
  // grpc-js refuses messages over its own limit before any handler runs, with
  // nothing recorded; keep that limit well above ours so we see and record
  // oversized requests ourselves.
  const server = new Server({
    "grpc.max_receive_message_length": Math.max(4 * max, 64 * 1024 * 1024),
  });

  const traces: Signal<ExportTraceServiceRequest> = {
    name: "traces",
    items: "spans",
    type: "ExportTraceServiceRequest",
    decode: (b) => ExportTraceServiceRequest.decode(b),
    convert: (req, ctx, tenant) => {
      const services = new Set(pipeline.topology(tenant).services.map((s) => s.name));
      return convertTraces(req, ctx, {
        ...(opts.spanWindowMs === undefined ? {} : { windowMs: opts.spanWindowMs }),
        knownService: (n) => services.has(n),
      });
    },
    response: (n, m) => ({
      partialSuccess: n > 0 ? { rejectedSpans: n, errorMessage: m } : undefined,
    }),
  };
  const metrics: Signal<ExportMetricsServiceRequest> = {
    name: "metrics",
    items: "data points",
    type: "ExportMetricsServiceRequest",
    decode: (b) => ExportMetricsServiceRequest.decode(b),
    convert: (req, ctx) => convertMetrics(req, ctx, series),
    durable: (conv) => {
      for (const [k, v] of (conv as MetricsConversion).seriesUpdates) series.set(k, v);
    },
    response: (n, m) => ({
      partialSuccess: n > 0 ? { rejectedDataPoints: n, errorMessage: m } : undefined,
    }),
  };
  const logs: Signal<ExportLogsServiceRequest> = {
    name: "logs",
    items: "log records",
    type: "ExportLogsServiceRequest",
    decode: (b) => ExportLogsServiceRequest.decode(b),
    convert: (req, ctx) => convertLogs(req, ctx),
    response: (n, m) => ({
      partialSuccess: n > 0 ? { rejectedLogRecords: n, errorMessage: m } : undefined,
    }),
  };

  function handler<Req>(signal: Signal<Req>) {
    return (
      call: ServerUnaryCall<Req | Undecodable, unknown>,
      callback: sendUnaryData<unknown>,
    ) => {
      exportCall(signal, call, callback).catch((err: unknown) => {
        try {
          // Refusals raised on purpose (auth) keep their status; the rest is a bug.
          callback({ code: grpcStatusOf(err), details: `otlp: ${(err as Error).message}` });
        } catch {
          // Already answered or cancelled: nothing left to tell the client.
        }
      });
    };
  }

  async function exportCall<Req>(
    signal: Signal<Req>,
    call: ServerUnaryCall<Req | Undecodable, unknown>,
    callback: sendUnaryData<unknown>,
  ): Promise<void> {
    const authTenant = opts.tenantOf?.(call as ServerUnaryCall<unknown, unknown>);
    const header = call.metadata.get(TENANT_HEADER)[0];
    const headerTenant = typeof header === "string" ? header : "";
    // Where rows about this request go when no event names a valid tenant.
    const tenant = authTenant ?? (NAME_PATTERN.test(headerTenant) ? headerTenant : DEFAULT_TENANT);
    const meta = {
      frontEnd: FRONT_END,
      ...(authTenant === undefined ? {} : { tenant: authTenant }),
    };
    const req = call.request;
    if (typeof req === "object" && req !== null && "undecodable" in req) {
      const reason = req.tooLarge
        ? `opentelemetry ${signal.type}: ${req.undecodable}`
        : `request is not a valid opentelemetry ${signal.type} (${req.bytes} bytes): ${req.undecodable}`;
      const code = req.tooLarge ? RejectCode.BatchTooLarge : RejectCode.Malformed;
      await pipeline.recordRejection({
        frontEnd: FRONT_END,
        tenant,
        code,
        reason,
        payload: req.excerpt,
      });
      opts.metrics?.otlpItems.inc({ signal: signal.name, outcome: "rejected" });
      callback({
        code: req.tooLarge ? status.RESOURCE_EXHAUSTED : status.INVALID_ARGUMENT,
        details: `${code}: ${reason}`,
      });
      return;
    }
    if (pipeline.overloaded()) {
      opts.metrics?.overloaded.inc({ front_end: FRONT_END });
      const details = `impactd is overloaded (the sink is backed up); retry in ${retryAfter} ms`;
      callback({
        code: status.UNAVAILABLE,
        details,
        metadata: retryMetadata(status.UNAVAILABLE, details, retryAfter),
      });
      return;
    }
    const ctx: ConvertContext = { tenant: authTenant ?? headerTenant, now: now(), limits };
    const conv = signal.convert(req as Req, ctx, tenant);
    if (conv.edges.length > 0 && NAME_PATTERN.test(tenant))
      pipeline.discoverEdges(tenant, conv.edges);
    const rejected = new Map<number, string>();
    for (const p of conv.problems)
      if (!rejected.has(p.item)) rejected.set(p.item, `${p.code}: ${p.reason}`);
    try {
      const submits: Promise<void>[] = [];
      for (let off = 0; off < conv.events.length; off += SUBMIT_CHUNK) {
        const chunk = conv.events.slice(off, off + SUBMIT_CHUNK);
        submits.push(
          pipeline.submit(chunk, meta).then((r) => {
            for (const x of r.rejections) {
              for (const item of conv.origins[off + x.index] ?? []) {
                if (!rejected.has(item)) rejected.set(item, `${x.code}: ${x.reason}`);
              }
            }
          }),
        );
      }
      for (const p of conv.problems) {
        submits.push(
          pipeline.recordRejection({
            frontEnd: FRONT_END,
            tenant,
            code: p.code,
            reason: p.reason,
            payload: p.payload,
            source: "otlp",
          }),
        );
      }
      await Promise.all(submits);
    } catch (err) {
      const e = err as { retryable?: boolean; message?: string };
      const details = `ingest failed: ${e.message ?? String(err)}`;
      if (e.retryable === false) {
        callback({ code: status.INTERNAL, details });
      } else {
        callback({
          code: status.UNAVAILABLE,
          details,
          metadata: retryMetadata(status.UNAVAILABLE, details, retryAfter),
        });
      }
      return;
    }
    signal.durable?.(conv);
    const n = rejected.size;
    const m = opts.metrics?.otlpItems;
    m?.inc({ signal: signal.name, outcome: "ignored" }, conv.ignored);
    m?.inc({ signal: signal.name, outcome: "rejected" }, n);
    m?.inc(
      { signal: signal.name, outcome: "accepted" },
      Math.max(0, conv.items - n - conv.ignored),
    );
    let message = "";
    if (n > 0) {
      const first = rejected.values().next().value ?? "";
      message = `${n} of ${conv.items} ${signal.items} rejected (each stored in rejected_events); first: ${first}`;
    }
    callback(null, signal.response(n, message));
  }

  server.addService(
    { export: { ...TraceServiceService.export, requestDeserialize: deserializer(traces, max) } },
    { export: handler(traces) },
  );
  server.addService(
    { export: { ...MetricsServiceService.export, requestDeserialize: deserializer(metrics, max) } },
    { export: handler(metrics) },
  );
  server.addService(
    { export: { ...LogsServiceService.export, requestDeserialize: deserializer(logs, max) } },
    { export: handler(logs) },
  );
  const host = opts.host ?? "127.0.0.1";
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${host}:${opts.port ?? DEFAULT_OTLP_PORT}`,
      opts.credentials ?? ServerCredentials.createInsecure(),
      (err, p) => (err ? reject(err) : resolve(p)),
    );
  });
  return {
    port,
    address: `${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
