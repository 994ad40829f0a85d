// Acceptance: the OpenTelemetry JS SDK with its OTLP/gRPC exporters (real
// clients) sends spans, metrics and logs of a small shop to impactd: frontend
// calls checkout, checkout calls payments, and payments starts failing. The
// failure opens an incident rooted at payments, the edges the traces reveal
// appear in GetTopology as discovered, and every signal lands in ClickHouse.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-grpc";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { LoggerProvider, SimpleLogRecordProcessor } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImpactdClient } from "../../src/client/client.js";
import { defaultConfig } from "../../src/config/config.js";
import { IncidentStatus } from "../../src/gen/impactd/v1/incident.js";
import { type Runtime, startRuntime } from "../../src/server/runtime.js";

let dir: string;
let rt: Runtime;
let client: ImpactdClient;
let url: string;

const T0 = Math.floor((Date.now() - 180_000) / 1000) * 1000;
const SERVICES = ["frontend", "checkout", "payments"] as const;
const FAILS_FROM = 40_000; // payments fails 40 s in
const SECONDS = 90;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "impactd-otlp-sdk-"));
  rt = await startRuntime({
    ...defaultConfig(),
    dataDir: dir,
    grpc: { host: "127.0.0.1", port: 0 },
    otlp: { enabled: true, host: "127.0.0.1", port: 0 },
    http: { ...defaultConfig().http, enabled: false },
    core: {
      ...defaultConfig().core,
      latenessMs: 2_000,
      heartbeatLagMs: 0,
      checkpointIntervalMs: 0,
    },
  });
  client = new ImpactdClient(rt.grpc.address);
  url = `http://${rt.otlp?.address}`;
});

