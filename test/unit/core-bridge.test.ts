import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as L from "../../src/core/layout.js";
import { type CoreOutput, TenantCore } from "../../src/core/tenant-core.js";
import type { Event } from "../../src/gen/impactd/v1/event.js";
import { DependencyKind, type Topology } from "../../src/gen/impactd/v1/topology.js";

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

// frontend -> checkout -> payments -> payments-db; search is unrelated.
function topology(): Topology {
  const svc = (name: string, deps: string[] = []) => ({
    name,
    team: "",
    tier: 0,
    kinds: [],
    slo: undefined,
    dependsOn: deps.map((d) => ({
      service: d,
      kind: DependencyKind.DEPENDENCY_KIND_HARD,
      discovered: false,
    })),
  });
  return {
    services: [
      svc("frontend", ["checkout", "search"]),
      svc("checkout", ["payments"]),
      svc("payments", ["payments-db"]),
      svc("payments-db"),
      svc("search"),
    ],
    journeys: [],
    teams: [],
  };
}

function health(ts: number, service: string, status: number): Event {
  return {
    tsUnixMs: ts,
    source: "t",
    tenant: "",
    id: "",
    kind: { $case: "healthCheck", value: { service, status, message: "" } },
  };
}

function errorRate(ts: number, service: string, value: number): Event {
  return {
    tsUnixMs: ts,
    source: "t",
    tenant: "",
    id: "",
    kind: { $case: "metric", value: { service, metric: 1, customName: "", value } },
  };
}

function run(core: TenantCore, events: Event[], batch: number): CoreOutput[] {
  const out: CoreOutput[] = [];
  for (let i = 0; i < events.length; i += batch)
    out.push(...core.process(events.slice(i, i + batch)).outputs);
  out.push(...core.flush());
  return out;
}

function cascade(): Event[] {
  const events: Event[] = [];
  for (const s of ["frontend", "checkout", "payments", "payments-db", "search"])
    events.push(health(T0, s, 1));
  // The database fails first; its callers follow a few seconds later.
  events.push(health(T0 + 60_000, "payments-db", 3));
  events.push(errorRate(T0 + 62_000, "payments", 0.9));
  events.push(errorRate(T0 + 64_000, "checkout", 0.6));
  events.push(errorRate(T0 + 66_000, "frontend", 0.2));
  // Everything recovers at +10 min; then time passes the quiet period.
  events.push(health(T0 + 600_000, "payments-db", 1));
  for (let i = 0; i < 20; i++) {
    const t = T0 + 600_000 + i * 10_000;
    events.push(
      errorRate(t, "payments", 0),
      errorRate(t, "checkout", 0),
      errorRate(t, "frontend", 0),
    );
  }
  events.push(health(T0 + 3_600_000, "search", 1));
  return events;
}

