// End to end over OTLP/gRPC: the load generator exports the workload as an
// OpenTelemetry Collector would (gauges per service resource, typed events as
// log records with event names) to an `impactd serve` child; each export is
// answered once its events are durable in the embedded ClickHouse.
import { runE2e } from "../harness/e2e.js";
import { type BenchResult, result } from "../result.js";

const SERVICES = 1_000;

/** runOtlpSuite measures OTLP ingest -> core -> chdb throughput, CPU and export latency. */
export async function runOtlpSuite(opts: { quick: boolean }): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const events = opts.quick ? 30_000 : 200_000;
  for (const batch of opts.quick ? [1_000] : [1_000, 5_000]) {
    const r = await runE2e({
      via: "otlp",
      events,
      workload: { services: SERVICES, batchSize: batch, seed: 7, faultRate: 2 },
    });
    const s = r.summary;
    console.log(
      `  otlp batch ${batch}: ${Math.round(s.eventsPerSec)} ev/s, ${Math.round(r.eventsPerCpuSec)} ev/CPU-s`,
    );
    out.push(
      result(
        "otlp",
        `otlp batch ${batch} -> core -> chdb`,
        {
          events_per_sec: Math.round(s.eventsPerSec),
          events_per_cpu_sec: Math.round(r.eventsPerCpuSec),
          p50_ms: s.ackP50Ms,
          p99_ms: s.ackP99Ms,
          peak_rss_mb: Math.round(r.serverPeakRssMb),
        },
        {
          via: "otlp",
          events: s.acked,
          batch_events: batch,
          inflight_batches: 8,
          services: SERVICES,
          server_cpu_s: Number(r.serverCpuSec.toFixed(2)),
          main_thread_share: Number(r.mainThreadShare.toFixed(2)),
          rejected: s.rejected,
          latency: "export answer (durable)",
          memory: "server peak RSS",
        },
      ),
    );
  }
  return out;
}
