import { describe, expect, it } from "vitest";
import type { Event } from "../../src/gen/impactd/v1/event.js";
import { DependencyKind, type Topology } from "../../src/gen/impactd/v1/topology.js";
import { Pipeline, type PipelineSink } from "../../src/pipeline/pipeline.js";

// Rows kept in memory: these tests look at topology, not storage.
function memorySink(): PipelineSink {
  return {
    writeEvents: async () => {},
    writeRejections: async () => {},
    writeIncidents: async () => {},
  };
}

function topo(names: string[]): Topology {
  return {
    services: names.map((name) => ({
      name,
      team: "",
      tier: 0,
      kinds: [],
      slo: undefined,
      dependsOn: [],
    })),
    journeys: [],
    teams: [],
  };
}

describe("Pipeline topology", () => {
  it("keeps edges learned from traces and services seen in events when a new topology arrives", async () => {
    const p = new Pipeline({ sink: memorySink() });
    p.setTopology("default", topo(["web", "api"]));
    expect(p.discoverEdges("default", [["web", "api"]])).toBe(1);
    const ev: Event = {
      tsUnixMs: Date.now(),
      source: "t",
      tenant: "",
      id: "",
      kind: { $case: "healthCheck", value: { service: "ghost", status: 1, message: "" } },
    };
    expect((await p.submit([ev], { frontEnd: "test" })).unknownServices).toEqual(["ghost"]);
    p.setTopology("default", topo(["web", "api", "db"]));
    const t = p.topology("default");
    expect(t.services.map((s) => s.name).sort()).toEqual(["api", "db", "ghost", "web"]);
    const web = t.services.find((s) => s.name === "web");
    expect(web?.dependsOn).toEqual([
      { service: "api", kind: DependencyKind.DEPENDENCY_KIND_HARD, discovered: true },
    ]);
  });
});