describe("core bridge", () => {
  it("mirrors every layout constant of the AssemblyScript source", () => {
    const source = readFileSync("assembly/layout.ts", "utf8");
    const consts = [...source.matchAll(/export const (\w+): \w+ = ([^;]+);/g)];
    expect(consts.length).toBeGreaterThan(50);
    const mirror = L as unknown as Record<string, number>;
    for (const [, name, value] of consts)
      expect(mirror[name as string], name).toBe(Number(value?.replace(/_/g, "")));
    const core = new TenantCore();
    expect(core.core.layoutValue(0)).toBe(L.IN_BYTES);
    expect(core.core.layoutValue(1)).toBe(L.OUT_BYTES);
  });

  it("folds a cascade into one incident with the database as top root cause", () => {
    const core = new TenantCore();
    core.setTopology(topology());
    const out = run(core, cascade(), 1000);
    const opened = out.filter((o) => o.type === "opened");
    expect(opened).toHaveLength(1);
    const members = out
      .filter((o) => o.type === "member")
      .map((o) => (o.type === "member" ? o.service : ""));
    expect([...new Set(members)].sort()).toEqual([
      "checkout",
      "frontend",
      "payments",
      "payments-db",
    ]);
    const ranks = out.filter((o) => o.type === "root_cause");
    const last = ranks.filter((o) => o.type === "root_cause" && o.rank === 1).at(-1);
    expect(last?.type === "root_cause" && last.service).toBe("payments-db");
    const resolved = out.filter((o) => o.type === "resolved");
    expect(resolved).toHaveLength(1);
    expect(core.core.stats().openIncidents).toBe(0);
  });

  it("gives identical outputs for any batching and any order within the lateness bound", () => {
    const events = cascade();
    const reference = new TenantCore();
    reference.setTopology(topology());
    const streams: string[] = [JSON.stringify(run(reference, events, events.length))];
    expect(streams[0]).toContain("root_cause");
    for (const batch of [1, 3, 7, 1000]) {
      const core = new TenantCore();
      core.setTopology(topology());
      // Swap neighbours that are less than 1 s apart (lateness is 2 s).
      const shuffled = [...events];
      for (let i = 0; i + 1 < shuffled.length; i += 2) {
        const a = shuffled[i] as Event;
        const b = shuffled[i + 1] as Event;
        if (Math.abs(a.tsUnixMs - b.tsUnixMs) < 1000) [shuffled[i], shuffled[i + 1]] = [b, a];
      }
      streams.push(JSON.stringify(run(core, shuffled, batch)));
    }
    expect(new Set(streams).size).toBe(1);
  });

  it("reports events behind the watermark as late instead of applying them", () => {
    const core = new TenantCore();
    core.setTopology(topology());
    core.process([health(T0 + 100_000, "search", 1)]);
    const { outputs } = core.process([health(T0, "search", 3)]);
    expect(outputs).toEqual([{ type: "late", ts: T0, index: 0, watermark: T0 + 98_000 }]);
    expect(core.core.stats().late).toBe(1);
  });

  it("accepts services the topology does not know and reports them once", () => {
    const core = new TenantCore();
    core.setTopology(topology());
    const first = core.process([health(T0, "ghost", 1), health(T0, "ghost", 1)]);
    expect(first.unknownServices).toEqual(["ghost"]);
    expect(core.process([health(T0 + 1, "ghost", 1)]).unknownServices).toEqual([]);
  });

  it("keeps one incident open through a flapping health check", () => {
    const core = new TenantCore();
    core.setTopology(topology());
    const events: Event[] = [];
    for (let i = 0; i < 20; i++)
      events.push(health(T0 + i * 30_000, "search", i % 2 === 0 ? 3 : 1));
    events.push(health(T0 + 3_600_000, "frontend", 1));
    const out = run(core, events, 5);
    expect(out.filter((o) => o.type === "opened")).toHaveLength(1);
    expect(out.filter((o) => o.type === "resolved")).toHaveLength(1);
  });

  it("applies an acknowledgement at the watermark and a replay of the stored events reproduces it", () => {
    const live = new TenantCore({ incidentNumber: () => 1 });
    live.setTopology(topology());
    const events = cascade();
    const out: CoreOutput[] = [];
    const stored: Event[] = [];
    for (let i = 0; i < events.length; i += 4) {
      const batch = events.slice(i, i + 4);
      stored.push(...batch);
      out.push(...live.process(batch).outputs);
      if (i === 8) {
        // Someone acknowledges incident 1 now; the host stamps the action
        // with the current watermark.
        const ack: Event = {
          tsUnixMs: live.watermark(),
          source: "t",
          tenant: "",
          id: "",
          kind: {
            $case: "incidentAction",
            value: { incidentId: "x", action: 1, actor: "alice", note: "" },
          },
        };
        stored.push(ack);
        const r = live.process([ack]).outputs;
        expect(r).toContainEqual(
          expect.objectContaining({ type: "status", incident: 1, status: 2, actor: "alice" }),
        );
        out.push(...r);
      }
    }
    out.push(...live.flush());
    const replay = new TenantCore({ incidentNumber: () => 1 });
    replay.setTopology(topology());
    const again = [...replay.process(stored).outputs, ...replay.flush()];
    expect(again).toEqual(out);
  });

  it("resumes from a checkpoint exactly where an uninterrupted run would be", () => {
    const events = cascade();
    const whole = new TenantCore();
    whole.setTopology(topology());
    const expected = run(whole, events, 5);
    const half = Math.floor(events.length / 2);
    const before: CoreOutput[] = [];
    const a = new TenantCore();
    a.setTopology(topology());
    for (let i = 0; i < half; i += 5)
      before.push(...a.process(events.slice(i, Math.min(i + 5, half))).outputs);
    const snap = a.snapshot();
    const b = new TenantCore();
    b.restore(snap);
    const after: CoreOutput[] = [];
    for (let i = half; i < events.length; i += 5)
      after.push(...b.process(events.slice(i, Math.min(i + 5, events.length))).outputs);
    after.push(...b.flush());
    expect([...before, ...after]).toEqual(expected);
    expect(b.core.stats().incidents).toBe(1);
  });
});
