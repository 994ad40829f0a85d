// The simulator's evaluation faults and ground truth on the shop estate:
// experience-only and feedback-drop faults, breach times per service and
// journey, true customers affected per minute, and the guilty deploy's id.
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  AlertState,
  type Event,
  JourneyOutcome,
  MetricKind,
} from "../../src/gen/impactd/v1/event.js";
import { type Fault, Simulator } from "../../src/sim/index.js";
import { loadTopologyFile } from "../../src/topology/index.js";

const T0 = Date.UTC(2025, 0, 6, 8, 0, 0);
const MIN = 60_000;
const shop = loadTopologyFile(resolve(import.meta.dirname, "../../examples/shop.yaml"));

function simulate(faults: Fault[], minutes = 40, seed = 3) {
  const sim = new Simulator(shop, { seed, startMs: T0, durationMs: minutes * MIN, faults });
  return { sim, events: [...sim.events()], truth: sim.groundTruth() };
}

function journeyShare(
  events: Event[],
  journey: string,
  step: string,
  outcome: JourneyOutcome,
  from: number,
  to: number,
): number {
  let hit = 0;
  let started = 0;
  for (const e of events) {
    if (e.kind?.$case !== "journeySignal" || e.tsUnixMs < T0 + from || e.tsUnixMs >= T0 + to)
      continue;
    const s = e.kind.value;
    if (s.journey !== journey || s.step !== step) continue;
    if (s.outcome === JourneyOutcome.JOURNEY_OUTCOME_STARTED) started += s.count;
    if (s.outcome === outcome) hit += s.count;
  }
  return hit / Math.max(1, started);
}

function meanFeedback(events: Event[], journey: string, from: number, to: number): number {
  const scores = events.flatMap((e) =>
    e.kind?.$case === "feedback" &&
    e.kind.value.journey === journey &&
    e.tsUnixMs >= T0 + from &&
    e.tsUnixMs < T0 + to
      ? [e.kind.value.score]
      : [],
  );
  return scores.reduce((a, b) => a + b, 0) / Math.max(1, scores.length);
}

