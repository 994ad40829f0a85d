// The WASM core against the plain TypeScript reference model on the same
// pre-encoded workload as the core suite (bench/suites/core.ts): healthy
// traffic over a layered estate, 10,000 records a batch. The core copies each
// batch's bytes into its memory and processes it; the reference gets the same
// records already decoded into objects (its natural input), so neither pays
// for protobuf decoding, interning or output decoding. Both start over on a
// fresh instance (outside the timed window) when the workload runs out.
import { Bench } from "tinybench";
import { TenantCore } from "../../src/core/tenant-core.js";
import type { Topology } from "../../src/gen/impactd/v1/topology.js";
import {
  decodeInput,
  encodeOutput,
  type InputRecord,
  ReferenceCore,
} from "../../src/reference/index.js";
import { type BenchResult, result } from "../result.js";
import { batches, topology } from "./core.js";

const BATCH = 10_000;
/** Batches per measured iteration, as in the core suite. */
const PER_RUN = 20;
/** Iterations' worth of workload before starting over (bounds the decoded records' memory). */
const LAPS = 8;

interface Measured {
  eventsPerSec: number;
  p50: number;
  p99: number;
}

// Measures one iteration (PER_RUN batches) under tinybench; `start` makes a
// fresh instance and returns its step (process batch b), and is called
// outside the timed window whenever the workload is used up.
async function measure(
  name: string,
  quick: boolean,
  start: () => (batch: number) => void,
): Promise<Measured> {
  let step = start();
  let next = 0;
  const bench = new Bench({ time: quick ? 500 : 2_000, warmup: true });
  bench.add(
    name,
    () => {
      for (let i = 0; i < PER_RUN; i++) step(next++);
    },
    {
      beforeEach: () => {
        if (next + PER_RUN > PER_RUN * LAPS) {
          step = start();
          next = 0;
        }
      },
    },
  );
  await bench.run();
  const r = bench.tasks[0]?.result;
  if (r === undefined || !("latency" in r))
    throw new Error(`${name} bench failed: ${JSON.stringify(r)}`);
  return {
    eventsPerSec: Math.round((PER_RUN * BATCH) / (r.latency.mean / 1000)),
    p50: r.latency.p50 / PER_RUN,
    p99: r.latency.p99 / PER_RUN,
  };
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

/** runReferenceSuite measures events/s of the core and of the reference model, and their ratio. */
export async function runReferenceSuite(opts: { quick: boolean }): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const sizes = opts.quick ? [100, 10_000] : [100, 1_000, 10_000, 100_000];
  for (const services of sizes) {
    const topo = topology(services, 3);
    const data = batches(services, BATCH, PER_RUN * LAPS, Date.UTC(2026, 0, 1));
    const decoded: InputRecord[][] = data.map((b) => decodeInput(b));
    checkSame(topo, data, decoded);
    const wasm = await measure(`core ${services} services`, opts.quick, () => {
      const core = new TenantCore();
      core.setTopology(topo);
      return (b) => core.core.process(core.core.loadInput(data[b] as Uint8Array));
    });
    const plain = await measure(`reference ${services} services`, opts.quick, () => {
      const ref = new ReferenceCore();
      ref.setTopology(topo);
      return (b) => ref.engine.process(decoded[b] as InputRecord[]);
    });
    const ratio = Math.round((wasm.eventsPerSec / plain.eventsPerSec) * 100) / 100;
    console.log(`  ${services} services: core/reference = ${ratio}x`);
    const params = { services, fanout: 3, batch_events: BATCH };
    for (const [name, m, extra] of [
      ["core", wasm, { wasm: "release" }],
      ["reference", plain, { core_over_reference: ratio }],
    ] as const) {
      results.push(
        result(
          "reference",
          `${name} ${services} services`,
          { events_per_sec: m.eventsPerSec, p50_ms: m.p50, p99_ms: m.p99 },
          { ...params, ...extra },
        ),
      );
    }
  }
  return results;
}
