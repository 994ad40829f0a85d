// Behaviour of the WASM core on small hand-made streams: each test builds the
// events one feature needs and checks the decisions that feature must make.
import { describe, expect, it } from "vitest";
import { P_ERR_ALPHA } from "../../src/core/layout.js";
import { type CoreOutput, TenantCore } from "../../src/core/tenant-core.js";
import type { Event } from "../../src/gen/impactd/v1/event.js";
import { DependencyKind, type Topology } from "../../src/gen/impactd/v1/topology.js";

const T0 = Date.UTC(2026, 10, 1);
const MIN = 60_000;

type Svc = { name: string; deps?: string[]; sloErr?: number };
type Jrn = { name: string; cpm: number; slo: number; steps: string[][] };

function topology(services: Svc[], journeys: Jrn[] = []): Topology {
  return {
    services: services.map((s) => ({
      name: s.name,
      team: "",
      tier: 0,
      kinds: [],
      slo: s.sloErr === undefined ? undefined : { errorRate: s.sloErr, latencyP99Ms: 0 },
      dependsOn: (s.deps ?? []).map((d) => ({
        service: d,
        kind: DependencyKind.DEPENDENCY_KIND_HARD,
        discovered: false,
      })),
    })),
    journeys: journeys.map((j) => ({
      name: j.name,
      customersPerMin: j.cpm,
      sloTarget: j.slo,
      sloWindowDays: 30,
      steps: j.steps.map((services, i) => ({ name: `step${i}`, services })),
    })),
    teams: [],
  };
}

const ev = (ts: number, kind: Event["kind"]): Event => ({
  tsUnixMs: ts,
  source: "t",
  tenant: "",
  id: "",
  kind,
});
const err = (ts: number, service: string, value: number) =>
  ev(ts, { $case: "metric", value: { service, metric: 1, customName: "", value } });
const health = (ts: number, service: string, status: number) =>
  ev(ts, { $case: "healthCheck", value: { service, status, message: "" } });
const signal = (ts: number, journey: string, step: string, outcome: number, count: number) =>
  ev(ts, { $case: "journeySignal", value: { journey, step, outcome, count } });
const feedback = (ts: number, journey: string, score: number) =>
  ev(ts, { $case: "feedback", value: { journey, score, scale: 1, channel: "", text: "" } });
const deploy = (ts: number, service: string, version: string) =>
  ev(ts, { $case: "change", value: { service, kind: 1, version, description: "" } });