function metric(
  events: Event[],
  service: string,
  kind: MetricKind,
  from: number,
  to: number,
): number {
  const xs = events.flatMap((e) =>
    e.kind?.$case === "metric" &&
    e.kind.value.service === service &&
    e.kind.value.metric === kind &&
    e.tsUnixMs >= T0 + from &&
    e.tsUnixMs < T0 + to
      ? [e.kind.value.value]
      : [],
  );
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

const firingAlerts = (events: Event[]) =>
  events.filter(
    (e) => e.kind?.$case === "alert" && e.kind.value.state === AlertState.ALERT_STATE_FIRING,
  );

describe("experience-only fault", () => {
  const fault: Fault = {
    kind: "experience-only",
    service: "",
    journey: "checkout",
    step: "payment",
    startMs: 20 * MIN,
    durationMs: 15 * MIN,
    severity: 0.3,
  };
  const { events, truth } = simulate([fault]);

  it("makes customers give up at its step and feedback fall, with no backend signal", () => {
    const before = journeyShare(
      events,
      "checkout",
      "payment",
      JourneyOutcome.JOURNEY_OUTCOME_ABANDONED,
      5 * MIN,
      19 * MIN,
    );
    const during = journeyShare(
      events,
      "checkout",
      "payment",
      JourneyOutcome.JOURNEY_OUTCOME_ABANDONED,
      22 * MIN,
      35 * MIN,
    );
    expect(before).toBeLessThan(0.01);
    expect(during).toBeGreaterThan(0.25);
    expect(during).toBeLessThan(0.35);
    // Other steps are untouched.
    expect(
      journeyShare(
        events,
        "checkout",
        "confirm",
        JourneyOutcome.JOURNEY_OUTCOME_ABANDONED,
        22 * MIN,
        35 * MIN,
      ),
    ).toBeLessThan(0.01);
    expect(meanFeedback(events, "checkout", 22 * MIN, 36 * MIN)).toBeLessThan(
      meanFeedback(events, "checkout", 0, 19 * MIN) - 1,
    );
    expect(firingAlerts(events)).toEqual([]);
  });

  it("roots the ground truth at the journey, with its impact and breach", () => {
    const [t] = truth;
    expect(t).toMatchObject({
      kind: "experience-only",
      rootKind: "journey",
      rootCause: "checkout",
      affected: [],
      noise: false,
      journeys: ["checkout"],
    });
    expect(t?.journeyBreachMs).toEqual({ checkout: T0 + 20 * MIN });
    const points = t?.impact[0]?.points ?? [];
    expect(points).toHaveLength(15);
    // 30% of 1,200 customers a minute give up; none fail.
    for (const [, perMin, failed] of points) {
      expect(perMin).toBeCloseTo(360, -1);
      expect(failed).toBe(0);
    }
  });

  it("must name an existing journey and step and no service", () => {
    expect(() => simulate([{ ...fault, journey: "nope" }], 25)).toThrow(/journey "nope"/);
    expect(() => simulate([{ ...fault, step: "nope" }], 25)).toThrow(/step "nope"/);
    expect(() => simulate([{ ...fault, service: "checkout" }], 25)).toThrow(/must be empty/);
  });
});

describe("feedback-drop fault", () => {
  const fault: Fault = {
    kind: "feedback-drop",
    service: "checkout",
    startMs: 20 * MIN,
    durationMs: 15 * MIN,
    severity: 0.3,
  };
  const { events, truth } = simulate([fault]);

  it("slows its service until customers give up, without errors or error alerts", () => {
    const slo = 1500; // checkout's latency SLO in examples/shop.yaml
    expect(
      metric(events, "checkout", MetricKind.METRIC_KIND_LATENCY_P99_MS, 25 * MIN, 35 * MIN),
    ).toBeGreaterThan(2 * slo);
    expect(
      metric(events, "checkout", MetricKind.METRIC_KIND_ERROR_RATE, 25 * MIN, 35 * MIN),
    ).toBeLessThan(0.01);
    expect(firingAlerts(events)).toEqual([]);
    expect(
      journeyShare(
        events,
        "checkout",
        "payment",
        JourneyOutcome.JOURNEY_OUTCOME_ABANDONED,
        25 * MIN,
        35 * MIN,
      ),
    ).toBeGreaterThan(0.2);
    expect(meanFeedback(events, "checkout", 25 * MIN, 36 * MIN)).toBeLessThan(
      meanFeedback(events, "checkout", 0, 19 * MIN) - 1,
    );
  });

  it("reports the root's breach and the journeys it costs customers", () => {
    const [t] = truth;
    expect(t?.rootKind).toBe("service");
    expect(t?.breachMs).toBeGreaterThan(T0 + 20 * MIN);
    expect(t?.breachMs).toBeLessThan(T0 + 23 * MIN);
    expect(t?.serviceBreachMs.checkout).toBe(t?.breachMs);
    expect(t?.journeys).toContain("checkout");
    expect(t?.journeys).not.toContain("search");
  });
});

describe("ground truth", () => {
  it("gives a hard failure's customers affected per journey, minute by minute, and nothing to unrelated journeys", () => {
    const { truth } = simulate([
      { kind: "hard-failure", service: "payments-db", startMs: 20 * MIN, durationMs: 10 * MIN },
    ]);
    const [t] = truth;
    expect(t?.journeys).toEqual(expect.arrayContaining(["checkout", "returns"]));
    expect(t?.journeys).not.toContain("search");
    const checkout = t?.impact.find((j) => j.journey === "checkout")?.points ?? [];
    expect(checkout.map(([at]) => at)).toEqual(
      Array.from({ length: 10 }, (_, k) => T0 + 20 * MIN + k * MIN),
    );
    // payments-db down: payments fails, so the payment step loses most customers.
    for (const [, perMin, failed] of checkout) {
      expect(perMin).toBeGreaterThan(600);
      expect(perMin).toBeLessThanOrEqual(1200);
      expect(failed).toBeGreaterThan(600);
      expect(failed).toBeLessThanOrEqual(perMin);
    }
    expect(t?.serviceBreachMs["payments-db"]).toBe(T0 + 20 * MIN);
    expect(Object.keys(t?.serviceBreachMs ?? {})).toEqual(
      expect.arrayContaining(["payments", "checkout"]),
    );
    expect(t?.journeyBreachMs.checkout).toBe(T0 + 20 * MIN);
  });

  it("puts a gradual degradation's breach tens of minutes after onset, journeys included", () => {
    const { truth } = simulate(
      [{ kind: "gradual-degradation", service: "search", startMs: 10 * MIN, durationMs: 50 * MIN }],
      70,
    );
    const [t] = truth;
    expect((t?.breachMs as number) - (T0 + 10 * MIN)).toBeGreaterThan(15 * MIN);
    expect(t?.journeyBreachMs.search).toBeGreaterThan(T0 + 10 * MIN);
    const points = t?.impact.find((j) => j.journey === "search")?.points ?? [];
    // A ramp: impact grows over the fault.
    expect(points[points.length - 1]?.[1]).toBeGreaterThan(5 * (points[5]?.[1] ?? 0));
  });

  it("names the deploy event that brought a bad version, and it is in the stream", () => {
    const { events, truth } = simulate([
      { kind: "deploy-regression", service: "search", startMs: 20 * MIN, durationMs: 10 * MIN },
    ]);
    const id = truth[0]?.changeEventId;
    expect(id).toBeDefined();
    const deploy = events.find((e) => e.id === id);
    expect(deploy?.kind?.$case).toBe("change");
    expect(deploy?.tsUnixMs).toBe(T0 + 20 * MIN);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it("leaves noise without customer impact or breaches", () => {
    const { truth } = simulate([
      { kind: "flapping", service: "recommendations", startMs: 20 * MIN, durationMs: 5 * MIN },
      { kind: "noisy-alert", service: "notifications", startMs: 20 * MIN, durationMs: 5 * MIN },
    ]);
    for (const t of truth) {
      expect(t).toMatchObject({
        noise: true,
        impact: [],
        journeys: [],
        serviceBreachMs: {},
        journeyBreachMs: {},
      });
    }
  });
});
