import { describe, expect, it } from "vitest";
import {
  ChangeKind,
  type Event,
  HealthStatus,
  JourneyOutcome,
  MetricKind,
} from "../../src/gen/impactd/v1/event.js";
import { DependencyKind, type Topology } from "../../src/gen/impactd/v1/topology.js";
import { validateEvent } from "../../src/pipeline/validate.js";
import { demoScenario, type Fault, Rng, Simulator } from "../../src/sim/index.js";

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;

// The shop estate of examples/shop.yaml, as a literal so this suite does not
// depend on the topology loader. "~" marks a soft dependency.
const SHOP: Record<string, string[]> = {
  "web-frontend": ["api-gateway"],
  "mobile-bff": ["api-gateway"],
  "api-gateway": [
    "auth",
    "catalog",
    "search",
    "cart",
    "checkout",
    "orders",
    "returns",
    "~recommendations",
  ],
  auth: ["users", "session-cache"],
  users: ["users-db"],
  catalog: ["catalog-db", "~product-images", "~inventory"],
  "product-images": ["object-storage"],
  search: ["search-index", "catalog"],
  recommendations: ["catalog", "recs-model"],
  cart: ["cart-cache", "catalog", "pricing"],
  pricing: ["pricing-db"],
  checkout: ["cart", "payments", "inventory", "shipping", "orders", "fraud-check"],
  payments: ["payments-db", "payment-gateway"],
  "fraud-check": ["users"],
  inventory: ["inventory-db"],
  shipping: ["carrier-gateway"],
  orders: ["orders-db", "message-queue"],
  notifications: ["message-queue"],
  returns: ["orders", "payments", "shipping"],
  "session-cache": [],
  "users-db": [],
  "catalog-db": [],
  "object-storage": [],
  "search-index": [],
  "recs-model": [],
  "cart-cache": [],
  "pricing-db": [],
  "payments-db": [],
  "payment-gateway": [],
  "inventory-db": [],
  "carrier-gateway": [],
  "orders-db": [],
  "message-queue": [],
};

function service(name: string, deps: string[]): Topology["services"][number] {
  return {
    name,
    team: "",
    tier: 0,
    kinds: [],
    slo: { errorRate: name.endsWith("-db") ? 0.01 : 0.02, latencyP99Ms: 800 },
    dependsOn: deps.map((d) => ({
      service: d.replace("~", ""),
      kind: d.startsWith("~")
        ? DependencyKind.DEPENDENCY_KIND_SOFT
        : DependencyKind.DEPENDENCY_KIND_HARD,
      discovered: false,
    })),
  };
}

function journey(name: string, customersPerMin: number, steps: [string, string[]][]) {
  return {
    name,
    customersPerMin,
    sloTarget: 0.995,
    sloWindowDays: 0,
    steps: steps.map(([step, services]) => ({ name: step, services })),
  };
}

function shop(): Topology {
  return {
    services: Object.entries(SHOP).map(([name, deps]) => service(name, deps)),
    journeys: [
      journey("browse", 5000, [
        ["home", ["web-frontend", "api-gateway", "catalog", "recommendations"]],
        ["product-page", ["web-frontend", "api-gateway", "catalog", "product-images", "inventory"]],
      ]),
      journey("search", 3000, [
        ["query", ["web-frontend", "api-gateway", "search", "search-index"]],
        ["results", ["catalog", "product-images"]],
      ]),
      journey("login", 800, [["sign-in", ["web-frontend", "api-gateway", "auth", "users"]]]),
      journey("checkout", 1200, [
        ["view-cart", ["web-frontend", "api-gateway", "cart", "pricing"]],
        ["payment", ["api-gateway", "checkout", "payments", "fraud-check"]],
        ["confirm", ["checkout", "orders", "inventory", "shipping"]],
      ]),
      journey("returns", 60, [
        ["request-return", ["web-frontend", "api-gateway", "returns", "orders"]],
        ["refund", ["returns", "payments"]],
      ]),
    ],
    teams: [],
  };
}

// frontend -> checkout -> payments -> payments-db; search stands apart.
function small(): Topology {
  return {
    services: [
      service("frontend", ["checkout", "search"]),
      service("checkout", ["payments"]),
      service("payments", ["payments-db"]),
      service("payments-db", []),
      service("search", []),
    ],
    journeys: [journey("checkout", 600, [["pay", ["frontend", "checkout", "payments"]]])],
    teams: [],
  };
}

