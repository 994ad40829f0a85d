// Incident actions (acknowledge, resolve) through the host bridge: what a
// manual action leaves behind when the incident reopens, and the order in
// which actions and other same-time records apply, live and in a replay.
import { describe, expect, it } from "vitest";
import { type CoreOutput, TenantCore } from "../../src/core/tenant-core.js";
import type { Event } from "../../src/gen/impactd/v1/event.js";
import { DependencyKind, type Topology } from "../../src/gen/impactd/v1/topology.js";
import { IncidentTracker } from "../../src/pipeline/incident-tracker.js";

const T0 = Date.UTC(2026, 10, 1);
const MIN = 60_000;
const ACK = 1;
const RESOLVE = 2;

// web -> db; db is the data team's, whose policy pages three tiers 5 and 10
// minutes apart.
function topology(): Topology {
  const svc = (name: string, team: string, deps: string[]) => ({
    name,
    team,
    tier: 0,
    kinds: [],
    slo: undefined,
    dependsOn: deps.map((d) => ({
      service: d,
      kind: DependencyKind.DEPENDENCY_KIND_HARD,
      discovered: false,
    })),
  });
  const tier = (delayMinutes: number, target: string) => ({ delayMinutes, target, channel: "" });
  return {
    services: [svc("web", "", ["db"]), svc("db", "data", [])],
    journeys: [],
    teams: [
      {
        name: "data",
        skills: [],
        services: [],
        escalation: [tier(5, "@d1"), tier(10, "@d2"), tier(15, "@d3")],
        notify: [],
        fallback: false,
        pageTier2AboveCpm: 0,
        quietHours: undefined,
      },
    ],
  };
}

const ev = (ts: number, kind: Event["kind"]): Event => ({
  tsUnixMs: ts,
  source: "t",
  tenant: "",
  id: "",
  kind,
});
const health = (ts: number, service: string, status: number) =>
  ev(ts, { $case: "healthCheck", value: { service, status, message: "" } });
const action = (ts: number, n: number, kind: number, actor: string) =>
  ev(ts, {
    $case: "incidentAction",
    value: { incidentId: `inc-${n}`, action: kind, actor, note: "" },
  });
const alert = (ts: number, service: string, state: number, fingerprint: string) =>
  ev(ts, {
    $case: "alert",
    value: { service, name: "x", severity: 2, labels: {}, state, fingerprint, summary: "" },
  });
const deploy = (ts: number, service: string, version: string) =>
  ev(ts, { $case: "change", value: { service, kind: 1, version, description: "" } });

function core(): TenantCore {
  const c = new TenantCore({ incidentNumber: (id) => Number(id.slice(4)) });
  c.setTopology(topology());
  return c;
}

// One sorted batch, then flush: the order a replay of stored events uses.
function run(events: Event[]): CoreOutput[] {
  const c = core();
  const sorted = [...events].sort((a, b) => a.tsUnixMs - b.tsUnixMs);
  return [...c.process(sorted).outputs, ...c.flush()];
}

function of<T extends CoreOutput["type"]>(
  out: CoreOutput[],
  type: T,
): Extract<CoreOutput, { type: T }>[] {
  return out.filter((o) => o.type === type) as Extract<CoreOutput, { type: T }>[];
}

const minutes = (ts: number) => (ts - T0) / MIN;

