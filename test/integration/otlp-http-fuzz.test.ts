// Seeded fuzzing of the OTLP and HTTP front ends with mutated payloads: every
// request gets an answer (a response or a proper error), every undecodable
// one is stored in rejected_events, and the servers keep serving.
import {
  credentials,
  makeGenericClientConstructor,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExportLogsServiceRequest } from "../../src/gen/opentelemetry/proto/collector/logs/v1/logs_service.js";
import { ExportMetricsServiceRequest } from "../../src/gen/opentelemetry/proto/collector/metrics/v1/metrics_service.js";
import { ExportTraceServiceRequest } from "../../src/gen/opentelemetry/proto/collector/trace/v1/trace_service.js";
import { Pipeline } from "../../src/pipeline/pipeline.js";
import type { RejectionRow } from "../../src/sinks/rows.js";
import { type HttpServer, startHttpServer } from "../../src/sources/http/index.js";
import { type OtlpServer, startOtlpServer } from "../../src/sources/otlp/index.js";

const ROUNDS = 100;
const NOW = Date.now();
const rejections: RejectionRow[] = [];
let otlp: OtlpServer;
let http: HttpServer;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(src: Uint8Array, r: () => number): Buffer {
  const b = Buffer.from(src);
  switch (Math.floor(r() * 4)) {
    case 0:
      for (let i = 0; i < 1 + r() * 4; i++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      return b;
    case 1:
      return b.subarray(0, Math.floor(r() * b.length));
    case 2:
      return Buffer.concat([
        b,
        Buffer.from(Array.from({ length: 8 }, () => Math.floor(r() * 256))),
      ]);
    default:
      return Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)));
  }
}

const kv = (key: string, value: string) => ({
  key,
  value: { value: { $case: "stringValue" as const, value } },
});
const ns = (ms: number) => `${ms}000000`;
const seeds: Record<string, Uint8Array> = {
  "/opentelemetry.proto.collector.trace.v1.TraceService/Export": ExportTraceServiceRequest.encode(
    ExportTraceServiceRequest.fromPartial({
      resourceSpans: [
        {
          resource: { attributes: [kv("service.name", "api")] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: Buffer.alloc(16, 1),
                  spanId: Buffer.alloc(8, 2),
                  kind: 2,
                  startTimeUnixNano: ns(NOW - 1000),
                  endTimeUnixNano: ns(NOW - 900),
                  attributes: [kv("peer.service", "db")],
                },
              ],
            },
          ],
        },
      ],
    }),
  ).finish(),
  "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export":
    ExportMetricsServiceRequest.encode(
      ExportMetricsServiceRequest.fromPartial({
        resourceMetrics: [
          {
            resource: { attributes: [kv("service.name", "api")] },
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
                            timeUnixNano: ns(NOW - 1000),
                            value: { $case: "asDouble", value: 0.1 },
                          },
                        ],
                      },
                    },
                  },
                ],
              },
            ],
          },
        ],
      }),
    ).finish(),
  "/opentelemetry.proto.collector.logs.v1.LogsService/Export": ExportLogsServiceRequest.encode(
    ExportLogsServiceRequest.fromPartial({
      resourceLogs: [
        {
          resource: { attributes: [kv("service.name", "api")] },
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: ns(NOW - 1000),
                  severityNumber: 17,
                  body: { value: { $case: "stringValue", value: "x" } },
                },
              ],
            },
          ],
        },
      ],
    }),
  ).finish(),
};

beforeAll(async () => {
  const pipeline = new Pipeline({
    sink: {
      writeEvents: async () => {},
      writeRejections: async (rows) => {
        rejections.push(...rows);
      },
      writeIncidents: async () => {},
    },
  });
  otlp = await startOtlpServer({ pipeline, port: 0 });
  http = await startHttpServer({ pipeline, port: 0, maxBodyBytes: 16 * 1024 });
});

afterAll(async () => {
  await otlp?.close();
  await http?.close();
});

describe("fuzzing the OTLP and HTTP front ends", () => {
  it("answers every mutated OTLP export and records every undecodable one", async () => {
    const r = rng(42);
    const answers = { ok: 0, malformed: 0 };
    for (const [path, seed] of Object.entries(seeds)) {
      const Client = makeGenericClientConstructor(
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
        "fuzz",
      );
      const c = new Client(otlp.address, credentials.createInsecure()) as unknown as {
        export(b: Buffer, cb: (e: ServiceError | null) => void): void;
        close(): void;
      };
      for (let i = 0; i < ROUNDS; i++) {
        const err = await new Promise<ServiceError | null>((res) => c.export(mutate(seed, r), res));
        if (err === null) answers.ok++;
        else {
          expect(err.code, err.details).toBe(status.INVALID_ARGUMENT);
          answers.malformed++;
        }
      }
      // Still serving: the unmutated request is accepted.
      expect(await new Promise((res) => c.export(Buffer.from(seed), res))).toBeNull();
      c.close();
    }
    expect(answers.ok).toBeGreaterThan(0);
    expect(answers.malformed).toBeGreaterThan(0);
    expect(rejections.filter((x) => x.front_end === "otlp" && x.code === "MALFORMED")).toHaveLength(
      answers.malformed,
    );
  });

  it("answers every mutated HTTP body with JSON and records the malformed ones", async () => {
    const r = rng(7);
    const bodies: Record<string, string> = {
      "/api/v2/alerts": JSON.stringify([{ labels: { alertname: "A", service: "api" } }]),
      "/api/v1/alertmanager/webhook": JSON.stringify({
        version: "4",
        alerts: [{ status: "firing", labels: { alertname: "A", service: "api" } }],
      }),
      "/v2/enqueue": JSON.stringify({
        routing_key: "k",
        event_action: "trigger",
        payload: { summary: "s", source: "api", severity: "error" },
      }),
    };
    let malformed = 0;
    for (const [path, body] of Object.entries(bodies)) {
      for (let i = 0; i < ROUNDS; i++) {
        const res = await fetch(`${http.url}${path}`, {
          method: "POST",
          body: mutate(Buffer.from(body), r),
        });
        expect([200, 202, 400, 409]).toContain(res.status);
        const text = await res.text();
        if (res.status >= 400) {
          const code = (JSON.parse(text) as { error: { code: string } }).error.code;
          expect(code).toMatch(/^[A-Z_]+$/);
          if (code === "MALFORMED") malformed++;
        }
      }
    }
    expect(malformed).toBeGreaterThan(0);
    const stored = rejections.filter((x) => x.front_end === "http" && x.code === "MALFORMED");
    // Alerts that are not objects are MALFORMED too, so there are at least as many rows as answers.
    expect(stored.length).toBeGreaterThanOrEqual(malformed);
    expect((await fetch(`${http.url}/healthz`)).status).toBe(200);
  });
});
