import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/errors.js";
import { DependencyKind, type Topology } from "../../src/gen/impactd/v1/topology.js";
import {
  assertValidTopology,
  Estate,
  loadTopologyFile,
  parseTopology,
  TopologyError,
  validateTopology,
} from "../../src/topology/index.js";

const SHOP = fileURLToPath(new URL("../../examples/shop.yaml", import.meta.url));

/** Parses `text` as t.yaml (or the given file) and returns the TopologyError it must throw. */
function failure(text: string, filename = "t.yaml"): TopologyError {
  try {
    parseTopology(text, { filename });
  } catch (err) {
    if (err instanceof TopologyError) return err;
    throw err;
  }
  throw new Error("expected a TopologyError");
}

/** Asserts `text` fails with exactly one issue, rendered as `expected`. */
function expectOnly(text: string, expected: string): void {
  const err = failure(text);
  expect(
    err.issues.map((i) => i.message),
    err.message,
  ).toHaveLength(1);
  expect(err.message).toContain(expected);
}

// Two services and a journey: the smallest valid base the error cases edit.
const svc = (extra = "") => `services:
  - name: a
    team: t${extra}
  - name: b
    team: t
    depends_on: [a]
`;

describe("sample estate", () => {
  const t = loadTopologyFile(SHOP);

  it("loads 33 services, 5 journeys and 15 teams with no issues", () => {
    expect(t.services).toHaveLength(33);
    expect(t.journeys.map((j) => j.name)).toEqual([
      "browse",
      "search",
      "login",
      "checkout",
      "returns",
    ]);
    expect(t.teams).toHaveLength(15);
    expect(validateTopology(t)).toEqual([]);
  });

  it("reads soft dependencies, tiers, kinds and SLOs", () => {
    const gw = t.services.find((s) => s.name === "api-gateway");
    expect(gw?.tier).toBe(1);
    expect(gw?.kinds).toEqual(["network"]);
    expect(gw?.dependsOn.find((d) => d.service === "recommendations")?.kind).toBe(
      DependencyKind.DEPENDENCY_KIND_SOFT,
    );
    expect(gw?.dependsOn.find((d) => d.service === "auth")?.kind).toBe(
      DependencyKind.DEPENDENCY_KIND_HARD,
    );
    expect(t.services.find((s) => s.name === "payments-db")?.slo?.errorRate).toBe(0.01);
    const checkout = t.journeys.find((j) => j.name === "checkout");
    expect(checkout?.customersPerMin).toBe(1200);
    expect(checkout?.steps.map((s) => s.name)).toEqual(["view-cart", "payment", "confirm"]);
  });

  it("gives every service an owner", () => {
    const estate = new Estate(t);
    expect(estate.services.filter((s) => estate.ownerOf(s) === undefined)).toEqual([]);
  });
});

