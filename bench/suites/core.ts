// Core alone: pre-encoded batches copied into the WASM core's linear memory
// and processed, one call per batch; no decoding, interning or I/O.
import { IN_BYTES, K_HEALTH, K_METRIC } from "../../src/core/layout.js";
import { TenantCore } from "../../src/core/tenant-core.js";
import type { Event } from "../../src/gen/impactd/v1/event.js";
import { DependencyKind, type Topology } from "../../src/gen/impactd/v1/topology.js";
import { formatMix, Workload } from "../../src/load/index.js";
import { Rng } from "../../src/sim/index.js";
import { measureCalls } from "../harness/measure.js";
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
 * health checks, each on a uniformly random service, time increasing 1 ms
 * per event across all batches.
 */
export function batches(
  services: number,
  batchSize: number,
  count: number,
  t0: number,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  let ts = t0;
  // The linear congruential generator used before multiplied in doubles,
  // lost the low bits past 2^53 and repeated after 6,063 draws, so the
  // 100,000-service case touched only about 2,900 services. Each service's
  // error rate stays steady (0-1%, by id) as it was, so the work per event
  // is the same at every size: only where the records are changes.
  const rng = new Rng(12345);
  for (let b = 0; b < count; b++) {
    const buf = new ArrayBuffer(batchSize * IN_BYTES);
    const f64 = new Float64Array(buf);
    const u32 = new Uint32Array(buf);
    const u8 = new Uint8Array(buf);
    for (let i = 0; i < batchSize; i++) {
      const p = i * IN_BYTES;
      f64[p >>> 3] = ts++;
      const isHealth = rng.next() < 0.1;
      u8[p + 8] = isHealth ? K_HEALTH : K_METRIC;
      u8[p + 9] = 1; // OK / error_rate
      const service = rng.int(services);
      u32[(p >>> 2) + 3] = service;
      f64[(p >>> 3) + 2] = (service % 100) / 10_000; // 0-1% errors
    }
    out.push(new Uint8Array(buf));
  }
  return out;
}

/** CORE_SIZES are the estate sizes the core is measured at. */
export const CORE_SIZES = [100, 1_000, 10_000, 100_000];
const BATCH = 10_000;
/** Batches prepared per size; the core starts over (outside the timed calls) when they run out. */
const PREPARED = 64;

/**
 * runCoreSuite measures the WASM core alone (one call per 10,000-record
 * batch) at several estate sizes, on a CPU-time clock so the figure is
 * events per CPU-second ("per core") however busy the machine is; then the
 * host bridge (interning, record writing, output decoding) with the core on
 * the workload generator's mixed events.
 */
export async function runCoreSuite(opts: { quick: boolean }): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const timeMs = opts.quick ? 500 : 3_000;
  for (const services of opts.quick ? [100, 10_000] : CORE_SIZES) {
    const topo = topology(services, 3);
    const data = batches(services, BATCH, PREPARED, Date.UTC(2026, 0, 1));
    let core = new TenantCore();
    core.setTopology(topo);
    let next = 0;
    const m = await measureCalls(
      `core ${services} services`,
      () => {
        core.core.process(core.core.loadInput(data[next++] as Uint8Array));
      },
      {
        eventsPerCall: BATCH,
        timeMs,
        before: () => {
          if (next < data.length) return;
          core = new TenantCore();
          core.setTopology(topo);
          next = 0;
        },
      },
    );
    const memoryMb = core.core.stats().memoryBytes / 2 ** 20;
    console.log(
      `  core ${services} services: ${Math.round(m.eventsPerCpuSec).toLocaleString("en-US")} events/CPU-s, ${Math.round(m.eventsPerSec).toLocaleString("en-US")} events/s wall`,
    );
    results.push(
      result(
        "core",
        `${services} services`,
        {
          events_per_sec: Math.round(m.eventsPerSec),
          events_per_cpu_sec: Math.round(m.eventsPerCpuSec),
          p50_ms: m.p50CpuMs,
          p99_ms: m.p99CpuMs,
        },
        {
          services,
          fanout: 3,
          batch_events: BATCH,
          wasm: "release",
          core_memory_mb: Number(memoryMb.toFixed(1)),
          events_per_cpu_sec_mean: Math.round(m.eventsPerCpuSecMean),
          latency: "CPU ms per batch",
          input: "healthy metric + health records",
        },
      ),
    );
  }
  results.push(await bridgeCase(opts.quick ? 200 : timeMs));
  return results;
}

// TenantCore.process on decoded events: what the pipeline pays per batch for
// the core, interning and output decoding included.
async function bridgeCase(timeMs: number): Promise<BenchResult> {
  const services = 1_000;
  const w = new Workload({ services, startMs: Date.UTC(2026, 0, 1), rate: 100_000, faultRate: 6 });
  const prepared = Array.from({ length: 40 }, () => w.nextBatch(BATCH));
  let core = new TenantCore();
  core.setTopology(w.topology);
  let next = 0;
  const m = await measureCalls(
    "bridge",
    () => {
      core.process(prepared[next++] as Event[]);
    },
    {
      eventsPerCall: BATCH,
      timeMs,
      before: () => {
        if (next < prepared.length) return;
        core = new TenantCore();
        core.setTopology(w.topology);
        next = 0;
      },
    },
  );
  return result(
    "core",
    `host bridge + core, ${services} services, generator mix`,
    {
      events_per_sec: Math.round(m.eventsPerSec),
      events_per_cpu_sec: Math.round(m.eventsPerCpuSec),
      p50_ms: m.p50CpuMs,
      p99_ms: m.p99CpuMs,
    },
    {
      services,
      batch_events: BATCH,
      mix: formatMix(w.options.mix),
      events_per_cpu_sec_mean: Math.round(m.eventsPerCpuSecMean),
      fault_rate_per_min: 6,
      latency: "CPU ms per batch",
    },
  );
}
