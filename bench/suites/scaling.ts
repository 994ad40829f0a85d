// Scaling with the estate: memory of one tenant (pipeline, name tables,
// topology, WASM core) as services grow from 100 to 100,000 and as journeys
// grow, the memory the de-duplication window costs per remembered id, and
// end-to-end events/s and server memory over gRPC at the same estate sizes.
// (The core alone at these sizes is the core suite; batch size is the ingest
// suite's curve; offered load is the latency suite's.)

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Workload } from "../../src/load/index.js";
import { Pipeline, type PipelineSink } from "../../src/pipeline/pipeline.js";
import { RecentIds } from "../../src/pipeline/recent-ids.js";
import { runE2e } from "../harness/e2e.js";
import { type BenchResult, result } from "../result.js";

/** SCALING_SERVICES are the estate sizes of the curves. */
export const SCALING_SERVICES = [100, 1_000, 10_000, 100_000];

const NULL_SINK: PipelineSink = {
  writeEvents: () => Promise.resolve(),
  writeRejections: () => Promise.resolve(),
  writeIncidents: () => Promise.resolve(),
};

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

// JS heap plus off-heap memory (the WASM core's linear memory counts as external).
function used(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** tenantMemory is the memory one tenant holds after every service has seen events. */
async function tenantMemory(services: number, journeys: number): Promise<number> {
  const w = new Workload({
    services,
    journeys,
    rate: 1_000_000,
    faultRate: 0,
    ids: false,
    startMs: Date.now() - 60_000,
    ...(journeys === 0
      ? { mix: { metric: 80, health: 20, alert: 0, change: 0, journey: 0, feedback: 0, device: 0 } }
      : {}),
  });
  // Enough events that (nearly) every service has state.
  const batches = Array.from({ length: Math.ceil((3 * services) / 10_000) + 1 }, () =>
    w.nextBatch(10_000),
  );
  const before = used();
  const p = new Pipeline({ sink: NULL_SINK });
  p.setTopology("default", w.topology);
  for (const b of batches) await p.submit(b, { frontEnd: "bench" });
  const after = used();
  // Keep the pipeline alive until measured.
  if (p.stats.accepted === 0) throw new Error("scaling: nothing accepted");
  return after - before;
}

/** runScalingSuite measures memory per service, per journey and per de-dup id, and end-to-end scaling with services. */
export async function runScalingSuite(opts: { quick: boolean }): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const sizes = opts.quick ? [100, 10_000] : SCALING_SERVICES;
  for (const services of sizes) {
    const bytes = await tenantMemory(services, 0);
    console.log(`  memory, ${services} services: ${(bytes / 2 ** 20).toFixed(1)} MB`);
    out.push(
      result(
        "scaling",
        `memory, ${services} services`,
        { events_per_sec: null, p50_ms: null, p99_ms: null },
        {
          services,
          journeys: 0,
          memory_mb: Number((bytes / 2 ** 20).toFixed(2)),
          bytes_per_service: Math.round(bytes / services),
          memory: "tenant heap + WASM memory after events on every service",
        },
      ),
    );
  }
  const jServices = 1_000;
  const base = await tenantMemory(jServices, 0);
  for (const journeys of opts.quick ? [1_000] : [1_000, 10_000]) {
    const bytes = (await tenantMemory(jServices, journeys)) - base;
    console.log(`  memory, ${journeys} journeys: ${(bytes / 2 ** 20).toFixed(1)} MB`);
    out.push(
      result(
        "scaling",
        `memory, ${journeys} journeys`,
        { events_per_sec: null, p50_ms: null, p99_ms: null },
        {
          services: jServices,
          journeys,
          memory_mb: Number((bytes / 2 ** 20).toFixed(2)),
          bytes_per_journey: Math.round(bytes / journeys),
          memory: "tenant memory with journeys minus without",
        },
      ),
    );
  }
  if (!opts.quick) {
    const bytes = await tenantMemory(100_000, 10_000);
    console.log(`  memory, 100,000 services + 10,000 journeys: ${(bytes / 2 ** 20).toFixed(1)} MB`);
    out.push(
      result(
        "scaling",
        "memory, 100000 services + 10000 journeys",
        { events_per_sec: null, p50_ms: null, p99_ms: null },
        {
          services: 100_000,
          journeys: 10_000,
          memory_mb: Number((bytes / 2 ** 20).toFixed(2)),
          memory: "tenant heap + WASM memory after events on every service",
        },
      ),
    );
  }
  // The de-duplication window remembers up to 1,000,000 ids per tenant.
  const ids = opts.quick ? 100_000 : 1_000_000;
  const before = used();
  const seen = new RecentIds(ids);
  for (let i = 0; i < ids; i++) seen.add(`load-1-${i}`);
  const idBytes = used() - before;
  if (!seen.add("x")) throw new Error("unreachable");
  out.push(
    result(
      "scaling",
      `memory, de-dup window of ${ids} ids`,
      { events_per_sec: null, p50_ms: null, p99_ms: null },
      {
        ids,
        memory_mb: Number((idBytes / 2 ** 20).toFixed(2)),
        bytes_per_id: Math.round(idBytes / ids),
        id_example: "load-1-123456",
      },
    ),
  );

  for (const services of sizes) {
    const r = await runE2e({
      via: "grpc",
      events: opts.quick ? 30_000 : 200_000,
      workload: { services, batchSize: 5_000, seed: 3, faultRate: 2 },
    });
    const s = r.summary;
    console.log(
      `  grpc end to end, ${services} services: ${Math.round(s.eventsPerSec)} ev/s, ${Math.round(r.eventsPerCpuSec)} ev/CPU-s, peak RSS ${Math.round(r.serverPeakRssMb)} MB`,
    );
    out.push(
      result(
        "scaling",
        `grpc end to end, ${services} services`,
        {
          events_per_sec: Math.round(s.eventsPerSec),
          events_per_cpu_sec: Math.round(r.eventsPerCpuSec),
          p50_ms: s.ackP50Ms,
          p99_ms: s.ackP99Ms,
          peak_rss_mb: Math.round(r.serverPeakRssMb),
        },
        {
          services,
          via: "grpc",
          events: s.acked,
          batch_events: 5_000,
          server_base_rss_mb: Math.round(r.serverBaseRssMb),
          server_cpu_s: Number(r.serverCpuSec.toFixed(2)),
          main_thread_share: Number(r.mainThreadShare.toFixed(2)),
          latency: "batch ack (durable)",
          memory: "server peak RSS",
        },
      ),
    );
  }
  return out;
}