describe("parse errors name the file, line, column and key path", () => {
  it("rejects an unknown key and suggests the near one", () => {
    expectOnly(
      `${svc()}    depend_on: [a]\n`,
      't.yaml:7:5: services[1].depend_on: unknown key "depend_on" (did you mean "depends_on"?)',
    );
  });

  it("rejects an unknown top-level key", () => {
    expectOnly(`${svc()}servces: []\n`, 't.yaml:7:1: servces: unknown key "servces"');
  });

  it("rejects a wrong type and a missing required key", () => {
    expectOnly(
      `${svc()}  - name: [c]\n`,
      "t.yaml:7:5: services[2].name: expected a string, got a list",
    );
    expectOnly(
      `${svc()}  - team: t\n`,
      't.yaml:7:5: services[2].name: missing required key "name"',
    );
  });

  it("rejects an unknown dependency", () => {
    expectOnly(
      `${svc()}  - name: c\n    depends_on: [a, paymnts]\n`,
      't.yaml:8:21: services[2].depends_on[1]: unknown service "paymnts"',
    );
  });

  it("rejects an unknown dependency in the object form and a bad kind", () => {
    const err = failure(`${svc()}  - name: c\n    depends_on:\n      - {service: x, kind: sft}\n`);
    expect(err.message).toContain('t.yaml:9:9: services[2].depends_on[0]: unknown service "x"');
    expect(err.message).toContain(
      't.yaml:9:22: services[2].depends_on[0].kind: unknown dependency kind "sft"',
    );
  });

  it("rejects a self-dependency and a duplicate dependency", () => {
    expectOnly(
      `${svc()}  - name: c\n    depends_on: [c]\n`,
      't.yaml:8:18: services[2].depends_on[0]: service "c" depends on itself',
    );
    expectOnly(
      `${svc()}  - name: c\n    depends_on: [a, a]\n`,
      't.yaml:8:21: services[2].depends_on[1]: duplicate dependency on "a"',
    );
  });

  it("rejects empty, invalid and duplicate names", () => {
    expectOnly(`${svc()}  - name: ""\n`, "t.yaml:7:5: services[2].name: service name is empty");
    expectOnly(
      `${svc()}  - name: bad name\n`,
      't.yaml:7:5: services[2].name: service name "bad name" is not valid',
    );
    expectOnly(
      `${svc()}  - name: a\n`,
      't.yaml:7:5: services[2].name: duplicate service "a" (first at services[0].name)',
    );
  });

  it("rejects an unknown team only when teams are given", () => {
    expect(parseTopology(svc()).services).toHaveLength(2);
    const err = failure(`${svc()}teams:\n  - name: u\n`);
    expect(err.issues).toHaveLength(2);
    expect(err.message).toContain('t.yaml:3:5: services[0].team: unknown team "t"');
  });

  it("rejects a tier outside 0..4 or not an integer", () => {
    expectOnly(
      svc("\n    tier: 5"),
      "t.yaml:4:5: services[0].tier: tier must be an integer from 1 to 4 (0 = unset), got 5",
    );
    expectOnly(svc("\n    tier: 1.5"), "t.yaml:4:5: services[0].tier: tier must be an integer");
  });

  it("rejects SLO values out of range, not finite or explicitly zero", () => {
    expectOnly(
      svc("\n    slo: {error_rate: 1.5}"),
      "t.yaml:4:11: services[0].slo.error_rate: error_rate must be in (0, 1], got 1.5",
    );
    expectOnly(
      svc("\n    slo: {error_rate: .nan}"),
      "services[0].slo.error_rate: error_rate must be in (0, 1], got NaN",
    );
    expectOnly(
      svc("\n    slo: {latency_p99_ms: -5}"),
      "t.yaml:4:11: services[0].slo.latency_p99_ms: latency_p99_ms must be in (0,",
    );
    expectOnly(
      svc("\n    slo: {latency_p99_ms: 0}"),
      "t.yaml:4:11: services[0].slo.latency_p99_ms: must be greater than 0",
    );
  });

  const journey = (body: string) => `${svc()}journeys:\n  - name: j\n${body}`;
  const steps = "    steps:\n      - name: s\n        services: [a]\n";

  it("rejects slo_target outside (0, 1) and a missing slo_target", () => {
    expectOnly(
      journey(`    slo_target: 1\n${steps}`),
      "t.yaml:9:5: journeys[0].slo_target: slo_target must be a success ratio in (0, 1)",
    );
    expectOnly(
      journey(steps),
      't.yaml:8:5: journeys[0].slo_target: missing required key "slo_target"',
    );
  });

  it("rejects customers_per_min that is negative or infinite", () => {
    expectOnly(
      journey(`    slo_target: 0.99\n    customers_per_min: -1\n${steps}`),
      "t.yaml:10:5: journeys[0].customers_per_min: customers_per_min must be in [0,",
    );
    expectOnly(
      journey(`    slo_target: 0.99\n    customers_per_min: .inf\n${steps}`),
      "journeys[0].customers_per_min: customers_per_min must be in [0, 1000000000], got Infinity",
    );
  });

  it("rejects a journey with no steps and a step with no services", () => {
    expectOnly(
      journey("    slo_target: 0.99\n    steps: []\n"),
      "t.yaml:10:5: journeys[0].steps: journey has no steps",
    );
    expectOnly(
      journey("    slo_target: 0.99\n    steps:\n      - name: s\n        services: []\n"),
      "t.yaml:12:9: journeys[0].steps[0].services: step needs at least one service",
    );
  });

  it("rejects an unknown service in a step and duplicate journeys and steps", () => {
    expectOnly(
      journey("    slo_target: 0.99\n    steps:\n      - name: s\n        services: [a, zz]\n"),
      't.yaml:12:23: journeys[0].steps[0].services[1]: unknown service "zz"',
    );
    expectOnly(
      journey(`    slo_target: 0.99\n${steps}  - name: j\n    slo_target: 0.99\n${steps}`),
      't.yaml:13:5: journeys[1].name: duplicate journey "j"',
    );
    expectOnly(
      journey(`    slo_target: 0.99\n${steps}      - name: s\n        services: [b]\n`),
      't.yaml:13:9: journeys[0].steps[1].name: duplicate step "s"',
    );
  });

  it("rejects unknown team services and ambiguous ownership", () => {
    expectOnly(
      `${svc()}teams:\n  - name: t\n    services: [zz]\n`,
      't.yaml:9:16: teams[0].services[0]: unknown service "zz"',
    );
    expectOnly(
      `${svc()}teams:\n  - name: t\n  - name: u\n    services: [a]\n`,
      't.yaml:10:16: teams[1].services[0]: service "a" names team "t" as its owner',
    );
  });

  it("allows dependency cycles", () => {
    const cycle = "services:\n  - {name: a, depends_on: [b]}\n  - {name: b, depends_on: [a]}\n";
    expect(parseTopology(cycle).services[0]?.dependsOn[0]?.service).toBe("b");
  });

  it("collects every problem, sorted by line, in one TopologyError", () => {
    const err = failure(
      `${svc()}  - name: c\n    tier: 9\n    depends_on: [nope]\n    colour: red\n`,
    );
    expect(err).toBeInstanceOf(TopologyError);
    expect(err.code).toBe("INVALID_TOPOLOGY");
    expect(err.issues.map((i) => i.line)).toEqual([8, 9, 10]);
    expect(err.message.split("\n")[0]).toBe("invalid topology in t.yaml (3 problems):");
  });

  it("reports YAML syntax errors and an empty file with their position", () => {
    expect(failure("services:\n  - name: a\n  name: b\n").message).toContain("t.yaml:3:");
    expect(failure("").message).toContain("t.yaml:1:1: the file is empty");
  });

  it("refuses to expand an alias bomb", () => {
    const layers = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      layers.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    expect(failure(`${layers.join("\n")}\n`).message).toMatch(/alias/i);
  });

  it("reports an unreadable file as an invalid argument", () => {
    expect(() => loadTopologyFile("/nonexistent/shop.yaml")).toThrow(InvalidArgumentError);
  });
});

