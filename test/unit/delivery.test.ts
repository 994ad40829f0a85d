// Late and duplicated delivery: the transformation does what it says (every
// event once, copies with the same id after their original, in-bound late
// events never behind the watermark, very late ones always behind it), and
// the real pipeline counts exactly those late events and drops exactly those
// copies.
import { describe, expect, it } from "vitest";
import type { Event } from "../../src/gen/impactd/v1/event.js";
import type { Topology } from "../../src/gen/impactd/v1/topology.js";
import { Pipeline, type PipelineSink } from "../../src/pipeline/pipeline.js";
import { deliver, Simulator } from "../../src/sim/index.js";

const T0 = Date.UTC(2025, 0, 6, 8, 0, 0);
const MIN = 60_000;
const L = 2_000;

function estate(): Topology {
  const svc = (name: string, deps: string[] = []) => ({
    name,
    team: "",
    tier: 0,
    kinds: [],
    slo: undefined,
    dependsOn: deps.map((service) => ({ service, kind: 1, discovered: false })),
  });
  return {
    services: [
      svc("web", ["api"]),
      svc("api", ["db", "cache"]),
      svc("db"),
      svc("cache"),
      svc("jobs", ["db"]),
    ],
    journeys: [
      {
        name: "buy",
        customersPerMin: 500,
        sloTarget: 0.99,
        sloWindowDays: 0,
        steps: [{ name: "pay", services: ["web", "api", "db"] }],
      },
    ],
    teams: [],
  };
}

function stream(minutes = 30): Event[] {
  const sim = new Simulator(estate(), {
    seed: 4,
    startMs: T0,
    durationMs: minutes * MIN,
    faults: [{ kind: "hard-failure", service: "db", startMs: 10 * MIN, durationMs: 5 * MIN }],
  });
  return [...sim.events()];
}

const opts = {
  seed: 9,
  latenessMs: L,
  lateShare: 0.05,
  beyondShare: 0.01,
  duplicateShare: 0.05,
  batchSize: 100,
};

describe("deliver", () => {
  const events = stream();

  it("delivers every event once plus the counted copies, copies after their original", () => {
    const d = deliver(events, opts);
    const flat = d.batches.flat();
    expect(flat.length).toBe(events.length + d.duplicates);
    expect(d.duplicates).toBeGreaterThan(events.length * 0.02);
    const firstAt = new Map<string, number>();
    flat.forEach((ev, i) => {
      if (!firstAt.has(ev.id)) firstAt.set(ev.id, i);
    });
    expect(new Set(firstAt.keys())).toEqual(new Set(events.map((e) => e.id)));
    // The first copy of an id is the original object; later copies are equal re-sends.
    const original = new Map(events.map((e) => [e.id, e]));
    flat.forEach((ev, i) => {
      expect(ev).toEqual(original.get(ev.id));
      if (firstAt.get(ev.id) !== i) expect(i).toBeGreaterThan(firstAt.get(ev.id) as number);
    });
    expect(Math.max(...d.batches.map((b) => b.length))).toBeLessThanOrEqual(100);
  });

  it("keeps in-bound late events ahead of the watermark and puts very late ones behind it", () => {
    const d = deliver(events, opts);
    expect(d.lateInBound).toBeGreaterThan(events.length * 0.02);
    expect(d.lateBeyond).toBeGreaterThan(0);
    // Replay the core's rule: an event is late when older than the newest
    // event of any earlier batch minus the lateness.
    let newest = Number.NEGATIVE_INFINITY;
    let late = 0;
    let outOfOrder = 0;
    let prev = Number.NEGATIVE_INFINITY;
    for (const b of d.batches) {
      for (const ev of b) {
        if (ev.tsUnixMs < newest - L) late++;
        if (ev.tsUnixMs < prev) outOfOrder++;
        prev = Math.max(prev, ev.tsUnixMs);
      }
      newest = Math.max(newest, ...b.map((e) => e.tsUnixMs));
    }
    // Copies may be behind too, but de-duplication drops them before the core.
    expect(late).toBeGreaterThanOrEqual(d.lateBeyond);
    const seen = new Set<string>();
    let lateFirst = 0;
    newest = Number.NEGATIVE_INFINITY;
    for (const b of d.batches) {
      for (const ev of b) {
        if (!seen.has(ev.id) && ev.tsUnixMs < newest - L) lateFirst++;
        seen.add(ev.id);
      }
      newest = Math.max(newest, ...b.map((e) => e.tsUnixMs));
    }
    expect(lateFirst).toBe(d.lateBeyond);
    expect(outOfOrder).toBeGreaterThan(d.lateBeyond);
  });

  it("replays a seed; another seed with the same beyondSeed reorders but makes the same events very late", () => {
    const a = deliver(events, opts);
    expect(deliver(events, opts)).toEqual(a);
    const b = deliver(events, {
      ...opts,
      seed: 10,
      beyondSeed: 9,
      batchSize: 37,
      lingerMs: 30_000,
    });
    expect(b.batches.flat().map((e) => e.id)).not.toEqual(a.batches.flat().map((e) => e.id));
    expect(b.lateBeyond).toBe(a.lateBeyond);
  });

  it("cuts batches by linger time", () => {
    const d = deliver(events, {
      ...opts,
      lateShare: 0,
      beyondShare: 0,
      duplicateShare: 0,
      batchSize: 10_000,
      lingerMs: 5_000,
    });
    for (const b of d.batches) {
      const span = (b[b.length - 1] as Event).tsUnixMs - (b[0] as Event).tsUnixMs;
      expect(span).toBeLessThan(5_000);
    }
    expect(d.batches.flat()).toEqual(events);
  });

  it("rejects bad options", () => {
    expect(() => deliver(events, { ...opts, lateShare: 2 })).toThrow(/lateShare/);
    expect(() => deliver(events, { ...opts, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => deliver(events, { ...opts, latenessMs: 0 })).toThrow(/latenessMs/);
  });
});

describe("delivery through the real pipeline", () => {
  const sink: PipelineSink = {
    writeEvents: () => Promise.resolve(),
    writeRejections: () => Promise.resolve(),
    writeIncidents: () => Promise.resolve(),
  };

  async function run(d: ReturnType<typeof deliver>) {
    let now = T0;
    const p = new Pipeline({ sink, now: () => now });
    p.setTopology("default", estate());
    for (const b of d.batches) {
      now = Math.max(...b.map((e) => e.tsUnixMs)) + 1_000;
      const res = await p.submit(b, { frontEnd: "test" });
      expect(res.rejections).toEqual([]);
    }
    await p.flush();
    return p;
  }

  it("counts exactly the very late events as late and drops exactly the copies", async () => {
    const events = stream(40);
    const d = deliver(events, { ...opts, latenessMs: new Pipeline({ sink }).lateness() });
    const p = await run(d);
    expect(p.stats.late).toBe(d.lateBeyond);
    expect(p.stats.duplicates).toBe(d.duplicates);
    expect(p.stats.accepted).toBe(events.length);
  });
});
