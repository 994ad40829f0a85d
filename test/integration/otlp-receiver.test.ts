// The OTLP receiver over real gRPC, in front of a pipeline with an in-memory
// sink: partial_success and rejected_events for bad items, malformed and
// oversized requests, UNAVAILABLE with RetryInfo under overload, topology
// discovery from parent links and server.address, cumulative histograms,
// and retries that do not double-count.
import {
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ExportLogsServiceRequest,
  type ExportLogsServiceResponse,
  LogsServiceClient,
} from "../../src/gen/opentelemetry/proto/collector/logs/v1/logs_service.js";
import {
  ExportMetricsServiceRequest,
  type ExportMetricsServiceResponse,
  MetricsServiceClient,
} from "../../src/gen/opentelemetry/proto/collector/metrics/v1/metrics_service.js";
import {
  ExportTraceServiceRequest,
  type ExportTraceServiceResponse,
  TraceServiceClient,
} from "../../src/gen/opentelemetry/proto/collector/trace/v1/trace_service.js";
import type { KeyValue } from "../../src/gen/opentelemetry/proto/common/v1/common.js";
import type { SeverityNumber } from "../../src/gen/opentelemetry/proto/logs/v1/logs.js";
import { AggregationTemporality } from "../../src/gen/opentelemetry/proto/metrics/v1/metrics.js";
import {
  Span_SpanKind,
  Status_StatusCode,
} from "../../src/gen/opentelemetry/proto/trace/v1/trace.js";
import { Pipeline, type PipelineSink } from "../../src/pipeline/pipeline.js";
import type { EventRow, RejectionRow } from "../../src/sinks/rows.js";
import {
  decodeRetryDelayMs,
  type OtlpServer,
  startOtlpServer,
} from "../../src/sources/otlp/index.js";

const NOW = Date.now();
const ns = (ms: number) => `${ms}000000`;

const sink = {
  events: [] as EventRow[],
  rejections: [] as RejectionRow[],
  busy: false,
};
const fakeSink: PipelineSink = {
  writeEvents: async (rows) => {
    sink.events.push(...rows);
  },
  writeRejections: async (rows) => {
    sink.rejections.push(...rows);
  },
  writeIncidents: async () => {},
  overloaded: () => sink.busy,
};

let pipeline: Pipeline;
let server: OtlpServer;
let traces: InstanceType<typeof TraceServiceClient>;
let metrics: InstanceType<typeof MetricsServiceClient>;
let logs: InstanceType<typeof LogsServiceClient>;

function call<Req, Res>(
  client: { export(r: Req, md: Metadata, cb: (e: ServiceError | null, r: Res) => void): unknown },
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) =>
    client.export(req, new Metadata(), (err, res) => (err ? reject(err) : resolve(res))),
  );
}

const attr = (key: string, v: string | number): KeyValue => ({
  key,
  value: {
    value:
      typeof v === "string"
        ? { $case: "stringValue", value: v }
        : { $case: "doubleValue", value: v },
  },
});
const resource = (service?: string) => ({
  attributes: service === undefined ? [] : [attr("service.name", service)],
  droppedAttributesCount: 0,
});
const id = (n: number, bytes: number) => Buffer.alloc(bytes, n);

function span(o: {
  trace?: Buffer;
  id: number;
  parent?: number;
  kind: Span_SpanKind;
  start: number;
  end: number;
  error?: boolean;
  attributes?: KeyValue[];
}) {
  return {
    traceId: o.trace ?? id(7, 16),
    spanId: id(o.id, 8),
    parentSpanId: o.parent === undefined ? Buffer.alloc(0) : id(o.parent, 8),
    kind: o.kind,
    name: `span-${o.id}`,
    startTimeUnixNano: ns(o.start),
    endTimeUnixNano: ns(o.end),
    attributes: o.attributes ?? [],
    status: { code: o.error ? Status_StatusCode.STATUS_CODE_ERROR : 0, message: "" },
  };
}