describe("JSON input", () => {
  const json = `{
  "services": [
    {"name": "a", "team": "t", "slo": {"error_rate": 0.02}},
    {"name": "b", "depends_on": ["a", {"service": "a2", "kind": "soft"}]}
  ],
  "journeys": [{"name": "j", "slo_target": 0.99, "steps": [{"name": "s", "services": ["a", "b"]}]}]
}`;

  it("parses JSON chosen by extension or by option", () => {
    const fixed = json.replace('"a2"', '"a"').replace('"a", {', "{");
    expect(parseTopology(fixed, { filename: "t.json" }).services[1]?.dependsOn[0]?.kind).toBe(
      DependencyKind.DEPENDENCY_KIND_SOFT,
    );
    expect(parseTopology(fixed, { format: "json" }).journeys[0]?.steps[0]?.services).toEqual([
      "a",
      "b",
    ]);
  });

  it("names lines and key paths in JSON too", () => {
    expect(failure(json, "t.json").message).toContain(
      't.json:4:39: services[1].depends_on[1]: unknown service "a2"',
    );
  });

  it("holds a .json file to JSON scalars", () => {
    expect(failure('{"services": [{"name": a}]}', "t.json").issues[0]?.message).toMatch(
      /plain scalar/i,
    );
  });
});

describe("validateTopology for topologies without a file (PutTopology)", () => {
  const topo = (): Topology => ({
    services: [
      { name: "a", team: "t", tier: 1, dependsOn: [], slo: undefined, kinds: [] },
      {
        name: "b",
        team: "",
        tier: 0,
        dependsOn: [
          { service: "x", kind: DependencyKind.DEPENDENCY_KIND_UNSPECIFIED, discovered: false },
        ],
        slo: { errorRate: 0, latencyP99Ms: 0 },
        kinds: [],
      },
    ],
    journeys: [],
    teams: [],
  });

  it("reports key paths with no lines, and treats zero SLO values as defaults", () => {
    expect(validateTopology(topo())).toEqual([
      { path: "services[1].depends_on[0]", message: 'unknown service "x"' },
    ]);
  });

  it("throws a TopologyError from assertValidTopology", () => {
    expect(() => assertValidTopology(topo())).toThrow(
      /services\[1\]\.depends_on\[0\]: unknown service "x"/,
    );
  });
});

