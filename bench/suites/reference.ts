// The WASM core against the plain TypeScript reference model on the same
// pre-encoded workload as the core suite (bench/suites/core.ts): healthy
// traffic over a layered estate, 10,000 records a batch. The core copies each
// batch's bytes into its memory and processes it; the reference gets the same
// records already decoded into objects (its natural input), so neither pays
// for protobuf decoding, interning or output decoding. Both start over on a
// fresh instance (outside the timed window) when the workload runs out.
import { TenantCore } from "../../src/core/tenant-core.js";
import type { Topology } from "../../src/gen/impactd/v1/topology.js";
import {
  decodeInput,
  encodeOutput,
  type InputRecord,
  ReferenceCore,
} from "../../src/reference/index.js";
import { type Measured, measureCalls } from "../harness/measure.js";
import { type BenchResult, result } from "../result.js";
import { batches, topology } from "./core.js";

const BATCH = 10_000;
/** Batches prepared per size; each side starts over (outside the timed calls) when they run out. */
const PREPARED = 64;

// Measures one batch per call on the CPU-time clock the core suite uses, so
// the two suites' figures compare; `start` makes a fresh instance and returns
// its step (process batch b), and is called outside the timed window whenever
// the workload is used up.
async function measure(
  name: string,
  timeMs: number,
  start: () => (batch: number) => void,
): Promise<Measured> {
  let step = start();
  let next = 0;
  return measureCalls(name, () => step(next++), {
    eventsPerCall: BATCH,
    timeMs,
    before: () => {
      if (next < PREPARED) return;
      step = start();
      next = 0;
    },
  });
}

// Both must make the same decisions on the workload (the differential tests
// check this on random streams; here it guards the benchmark's own input).
function checkSame(topo: Topology, data: Uint8Array[], decoded: InputRecord[][]): void {
  const core = new TenantCore();
  core.setTopology(topo);
  const ref = new ReferenceCore();
  ref.setTopology(topo);
  for (let b = 0; b < 4; b++) {
    core.core.process(core.core.loadInput(data[b] as Uint8Array));
    const mine = encodeOutput(ref.engine.process(decoded[b] as InputRecord[]));
    if (!Buffer.from(core.core.outputBytes()).equals(Buffer.from(mine)))
      throw new Error(`reference bench: core and reference disagree on batch ${b}`);
  }
}

/** runReferenceSuite measures events per CPU-second of the core and of the reference model, and their ratio. */
export async function runReferenceSuite(opts: { quick: boolean }): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const timeMs = opts.quick ? 500 : 2_000;
  const sizes = opts.quick ? [100, 10_000] : [100, 1_000, 10_000, 100_000];
  for (const services of sizes) {
    const topo = topology(services, 3);
    const data = batches(services, BATCH, PREPARED, Date.UTC(2026, 0, 1));
    const decoded: InputRecord[][] = data.map((b) => decodeInput(b));
    checkSame(topo, data, decoded);
    const wasm = await measure(`core ${services} services`, timeMs, () => {
      const core = new TenantCore();
      core.setTopology(topo);
      return (b) => core.core.process(core.core.loadInput(data[b] as Uint8Array));
    });
    const plain = await measure(`reference ${services} services`, timeMs, () => {
      const ref = new ReferenceCore();
      ref.setTopology(topo);
      return (b) => ref.engine.process(decoded[b] as InputRecord[]);
    });
    const ratio = Math.round((wasm.eventsPerCpuSec / plain.eventsPerCpuSec) * 100) / 100;
    console.log(`  ${services} services: core/reference = ${ratio}x (events per CPU-second)`);
    const params = { services, fanout: 3, batch_events: BATCH, latency: "CPU ms per batch" };
    for (const [name, m, extra] of [
      ["core", wasm, { wasm: "release" }],
      ["reference", plain, { core_over_reference: ratio }],
    ] as const) {
      results.push(
        result(
          "reference",
          `${name} ${services} services`,
          {
            events_per_sec: Math.round(m.eventsPerSec),
            events_per_cpu_sec: Math.round(m.eventsPerCpuSec),
            p50_ms: m.p50CpuMs,
            p99_ms: m.p99CpuMs,
          },
          { ...params, ...extra },
        ),
      );
    }
  }
  return results;
}
