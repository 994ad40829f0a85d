// Differential and property tests of the WASM core against the plain
// TypeScript reference model (src/reference) on seeded random streams.
//
// Differential: every call (process, advance, flush, live actions at the
// watermark, a live topology change, the core restarting from a checkpoint)
// must give identical decisions from the core and the reference: the decoded
// CoreOutputs compared with Object.is on every number, and the raw output
// records byte for byte.
//
// Property: the core's decisions on a stream are the same whatever the
// batching and whatever the arrival order within the lateness bound.
//
// Reproduce one failing seed with DIFF_SEED=<seed> npx vitest run test/unit/differential.test.ts
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { type CoreOutput, TenantCore } from "../../src/core/tenant-core.js";
import type { Event } from "../../src/gen/impactd/v1/event.js";
import { validateEvent } from "../../src/pipeline/validate.js";
import { encodeOutput, ReferenceCore } from "../../src/reference/index.js";
import { validateTopology } from "../../src/topology/index.js";
import {
  actionEvent,
  batchSize,
  incidentNumber,
  type RandomCase,
  Rng,
  randomCase,
  rearrive,
} from "../helpers/random-streams.js";
import { rareCases } from "../helpers/rare-streams.js";

// Counts can be raised for a soak run: DIFF_STREAMS=50000 PROPERTY_STREAMS=10000.
const DIFF_STREAMS = Number(process.env.DIFF_STREAMS ?? 2_000);
const PROPERTY_STREAMS = Number(process.env.PROPERTY_STREAMS ?? 300);
const only = process.env.DIFF_SEED === undefined ? undefined : Number(process.env.DIFF_SEED);

function seeds(count: number, base: number): number[] {
  return only !== undefined ? [only] : Array.from({ length: count }, (_, i) => base + i);
}

function show(o: unknown): string {
  return JSON.stringify(o, (_k, v) => (Object.is(v, -0) ? "-0" : v));
}

/** firstDifference describes where two output lists first differ, or undefined. */
function firstDifference(a: readonly CoreOutput[], b: readonly CoreOutput[]): string | undefined {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (!isDeepStrictEqual(a[i], b[i]))
      return `output #${i} of ${a.length} vs ${b.length}:\n  core:      ${show(a[i])}\n  reference: ${show(b[i])}`;
  }
  return undefined;
}

/**
 * differential feeds one case to the core and the reference in random
 * batches, with live actions, advances and a topology change, and throws at
 * the first call where they differ; it returns the core's outputs.
 */
function differential(kase: RandomCase): CoreOutput[] {
  const rng = new Rng(kase.seed ^ 0x5eed);
  const options = { params: kase.params, incidentNumber };
  let core = new TenantCore(options);
  const ref = new ReferenceCore(options);
  core.setTopology(kase.topology);
  ref.setTopology(kase.topology);
  // Now and then the core restarts from a checkpoint mid-stream: it must
  // carry on exactly as if it had not.
  const restartAt = rng.chance(0.05) ? rng.int(0, kase.events.length) : -1;
  let call = 0;
  const all: CoreOutput[] = [];
  const check = (what: string, c: CoreOutput[], r: CoreOutput[]) => {
    call++;
    const diff = firstDifference(c, r);
    if (diff !== undefined)
      throw new Error(`seed ${kase.seed}: call ${call} (${what}) differs at ${diff}`);
    const raw = Buffer.from(core.core.outputBytes());
    const mine = Buffer.from(encodeOutput(ref.lastRecords));
    if (!raw.equals(mine))
      throw new Error(`seed ${kase.seed}: call ${call} (${what}): raw output records differ`);
    if (core.watermark() !== ref.watermark())
      throw new Error(
        `seed ${kase.seed}: call ${call} (${what}): watermark ${core.watermark()} vs ${ref.watermark()}`,
      );
    all.push(...c);
  };
  const events = kase.events;
  for (let i = 0; i < events.length; ) {
    const batch = events.slice(i, i + batchSize(rng));
    if (kase.change && kase.change.at >= i && kase.change.at < i + batch.length) {
      core.setTopology(kase.change.topology);
      ref.setTopology(kase.change.topology);
    }
    if (restartAt >= i && restartAt < i + batch.length) {
      const snapshot = core.snapshot();
      core = new TenantCore(options);
      core.restore(snapshot);
    }
    i += batch.length;
    const c = core.process(batch);
    const r = ref.process(batch);
    check(`process ${batch.length} events`, c.outputs, r.outputs);
    if (!isDeepStrictEqual(c.unknownServices, r.unknownServices))
      throw new Error(
        `seed ${kase.seed}: unknown services ${c.unknownServices} vs ${r.unknownServices}`,
      );
    const w = core.watermark();
    const incidents = core.core.stats().incidents;
    if (Number.isFinite(w) && incidents > 0 && rng.chance(0.05)) {
      // Someone acts on an incident now: the host stamps it with the
      // watermark. Now and then two actions come in one call; they apply in
      // record order, not as listed.
      const act = Array.from({ length: rng.chance(0.3) ? 2 : 1 }, () =>
        actionEvent(w, rng.int(1, incidents), rng.int(1, 2)),
      );
      check("live action", core.process(act).outputs, ref.process(act).outputs);
    }
    if (Number.isFinite(w) && rng.chance(0.03)) {
      const to = w + rng.int(0, 2 * kase.lateness + 60_000);
      check(`advance to ${to}`, core.advance(to), ref.advance(to));
    }
  }
  check("flush", core.flush(), ref.flush());
  return all;
}

