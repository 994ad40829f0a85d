// Decode + validate, and the rest of the main thread's per-batch work, each
// on its own, on the workload generator's mixed events (1,000 services,
// 1,000 events a batch): protobuf decoding of an Ingest batch (ts-proto),
// validation, the Alertmanager and OTLP front ends' parsing and conversion,
// and Pipeline.submit (validate, de-duplicate, core, incident tracking, row
// building) into a sink that does nothing. CPU-time clock: events per
// CPU-second of one core.
import { IngestRequest } from "../../src/gen/impactd/v1/api.js";
import type { Event } from "../../src/gen/impactd/v1/event.js";
import { ExportLogsServiceRequest } from "../../src/gen/opentelemetry/proto/collector/logs/v1/logs_service.js";
import { ExportMetricsServiceRequest } from "../../src/gen/opentelemetry/proto/collector/metrics/v1/metrics_service.js";
import { alertsBody, parseMix, toOtlp, Workload } from "../../src/load/index.js";
import { Pipeline, type PipelineSink } from "../../src/pipeline/pipeline.js";
import { DEFAULT_LIMITS, validateEvent } from "../../src/pipeline/validate.js";
import { convertApiV2Alerts } from "../../src/sources/http/alertmanager.js";
import { CumulativeSeries, convertLogs, convertMetrics } from "../../src/sources/otlp/index.js";
import { measureCalls } from "../harness/measure.js";
import { type BenchResult, result } from "../result.js";

const SERVICES = 1_000;
const BATCH = 1_000;
const BATCHES = 50;

const NULL_SINK: PipelineSink = {
  writeEvents: () => Promise.resolve(),
  writeRejections: () => Promise.resolve(),
  writeIncidents: () => Promise.resolve(),
};

function workload(mix?: string): Workload {
  const rate = 100_000;
  return new Workload({
    services: SERVICES,
    batchSize: BATCH,
    rate,
    faultRate: 6,
    seed: 11,
    // Event times end now, so validation accepts them.
    startMs: Date.now() - Math.ceil((BATCH * BATCHES * 1000) / rate),
    ...(mix === undefined ? {} : { mix: parseMix(mix) }),
  });
}

/** runDecodeSuite measures decoding, validation, front-end conversion and the pipeline's own work per event. */
export async function runDecodeSuite(opts: { quick: boolean }): Promise<BenchResult[]> {
  const timeMs = opts.quick ? 300 : 2_000;
  const w = workload();
  const batches: Event[][] = Array.from({ length: BATCHES }, () => w.nextBatch());
  const encoded = batches.map((b) => IngestRequest.encode({ batchId: 1, events: b }).finish());
  const out: BenchResult[] = [];
  const add = async (name: string, fn: (i: number) => void, params = {}, before?: () => void) => {
    let i = 0;
    const m = await measureCalls(
      name,
      () => {
        fn(i);
        i = (i + 1) % BATCHES;
      },
      { eventsPerCall: BATCH, timeMs, ...(before === undefined ? {} : { before }) },
    );
    console.log(`  ${name}: ${Math.round(m.eventsPerCpuSec).toLocaleString("en-US")} events/CPU-s`);
    out.push(
      result(
        "decode",
        name,
        {
          events_per_sec: Math.round(m.eventsPerSec),
          events_per_cpu_sec: Math.round(m.eventsPerCpuSec),
          p50_ms: m.p50CpuMs,
          p99_ms: m.p99CpuMs,
        },
        {
          services: SERVICES,
          batch_events: BATCH,
          events_per_cpu_sec_mean: Math.round(m.eventsPerCpuSecMean),
          latency: "CPU ms per batch",
          ...params,
        },
      ),
    );
  };

  const bytes = encoded.reduce((a, b) => a + b.length, 0) / (BATCH * BATCHES);
  await add(
    "protobuf decode (ts-proto IngestRequest)",
    (i) => {
      IngestRequest.decode(encoded[i] as Uint8Array);
    },
    { bytes_per_event: Math.round(bytes) },
  );
  const now = Date.now();
  await add("validate", (i) => {
    for (const ev of batches[i] as Event[]) validateEvent(ev, now, DEFAULT_LIMITS);
  });
  await add("decode + validate", (i) => {
    const req = IngestRequest.decode(encoded[i] as Uint8Array);
    const t = Date.now();
    for (const ev of req.events) validateEvent(ev, t, DEFAULT_LIMITS);
  });

  // Pipeline.submit: everything but decoding and the sink's own work.
  let pipeline = new Pipeline({ sink: NULL_SINK });
  let used = 0;
  const fresh = workload();
  const fresher = () => {
    pipeline = new Pipeline({ sink: NULL_SINK });
    pipeline.setTopology("default", fresh.topology);
  };
  fresher();
  const pool: Event[][] = Array.from({ length: BATCHES }, () => fresh.nextBatch());
  await add(
    "pipeline submit (validate, de-dup, core, incidents, rows; null sink)",
    () => {
      void pipeline.submit(pool[used++] as Event[], { frontEnd: "bench" });
    },
    {},
    () => {
      if (used < pool.length) return;
      // Fresh events (ids and times) and a fresh pipeline when the pool is used up.
      used = 0;
      fresher();
    },
  );

  // Front ends on their own payloads.
  const alerts = workload("alert=1");
  const bodies = Array.from({ length: BATCHES }, () => alertsBody(alerts.nextBatch(), now).body);
  await add(
    "alertmanager v2 body: JSON.parse + convert",
    (i) => {
      convertApiV2Alerts(JSON.parse(bodies[i] as string), now, "default");
    },
    { payload: "POST /api/v2/alerts, 1,000 alerts" },
  );
  const otlp = batches.map((b, i) => {
    const o = toOtlp(b, i * BATCH);
    return {
      metrics: o.metrics && ExportMetricsServiceRequest.encode(o.metrics).finish(),
      logs: o.logs && ExportLogsServiceRequest.encode(o.logs).finish(),
    };
  });
  const ctx = { tenant: "", now, limits: DEFAULT_LIMITS };
  const series = new CumulativeSeries();
  await add("otlp decode + convert (metrics and logs exports)", (i) => {
    const o = otlp[i];
    if (o?.metrics !== undefined)
      convertMetrics(ExportMetricsServiceRequest.decode(o.metrics), ctx, series);
    if (o?.logs !== undefined) convertLogs(ExportLogsServiceRequest.decode(o.logs), ctx);
  });
  return out;
}