describe("Estate", () => {
  const shop = new Estate(loadTopologyFile(SHOP));

  it("looks up services by name and position", () => {
    expect(shop.services[0]).toBe("web-frontend");
    expect(shop.serviceIndex("payments-db")).toBe(shop.services.indexOf("payments-db"));
    expect(shop.serviceIndex("nope")).toBeUndefined();
    expect(shop.service("payments")?.tier).toBe(1);
    expect(shop.dependencies("payments").map((d) => d.service)).toEqual([
      "payments-db",
      "payment-gateway",
    ]);
    expect(shop.dependencies("nope")).toEqual([]);
  });

  it("finds owners from the service's team or a team listing it", () => {
    expect(shop.ownerOf("payments-db")).toBe("payments");
    const e = new Estate(
      parseTopology("services:\n  - name: a\nteams:\n  - name: t\n    services: [a]\n"),
    );
    expect(e.ownerOf("a")).toBe("t");
    expect(e.ownerOf("b")).toBeUndefined();
    expect(shop.team("platform")?.skills).toContain("cache");
  });

  it("lists dependents with how they depend", () => {
    expect(shop.dependents("payments").map((d) => d.service)).toEqual(["checkout", "returns"]);
    const recs = shop.dependents("recommendations");
    expect(recs).toEqual([
      { service: "api-gateway", kind: DependencyKind.DEPENDENCY_KIND_SOFT, discovered: false },
    ]);
    expect(shop.dependents("web-frontend")).toEqual([]);
  });

  it("maps services to the journeys that need them", () => {
    expect(shop.journeysOf("payments")).toEqual(["checkout", "returns"]);
    expect(shop.journeysOf("api-gateway")).toEqual([
      "browse",
      "search",
      "login",
      "checkout",
      "returns",
    ]);
    expect(shop.journeysOf("notifications")).toEqual([]);
    expect(shop.journey("login")?.sloTarget).toBe(0.999);
  });

  it("adds a discovered edge in a new estate, leaving the old one as it was", () => {
    const next = shop.withDiscoveredEdge("notifications", "users");
    expect(next).not.toBe(shop);
    expect(next.dependencies("notifications").at(-1)).toEqual({
      service: "users",
      kind: DependencyKind.DEPENDENCY_KIND_HARD,
      discovered: true,
    });
    expect(next.dependents("users").map((d) => d.service)).toContain("notifications");
    expect(shop.dependents("users").map((d) => d.service)).not.toContain("notifications");
    expect(next.withDiscoveredEdge("notifications", "users")).toBe(next);
    expect(shop.withDiscoveredEdge("checkout", "payments")).toBe(shop);
    expect(shop.withDiscoveredEdge("cart", "cart")).toBe(shop);
  });

  it("adds unknown endpoints of a discovered edge as unattached services", () => {
    const next = shop.withDiscoveredEdge("payments", "tax-service");
    expect(next.serviceIndex("tax-service")).toBe(33);
    expect(next.ownerOf("tax-service")).toBeUndefined();
    expect(next.dependents("tax-service").map((d) => d.service)).toEqual(["payments"]);
  });

  it("adds an unattached service at the end, with no team and no edges", () => {
    const next = shop.withUnattachedService("ghost");
    expect(next.services).toHaveLength(34);
    expect(next.serviceIndex("ghost")).toBe(33);
    expect(next.serviceIndex("payments")).toBe(shop.serviceIndex("payments"));
    expect(next.ownerOf("ghost")).toBeUndefined();
    expect(next.dependencies("ghost")).toEqual([]);
    expect(next.journeysOf("ghost")).toEqual([]);
    expect(shop.serviceIndex("ghost")).toBeUndefined();
    expect(next.withUnattachedService("ghost")).toBe(next);
  });

  it("is not changed by later edits to the topology it was built from", () => {
    const t = parseTopology("services:\n  - name: a\n");
    const e = new Estate(t);
    t.services.push({ name: "b", team: "", tier: 0, dependsOn: [], slo: undefined, kinds: [] });
    expect(e.services).toEqual(["a"]);
    expect(Object.isFrozen(e.topology.services)).toBe(true);
  });
});