/** runCore feeds events in batches, adding live actions when `live`; returns outputs and the stored stream. */
function runCore(
  kase: RandomCase,
  events: readonly Event[],
  rng: Rng,
  sizes: "random" | "one",
  live: boolean,
): { outputs: CoreOutput[]; stored: Event[] } {
  const core = new TenantCore({ params: kase.params, incidentNumber });
  core.setTopology(kase.topology);
  const outputs: CoreOutput[] = [];
  const stored: Event[] = [];
  // Actions at one time come in one call at most (see distinctTies in random-streams.ts).
  const acted = new Set(
    events.filter((e) => e.kind?.$case === "incidentAction").map((e) => e.tsUnixMs),
  );
  for (let i = 0; i < events.length; ) {
    const batch = events.slice(i, sizes === "one" ? events.length : i + batchSize(rng));
    i += batch.length;
    stored.push(...batch);
    outputs.push(...core.process(batch).outputs);
    const w = core.watermark();
    const incidents = core.core.stats().incidents;
    if (live && Number.isFinite(w) && incidents > 0 && !acted.has(w) && rng.chance(0.1)) {
      acted.add(w);
      // One action, or two in one call (applied in record order, as the replay sorts them).
      const act = Array.from({ length: rng.chance(0.3) ? 2 : 1 }, () =>
        actionEvent(w, rng.int(1, incidents), rng.int(1, 2)),
      );
      stored.push(...act);
      outputs.push(...core.process(act).outputs);
    }
  }
  outputs.push(...core.flush());
  return { outputs, stored };
}

describe("core and reference model", () => {
  it("generates valid events of every kind", () => {
    const kinds = new Set<string>();
    for (const seed of seeds(50, 1)) {
      const kase = randomCase(seed, { veryLate: true, ticks: [30, 120], distinctTies: false });
      for (const t of [kase.topology, kase.change?.topology]) {
        const issues = t === undefined ? [] : validateTopology(t);
        if (issues.length > 0)
          throw new Error(`seed ${seed}: invalid topology: ${show(issues[0])}`);
      }
      const now = Math.max(...kase.events.map((e) => e.tsUnixMs));
      for (const e of kase.events) {
        const problem = validateEvent(e, now);
        if (problem !== undefined)
          throw new Error(`seed ${seed}: generated an invalid event ${show(e)}: ${problem.reason}`);
        kinds.add(e.kind?.$case ?? "none");
      }
    }
    if (only === undefined) expect(kinds.size).toBe(8);
  });

  it(`agree on ${DIFF_STREAMS} random streams in random batches`, () => {
    const seen = new Map<string, number>();
    for (const seed of seeds(DIFF_STREAMS, 1_000)) {
      const kase = randomCase(seed, { veryLate: true, ticks: [6, 30], distinctTies: false });
      for (const o of differential(kase)) seen.set(o.type, (seen.get(o.type) ?? 0) + 1);
    }
    if (only !== undefined) return;
    // The streams reach every decision the core makes.
    const types = [
      "routed",
      "page",
      "opened",
      "member",
      "root_cause",
      "resolved",
      "status",
      "health",
      "stats",
      "late",
      "merged",
      "impact",
      "severity",
      "prediction",
      "prediction_outcome",
      "experience",
    ];
    for (const t of types) expect(seen.get(t) ?? 0, `outputs of type ${t}`).toBeGreaterThan(0);
  });

  it("agree on hand-made streams of paths random streams rarely reach", () => {
    for (const { name, kase, reached } of rareCases()) {
      if (!reached(differential(kase))) throw new Error(`${name}: the stream missed its path`);
    }
  });

  it(`give the core's outputs whatever the batching and arrival order within the lateness bound (${PROPERTY_STREAMS} streams)`, () => {
    for (const seed of seeds(PROPERTY_STREAMS, 100_000)) {
      const kase = randomCase(seed, { veryLate: false, ticks: [6, 30], distinctTies: true });
      const rng = new Rng(seed ^ 0xbeef);
      // A live run with actions stamped at the watermark, as the host does.
      const first = runCore(kase, kase.events, rng, "random", true);
      expect(
        first.outputs.some((o) => o.type === "late"),
        `seed ${seed}: no event may be late`,
      ).toBe(false);
      // Replay the stored stream: in another arrival order within the bound
      // and other batches, or (every other seed) sorted, as one batch.
      const replay =
        seed % 2 === 0
          ? runCore(kase, rearrive(first.stored, kase.lateness, rng), rng, "random", false)
          : runCore(
              kase,
              [...first.stored].sort((a, b) => a.tsUnixMs - b.tsUnixMs),
              rng,
              "one",
              false,
            );
      const diff = firstDifference(first.outputs, replay.outputs);
      if (diff !== undefined)
        throw new Error(
          `seed ${seed}: the replay differs from the live run at ${diff.replace("core:     ", "live:     ").replace("reference:", "replay:   ")}`,
        );
    }
  });
});
