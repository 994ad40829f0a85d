// Evaluation cases: seeded, spread over estates and fault kinds, valid for
// the simulator; and one case run end to end through the real pipeline,
// checking the plumbing (not the core's quality, which the eval measures).
import { describe, expect, it } from "vitest";
import {
  COOLDOWN_MS,
  compareRuns,
  countAlerts,
  ESTATE_NAMES,
  evalCases,
  observe,
  runCase,
  WARMUP_MS,
} from "../../src/eval/index.js";
import { AlertState, type Event } from "../../src/gen/impactd/v1/event.js";
import { FAULT_KINDS, Simulator } from "../../src/sim/index.js";

describe("evalCases", () => {
  const cases = evalCases({ cases: 200, seed: 1 });

  it("replays a seed and differs across seeds", () => {
    expect(evalCases({ cases: 200, seed: 1 })).toEqual(cases);
    expect(evalCases({ cases: 10, seed: 2 }).map((c) => c.faults)).not.toEqual(
      cases.slice(0, 10).map((c) => c.faults),
    );
  });

  it("spreads cases evenly over estates and fault kinds, with second faults and noise", () => {
    const count = (key: (c: (typeof cases)[number]) => string) => {
      const m = new Map<string, number>();
      for (const c of cases) m.set(key(c), (m.get(key(c)) ?? 0) + 1);
      return m;
    };
    expect([...count((c) => c.estate).values()]).toEqual(ESTATE_NAMES.map(() => 50));
    for (const k of FAULT_KINDS) expect(count((c) => c.kind).get(k)).toBeGreaterThanOrEqual(24);
    expect(count((c) => `${c.estate}/${c.kind}`).size).toBe(
      ESTATE_NAMES.length * FAULT_KINDS.length,
    );
    const twoReal = cases.filter(
      (c) => c.faults.filter((f) => f.kind !== "noisy-alert").length >= 2,
    );
    expect(twoReal.length).toBeGreaterThan(40);
    expect(
      cases.filter((c) => c.faults.some((f, i) => i > 0 && f.kind === "noisy-alert")).length,
    ).toBeGreaterThan(40);
  });

  it("overlaps a second fault with the first and leaves warm-up and cool-down", () => {
    for (const c of cases) {
      const [first, second] = c.faults;
      expect(first?.startMs).toBeGreaterThanOrEqual(WARMUP_MS);
      const end = Math.max(...c.faults.map((f) => f.startMs + f.durationMs));
      expect(c.durationMs).toBeGreaterThanOrEqual(end);
      expect(c.durationMs).toBeGreaterThanOrEqual(
        (first?.startMs ?? 0) + (first?.durationMs ?? 0) + COOLDOWN_MS,
      );
      if (second !== undefined && second.kind !== "noisy-alert") {
        expect(second.startMs).toBeLessThan((first?.startMs ?? 0) + (first?.durationMs ?? 0));
      }
      expect(c.replay.beyondSeed).toBe(c.delivery.beyondSeed);
      expect(c.replay.seed).not.toBe(c.delivery.seed);
    }
  });

  it("builds faults the simulator accepts, and rejects bad options", () => {
    for (const c of cases) {
      expect(
        () =>
          new Simulator(c.topology, {
            seed: c.seed,
            startMs: c.startMs,
            durationMs: c.durationMs,
            faults: c.faults,
          }),
      ).not.toThrow();
    }
    expect(() => evalCases({ cases: 0, seed: 1 })).toThrow(/positive/);
    expect(() => evalCases({ cases: 1, seed: 1, estates: ["moon"] })).toThrow(
      /unknown estate "moon"/,
    );
    expect(evalCases({ cases: 3, seed: 1, estates: ["sock-shop"] }).map((c) => c.estate)).toEqual([
      "sock-shop",
      "sock-shop",
      "sock-shop",
    ]);
  });
});

describe("countAlerts", () => {
  it("counts every FIRING notification and each start of firing per fingerprint", () => {
    const alert = (fp: string, state: AlertState): Event => ({
      tsUnixMs: 1,
      source: "t",
      tenant: "",
      id: "",
      kind: {
        $case: "alert",
        value: {
          service: "s",
          name: "n",
          severity: 1,
          labels: {},
          state,
          fingerprint: fp,
          summary: "",
        },
      },
    });
    const F = AlertState.ALERT_STATE_FIRING;
    const R = AlertState.ALERT_STATE_RESOLVED;
    expect(
      countAlerts([alert("a", F), alert("a", F), alert("b", F), alert("a", R), alert("a", F)]),
    ).toEqual({
      firing: 4,
      episodes: 3,
    });
  });
});

describe("a case through the real pipeline", () => {
  const [c] = evalCases({ cases: 1, seed: 7, estates: ["sock-shop"] });
  if (c === undefined) throw new Error("no case");

  it("scores every fault, checks the delivery counters and replays identically", async () => {
    const r = await runCase(c, true);
    expect(r.score.faults.map((f) => [f.kind, f.rootCause])).toEqual(
      c.faults.map((f) => [f.kind, f.kind === "experience-only" ? f.journey : f.service]),
    );
    expect(r.score.lateCounted).toBe(r.score.lateExpected);
    expect(r.score.duplicatesDropped).toBe(r.score.duplicatesSent);
    expect(r.score.duplicatesSent).toBeGreaterThan(0);
    expect(r.score.rejected).toBe(0);
    expect(r.score.alertsFiring).toBeGreaterThan(0);
    expect(r.differences).toEqual([]);
  });

  it("sends request rates with --throughput, replays them identically and still accepts every event", async () => {
    const plain = await runCase(c, false);
    const r = await runCase(c, true, true);
    // One throughput sample per metric scrape of every service.
    expect(r.events).toBeGreaterThan(plain.events);
    expect(r.score.rejected).toBe(0);
    expect(r.differences).toEqual([]);
    expect(r.score.faults.map((f) => f.rootCause)).toEqual(
      plain.score.faults.map((f) => f.rootCause),
    );
  });

  it("notices a replay that does not apply the same events", async () => {
    const sim = new Simulator(c.topology, {
      seed: c.seed,
      startMs: c.startMs,
      durationMs: c.durationMs,
      faults: c.faults,
    });
    const events = [...sim.events()];
    const a = await observe(c, events, c.delivery);
    // Other very late events: the core applies a different set, and must say so.
    const b = await observe(c, events, {
      ...c.replay,
      beyondSeed: c.delivery.beyondSeed + 1,
      beyondShare: 0.01,
    });
    expect(compareRuns(a.observation, b.observation).length).toBeGreaterThan(0);
  });
});
