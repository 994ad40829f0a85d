// End to end over gRPC: a real client streams batches of simulated events to
// an in-process server; the core runs and raw events, incidents and
// rejections are written to the embedded ClickHouse before each ack.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImpactdClient } from "../../src/client/client.js";
import { defaultConfig } from "../../src/config/config.js";
import type { Event } from "../../src/gen/impactd/v1/event.js";
import { startRuntime } from "../../src/server/runtime.js";
import { Simulator } from "../../src/sim/index.js";
import { loadTopologyFile } from "../../src/topology/index.js";
import { packageRoot } from "../../src/util/package-root.js";
import { type BenchResult, result, samplePeakRss } from "../result.js";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

/** runIngestSuite measures gRPC ingest -> core -> chdb throughput and ack latency. */
export async function runIngestSuite(opts: { quick: boolean }): Promise<BenchResult[]> {
  const total = opts.quick ? 50_000 : 300_000;
  const batchEvents = 2_000;
  const inflightMax = 8;
  const topology = loadTopologyFile(join(packageRoot(), "examples/shop.yaml"));
  // Simulated time long enough for `total` events, ending now.
  const durationMs = Math.ceil(total / 480) * 60_000;
  const sim = new Simulator(topology, {
    seed: 7,
    startMs: Date.now() - durationMs,
    durationMs,
    faults: [],
  });
  const events: Event[] = [];
  for (const ev of sim.events()) {
    events.push(ev);
    if (events.length === total) break;
  }
  const dir = mkdtempSync(join(tmpdir(), "impactd-bench-"));
  const config = {
    ...defaultConfig(),
    dataDir: dir,
    grpc: { host: "127.0.0.1", port: 0 },
    otlp: { ...defaultConfig().otlp, enabled: false },
    http: { ...defaultConfig().http, enabled: false },
    core: {
      ...defaultConfig().core,
      latenessMs: 2_000,
      heartbeatLagMs: 0,
      checkpointIntervalMs: 0,
    },
  };
  const rt = await startRuntime(config, { topology });
  const client = new ImpactdClient(rt.grpc.address);
  try {
    const stream = client.ingest();
    const latencies: number[] = [];
    const inflight: Promise<void>[] = [];
    const start = performance.now();
    for (let i = 0; i < events.length; i += batchEvents) {
      const sent = performance.now();
      inflight.push(
        stream.send(events.slice(i, i + batchEvents)).then(() => {
          latencies.push(performance.now() - sent);
          samplePeakRss();
        }),
      );
      if (inflight.length >= inflightMax) await inflight.shift();
    }
    await Promise.all(inflight);
    const seconds = (performance.now() - start) / 1000;
    await stream.end();
    latencies.sort((a, b) => a - b);
    return [
      result(
        "ingest",
        "grpc -> core -> chdb",
        {
          events_per_sec: Math.round(events.length / seconds),
          p50_ms: percentile(latencies, 0.5),
          p99_ms: percentile(latencies, 0.99),
        },
        {
          events: events.length,
          batch_events: batchEvents,
          inflight_batches: inflightMax,
          services: topology.services.length,
          latency: "batch ack",
        },
      ),
    ];
  } finally {
    client.close();
    await rt.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