function collect(sim: Simulator, limit = Number.POSITIVE_INFINITY): Event[] {
  const out: Event[] = [];
  for (const ev of sim.events()) {
    if (out.length >= limit) break;
    out.push(ev);
  }
  return out;
}

function metricValues(events: Event[], svc: string, metric: MetricKind, from: number, to: number) {
  return events.flatMap((e) =>
    e.kind?.$case === "metric" &&
    e.kind.value.service === svc &&
    e.kind.value.metric === metric &&
    e.tsUnixMs >= from &&
    e.tsUnixMs < to
      ? [e.kind.value.value]
      : [],
  );
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

describe("Rng", () => {
  it("replays a seed and separates seeds", () => {
    const draw = (seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 8 }, () => r.nextU32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(1)).not.toEqual(draw(2 ** 32 + 1));
  });

  it("keeps every helper in range", () => {
    const r = new Rng(7);
    const bad: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const x = r.next();
      const k = r.int(6);
      const y = r.range(-2, 3);
      if (!(x >= 0 && x < 1 && Number.isInteger(k) && k >= 0 && k < 6 && y >= -2 && y < 3))
        bad.push(i);
    }
    expect(bad).toEqual([]);
    const normals = Array.from({ length: 20_000 }, () => r.normal());
    expect(Math.abs(mean(normals))).toBeLessThan(0.05);
    expect(Math.abs(mean(normals.map((x) => x * x)) - 1)).toBeLessThan(0.05);
    expect(["a", "b", "c"]).toContain(r.pick(["a", "b", "c"]));
    expect(() => r.pick([])).toThrow();
    const hits = Array.from({ length: 10_000 }, () => r.chance(0.3)).filter(Boolean).length;
    expect(hits).toBeGreaterThan(2_700);
    expect(hits).toBeLessThan(3_300);
  });

  it("forks streams that depend on the seed and label only", () => {
    const a = new Rng(5);
    a.next();
    expect(a.fork("x").next()).toBe(new Rng(5).fork("x").next());
    expect(a.fork("x").next()).not.toBe(a.fork("y").next());
  });
});