beforeAll(async () => {
  pipeline = new Pipeline({ sink: fakeSink });
  pipeline.setTopology("default", {
    services: [{ name: "payments", team: "", tier: 0, dependsOn: [], slo: undefined, kinds: [] }],
    journeys: [],
    teams: [],
  });
  server = await startOtlpServer({ pipeline, port: 0, maxMessageBytes: 64 * 1024 });
  const creds = credentials.createInsecure();
  traces = new TraceServiceClient(server.address, creds);
  metrics = new MetricsServiceClient(server.address, creds);
  logs = new LogsServiceClient(server.address, creds);
});

afterAll(async () => {
  for (const c of [traces, metrics, logs]) c?.close();
  await server?.close();
});

beforeEach(() => {
  sink.events.length = 0;
  sink.rejections.length = 0;
  sink.busy = false;
});

describe("OTLP traces", () => {
  const t = NOW - 60_000;
  const request = ExportTraceServiceRequest.fromPartial({
    resourceSpans: [
      {
        resource: resource("frontend"),
        scopeSpans: [
          {
            spans: [
              span({ id: 1, kind: Span_SpanKind.SPAN_KIND_SERVER, start: t, end: t + 50 }),
              span({
                id: 2,
                parent: 1,
                kind: Span_SpanKind.SPAN_KIND_CLIENT,
                start: t + 1,
                end: t + 40,
              }),
              // Bad items: short trace id, unknown kind, end before start, far future.
              span({ trace: id(1, 3), id: 9, kind: 2, start: t, end: t + 1 }),
              span({ id: 10, kind: 42 as Span_SpanKind, start: t, end: t + 1 }),
              span({ id: 11, kind: 2, start: t + 5, end: t + 1 }),
              span({ id: 12, kind: 2, start: NOW + 86_400_000, end: NOW + 86_400_001 }),
            ],
          },
        ],
      },
      {
        resource: resource("checkout"),
        scopeSpans: [
          {
            spans: [
              span({
                id: 3,
                parent: 2,
                kind: Span_SpanKind.SPAN_KIND_SERVER,
                start: t + 2,
                end: t + 30,
                error: true,
              }),
              span({
                id: 4,
                parent: 3,
                kind: Span_SpanKind.SPAN_KIND_CLIENT,
                start: t + 3,
                end: t + 20,
                attributes: [attr("server.address", "payments.prod.svc.cluster.local")],
              }),
              span({
                id: 5,
                parent: 3,
                kind: Span_SpanKind.SPAN_KIND_CLIENT,
                start: t + 3,
                end: t + 20,
                attributes: [attr("server.address", "10.1.2.3")],
              }),
            ],
          },
        ],
      },
      {
        resource: resource(),
        scopeSpans: [{ spans: [span({ id: 6, kind: 2, start: t, end: t + 1 })] }],
      },
    ],
  });

  it("answers partial_success for bad spans, records each, and discovers edges", async () => {
    const res = await call<ExportTraceServiceRequest, ExportTraceServiceResponse>(traces, request);
    expect(res.partialSuccess?.rejectedSpans).toBe(5);
    expect(res.partialSuccess?.errorMessage).toMatch(
      /^5 of 10 spans rejected.*trace_id has 3 bytes/,
    );
    expect(sink.rejections.map((r) => [r.front_end, r.code]).sort()).toEqual([
      ["otlp", "INVALID_ENUM"],
      ["otlp", "INVALID_TIMESTAMP"],
      ["otlp", "INVALID_VALUE"],
      ["otlp", "MISSING_FIELD"],
      ["otlp", "TIMESTAMP_IN_FUTURE"],
    ]);
    const deps = (s: string) =>
      pipeline
        .topology("default")
        .services.find((x) => x.name === s)
        ?.dependsOn.map((d) => d.service);
    expect(deps("frontend")).toEqual(["checkout"]);
    expect(deps("checkout")).toEqual(["payments"]);
    expect(sink.events.map((e) => [e.service, e.metric, e.value]).sort()).toEqual([
      ["checkout", "error_rate", 1],
      ["checkout", "latency_p99_ms", 28],
      ["frontend", "error_rate", 0],
      ["frontend", "latency_p99_ms", 50],
    ]);
  });

  it("counts a retried export as duplicates, not new events", async () => {
    await call(traces, request);
    const first = sink.events.length;
    const res = await call<ExportTraceServiceRequest, ExportTraceServiceResponse>(traces, request);
    expect(res.partialSuccess?.rejectedSpans).toBe(5);
    expect(sink.events.length).toBe(first);
    expect(pipeline.stats.duplicates).toBeGreaterThanOrEqual(4);
  });
});

