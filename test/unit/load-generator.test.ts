// The workload generator: seeded and reproducible, the estate it builds, the
// event mix and times it promises, the faults it injects and reports as
// ground truth, and its encodings, read back through impactd's own front-end
// converters.
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/errors.js";
import { type Event, HealthStatus } from "../../src/gen/impactd/v1/event.js";
import { DependencyKind } from "../../src/gen/impactd/v1/topology.js";
import {
  alertsBody,
  EVENT_KINDS,
  generateEstate,
  kindName,
  LAYERS,
  layerSizes,
  parseMix,
  parseWorkloadOptions,
  symptomsOf,
  toOtlp,
  topologyFileText,
  Workload,
} from "../../src/load/index.js";
import { DEFAULT_LIMITS } from "../../src/pipeline/validate.js";
import { convertApiV2Alerts } from "../../src/sources/http/alertmanager.js";
import { CumulativeSeries, convertLogs, convertMetrics } from "../../src/sources/otlp/index.js";
import { parseTopology } from "../../src/topology/index.js";

const T0 = Date.UTC(2026, 0, 1);

function take(w: Workload, n: number): Event[] {
  const out: Event[] = [];
  while (out.length < n) out.push(...w.nextBatch(Math.min(1_000, n - out.length)));
  return out;
}