afterAll(async () => {
  client?.close();
  await rt?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function tracerProvider(service: string) {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": service }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
}

describe("OpenTelemetry SDK over OTLP/gRPC", () => {
  it("turns spans of a failing downstream service into an incident naming it, and discovers the edges", async () => {
    const providers = Object.fromEntries(SERVICES.map((s) => [s, tracerProvider(s)]));
    const tracer = (s: (typeof SERVICES)[number]) =>
      providers[s]?.getTracer("shop") ?? assertNever();
    for (let i = 0; i < SECONDS; i++) {
      const t = T0 + i * 1000;
      const failing = i * 1000 >= FAILS_FROM;
      // frontend -> checkout -> payments, 20 ms per hop; payments fails once failing.
      const root = tracer("frontend").startSpan("GET /checkout", {
        kind: SpanKind.SERVER,
        startTime: t,
      });
      const c1 = tracer("frontend").startSpan(
        "POST checkout",
        { kind: SpanKind.CLIENT, startTime: t + 1, attributes: { "peer.service": "checkout" } },
        trace.setSpan(context.active(), root),
      );
      const s2 = tracer("checkout").startSpan(
        "POST /orders",
        { kind: SpanKind.SERVER, startTime: t + 2 },
        trace.setSpan(context.active(), c1),
      );
      const c2 = tracer("checkout").startSpan(
        "POST payments",
        { kind: SpanKind.CLIENT, startTime: t + 3, attributes: { "peer.service": "payments" } },
        trace.setSpan(context.active(), s2),
      );
      const s3 = tracer("payments").startSpan(
        "POST /charge",
        { kind: SpanKind.SERVER, startTime: t + 4 },
        trace.setSpan(context.active(), c2),
      );
      for (const span of [s3, c2, s2, c1, root]) {
        if (failing) span.setStatus({ code: SpanStatusCode.ERROR, message: "card processor down" });
      }
      s3.end(t + 20);
      c2.end(t + 21);
      s2.end(t + 22);
      c1.end(t + 23);
      root.end(t + 24);
    }
    await Promise.all(Object.values(providers).map((p) => p.forceFlush()));
    await Promise.all(Object.values(providers).map((p) => p.shutdown()));
    await rt.pipeline.flush();
    await rt.sink.flush();

    const open = await client.listIncidents({ statuses: [IncidentStatus.INCIDENT_STATUS_OPEN] });
    expect(open).toHaveLength(1);
    expect(open[0]?.rootCauses[0]?.service).toBe("payments");
    expect(new Set(open[0]?.services)).toEqual(new Set(SERVICES));

    const topo = await client.getTopology();
    const deps = (s: string) => topo.services.find((x) => x.name === s)?.dependsOn ?? [];
    expect(deps("frontend")).toEqual([{ service: "checkout", kind: 1, discovered: true }]);
    expect(deps("checkout")).toEqual([{ service: "payments", kind: 1, discovered: true }]);
    expect(deps("payments")).toEqual([]);

    const rows = await rt.sink.conn.query<{ service: string; metric: string; v: number }>(
      "SELECT service, metric, max(value) AS v FROM events WHERE source = 'otlp' AND kind = 'metric' GROUP BY service, metric ORDER BY service, metric",
    );
    expect(rows.map((r) => [r.service, r.metric, r.v])).toEqual([
      ["checkout", "error_rate", 1],
      ["checkout", "latency_p99_ms", 20],
      ["frontend", "error_rate", 1],
      ["frontend", "latency_p99_ms", 24],
      ["payments", "error_rate", 1],
      ["payments", "latency_p99_ms", 16],
    ]);
  });

  it("maps request-duration histograms to error rate, p99 latency and throughput", async () => {
    const reader = new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url }),
      exportIntervalMillis: 3_600_000,
    });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ "service.name": "inventory" }),
      readers: [reader],
    });
    const h = provider
      .getMeter("http")
      // The semantic conventions' advised buckets, in seconds.
      .createHistogram("http.server.request.duration", {
        unit: "s",
        advice: {
          explicitBucketBoundaries: [
            0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
          ],
        },
      });
    for (let i = 0; i < 90; i++) h.record(0.004, { "http.response.status_code": 200 });
    for (let i = 0; i < 10; i++) h.record(0.8, { "http.response.status_code": 503 });
    provider.getMeter("app").createGauge("queue.depth").record(17);
    await provider.forceFlush();
    await provider.shutdown();
    await rt.sink.flush();
    const rows = await rt.sink.conn.query<{ metric: string; value: number }>(
      "SELECT metric, value FROM events WHERE service = 'inventory' ORDER BY metric",
    );
    const byMetric = Object.fromEntries(rows.map((r) => [r.metric, r.value]));
    expect(byMetric.error_rate).toBeCloseTo(0.1, 9);
    // 90 requests in (0, 5 ms], 10 in (0.75 s, 1 s]: rank 99 of 100 is 9/10 into that bucket.
    expect(byMetric.latency_p99_ms).toBeCloseTo(975, 6);
    expect(byMetric["queue.depth"]).toBe(17);
    expect(byMetric.throughput).toBeGreaterThan(0);
  });

  it("turns event logs into typed events and error logs into alerts", async () => {
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ "service.name": "payments", "service.version": "2.3.1" }),
      processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url }) })],
    });
    const logger = provider.getLogger("shop");
    const at = T0 + 30_000;
    logger.emit({ eventName: "deploy", timestamp: at, body: "rolled out 2.3.1" });
    logger.emit({
      eventName: "feedback",
      timestamp: at,
      attributes: { "journey.name": "checkout", "feedback.score": 2, "feedback.scale": "nps" },
      body: "payment failed twice",
    });
    logger.emit({
      eventName: "journey.step",
      timestamp: at,
      attributes: {
        "journey.name": "checkout",
        "journey.step": "pay",
        "journey.outcome": "failed",
        "journey.count": 3,
      },
    });
    logger.emit({
      severityNumber: SeverityNumber.ERROR,
      severityText: "ERROR",
      timestamp: at,
      body: "charge 81723 failed: processor timeout",
    });
    logger.emit({ severityNumber: SeverityNumber.INFO, timestamp: at, body: "all good" });
    // A known event with a bad attribute is refused and recorded.
    logger.emit({
      eventName: "health_check",
      timestamp: at,
      attributes: { "health.status": "sideways" },
    });
    await provider.forceFlush();
    await provider.shutdown();
    await rt.sink.flush();
    const rows = await rt.sink.conn.query<Record<string, string | number>>(
      "SELECT kind, service, journey, step, status, version, value, toUInt32(count) AS n, name FROM events WHERE source = 'otlp' AND kind != 'metric' ORDER BY kind",
    );
    expect(rows).toEqual([
      expect.objectContaining({
        kind: "alert",
        service: "payments",
        status: "firing",
        name: "ErrorLog",
      }),
      expect.objectContaining({
        kind: "change",
        service: "payments",
        status: "deploy",
        version: "2.3.1",
      }),
      expect.objectContaining({ kind: "feedback", journey: "checkout", value: 2 }),
      expect.objectContaining({
        kind: "journey_signal",
        journey: "checkout",
        step: "pay",
        status: "failed",
        n: 3,
      }),
    ]);
    const rejected = await rt.sink.conn.query<{ code: string; reason: string }>(
      "SELECT code, reason FROM rejected_events WHERE front_end = 'otlp'",
    );
    expect(rejected).toEqual([
      { code: "INVALID_ENUM", reason: expect.stringContaining('health.status "sideways"') },
    ]);
  });
});

function assertNever(): never {
  throw new Error("unreachable");
}