describe("Simulator", () => {
  const cascade: Fault = {
    kind: "cascade",
    service: "payments-db",
    startMs: 5 * MIN,
    durationMs: 6 * MIN,
  };

  it("replays the same events for a seed and different ones for another", () => {
    const run = (seed: number) =>
      collect(
        new Simulator(shop(), { seed, startMs: T0, durationMs: 10 * MIN, faults: [cascade] }),
      );
    const a = run(1);
    expect(a.length).toBeGreaterThan(1000);
    expect(run(1)).toEqual(a);
    expect(run(2)).not.toEqual(a);
    // A second pass over the same simulator replays too.
    const sim = new Simulator(small(), { seed: 3, startMs: T0, durationMs: 5 * MIN, faults: [] });
    expect(collect(sim)).toEqual(collect(sim));
  });

  it("yields valid events in non-decreasing time with unique ids", () => {
    const sim = new Simulator(shop(), {
      seed: 9,
      startMs: T0,
      durationMs: 30 * MIN,
      faults: demoScenario(30 * MIN),
      tenant: "acme",
    });
    const events = collect(sim);
    const ids = new Set<string>();
    const problems: string[] = [];
    let last = T0;
    for (const ev of events) {
      if (ev.tsUnixMs < last || ev.tsUnixMs >= T0 + 30 * MIN)
        problems.push(`${ev.id}: time ${ev.tsUnixMs}`);
      last = ev.tsUnixMs;
      ids.add(ev.id);
      if (ev.source !== "simulator" || ev.tenant !== "acme")
        problems.push(`${ev.id}: source/tenant`);
      const p = validateEvent(ev, ev.tsUnixMs);
      if (p !== undefined) problems.push(`${ev.id}: ${p.reason}`);
    }
    expect(problems).toEqual([]);
    expect(ids.size).toBe(events.length);
    expect(events[0]?.id).toBe("sim-9-0");
  });

  it("sends request rates only when asked, and every dependency serves at least its callers' calls", () => {
    const opts = { seed: 11, startMs: T0, durationMs: 6 * MIN, faults: [cascade] };
    const rates = (events: Event[], svc: string) =>
      metricValues(events, svc, MetricKind.METRIC_KIND_THROUGHPUT, T0, T0 + 6 * MIN);
    const plain = collect(new Simulator(shop(), opts));
    expect(rates(plain, "checkout")).toEqual([]);
    const withRates = collect(new Simulator(shop(), { ...opts, throughput: true }));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    for (const s of shop().services)
      expect(rates(withRates, s.name).length, s.name).toBeGreaterThan(0);
    // payments is called by checkout and returns, once or more per request
    // (samples carry 5% noise).
    const callers = mean(rates(withRates, "checkout")) + mean(rates(withRates, "returns"));
    expect(mean(rates(withRates, "payments"))).toBeGreaterThan(0.9 * callers);
    // The other signals do not move: the rates come from a stream of their own.
    const errors = (events: Event[]) =>
      metricValues(events, "payments", MetricKind.METRIC_KIND_ERROR_RATE, T0, T0 + 6 * MIN);
    expect(errors(withRates)).toEqual(errors(plain));
  });

  it("cascades a database outage to its hard dependents only", () => {
    const events = collect(
      new Simulator(shop(), { seed: 11, startMs: T0, durationMs: 12 * MIN, faults: [cascade] }),
    );
    const during = (svc: string) =>
      mean(
        metricValues(events, svc, MetricKind.METRIC_KIND_ERROR_RATE, T0 + 6 * MIN, T0 + 11 * MIN),
      );
    const before = (svc: string) =>
      mean(metricValues(events, svc, MetricKind.METRIC_KIND_ERROR_RATE, T0, T0 + 5 * MIN));
    expect(during("payments-db")).toBeGreaterThan(0.95);
    expect(before("payments-db")).toBeLessThan(0.006);
    expect(during("payments")).toBeGreaterThan(0.3);
    expect(during("checkout")).toBeGreaterThan(0.1);
    expect(during("search")).toBeLessThan(0.006);
    expect(during("search")).toBeGreaterThan(0.0005);
    const health = events.flatMap((e) =>
      e.kind?.$case === "healthCheck" &&
      e.kind.value.service === "payments-db" &&
      e.tsUnixMs >= T0 + 6 * MIN &&
      e.tsUnixMs < T0 + 11 * MIN
        ? [e.kind.value.status]
        : [],
    );
    expect(health.length).toBeGreaterThan(5);
    expect(new Set(health)).toEqual(new Set([HealthStatus.HEALTH_STATUS_DOWN]));
    // Prometheus-style alerts: fired, re-sent with one fingerprint, resolved.
    const alerts = events.flatMap((e) =>
      e.kind?.$case === "alert" && e.kind.value.service === "payments-db" ? [e.kind.value] : [],
    );
    expect(alerts.filter((a) => a.state === 1).length).toBeGreaterThanOrEqual(5);
    expect(alerts.at(-1)?.state).toBe(2);
    expect(new Set(alerts.map((a) => a.fingerprint)).size).toBe(1);
    // Checkout customers fail during the outage and not before.
    const failed = (from: number, to: number) =>
      events
        .flatMap((e) =>
          e.kind?.$case === "journeySignal" &&
          e.kind.value.journey === "checkout" &&
          e.kind.value.outcome === JourneyOutcome.JOURNEY_OUTCOME_FAILED &&
          e.tsUnixMs > from &&
          e.tsUnixMs <= to
            ? [e.kind.value.count]
            : [],
        )
        .reduce((a, b) => a + b, 0);
    expect(failed(T0 + 6 * MIN, T0 + 11 * MIN)).toBeGreaterThan(5 * 1200 * 0.2);
    expect(failed(T0, T0 + 5 * MIN)).toBeLessThan(5 * 1200 * 0.005);
  });

  it("fails only the journeys whose requests pass the fault, and their feedback drops", () => {
    const long: Fault = { ...cascade, startMs: 20 * MIN, durationMs: 20 * MIN };
    const events = collect(
      new Simulator(shop(), { seed: 12, startMs: T0, durationMs: 40 * MIN, faults: [long] }),
    );
    const share = (journey: string, step: string, from: number, to: number) => {
      let started = 0;
      let failed = 0;
      for (const e of events) {
        if (e.kind?.$case !== "journeySignal" || e.tsUnixMs <= from || e.tsUnixMs > to) continue;
        const v = e.kind.value;
        if (v.journey !== journey || v.step !== step) continue;
        if (v.outcome === JourneyOutcome.JOURNEY_OUTCOME_STARTED) started += v.count;
        if (v.outcome === JourneyOutcome.JOURNEY_OUTCOME_FAILED) failed += v.count;
      }
      return failed / started;
    };
    const [from, to] = [T0 + 21 * MIN, T0 + 40 * MIN];
    expect(share("checkout", "payment", from, to)).toBeGreaterThan(0.4);
    expect(share("returns", "refund", from, to)).toBeGreaterThan(0.4);
    // The gateway routes browsing elsewhere: a payments outage does not fail it.
    expect(share("browse", "home", from, to)).toBeLessThan(0.001);
    expect(share("checkout", "view-cart", from, to)).toBeLessThan(0.001);
    const nps = (from: number, to: number) =>
      mean(
        events.flatMap((e) =>
          e.kind?.$case === "feedback" &&
          e.kind.value.journey === "checkout" &&
          e.tsUnixMs > from &&
          e.tsUnixMs <= to
            ? [e.kind.value.score]
            : [],
        ),
      );
    expect(nps(T0, T0 + 20 * MIN)).toBeGreaterThan(6);
    expect(nps(from, to)).toBeLessThan(4);
  });

  it("emits a deploy at the onset of a deploy regression, then degrades", () => {
    const fault: Fault = {
      kind: "deploy-regression",
      service: "search",
      startMs: 2 * MIN,
      durationMs: 8 * MIN,
    };
    const sim = new Simulator(small(), {
      seed: 4,
      startMs: T0,
      durationMs: 12 * MIN,
      faults: [fault],
      routineDeploysPerServicePerDay: 0,
    });
    const events = collect(sim);
    const deploys = events.filter((e) => e.kind?.$case === "change");
    expect(deploys[0]?.tsUnixMs).toBe(T0 + 2 * MIN);
    expect(deploys[0]?.kind?.$case === "change" && deploys[0].kind.value).toMatchObject({
      service: "search",
      kind: ChangeKind.CHANGE_KIND_DEPLOY,
    });
    expect(deploys).toHaveLength(2); // the deploy and its rollback at the end
    const lat = (from: number, to: number) =>
      mean(metricValues(events, "search", MetricKind.METRIC_KIND_LATENCY_P99_MS, from, to));
    const err = (from: number, to: number) =>
      mean(metricValues(events, "search", MetricKind.METRIC_KIND_ERROR_RATE, from, to));
    expect(err(T0 + 6 * MIN, T0 + 10 * MIN)).toBeGreaterThan(0.12);
    expect(lat(T0 + 6 * MIN, T0 + 10 * MIN) / lat(T0, T0 + 2 * MIN)).toBeGreaterThan(2.4);
    expect(err(T0 + 10 * MIN + 1000, T0 + 12 * MIN)).toBeLessThan(0.006);
  });

  it("alternates a flapping health check while its metrics stay normal", () => {
    const fault: Fault = {
      kind: "flapping",
      service: "search",
      startMs: 3 * MIN,
      durationMs: 5 * MIN,
    };
    const events = collect(
      new Simulator(small(), { seed: 8, startMs: T0, durationMs: 10 * MIN, faults: [fault] }),
    );
    const statuses = events.flatMap((e) =>
      e.kind?.$case === "healthCheck" &&
      e.kind.value.service === "search" &&
      e.tsUnixMs >= T0 + 3 * MIN &&
      e.tsUnixMs < T0 + 8 * MIN
        ? [e.kind.value.status]
        : [],
    );
    expect(statuses).toHaveLength(10);
    statuses.forEach((s, i) => {
      expect(s).toBe(i % 2 === 0 ? HealthStatus.HEALTH_STATUS_DOWN : HealthStatus.HEALTH_STATUS_OK);
    });
    const err = metricValues(
      events,
      "search",
      MetricKind.METRIC_KIND_ERROR_RATE,
      T0,
      T0 + 10 * MIN,
    );
    expect(Math.max(...err)).toBeLessThan(0.01);
    expect(events.some((e) => e.kind?.$case === "alert")).toBe(false);
  });

  it("sends a noisy alert on a healthy service and resolves it", () => {
    const fault: Fault = {
      kind: "noisy-alert",
      service: "search",
      startMs: MIN,
      durationMs: 3 * MIN,
    };
    const events = collect(
      new Simulator(small(), { seed: 8, startMs: T0, durationMs: 6 * MIN, faults: [fault] }),
    );
    const alerts = events.flatMap((e) => (e.kind?.$case === "alert" ? [e] : []));
    expect(alerts.map((e) => e.tsUnixMs - T0)).toEqual([1, 2, 3, 4].map((m) => m * MIN));
    expect(alerts.map((e) => (e.kind?.$case === "alert" ? e.kind.value.state : 0))).toEqual([
      1, 1, 1, 2,
    ]);
  });

  it("reports ground truth for each fault", () => {
    const faults = demoScenario(30 * MIN);
    const sim = new Simulator(shop(), { seed: 1, startMs: T0, durationMs: 30 * MIN, faults });
    const truth = sim.groundTruth();
    expect(truth.map((t) => [t.kind, t.rootCause])).toEqual(faults.map((f) => [f.kind, f.service]));
    const db = truth[0];
    expect(db).toMatchObject({
      rootCause: "payments-db",
      startMs: T0 + 5 * MIN,
      endMs: T0 + 11 * MIN,
    });
    expect(db?.noise).toBe(false);
    expect(db?.breachMs).toBe(T0 + 5 * MIN);
    expect(db?.affected[0]).toBe("payments-db");
    expect(db?.affected).toEqual(
      expect.arrayContaining(["payments", "checkout", "api-gateway", "returns"]),
    );
    expect(db?.affected).not.toContain("search");
    const search = truth.find((t) => t.kind === "deploy-regression");
    expect(search?.breachMs).toBeGreaterThan(T0 + 12 * MIN);
    expect(search?.breachMs).toBeLessThan(T0 + 15 * MIN);
    expect(
      truth
        .filter((t) => t.noise)
        .map((t) => t.kind)
        .sort(),
    ).toEqual(["flapping", "noisy-alert"]);
  });

  it("lays the demo scenario out inside any duration and skips unknown services", () => {
    for (const d of [MIN, 30 * MIN, 6 * 3_600_000]) {
      for (const f of demoScenario(d)) {
        expect(f.startMs).toBeGreaterThanOrEqual(0);
        expect(f.startMs + f.durationMs).toBeLessThanOrEqual(d);
      }
    }
    expect(demoScenario(30 * MIN, small()).map((f) => f.service)).toEqual([
      "payments-db",
      "search",
    ]);
  });

  it("predicts the SLO breach of a gradual degradation", () => {
    const fault: Fault = {
      kind: "gradual-degradation",
      service: "payments",
      startMs: MIN,
      durationMs: 40 * MIN,
    };
    const sim = new Simulator(small(), {
      seed: 2,
      startMs: T0,
      durationMs: 45 * MIN,
      faults: [fault],
    });
    const [truth] = sim.groundTruth();
    expect(truth?.breachMs).toBeGreaterThan(T0 + 10 * MIN);
    expect(truth?.breachMs).toBeLessThan(T0 + 35 * MIN);
    expect(sim.groundTruth()).toEqual(sim.groundTruth());
    const events = collect(sim);
    const err = (from: number) =>
      mean(
        metricValues(
          events,
          "payments",
          MetricKind.METRIC_KIND_ERROR_RATE,
          T0 + from,
          T0 + from + 2 * MIN,
        ),
      );
    expect(err(5 * MIN)).toBeLessThan(err(20 * MIN));
    expect(err(20 * MIN)).toBeLessThan(err(38 * MIN));
    expect(
      events.some((e) => e.kind?.$case === "change" && e.kind.value.service === "payments"),
    ).toBe(false);
  });

  it("rejects faults on services the topology lacks", () => {
    expect(
      () =>
        new Simulator(small(), {
          seed: 1,
          startMs: T0,
          durationMs: MIN,
          faults: [{ kind: "cascade", service: "nope", startMs: 0, durationMs: 1 }],
        }),
    ).toThrow(/not in the topology/);
  });

  it("produces a plausible volume for the 33-service estate, lazily", () => {
    const sim = new Simulator(shop(), {
      seed: 5,
      startMs: T0,
      durationMs: 30 * MIN,
      faults: demoScenario(30 * MIN),
    });
    const events = collect(sim);
    // 33 services x (2 metrics / 10 s + 1 probe / 30 s) = 462 a minute, plus
    // journey counts, feedback, alerts and deploys.
    expect(events.length).toBeGreaterThan(30 * 480);
    expect(events.length).toBeLessThan(30 * 650);
    const year = new Simulator(shop(), {
      seed: 5,
      startMs: T0,
      durationMs: 365 * 24 * 60 * MIN,
      faults: [],
    });
    const t = performance.now();
    expect(collect(year, 10)).toHaveLength(10);
    expect(performance.now() - t).toBeLessThan(1_000);
  });
});