describe("estate", () => {
  it("splits services over the layers, every layer first", () => {
    expect(layerSizes(2)).toEqual([1, 1, 0, 0]);
    expect(layerSizes(100)).toEqual([5, 25, 45, 25]);
    for (const n of [4, 7, 19, 1_000, 12_345]) {
      expect(layerSizes(n).reduce((a, b) => a + b, 0)).toBe(n);
    }
  });

  it("builds a valid topology whose services call `fanout` services of the next layer", () => {
    const { topology, index } = generateEstate({ seed: 3, services: 500, fanout: 3, journeys: 12 });
    expect(topology.services).toHaveLength(500);
    expect(new Set(topology.services.map((s) => s.name)).size).toBe(500);
    expect(topology.journeys).toHaveLength(12);
    // The topology file format round-trips through impactd's own parser and validator.
    const parsed = parseTopology(topologyFileText(topology), { format: "json" });
    expect(parsed.services).toHaveLength(500);
    const layerOf = new Map(topology.services.map((s, i) => [s.name, index.layer[i] as number]));
    for (const [i, s] of topology.services.entries()) {
      const layer = index.layer[i] as number;
      expect(s.dependsOn.length).toBe(layer === LAYERS.length - 1 ? 0 : 3);
      for (const d of s.dependsOn) expect(layerOf.get(d.service)).toBe(layer + 1);
    }
    const soft = topology.services
      .flatMap((s) => s.dependsOn)
      .filter((d) => d.kind === DependencyKind.DEPENDENCY_KIND_SOFT);
    expect(soft.length).toBeGreaterThan(0);
    // Hard edges only, both ways.
    for (const [s, deps] of index.deps.entries())
      for (const d of deps) expect(index.callers[d]).toContain(s);
  });

  it("is the same for the same seed and differs for another", () => {
    const a = generateEstate({ seed: 1, services: 300, fanout: 2, journeys: 5 }).topology;
    const b = generateEstate({ seed: 1, services: 300, fanout: 2, journeys: 5 }).topology;
    const c = generateEstate({ seed: 2, services: 300, fanout: 2, journeys: 5 }).topology;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it("builds 100,000 services", () => {
    const { topology } = generateEstate({ seed: 1, services: 100_000, fanout: 3, journeys: 10 });
    expect(topology.services).toHaveLength(100_000);
  });
});

describe("events", () => {
  it("replays byte for byte from a seed", () => {
    const opts = { seed: 9, services: 200, startMs: T0, faultRate: 30 };
    expect(take(new Workload(opts), 5_000)).toEqual(take(new Workload(opts), 5_000));
    expect(take(new Workload({ ...opts, seed: 10 }), 5_000)).not.toEqual(
      take(new Workload(opts), 5_000),
    );
  });

  it("spaces event times at the rate and gives every event a unique id", () => {
    const w = new Workload({ services: 50, startMs: T0, rate: 2_000 });
    const evs = take(w, 6_000);
    expect(evs.map((ev) => ev.tsUnixMs)).toEqual(evs.map((_, i) => T0 + Math.floor(i / 2)));
    expect(new Set(evs.map((e) => e.id)).size).toBe(evs.length);
    expect(w.spanMs(6_000)).toBe(3_000);
    expect(new Workload({ services: 5, startMs: T0, ids: false }).next().id).toBe("");
  });

  it("mixes kinds by weight", () => {
    const w = new Workload({
      services: 100,
      startMs: T0,
      faultRate: 0,
      mix: parseMix("metric=3,health=1"),
    });
    const counts = new Map<string, number>();
    for (const ev of take(w, 20_000))
      counts.set(kindName(ev) ?? "?", (counts.get(kindName(ev) ?? "?") ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(["health", "metric"]);
    expect((counts.get("metric") ?? 0) / 20_000).toBeGreaterThan(0.72);
    expect((counts.get("metric") ?? 0) / 20_000).toBeLessThan(0.78);
    const alerts = take(new Workload({ services: 10, startMs: T0, mix: parseMix("alert=1") }), 500);
    expect(alerts.every((e) => e.kind?.$case === "alert")).toBe(true);
  });

  it("makes batches of the batch size", () => {
    const w = new Workload({ services: 10, startMs: T0, batchSize: 37 });
    expect(w.nextBatch()).toHaveLength(37);
    expect(w.generated).toBe(37);
  });
});

describe("faults", () => {
  it("injects none at fault rate 0", () => {
    const w = new Workload({ services: 100, startMs: T0, rate: 100, faultRate: 0 });
    take(w, 20_000);
    expect(w.faults).toHaveLength(0);
  });

  it("takes the root down, degrades its callers, and reports both as ground truth", () => {
    const w = new Workload({
      services: 200,
      startMs: T0,
      rate: 1_000,
      faultRate: 6,
      faultDurationMs: 20_000,
      mix: parseMix("health=1"),
    });
    const evs = take(w, 120_000);
    // Poisson with mean 6 per minute over ~2 minutes after the warm-up.
    expect(w.faults.length).toBeGreaterThan(3);
    expect(w.faults.length).toBeLessThan(30);
    for (const f of w.faults) {
      const seq = w.onsetSeq(f.id) as number;
      const onset = evs[seq] as Event;
      expect(onset.tsUnixMs).toBeGreaterThanOrEqual(f.startMs);
      expect(onset.kind).toEqual({
        $case: "healthCheck",
        value: {
          service: f.rootName,
          status: HealthStatus.HEALTH_STATUS_DOWN,
          message: "connection refused",
        },
      });
      expect(symptomsOf(w.index, f.root)).toEqual(f.symptoms);
      for (const s of f.symptoms) {
        // A symptom calls the root, directly or through another symptom.
        const callsRoot = (x: number, depth: number): boolean =>
          depth > 0 && (w.index.deps[x] ?? []).some((d) => d === f.root || callsRoot(d, depth - 1));
        expect(callsRoot(s, 2)).toBe(true);
      }
    }
    // While a fault runs, probes of its root say DOWN; after it, OK (unless another fault hits it).
    const f = w.faults[0];
    if (f === undefined) throw new Error("no fault");
    const probes = evs.filter(
      (e) => e.kind?.$case === "healthCheck" && e.kind.value.service === f.rootName,
    );
    const others = w.faults.filter(
      (g) => g !== f && (g.root === f.root || g.symptoms.includes(f.root)),
    );
    for (const p of probes) {
      if (p.kind?.$case !== "healthCheck") continue;
      const during = p.tsUnixMs >= f.startMs && p.tsUnixMs < f.endMs;
      const touchedElse = others.some((g) => p.tsUnixMs >= g.startMs && p.tsUnixMs < g.endMs);
      if (during) expect(p.kind.value.status).toBe(HealthStatus.HEALTH_STATUS_DOWN);
      else if (!touchedElse) expect(p.kind.value.status).toBe(HealthStatus.HEALTH_STATUS_OK);
    }
  });
});

describe("options", () => {
  it("reads and refuses mixes", () => {
    expect(parseMix("metric=70, alert=5")).toMatchObject({ metric: 70, alert: 5, health: 0 });
    for (const bad of ["metric", "metric=x", "spans=3", "metric=0"]) {
      expect(() => parseMix(bad)).toThrow(InvalidArgumentError);
    }
    expect(() => parseMix("spans=3")).toThrow(/unknown kind "spans".*metric, health/);
    expect(EVENT_KINDS).toContain("device");
  });

  it("names the bad knob", () => {
    expect(() => parseWorkloadOptions({ startMs: T0, services: 0 })).toThrow(
      /services must be an integer/,
    );
    expect(() => parseWorkloadOptions({ startMs: T0, batchSize: 60_000 })).toThrow(/batch size/);
    expect(() => parseWorkloadOptions({ startMs: T0, journeys: 0 })).toThrow(/journeys is 0/);
    expect(
      parseWorkloadOptions({ startMs: T0, journeys: 0, mix: parseMix("metric=1") }).journeys,
    ).toBe(0);
  });
});

describe("encodings", () => {
  it("OTLP exports carry every event and impactd's receiver reads them back as the same events", () => {
    const w = new Workload({
      services: 30,
      startMs: Date.now() - 60_000,
      rate: 1_000,
      faultRate: 20,
    });
    const evs = take(w, 2_000);
    const o = toOtlp(evs);
    expect(o.items).toBe(evs.length);
    const ctx = { tenant: "", now: Date.now(), limits: DEFAULT_LIMITS };
    const m =
      o.metrics === undefined ? undefined : convertMetrics(o.metrics, ctx, new CumulativeSeries());
    const l = o.logs === undefined ? undefined : convertLogs(o.logs, ctx);
    expect([...(m?.problems ?? []), ...(l?.problems ?? [])]).toEqual([]);
    const back = [...(m?.events ?? []), ...(l?.events ?? [])];
    expect(back).toHaveLength(evs.length);
    const key = (e: Event) => {
      const k = e.kind;
      const v = k?.value as { service?: string; journey?: string };
      return `${e.tsUnixMs} ${k?.$case} ${v.service ?? v.journey}`;
    };
    expect(back.map(key).sort()).toEqual(evs.map(key).sort());
  });

  it("Alertmanager bodies are read back by the API v2 converter as the same alerts", () => {
    const now = Date.now();
    const w = new Workload({
      services: 30,
      startMs: now - 60_000,
      mix: parseMix("alert=1"),
      faultRate: 30,
    });
    const evs = take(w, 300);
    const { body, alerts } = alertsBody(evs, now);
    expect(alerts).toBe(300);
    const c = convertApiV2Alerts(JSON.parse(body), now, "default");
    expect(c.rejections).toEqual([]);
    expect(
      c.events.map((e) =>
        e.kind?.$case === "alert"
          ? [e.kind.value.service, e.kind.value.name, e.kind.value.state, e.tsUnixMs]
          : [],
      ),
    ).toEqual(
      evs.map((e) =>
        e.kind?.$case === "alert"
          ? [e.kind.value.service, e.kind.value.name, e.kind.value.state, e.tsUnixMs]
          : [],
      ),
    );
  });
});