// Deterministic noise in [-1, 1).
function noise(i: number): number {
  const x = Math.sin(i * 12.9898) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

function run(topo: Topology, events: Event[]): CoreOutput[] {
  const core = new TenantCore();
  core.setTopology(topo);
  events.sort((a, b) => a.tsUnixMs - b.tsUnixMs);
  return [...core.process(events).outputs, ...core.flush()];
}

function of<T extends CoreOutput["type"]>(
  out: CoreOutput[],
  type: T,
): Extract<CoreOutput, { type: T }>[] {
  return out.filter((o) => o.type === type) as Extract<CoreOutput, { type: T }>[];
}

describe("service health from learned baselines", () => {
  it("flags a service far above its own baseline even under its SLO, and not its noise", () => {
    const topo = topology([{ name: "api", sloErr: 0.5 }]);
    const events: Event[] = [];
    for (let i = 0; i < 120; i++)
      events.push(err(T0 + i * 10_000, "api", 0.001 + 0.0003 * noise(i)));
    const quiet = run(topo, [...events]);
    expect(of(quiet, "health").filter((h) => h.health >= 2)).toEqual([]);
    // Now 4% errors: far below the 50% SLO, far above its 0.1% normal.
    for (let i = 120; i < 140; i++) events.push(err(T0 + i * 10_000, "api", 0.04));
    const out = run(topo, events);
    const bad = of(out, "health").find((h) => h.health === 2);
    expect(bad?.service).toBe("api");
    expect(bad?.anomaly).toBeGreaterThan(6);
    expect(of(out, "opened")).toHaveLength(1);
  });

  it("does not learn a failure as normal when watching starts mid-incident", () => {
    const topo = topology([{ name: "api", sloErr: 0.05 }]);
    const events: Event[] = [];
    for (let i = 0; i < 60; i++) events.push(err(T0 + i * 10_000, "api", 0.3));
    const out = run(topo, events);
    const h = of(out, "health");
    expect(h[0]?.health).toBe(2);
    expect(h.filter((x) => x.health === 1)).toEqual([]); // never declared healthy
  });
  it("does not learn a failing first sample as its baseline", () => {
    const topo = topology([{ name: "api", sloErr: 0.05 }]);
    // Watched first mid-failure (45% errors), then 100 healthy minutes...
    const events = [err(T0, "api", 0.45)];
    for (let i = 1; i < 600; i++)
      events.push(err(T0 + i * 10_000, "api", 0.001 + 0.0002 * noise(i)));
    // ...then 4% errors: under the SLO, far above its normal. Had the failing
    // sample become the baseline, its spread would hide this rise for hours.
    for (let i = 600; i < 630; i++) events.push(err(T0 + i * 10_000, "api", 0.04));
    const out = run(topo, events);
    const rise = of(out, "health").filter((h) => h.health === 2 && h.ts >= T0 + 600 * 10_000);
    expect(rise.map((h) => h.service)).toEqual(["api"]);
  });
});

describe("journey impact", () => {
  const topo = topology(
    [{ name: "web", deps: ["pay"] }, { name: "pay", deps: ["db"] }, { name: "db" }],
    [{ name: "checkout", cpm: 1000, slo: 0.99, steps: [["web"], ["pay"]] }],
  );

  it("measures customers affected from journey signals", () => {
    const events: Event[] = [];
    for (let m = 0; m < 40; m++) {
      const t = T0 + m * MIN;
      const failing = m >= 20;
      events.push(signal(t, "checkout", "step0", 1, 1000));
      events.push(signal(t + 1, "checkout", "step1", 4, failing ? 400 : 2));
      events.push(signal(t + 2, "checkout", "step1", 2, failing ? 600 : 998));
      for (let s = 0; s < 6; s++) {
        const ts = t + s * 10_000;
        events.push(
          err(ts, "db", failing ? 0.9 : 0.001),
          err(ts, "pay", failing ? 0.4 : 0.001),
          err(ts, "web", 0.001),
        );
      }
    }
    const out = run(topo, events);
    const impact = of(out, "impact").filter((o) => o.measured);
    const peak = Math.max(...impact.map((o) => o.customersAffectedPerMin));
    // 40% of ~1000 customers a minute fail, against ~0.2% normally.
    expect(peak).toBeGreaterThan(350);
    expect(peak).toBeLessThan(420);
    expect(Math.min(...impact.map((o) => o.successRatio))).toBeLessThan(0.65);
    // 40% failing against a 1% budget burns it at ~40x over 5 minutes.
    expect(Math.max(...impact.map((o) => o.burnRateShort))).toBeGreaterThan(14.4);
    const sev = of(out, "severity").map((s) => s.severity);
    expect(sev).toContain(1); // critical
  });

  it("estimates impact from service health when no journey signals arrive", () => {
    const events: Event[] = [];
    for (let i = 0; i < 30; i++)
      events.push(err(T0 + i * 10_000, "pay", 0.001), err(T0 + i * 10_000, "web", 0.001));
    events.push(health(T0 + 300_000, "db", 3));
    for (let i = 30; i < 40; i++)
      events.push(err(T0 + i * 10_000 + 5, "pay", 0.5), err(T0 + i * 10_000 + 5, "web", 0.001));
    const out = run(topo, events);
    const impact = of(out, "impact");
    expect(impact.length).toBeGreaterThan(0);
    expect(impact.every((o) => !o.measured)).toBe(true);
    // pay fails about half its requests above baseline: about half the customers.
    const last = impact.at(-1);
    expect(last?.customersAffectedPerMin).toBeGreaterThan(400);
    expect(last?.customersAffectedPerMin).toBeLessThan(600);
  });
});

describe("prediction", () => {
  const topo = topology([{ name: "api", sloErr: 0.05 }]);

  function ramp(until: number, slopePerMin: number, stopAt = Number.POSITIVE_INFINITY): Event[] {
    const events: Event[] = [];
    for (let i = 0; i * 10_000 < until; i++) {
      const t = i * 10_000;
      const minutes = Math.max(0, Math.min(t, stopAt) - 30 * MIN) / MIN;
      events.push(err(T0 + t, "api", 0.005 + 0.0005 * noise(i) + slopePerMin * minutes));
    }
    return events;
  }

  it("warns before a slow rise breaches the SLO and scores the warning a hit", () => {
    // From minute 30 the error rate climbs 0.2 points a minute: it crosses 5% near minute 52.
    const out = run(topo, ramp(70 * MIN, 0.002));
    const p = of(out, "prediction")[0];
    expect(p?.target).toBe("api");
    const outcome = of(out, "prediction_outcome").find((o) => o.id === p?.id);
    expect(outcome?.hit).toBe(true);
    const lead = (outcome?.breachAt ?? 0) - (p?.ts ?? 0);
    expect(lead).toBeGreaterThan(5 * MIN);
    expect(p?.breachAt).toBeGreaterThan(p?.ts ?? 0);
  });

  it("stays silent on noise and scores a rise that stops short as a false alarm", () => {
    expect(of(run(topo, ramp(90 * MIN, 0)), "prediction")).toEqual([]);
    // Climbs for 12 minutes, then stays at about 2.9%: under the 5% SLO.
    const out = run(topo, ramp(150 * MIN, 0.002, 42 * MIN));
    const p = of(out, "prediction");
    expect(p.length).toBeGreaterThan(0);
    const outcomes = of(out, "prediction_outcome");
    expect(outcomes.every((o) => !o.hit)).toBe(true);
    expect(outcomes.length).toBe(p.length);
  });
});

describe("experience data", () => {
  const topo = topology(
    [{ name: "web", deps: ["cart"] }, { name: "cart" }, { name: "search" }],
    [{ name: "buy", cpm: 100, slo: 0.99, steps: [["web", "cart"]] }],
  );

  function scores(from: number, to: number, level: (m: number) => number): Event[] {
    const events: Event[] = [];
    for (let i = from; i < to; i++)
      events.push(feedback(T0 + i * 20_000, "buy", Math.round(level(i) + noise(i))));
    return events;
  }

  it("opens an experience incident naming the changed service when no backend failure explains a drop", () => {
    const events = scores(0, 200, (i) => (i < 100 ? 9 : 4));
    for (let i = 0; i < 200; i++)
      events.push(err(T0 + i * 20_000, "web", 0.001), err(T0 + i * 20_000, "cart", 0.001));
    events.push(deploy(T0 + 99 * 20_000, "cart", "v2"));
    const out = run(topo, events);
    const opened = of(out, "opened");
    expect(opened).toHaveLength(1);
    expect(opened[0]?.kind).toBe(1);
    expect(opened[0]?.journey).toBe("buy");
    const top = of(out, "root_cause").find((r) => r.rank === 1);
    expect(top?.service).toBe("cart");
    expect(top?.change?.version).toBe("v2");
    expect(of(out, "experience")[0]?.feedbackBaseline).toBeGreaterThan(0.8);
  });

  it("attaches a drop to the incident already hurting the journey", () => {
    const events = scores(0, 200, (i) => (i < 100 ? 9 : 4));
    for (let i = 0; i < 200; i++) events.push(err(T0 + i * 20_000, "cart", i < 95 ? 0.001 : 0.6));
    const out = run(topo, events);
    const opened = of(out, "opened");
    expect(opened.map((o) => o.kind)).toEqual([0]);
    const exp = of(out, "experience");
    expect(exp.length).toBeGreaterThan(0);
    expect(exp[0]?.incident).toBe(opened[0]?.incident);
  });
});

describe("lifecycle", () => {
  const topo = topology([{ name: "api" }]);

  it("goes open, mitigated, resolved after the quiet period, and reopens instead of duplicating", () => {
    const events: Event[] = [
      health(T0, "api", 1),
      health(T0 + MIN, "api", 3), // down
      health(T0 + 2 * MIN, "api", 1), // recovered: 2 min of clean evidence, then mitigated
      health(T0 + 20 * MIN, "api", 3), // fails again within 30 minutes of resolving
      health(T0 + 21 * MIN, "api", 1),
      health(T0 + 90 * MIN, "api", 1),
    ];
    const out = run(topo, events);
    expect(of(out, "opened")).toHaveLength(1);
    const statuses = of(out, "status").map((s) => [s.status, s.reopened, (s.ts - T0) / MIN]);
    expect(statuses).toEqual([
      [3, false, 4], // mitigated at recovery (+2 min recovery hysteresis)
      [1, true, 20], // reopened
      [3, false, 23],
    ]);
    const resolved = of(out, "resolved").map((r) => (r.ts - T0) / MIN);
    expect(resolved).toEqual([9, 28]); // 5-minute quiet period after mitigation
  });
});

describe("correlation", () => {
  // The incident each service ended up in, by its last member record.
  function incidentOf(out: CoreOutput[]): Map<string, number> {
    const m = new Map<string, number>();
    for (const o of of(out, "member")) if (!o.left) m.set(o.service, o.incident);
    return m;
  }

  it("keeps two faults that meet in a shared caller as two incidents", () => {
    const topo = topology([{ name: "web", deps: ["a", "b"] }, { name: "a" }, { name: "b" }]);
    const out = run(topo, [
      health(T0, "a", 3),
      health(T0 + 2_000, "web", 3), // a symptom of a
      health(T0 + 90_000, "b", 3), // fails on its own: web is already explained by a
    ]);
    const inc = incidentOf(out);
    expect(inc.get("web")).toBe(inc.get("a"));
    expect(inc.get("b")).not.toBe(inc.get("a"));
    expect(of(out, "opened")).toHaveLength(2);
    expect(of(out, "merged")).toEqual([]);
  });

  it("groups a dependency with the caller that failed in the same instant, whatever order they were processed in", () => {
    // x fails first; a minute later web and y fail in the same instant. y may
    // be what web suffers from, so they share an incident, however the
    // topology happens to number the services (the core applies records of
    // one instant in id order).
    const events = [health(T0, "x", 3), health(T0 + MIN, "web", 3), health(T0 + MIN, "y", 3)];
    for (const order of [
      ["web", "x", "y"],
      ["y", "x", "web"],
    ]) {
      const svcs = order.map((name) => (name === "web" ? { name, deps: ["x", "y"] } : { name }));
      const inc = incidentOf(
        run(
          topology(svcs),
          events.map((e) => ({ ...e })),
        ),
      );
      expect(inc.get("y"), order.join(",")).toBe(inc.get("web"));
    }
  });

  it("does not take a caller that failed long before a dependency began to rise as its symptom", () => {
    const topo = topology([{ name: "web", deps: ["db"] }, { name: "db" }]);
    const out = run(topo, [health(T0, "web", 3), health(T0 + 6 * MIN, "db", 3)]);
    const inc = incidentOf(out);
    expect(inc.get("db")).not.toBe(inc.get("web"));
  });

  it("dates a slow failure from when its metrics began to rise and ranks it above the caller seen first", () => {
    const topo = topology([
      { name: "web", deps: ["db"], sloErr: 0.05 },
      { name: "db", sloErr: 0.05 },
    ]);
    const events: Event[] = [];
    // An hour of normal traffic teaches both baselines.
    for (let i = 0; i < 360; i++) {
      events.push(err(T0 + i * 10_000, "db", 0.02 + 0.01 * noise(i)));
      events.push(err(T0 + i * 10_000, "web", 0.01 + 0.002 * noise(i + 1000)));
    }
    const rise = T0 + 60 * MIN;
    // db's errors creep up for 8 minutes before crossing its SLO; web, hurt
    // at once by every failed call, is down after 3 minutes.
    for (let i = 0; i < 60; i++) {
      const t = rise + i * 10_000;
      events.push(err(t, "db", 0.02 + 0.01 * noise(i + 500) + 0.001 * i));
      events.push(err(t, "web", i < 18 ? 0.01 + 0.002 * noise(i) : 0.4));
    }
    const out = run(topo, events);
    const inc = incidentOf(out);
    expect(inc.get("db")).toBe(inc.get("web"));
    const top = of(out, "root_cause").filter((r) => r.rank === 1);
    expect(top.at(-1)?.service).toBe("db");
    expect(of(out, "opened")[0]?.service).toBe("web"); // seen first, ranked second
  });
  it("still takes a dependency that failed first as the cause when the caller had been rising for other reasons", () => {
    const topo = topology([
      { name: "web", deps: ["db"], sloErr: 0.05 },
      { name: "db", sloErr: 0.05 },
    ]);
    const events: Event[] = [];
    for (let i = 0; i < 360; i++) {
      events.push(err(T0 + i * 10_000, "web", 0.01 + 0.001 * noise(i)));
      events.push(health(T0 + i * 10_000, "db", 1));
    }
    // web runs a little hot for six minutes (well outside its noise, within
    // its limits); then db goes down and web fails with it.
    for (let i = 0; i < 36; i++) events.push(err(T0 + 60 * MIN + i * 10_000, "web", 0.016));
    for (let i = 0; i < 12; i++) {
      const t = T0 + 66 * MIN + i * 10_000;
      events.push(health(t, "db", 3));
      events.push(err(t + 5_000, "web", 0.4));
    }
    const out = run(topo, events);
    const inc = incidentOf(out);
    expect(inc.get("web")).toBe(inc.get("db"));
    const top = of(out, "root_cause").filter((r) => r.rank === 1);
    expect(top.at(-1)?.service).toBe("db");
  });

  it("dates a rise from a small error rate doubling, not only from large steps", () => {
    const topo = topology([
      { name: "web", deps: ["db"], sloErr: 0.05 },
      { name: "db", sloErr: 0.05 },
    ]);
    const events: Event[] = [];
    for (let i = 0; i < 360; i++) {
      events.push(err(T0 + i * 10_000, "db", 0.003 + 0.0001 * noise(i)));
      events.push(err(T0 + i * 10_000, "web", 0.01 + 0.001 * noise(i + 1000)));
    }
    // db's errors go from 0.3% to 0.6%: a doubling, but a step of 0.3
    // points, under health's 0.2-point floor twice over. web fails later.
    for (let i = 0; i < 30; i++) {
      const t = T0 + 60 * MIN + i * 10_000;
      events.push(err(t, "db", 0.006 + 0.0001 * noise(i + 500)));
      events.push(err(t, "web", i < 6 ? 0.01 : 0.4));
    }
    const out = run(topo, events);
    const top = of(out, "root_cause").filter((r) => r.rank === 1);
    expect(top.at(-1)?.service).toBe("db");
    expect((top.at(-1)?.reasons ?? 0) & 128).toBe(128); // R_RISING
  });

  it("keeps the deploy that came before the failure linked when a rollback follows", () => {
    const topo = topology([{ name: "web", deps: ["api"] }, { name: "api" }]);
    const out = run(topo, [
      deploy(T0, "api", "2.0"),
      health(T0 + MIN, "api", 3),
      health(T0 + MIN + 2_000, "web", 3),
      deploy(T0 + 5 * MIN, "api", "1.9"), // the rollback
      // web recovers after the rollback: the incident re-ranks.
      ...[6, 7, 8, 9, 10, 11].map((m) => health(T0 + m * MIN, "web", 1)),
    ]);
    const api = of(out, "root_cause").filter((r) => r.service === "api");
    expect(api.length).toBeGreaterThan(1); // re-ranked after the rollback
    expect(api.at(-1)?.change?.version).toBe("2.0");
  });

  it("names a dependency whose metrics rise, though within its limits, as the cause of its caller's failure", () => {
    const topo = topology([
      { name: "web", deps: ["db"], sloErr: 0.05 },
      { name: "db", sloErr: 0.05 },
    ]);
    const events: Event[] = [];
    for (let i = 0; i < 360; i++) {
      events.push(err(T0 + i * 10_000, "db", 0.01 + 0.001 * noise(i)));
      events.push(err(T0 + i * 10_000, "web", 0.01 + 0.001 * noise(i + 1000)));
    }
    // db's error rate climbs to 1.6 times normal: far outside its noise, but
    // under its SLO and short of doubling, so db stays healthy; web fails.
    for (let i = 0; i < 30; i++) {
      const t = T0 + 60 * MIN + i * 10_000;
      events.push(err(t, "db", 0.016 + 0.001 * noise(i + 500)));
      events.push(err(t, "web", i < 6 ? 0.01 : 0.4));
    }
    const out = run(topo, events);
    expect(of(out, "health").filter((h) => h.service === "db")).toEqual([]);
    const top = of(out, "root_cause").filter((r) => r.rank === 1);
    expect(top.at(-1)?.service).toBe("db");
    expect((top.at(-1)?.reasons ?? 0) & 128).toBe(128); // R_RISING
  });
});

describe("root cause by traffic", () => {
  const lat = (ts: number, service: string, value: number) =>
    ev(ts, { $case: "metric", value: { service, metric: 2, customName: "", value } });
  const rps = (ts: number, service: string, value: number) =>
    ev(ts, { $case: "metric", value: { service, metric: 4, customName: "", value } });

  // An hour of normal latency (ms) and throughput (requests/s) per service,
  // then `fault` latencies from minute 60 for five minutes. Throughput is
  // left out when `traffic` is false.
  function stream(
    normal: Record<string, [number, number]>,
    fault: Record<string, number>,
    traffic: boolean,
  ): Event[] {
    const events: Event[] = [];
    let k = 0;
    for (const [name, [ms, perSec]] of Object.entries(normal)) {
      k += 1000;
      for (let i = 0; i < 390; i++) {
        const t = T0 + i * 10_000;
        const faulty = i >= 360 && fault[name] !== undefined;
        events.push(
          lat(t, name, faulty ? (fault[name] as number) : ms * (1 + 0.02 * noise(i + k))),
        );
        if (traffic) events.push(rps(t, name, perSec));
      }
    }
    return events;
  }
  // The best first-ranked candidate over all incidents, by its last score:
  // what a reader comparing the open incidents sees first.
  function best(out: CoreOutput[]) {
    const last = new Map<number, Extract<CoreOutput, { type: "root_cause" }>>();
    for (const r of of(out, "root_cause")) if (r.rank === 1) last.set(r.incident, r);
    return [...last.values()].sort((x, y) => y.score - x.score)[0];
  }
  // Samples that each aggregate a period already (as scraped rates do) are
  // taken unsmoothed, so every fault shows at its first sample.
  function runRaw(topo: Topology, events: Event[]): CoreOutput[] {
    const core = new TenantCore({ params: new Map([[P_ERR_ALPHA, 1]]) });
    core.setTopology(topo);
    events.sort((a, b) => a.tsUnixMs - b.tsUnixMs);
    return [...core.process(events).outputs, ...core.flush()];
  }

  it("ranks the failure that touches the most requests first, not the most surprising one", () => {
    // a and b slow down at once, two incidents. a is ten times slower but
    // serves 2 requests/s; b is 1.8 times slower and serves 200.
    const topo = topology([{ name: "a" }, { name: "b" }]);
    const normal = { a: [10, 2], b: [10, 200] } as Record<string, [number, number]>;
    const fault = { a: 100, b: 18 };
    const withTraffic = runRaw(topo, stream(normal, fault, true));
    expect(best(withTraffic)?.service).toBe("b");
    expect((best(withTraffic)?.reasons ?? 0) & 256).toBe(256); // R_TRAFFIC
    // Without throughput the core falls back to anomaly strength: a.
    expect(best(runRaw(topo, stream(normal, fault, false)))?.service).toBe("a");
  });

  it("does not take a dependency too small to explain its caller's failure as the cause", () => {
    // db slows from 5 to 20 ms at 10 requests/s (0.15 extra requests in
    // flight); web, its caller, from 100 to 600 ms at 100 requests/s (50).
    const topo = topology([{ name: "web", deps: ["db"] }, { name: "db" }]);
    const normal = { web: [100, 100], db: [5, 10] } as Record<string, [number, number]>;
    expect(best(runRaw(topo, stream(normal, { web: 600, db: 20 }, true)))?.service).toBe("web");
    // Without throughput nothing bounds what db explains: it is the cause.
    expect(best(runRaw(topo, stream(normal, { web: 600, db: 20 }, false)))?.service).toBe("db");
    // A db slow enough to hold most of web's excess in flight explains it.
    const bigDb = { web: [100, 100], db: [5, 100] } as Record<string, [number, number]>;
    expect(best(runRaw(topo, stream(bigDb, { web: 600, db: 400 }, true)))?.service).toBe("db");
  });
});

describe("one instant", () => {
  it("leaves the same ranking whatever order the records of an instant apply in", () => {
    // web's errors jump in the same sample as db's latency begins to rise
    // (4.5 deviations, within its limits): db is the likely cause. The core
    // applies the records of one instant in service-id order, so with db
    // numbered after web, web's ranking was made before db's sample.
    const lat = (ts: number, service: string, value: number) =>
      ev(ts, { $case: "metric", value: { service, metric: 2, customName: "", value } });
    const events: Event[] = [];
    for (let i = 0; i < 60; i++) {
      const t = T0 + i * 10_000;
      if (i < 59) events.push(err(t, "web", 0.01 + 0.001 * noise(i)));
      events.push(lat(t, "db", i < 59 ? 100 + 2 * noise(i + 500) : 145));
    }
    events.push(err(T0 + 59 * 10_000, "web", 0.4));
    for (const order of [
      ["web", "db"],
      ["db", "web"],
    ]) {
      const svcs = order.map((name) => (name === "web" ? { name, deps: ["db"] } : { name }));
      const core = new TenantCore({ params: new Map([[P_ERR_ALPHA, 1]]) });
      core.setTopology(topology(svcs));
      const sorted = events.map((e) => ({ ...e })).sort((a, b) => a.tsUnixMs - b.tsUnixMs);
      const out = [...core.process(sorted).outputs, ...core.flush()];
      const top = of(out, "root_cause").filter((r) => r.rank === 1);
      expect(top.at(-1)?.service, order.join(",")).toBe("db");
    }
  });
});

describe("late events", () => {
  it("counts events beyond the lateness bound and does not apply them", () => {
    const core = new TenantCore();
    core.setTopology(topology([{ name: "api" }]));
    core.process([health(T0 + 10 * MIN, "api", 1)]);
    const { outputs } = core.process([
      health(T0, "api", 3),
      health(T0 + 10 * MIN - 1_000, "api", 1),
    ]);
    expect(outputs.filter((o) => o.type === "late")).toHaveLength(1);
    expect(core.core.stats().late).toBe(1);
    expect(outputs.filter((o) => o.type === "opened")).toEqual([]);
  });
});

describe("memory", () => {
  it("holds 100,000 services and 10,000 journeys well within 1 GiB", () => {
    const services: Svc[] = [];
    for (let i = 0; i < 100_000; i++)
      services.push({ name: `s${i}`, deps: i + 1 < 100_000 ? [`s${i + 1}`] : [] });
    const journeys: Jrn[] = [];
    for (let j = 0; j < 10_000; j++)
      journeys.push({
        name: `j${j}`,
        cpm: 10,
        slo: 0.99,
        steps: [[`s${j * 10}`], [`s${j * 10 + 5}`]],
      });
    const core = new TenantCore();
    core.setTopology(topology(services, journeys));
    const events: Event[] = [];
    for (let i = 0; i < 100_000; i++) events.push(err(T0 + i, `s${i}`, 0.001));
    core.process(events);
    expect(core.core.stats().memoryBytes).toBeLessThan(1024 ** 3);
  });
});

describe("routing and escalation", () => {
  function routed(): Topology {
    const topo = topology([{ name: "web", deps: ["db"] }, { name: "db" }, { name: "orphan" }]);
    topo.services[0] = { ...(topo.services[0] as Topology["services"][number]), team: "front" };
    topo.services[1] = {
      ...(topo.services[1] as Topology["services"][number]),
      team: "data",
      kinds: ["database"],
    };
    const tier = (delayMinutes: number, target: string) => ({ delayMinutes, target, channel: "" });
    const team = (
      name: string,
      skills: string[],
      escalation: ReturnType<typeof tier>[],
      fallback = false,
    ) => ({
      name,
      skills,
      services: [],
      escalation,
      notify: [],
      fallback,
      pageTier2AboveCpm: 0,
      quietHours: undefined,
    });
    topo.teams = [
      team("front", ["frontend"], [tier(5, "@f1"), tier(10, "@f2")]),
      team("data", ["database"], [tier(5, "@d1"), tier(10, "@d2"), tier(15, "@d3")]),
      team("sre", [], [tier(5, "@sre")], true),
    ];
    return topo;
  }

  it("routes to the owner of the top root cause and escalates tier by tier until acknowledged", () => {
    const events = [
      health(T0, "db", 3),
      health(T0 + 2_000, "web", 3),
      health(T0 + 60 * MIN, "orphan", 1),
    ];
    const out = run(routed(), events);
    const r = of(out, "routed");
    expect(r.at(-1)?.team).toBe("data");
    expect(r.at(-1)?.failureKinds).toEqual(["database"]);
    const pages = of(out, "page").filter((p) => p.team === "data");
    // Tier 1 when routed, tier 2 after 5 minutes, tier 3 after 10 more; then nothing.
    expect(pages.map((p) => [p.tier, (p.ts - T0) / MIN])).toEqual([
      [0, 0],
      [1, 5],
      [2, 15],
    ]);
  });

  it("stops escalating once acknowledged, and a replay of the stored events gives the same timeline", () => {
    const core = new TenantCore({ incidentNumber: () => 1 });
    core.setTopology(routed());
    const stored: Event[] = [health(T0, "db", 3), health(T0 + 7 * MIN, "web", 3)];
    const live = [...core.process(stored).outputs];
    const ack: Event = {
      tsUnixMs: core.watermark(),
      source: "t",
      tenant: "",
      id: "",
      kind: {
        $case: "incidentAction",
        value: { incidentId: "x", action: 1, actor: "dana", note: "" },
      },
    };
    stored.push(ack, health(T0 + 60 * MIN, "orphan", 1));
    live.push(
      ...core.process([ack]).outputs,
      ...core.process([stored.at(-1) as Event]).outputs,
      ...core.flush(),
    );
    const tiers = of(live, "page").map((p) => p.tier);
    expect(tiers).toEqual([0, 1]); // tier 3 never paged: acknowledged at ~7 min
    const replay = new TenantCore({ incidentNumber: () => 1 });
    replay.setTopology(routed());
    expect([...replay.process(stored).outputs, ...replay.flush()]).toEqual(live);
  });

  it("sends what nobody owns to the team with the skill, else to the fallback team", () => {
    const out = run(routed(), [health(T0, "orphan", 3), health(T0 + 60 * MIN, "db", 1)]);
    const r = of(out, "routed")[0];
    expect(r?.team).toBe("sre");
    expect(r?.reason).toBe(3); // RT_FALLBACK
  });
});

describe("noise", () => {
  const topo = topology([{ name: "api" }, { name: "db" }]);
  const alert = (ts: number, service: string, state: number, severity = 2): Event =>
    ev(ts, {
      $case: "alert",
      value: {
        service,
        name: "Noisy",
        severity,
        labels: {},
        state,
        fingerprint: "f1",
        summary: "",
      },
    });
  function healthy(minutes: number): Event[] {
    const events: Event[] = [];
    for (let i = 0; i < minutes * 6; i++)
      events.push(err(T0 + i * 10_000, "api", 0.001 + 0.0002 * noise(i)));
    return events;
  }

  it("ignores a flapping probe that healthy metrics contradict", () => {
    const events = healthy(40);
    for (let i = 0; i < 60; i++)
      events.push(health(T0 + 5 * MIN + i * 30_000 + 1, "api", i % 2 === 0 ? 3 : 1));
    expect(of(run(topo, events), "opened")).toEqual([]);
  });

  it("holds a warning alert that healthy metrics contradict, and trusts it once it persists", () => {
    const short = [...healthy(60), alert(T0 + 10 * MIN, "api", 1), alert(T0 + 14 * MIN, "api", 2)];
    expect(of(run(topo, short), "opened")).toEqual([]);
    // Re-sent every minute, as Prometheus does while an alert keeps firing.
    const long = [...healthy(60)];
    for (let m = 10; m < 40; m++) long.push(alert(T0 + m * MIN, "api", 1));
    const opened = of(run(topo, long), "opened");
    expect(opened.map((o) => (o.ts - T0) / MIN)).toEqual([25]); // after the 15-minute confirmation
  });

  it("resolves a firing alert that stops being re-sent, like Alertmanager's resolve_timeout", () => {
    const out = run(topo, [alert(T0, "db", 1), health(T0 + 60 * MIN, "api", 1)]);
    expect(of(out, "opened").map((o) => o.service)).toEqual(["db"]);
    const healthy = of(out, "health").filter((h) => h.service === "db" && h.health === 1);
    // Not re-sent: counts as resolved after 5 minutes, healthy after 2 more.
    expect(healthy.map((h) => (h.ts - T0) / MIN)).toEqual([7]);
  });

  it("trusts probes and alerts at once where no metrics vouch for the service", () => {
    const out = run(topo, [health(T0, "db", 3), health(T0 + 60 * MIN, "api", 1)]);
    expect(of(out, "opened").map((o) => o.service)).toEqual(["db"]);
  });
});
