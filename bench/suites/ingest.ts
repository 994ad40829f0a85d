// End to end over the native gRPC API, embedded: the load generator streams
// pre-encoded batches to an `impactd serve` child (Ingest stream, 8 batches
// in flight); the server decodes, validates, runs the core and writes the raw
// events, incidents and rejections to its embedded ClickHouse before each
// ack. Cases step through batch sizes: the "as batch size grows" curve.
import { runE2e } from "../harness/e2e.js";
import { type BenchResult, result } from "../result.js";

/** INGEST_BATCHES are the batch sizes measured. */
export const INGEST_BATCHES = [100, 1_000, 5_000, 20_000];
const SERVICES = 1_000;

/** runIngestSuite measures gRPC ingest -> core -> chdb throughput, CPU and ack latency per batch size. */
export async function runIngestSuite(opts: { quick: boolean }): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const total = opts.quick ? 50_000 : 400_000;
  for (const batch of opts.quick ? [1_000, 5_000] : INGEST_BATCHES) {
    const events = Math.min(total, batch * 1_000);
    const r = await runE2e({
      via: "grpc",
      events,
      workload: { services: SERVICES, batchSize: batch, seed: 7, faultRate: 2 },
    });
    const s = r.summary;
    console.log(
      `  grpc batch ${batch}: ${Math.round(s.eventsPerSec)} ev/s, ${Math.round(r.eventsPerCpuSec)} ev/CPU-s (main thread ${(r.mainThreadShare * 100).toFixed(0)}%)`,
    );
    out.push(
      result(
        "ingest",
        `grpc batch ${batch} -> core -> chdb`,
        {
          events_per_sec: Math.round(s.eventsPerSec),
          events_per_cpu_sec: Math.round(r.eventsPerCpuSec),
          p50_ms: s.ackP50Ms,
          p99_ms: s.ackP99Ms,
          peak_rss_mb: Math.round(r.serverPeakRssMb),
        },
        {
          via: "grpc",
          events: s.acked,
          batch_events: batch,
          inflight_batches: 8,
          services: SERVICES,
          server_cpu_s: Number(r.serverCpuSec.toFixed(2)),
          main_thread_share: Number(r.mainThreadShare.toFixed(2)),
          rejected: s.rejected,
          latency: "batch ack (durable)",
          memory: "server peak RSS",
        },
      ),
    );
  }
  return out;
}
