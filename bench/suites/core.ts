// Core alone: pre-encoded batches copied into the WASM core's linear memory
// and processed, one call per batch; no decoding, interning or I/O.
import { Bench } from "tinybench";
import { IN_BYTES, K_HEALTH, K_METRIC } from "../../src/core/layout.js";
import { TenantCore } from "../../src/core/tenant-core.js";
import { DependencyKind, type Topology } from "../../src/gen/impactd/v1/topology.js";
import { type BenchResult, result } from "../result.js";

/** topology is a layered estate: each service calls up to `fanout` services of the next layer. */
export function topology(services: number, fanout: number): Topology {
  const names = Array.from({ length: services }, (_, i) => `svc-${i}`);
  return {
    services: names.map((name, i) => ({
      name,
      team: "",
      tier: 0,
      kinds: [],
      slo: undefined,
      dependsOn: Array.from({ length: fanout }, (_, k) => i * fanout + k + 1)
        .filter((j) => j < services)
        .map((j) => ({
          service: `svc-${j}`,
          kind: DependencyKind.DEPENDENCY_KIND_HARD,
          discovered: false,
        })),
    })),
    journeys: [],
    teams: [],
  };
}

/**
 * batches encodes batches of healthy traffic: mostly error-rate samples, some
 * health checks, time increasing 1 ms per event across all batches.
 */
export function batches(
  services: number,
  batchSize: number,
  count: number,
  t0: number,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  let ts = t0;
  let x = 12345;
  for (let b = 0; b < count; b++) {
    const buf = new ArrayBuffer(batchSize * IN_BYTES);
    const f64 = new Float64Array(buf);
    const u32 = new Uint32Array(buf);
    const u8 = new Uint8Array(buf);
    for (let i = 0; i < batchSize; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      const p = i * IN_BYTES;
      f64[p >>> 3] = ts++;
      const isHealth = x % 10 === 0;
      u8[p + 8] = isHealth ? K_HEALTH : K_METRIC;
      u8[p + 9] = 1; // OK / error_rate
      u32[(p >>> 2) + 3] = x % services;
      f64[(p >>> 3) + 2] = (x % 100) / 10_000; // 0-1% errors
    }
    out.push(new Uint8Array(buf));
  }
  return out;
}

/** runCoreSuite measures events/s of the WASM core for several estate and batch sizes. */
export async function runCoreSuite(opts: { quick: boolean }): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const sizes = opts.quick ? [100, 10_000] : [100, 1_000, 10_000, 100_000];
  const batchSize = 10_000;
  const perRun = 20; // batches per measured run
  for (const services of sizes) {
    const topo = topology(services, 3);
    const data = batches(services, batchSize, perRun * 64, Date.UTC(2026, 0, 1));
    let core = new TenantCore();
    core.setTopology(topo);
    let next = 0;
    const bench = new Bench({ time: opts.quick ? 500 : 2_000, warmup: true });
    bench.add(`core ${services} services`, () => {
      if (next + perRun > data.length) {
        core = new TenantCore();
        core.setTopology(topo);
        next = 0;
      }
      for (let i = 0; i < perRun; i++) {
        core.core.process(core.core.loadInput(data[next++] as Uint8Array));
      }
    });
    await bench.run();
    const task = bench.tasks[0];
    const r = task?.result;
    if (r === undefined || !("latency" in r))
      throw new Error(`core bench failed: ${JSON.stringify(r)}`);
    const events = perRun * batchSize;
    results.push(
      result(
        "core",
        `${services} services`,
        {
          events_per_sec: Math.round(events / (r.latency.mean / 1000)),
          p50_ms: r.latency.p50 / perRun,
          p99_ms: r.latency.p99 / perRun,
        },
        { services, fanout: 3, batch_events: batchSize, wasm: "release" },
      ),
    );
  }
  return results;
}
