// The evaluation's estates: the demo-shaped files load and validate through
// the topology loader, and random estates are valid, seeded and shaped as
// documented (layered, shared stores, journeys along call paths).
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ESTATE_FILES, estateTopology } from "../../src/eval/index.js";
import { DependencyKind, type Topology } from "../../src/gen/impactd/v1/topology.js";
import { randomEstate } from "../../src/sim/index.js";
import { loadTopologyFile, validateTopology } from "../../src/topology/index.js";

const root = resolve(import.meta.dirname, "../..");

function names(t: Topology): Set<string> {
  return new Set(t.services.map((s) => s.name));
}

// hasCycle runs a DFS over every dependency edge.
function hasCycle(t: Topology): boolean {
  const deps = new Map(t.services.map((s) => [s.name, s.dependsOn.map((d) => d.service)]));
  const state = new Map<string, number>();
  const visit = (n: string): boolean => {
    if (state.get(n) === 1) return true;
    if (state.get(n) === 2) return false;
    state.set(n, 1);
    for (const d of deps.get(n) ?? []) if (visit(d)) return true;
    state.set(n, 2);
    return false;
  };
  return t.services.some((s) => visit(s.name));
}

describe("demo-shaped estates", () => {
  it.each(Object.entries(ESTATE_FILES))(
    "%s loads, validates and has journeys and teams",
    (name, file) => {
      const t = loadTopologyFile(resolve(root, file));
      expect(validateTopology(t)).toEqual([]);
      expect(t.journeys.length).toBeGreaterThanOrEqual(4);
      const teams = new Set(t.teams.map((x) => x.name));
      for (const s of t.services)
        expect(teams.has(s.team), `${name}: ${s.name} has a team`).toBe(true);
      expect(estateTopology(name as keyof typeof ESTATE_FILES, 1)).toEqual(t);
    },
  );

  it("shapes the sock shop like Weaveworks Sock Shop", () => {
    const t = loadTopologyFile(resolve(root, ESTATE_FILES["sock-shop"]));
    const s = names(t);
    for (const n of [
      "front-end",
      "orders",
      "payment",
      "user",
      "catalogue",
      "carts",
      "shipping",
      "queue-master",
      "rabbitmq",
    ]) {
      expect(s.has(n), n).toBe(true);
    }
    const orders = t.services.find((x) => x.name === "orders");
    expect(orders?.dependsOn.map((d) => d.service)).toEqual(
      expect.arrayContaining(["payment", "shipping", "user", "carts", "orders-db"]),
    );
  });

  it("shapes the train-ticket system like FudanSELab Train-Ticket, with ~40 services and mongo stores", () => {
    const t = loadTopologyFile(resolve(root, ESTATE_FILES["train-ticket"]));
    const s = names(t);
    const required = [
      "ts-ui-dashboard",
      "ts-auth-service",
      "ts-user-service",
      "ts-verification-code-service",
      "ts-station-service",
      "ts-train-service",
      "ts-travel-service",
      "ts-route-service",
      "ts-order-service",
      "ts-seat-service",
      "ts-price-service",
      "ts-basic-service",
      "ts-ticketinfo-service",
      "ts-preserve-service",
      "ts-security-service",
      "ts-contacts-service",
      "ts-food-service",
      "ts-consign-service",
      "ts-payment-service",
      "ts-inside-payment-service",
      "ts-cancel-service",
      "ts-rebook-service",
      "ts-execute-service",
    ];
    for (const n of required) expect(s.has(n), n).toBe(true);
    const apps = t.services.filter(
      (x) => !x.kinds.includes("database") && !x.kinds.includes("queue"),
    );
    expect(apps.length).toBeGreaterThanOrEqual(40);
    expect(t.services.filter((x) => x.name.endsWith("-mongo")).length).toBeGreaterThanOrEqual(15);
    const preserve = t.services.find((x) => x.name === "ts-preserve-service");
    expect(preserve?.dependsOn.map((d) => d.service)).toEqual(
      expect.arrayContaining(["ts-security-service", "ts-order-service", "ts-seat-service"]),
    );
  });
});

describe("random estates", () => {
  it("replays a seed and differs across seeds", () => {
    const a = randomEstate({ seed: 11, services: 80 });
    expect(randomEstate({ seed: 11, services: 80 })).toEqual(a);
    expect(randomEstate({ seed: 12, services: 80 })).not.toEqual(a);
  });

  it.each([5, 40, 300, 3000])("builds a valid layered estate of %i services", (n) => {
    const t = randomEstate({ seed: n, services: n });
    expect(t.services).toHaveLength(n);
    expect(validateTopology(t)).toEqual([]);
    expect(hasCycle(t)).toBe(false);
    // Nothing is orphaned: every service but the entry layer has a caller.
    const called = new Set(t.services.flatMap((s) => s.dependsOn.map((d) => d.service)));
    const orphans = t.services.filter(
      (s) => !called.has(s.name) && !/^(web|gateway)-/.test(s.name),
    );
    expect(orphans).toEqual([]);
    expect(t.journeys.length).toBeGreaterThanOrEqual(2);
    expect(t.teams.length).toBeGreaterThanOrEqual(2);
  });

  it("follows call paths in journeys, shares stores across teams and skips layers", () => {
    const t = randomEstate({ seed: 3, services: 200 });
    const byName = new Map(t.services.map((s) => [s.name, s]));
    for (const j of t.journeys) {
      const path = j.steps.flatMap((s) => s.services);
      expect(path[0]).toMatch(/^(web|gateway)-/);
      for (let i = 1; i < path.length; i++) {
        const hard = byName
          .get(path[i - 1] as string)
          ?.dependsOn.filter((d) => d.kind === DependencyKind.DEPENDENCY_KIND_HARD)
          .map((d) => d.service);
        expect(hard, `${j.name}: ${path[i - 1]} -> ${path[i]}`).toContain(path[i]);
      }
    }
    const stores = t.services.filter((s) => s.kinds.length > 0);
    const callerTeams = (store: string) =>
      new Set(
        t.services.filter((s) => s.dependsOn.some((d) => d.service === store)).map((s) => s.team),
      );
    expect(stores.some((s) => callerTeams(s.name).size >= 2)).toBe(true);
    expect(
      t.services.some((s) =>
        s.dependsOn.some((d) => d.kind === DependencyKind.DEPENDENCY_KIND_SOFT),
      ),
    ).toBe(true);
    // Teams own connected clusters: most dependencies stay inside a team.
    const edges = t.services.flatMap((s) =>
      s.dependsOn.map((d) => [s.team, byName.get(d.service)?.team]),
    );
    const inside = edges.filter(([a, b]) => a === b).length;
    expect(inside / edges.length).toBeGreaterThan(0.3);
  });

  it("honours fan-out and rejects bad options", () => {
    const dense = randomEstate({ seed: 1, services: 300, fanOut: 4 });
    const sparse = randomEstate({ seed: 1, services: 300, fanOut: 1 });
    const edges = (t: Topology) => t.services.reduce((a, s) => a + s.dependsOn.length, 0);
    expect(edges(dense)).toBeGreaterThan(1.5 * edges(sparse));
    expect(() => randomEstate({ seed: 1, services: 4 })).toThrow(/services must be/);
    expect(() => randomEstate({ seed: 1, services: 50, fanOut: -1 })).toThrow(/fanOut/);
  });

  it("draws eval-sized random estates per seed", () => {
    const a = estateTopology("random", 5);
    expect(estateTopology("random", 5)).toEqual(a);
    expect(a.services.length).toBeGreaterThanOrEqual(30);
    expect(a.services.length).toBeLessThanOrEqual(120);
  });
});
