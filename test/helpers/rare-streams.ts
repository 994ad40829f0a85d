// Hand-made streams for paths random streams reach only now and then: a
// symptom moving to the incident of its other failing dependency, a manual
// resolution followed by a reopen, re-acknowledging a reopened incident,
// and an alert fingerprint resolved on another service than it fired on.
import type { CoreOutput } from "../../src/core/tenant-core.js";
import type { Event } from "../../src/gen/impactd/v1/event.js";
import { DependencyKind, type Topology } from "../../src/gen/impactd/v1/topology.js";
import { actionEvent, type RandomCase } from "./random-streams.js";

const T0 = Date.UTC(2026, 10, 1);
const MIN = 60_000;

const ev = (ts: number, kind: Event["kind"]): Event => ({
  tsUnixMs: ts,
  source: "t",
  tenant: "",
  id: "",
  kind,
});
const health = (ts: number, service: string, status: number) =>
  ev(ts, { $case: "healthCheck", value: { service, status, message: "" } });
const err = (ts: number, service: string, value: number) =>
  ev(ts, { $case: "metric", value: { service, metric: 1, customName: "", value } });
const alert = (ts: number, service: string, state: number, fingerprint: string) =>
  ev(ts, {
    $case: "alert",
    value: { service, name: "x", severity: 2, labels: {}, state, fingerprint, summary: "" },
  });

function topology(services: Record<string, string[]>): Topology {
  return {
    services: Object.entries(services).map(([name, deps]) => ({
      name,
      team: "",
      tier: 0,
      kinds: [],
      slo: undefined,
      dependsOn: deps.map((service) => ({
        service,
        kind: DependencyKind.DEPENDENCY_KIND_HARD,
        discovered: false,
      })),
    })),
    journeys: [],
    teams: [],
  };
}

/** RareCase is a hand-made stream and a check that it reached its path. */
export interface RareCase {
  name: string;
  kase: RandomCase;
  reached: (outputs: readonly CoreOutput[]) => boolean;
}

function rare(
  name: string,
  seed: number,
  topo: Topology,
  events: Event[],
  reached: RareCase["reached"],
): RareCase {
  events.sort((a, b) => a.tsUnixMs - b.tsUnixMs);
  return {
    name,
    kase: { seed, topology: topo, params: new Map(), lateness: 2_000, events },
    reached,
  };
}

/** rareCases lists the hand-made streams. */
export function rareCases(): RareCase[] {
  // s calls c1 and c2; c1 fails, then c2; when c1 recovers, s (still failing
  // because of c2) leaves c1's incident for c2's.
  const rehome: Event[] = [];
  for (let i = 0; i < 60; i++) {
    const t = T0 + i * 30_000;
    rehome.push(err(t, "c1", t >= T0 + 5 * MIN && t < T0 + 15 * MIN ? 0.9 : 0.001));
    rehome.push(err(t, "c2", t >= T0 + 10 * MIN && t < T0 + 25 * MIN ? 0.9 : 0.001));
    rehome.push(err(t + 1_000, "s", t >= T0 + 5 * MIN && t < T0 + 25 * MIN ? 0.45 : 0.001));
  }
  const ab = topology({ a: [], b: [] });
  return [
    rare("rehome", 1, topology({ s: ["c1", "c2"], c1: [], c2: [] }), rehome, (out) =>
      out.some((o) => o.type === "member" && o.left),
    ),
    rare(
      "manual resolution, then reopen",
      2,
      ab,
      [
        health(T0, "a", 1),
        health(T0 + MIN, "a", 3),
        actionEvent(T0 + 3 * MIN, 1, 2),
        health(T0 + 4 * MIN, "a", 1),
        health(T0 + 10 * MIN, "a", 3),
        health(T0 + 11 * MIN, "a", 1),
        health(T0 + 120 * MIN, "b", 1),
      ],
      (out) => out.some((o) => o.type === "status" && o.reopened),
    ),
    rare(
      "acknowledged, resolved, reopened, acknowledged again",
      3,
      ab,
      [
        health(T0, "a", 1),
        health(T0 + MIN, "a", 3),
        actionEvent(T0 + 2 * MIN, 1, 1),
        health(T0 + 3 * MIN, "a", 1),
        health(T0 + 20 * MIN, "a", 3),
        actionEvent(T0 + 21 * MIN, 1, 1),
        health(T0 + 60 * MIN, "a", 3),
      ],
      (out) => out.some((o) => o.type === "status" && o.reopened),
    ),
    rare(
      "fingerprint resolved on another service than it fired on",
      4,
      ab,
      [
        health(T0, "a", 1),
        health(T0, "b", 1),
        alert(T0 + MIN, "a", 1, "fp"),
        alert(T0 + 2 * MIN, "b", 2, "fp"),
        health(T0 + 60 * MIN, "b", 1),
      ],
      // The resolution applies where it fired: a recovers (b is untouched).
      (out) => out.some((o) => o.type === "health" && o.service === "a" && o.health === 1),
    ),
  ];
}