describe("OTLP metrics", () => {
  const t = NOW - 30_000;
  const point = (time: number, status: number, counts: number[]) => ({
    attributes: [attr("http.response.status_code", status)],
    startTimeUnixNano: ns(t - 60_000),
    timeUnixNano: ns(time),
    count: String(counts.reduce((a, b) => a + b, 0)),
    sum: 1,
    bucketCounts: counts.map(String),
    explicitBounds: [0.1, 1],
  });
  const histogram = (points: ReturnType<typeof point>[]) =>
    ExportMetricsServiceRequest.fromPartial({
      resourceMetrics: [
        {
          resource: resource("orders"),
          scopeMetrics: [
            {
              metrics: [
                {
                  name: "http.server.request.duration",
                  unit: "s",
                  data: {
                    $case: "histogram",
                    value: {
                      aggregationTemporality:
                        AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE,
                      dataPoints: points,
                    },
                  },
                },
              ],
            },
          ],
        },
      ],
    });

  it("turns cumulative histograms into the interval since the previous export", async () => {
    await call(metrics, histogram([point(t, 200, [10, 0, 0])]));
    expect(sink.events.find((e) => e.metric === "error_rate")?.value).toBe(0);
    sink.events.length = 0;
    // Ten more successes and ten failures (a new series) over the next 10 s.
    await call(
      metrics,
      histogram([point(t + 10_000, 200, [20, 0, 0]), point(t + 10_000, 500, [0, 0, 10])]),
    );
    const by = Object.fromEntries(sink.events.map((e) => [e.metric, e.value]));
    expect(by.error_rate).toBe(0.5);
    // The new series counts from its start (70 s), the old one over 10 s: at least 20 requests.
    expect(by.throughput).toBeGreaterThan(0);
    // 20 observations, 10 in (1, +Inf) capped by the bound: p99 is past 1 s.
    expect(by.latency_p99_ms).toBe(1000);
  });

  it("rejects NaN values, missing services and broken histograms with reasons", async () => {
    // Later than the previous test's points, so nothing is late for the core.
    const res = await call<ExportMetricsServiceRequest, ExportMetricsServiceResponse>(
      metrics,
      ExportMetricsServiceRequest.fromPartial({
        resourceMetrics: [
          {
            resource: resource("orders"),
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: "impactd.error_rate",
                    data: {
                      $case: "gauge",
                      value: {
                        dataPoints: [
                          {
                            timeUnixNano: ns(t + 25_000),
                            value: { $case: "asDouble", value: Number.NaN },
                          },
                          {
                            timeUnixNano: ns(t + 25_000),
                            value: { $case: "asDouble", value: 0.02 },
                          },
                        ],
                      },
                    },
                  },
                  {
                    name: "http.server.request.duration",
                    data: {
                      $case: "histogram",
                      value: {
                        dataPoints: [
                          {
                            timeUnixNano: ns(t + 25_000),
                            count: "3",
                            bucketCounts: ["3"],
                            explicitBounds: [1, 2],
                          },
                        ],
                      },
                    },
                  },
                ],
              },
            ],
          },
          {
            resource: resource(),
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: "x",
                    data: {
                      $case: "gauge",
                      value: { dataPoints: [{ timeUnixNano: ns(t + 25_000) }] },
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(res.partialSuccess?.rejectedDataPoints).toBe(3);
    expect(sink.rejections.map((r) => r.code).sort()).toEqual([
      "INVALID_VALUE",
      "INVALID_VALUE",
      "MISSING_FIELD",
    ]);
    expect(sink.rejections.find((r) => r.reason.includes("bucket_counts"))?.reason).toMatch(
      /bucket_counts has 1 entries for 2 explicit_bounds/,
    );
    expect(sink.events.map((e) => [e.metric, e.value])).toEqual([["error_rate", 0.02]]);
  });
});

describe("OTLP logs", () => {
  it("maps FATAL text to a critical alert, refuses bad records and ignores info", async () => {
    const t = NOW - 1_000; // after every earlier test's events: not late
    const res = await call<ExportLogsServiceRequest, ExportLogsServiceResponse>(
      logs,
      ExportLogsServiceRequest.fromPartial({
        resourceLogs: [
          {
            resource: resource("ledger"),
            scopeLogs: [
              {
                logRecords: [
                  {
                    timeUnixNano: ns(t),
                    severityText: "FATAL",
                    body: { value: { $case: "stringValue", value: "disk 3 full" } },
                  },
                  { timeUnixNano: ns(t), severityNumber: 99 as SeverityNumber },
                  {
                    timeUnixNano: ns(t),
                    eventName: "feedback",
                    attributes: [attr("feedback.score", 3)],
                  },
                  {
                    timeUnixNano: ns(t),
                    severityNumber: 9,
                    body: { value: { $case: "stringValue", value: "ok" } },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(res.partialSuccess?.rejectedLogRecords).toBe(2);
    expect(sink.rejections.map((r) => [r.code, r.reason])).toEqual([
      ["INVALID_ENUM", "severity_number 99 is not a SeverityNumber (0-24)"],
      ["MISSING_FIELD", "event feedback needs the attribute journey.name"],
    ]);
    expect(sink.events.map((e) => [e.kind, e.service, e.severity, e.labels.template])).toEqual([
      ["alert", "ledger", "critical", "disk <n> full"],
    ]);
  });
});

describe("OTLP protocol manners", () => {
  const raw = (path: string) =>
    new (makeGenericClientConstructor(
      {
        export: {
          path,
          requestStream: false,
          responseStream: false,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      },
      "raw",
    ))(server.address, credentials.createInsecure()) as unknown as {
      export(b: Buffer, cb: (e: ServiceError | null) => void): void;
      close(): void;
    };

  it("refuses undecodable and oversized requests with a status and a stored row", async () => {
    const c = raw("/opentelemetry.proto.collector.logs.v1.LogsService/Export");
    const send = (b: Buffer) => new Promise<ServiceError | null>((r) => c.export(b, r));
    const bad = await send(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expect(bad?.code).toBe(status.INVALID_ARGUMENT);
    expect(bad?.details).toMatch(/not a valid opentelemetry ExportLogsServiceRequest/);
    const big = await send(Buffer.alloc(100 * 1024));
    expect(big?.code).toBe(status.RESOURCE_EXHAUSTED);
    c.close();
    expect(sink.rejections.map((r) => [r.front_end, r.code])).toEqual([
      ["otlp", "MALFORMED"],
      ["otlp", "BATCH_TOO_LARGE"],
    ]);
  });

  it("answers UNAVAILABLE with RetryInfo while the sink is backed up", async () => {
    sink.busy = true;
    const err = await call(traces, ExportTraceServiceRequest.fromPartial({})).catch(
      (e: ServiceError) => e,
    );
    expect((err as ServiceError).code).toBe(status.UNAVAILABLE);
    const details = (err as ServiceError).metadata.get("grpc-status-details-bin")[0] as Buffer;
    expect(decodeRetryDelayMs(details)).toBe(1000);
    expect(sink.rejections).toEqual([]);
  });
});