describe("a manually resolved incident that reopens", () => {
  it("resolves again once its members recover", () => {
    const out = run([
      health(T0, "db", 1),
      health(T0 + MIN, "db", 3), // incident 1 opens
      action(T0 + 2 * MIN, 1, RESOLVE, "dana"), // resolved by hand while db is still down
      health(T0 + 3 * MIN, "db", 1), // healthy at +5 (recovery hysteresis)
      health(T0 + 10 * MIN, "db", 3), // fails again: incident 1 reopens
      health(T0 + 11 * MIN, "db", 1), // healthy at +13: mitigated, resolved 5 minutes later
      health(T0 + 60 * MIN, "web", 1),
    ]);
    expect(of(out, "opened")).toHaveLength(1);
    expect(of(out, "resolved").map((r) => [minutes(r.ts), r.actor])).toEqual([
      [2, "dana"],
      [18, ""],
    ]);
  });

  it("can be acknowledged again, and escalates again until it is", () => {
    const out = run([
      health(T0, "db", 3), // incident 1 opens, routed to data: tier 1 paged
      action(T0 + 2 * MIN, 1, ACK, "dana"),
      health(T0 + 3 * MIN, "db", 1), // healthy at +5, resolved at +10
      health(T0 + 15 * MIN, "db", 3), // reopens, unacknowledged
      action(T0 + 27 * MIN, 1, ACK, "erin"),
      health(T0 + 90 * MIN, "web", 1),
    ]);
    const statuses = of(out, "status").map((s) => [minutes(s.ts), s.status, s.actor]);
    expect(statuses).toContainEqual([27, 2, "erin"]);
    // Tier 1 when routed; after the reopening, tier 1's 5 minutes pass
    // unacknowledged (tier 2 paged at +20), and tier 2's 10 minutes would
    // end at +30, after erin acknowledged.
    expect(of(out, "page").map((p) => [minutes(p.ts), p.tier])).toEqual([
      [0, 0],
      [20, 1],
    ]);
  });

  it("shows who acknowledged it since it reopened", () => {
    const tracker = new IncidentTracker("t");
    const c = core();
    const at = (events: Event[]) => {
      tracker.apply(c.process(events).outputs);
      const st = tracker.all()[0];
      return st === undefined ? undefined : tracker.snapshot(st).acknowledgedBy;
    };
    // Each call's last event only moves the watermark past the ones before.
    expect(
      at([health(T0, "db", 3), action(T0 + MIN, 1, ACK, "dana"), health(T0 + 2 * MIN, "web", 1)]),
    ).toBe("dana");
    // Recovered, resolved, and failing again at +15: reopened.
    expect(
      at([
        health(T0 + 3 * MIN, "db", 1),
        health(T0 + 15 * MIN, "db", 3),
        health(T0 + 16 * MIN, "web", 1),
      ]),
    ).toBe("");
    expect(at([action(T0 + 17 * MIN, 1, ACK, "erin"), health(T0 + 18 * MIN, "web", 1)])).toBe(
      "erin",
    );
  });
});

describe("actions at one time", () => {
  it("apply in the same order live, arriving at the watermark together, as in a replay", () => {
    const c = core();
    const stored = [health(T0, "db", 3), health(T0 + MIN, "web", 1)];
    const live = [...c.process(stored).outputs];
    const w = c.watermark();
    // Resolve listed before acknowledge: a replay sorts them by record.
    const acts = [action(w, 1, RESOLVE, "bob"), action(w, 1, ACK, "amy")];
    stored.push(...acts, health(T0 + 60 * MIN, "web", 1));
    live.push(
      ...c.process(acts).outputs,
      ...c.process([stored.at(-1) as Event]).outputs,
      ...c.flush(),
    );
    expect(run(stored)).toEqual(live);
  });

  it("do not depend on the order the host first saw the actors in", () => {
    const acks = [action(T0 + 5 * MIN, 1, ACK, "zoe"), action(T0 + 5 * MIN, 1, ACK, "amy")];
    const by = (order: Event[]) => {
      const c = core();
      const out = [
        ...c.process([health(T0, "db", 3)]).outputs,
        ...c.process(order).outputs,
        ...c.flush(),
      ];
      return of(out, "status").map((s) => s.actor);
    };
    const one = by(acks);
    expect(one).toHaveLength(1);
    expect(by([...acks].reverse())).toEqual(one);
  });
});

describe("alerts at one time", () => {
  it("do not depend on which fingerprint the host saw first", () => {
    // x fires on web (incident 1); a minute later x and y fire on db, which
    // y turns unhealthy: db joins incident 1 and the incident counts both.
    const events = [
      alert(T0, "web", 1, "x"),
      alert(T0 + MIN, "db", 1, "x"),
      alert(T0 + MIN, "db", 1, "y"),
      health(T0 + 60 * MIN, "web", 1),
    ];
    // A resolution of y, which never fired, changes nothing but makes the
    // host see y before x.
    const seenFirst = [alert(T0 - MIN, "db", 2, "y"), ...events];
    expect(run(seenFirst)).toEqual(run(events));
  });
});

describe("changes at one time", () => {
  it("link the same change whatever order they arrived in", () => {
    const deploys = [deploy(T0 + MIN, "db", "v2"), deploy(T0 + MIN, "db", "v1")];
    const linked = (order: Event[]) => {
      const c = core();
      const out = [
        ...c.process([health(T0, "db", 1), ...order, health(T0 + 2 * MIN, "db", 3)]).outputs,
        ...c.flush(),
      ];
      return of(out, "root_cause").map((r) => r.change?.version);
    };
    const one = linked(deploys);
    expect(one[0]).toBeDefined();
    expect(linked([...deploys].reverse())).toEqual(one);
  });
});
