// Routing accuracy on hand-made incidents: first routed team against the
// owner of the true root cause, merged incidents, unrouted ones, journeys.
import { describe, expect, it } from "vitest";
import { IncidentStatus } from "../../src/gen/impactd/v1/incident.js";
import { ownerOf, routingAccuracy, routingReport } from "../../src/notify/index.js";
import { loadTopologyFile } from "../../src/topology/index.js";
import { incident, page, T0 } from "../helpers/notify.js";

describe("routing accuracy", () => {
  it("scores the first team routed to, over the faults some incident explains", () => {
    const incidents = [
      incident({ id: "a", services: ["db", "web"] }), // first paged data: right
      incident({
        id: "b",
        services: ["cache"],
        team: "cache-team",
        pages: [page(0, T0, { team: "front" }), page(0, T0 + 1, { team: "cache-team" })],
      }), // re-routed to the owner, but first went to front: wrong first, right final
      incident({ id: "c", services: ["queue"], team: "", pages: [] }), // never routed
    ];
    const truth = [
      { rootCause: "db", ownerTeam: "data" },
      { rootCause: "cache", ownerTeam: "cache-team" },
      { rootCause: "queue", ownerTeam: "platform" },
      { rootCause: "dns", ownerTeam: "platform" }, // no incident: not scored here
    ];
    const r = routingReport(truth, incidents);
    expect(r.cases.map((c) => [c.rootCause, c.incident, c.firstTeam, c.correct])).toEqual([
      ["db", "a", "data", true],
      ["cache", "b", "front", false],
      ["queue", "c", "", false],
      ["dns", undefined, "", false],
    ]);
    expect(r.scored).toBe(3);
    expect(r.unmatched).toBe(1);
    expect(r.accuracy).toBeCloseTo(1 / 3);
    expect(r.finalAccuracy).toBeCloseTo(2 / 3);
    expect(r.unrouted).toEqual(["c"]);
    expect(routingAccuracy(truth, incidents)).toBeCloseTo(1 / 3);
    expect(routingAccuracy([], incidents)).toBeNaN();
  });

  it("prefers the surviving incident over one merged into it, and matches journeys last", () => {
    const merged = incident({
      id: "early",
      openedUnixMs: T0 - 1_000,
      services: ["db"],
      status: IncidentStatus.INCIDENT_STATUS_MERGED,
      pages: [page(0, T0, { team: "front" })],
    });
    const survivor = incident({ id: "late", services: ["web", "db"] });
    const experience = incident({
      id: "exp",
      services: [],
      rootCauses: [],
      team: "platform",
      pages: [page(0, T0, { team: "platform" })],
      experience: [
        {
          journey: "checkout",
          feedbackScore: 0.3,
          feedbackBaseline: 0.8,
          abandonment: 0.4,
          abandonmentBaseline: 0.1,
          atUnixMs: T0,
        },
      ],
    });
    const r = routingReport(
      [
        { rootCause: "db", ownerTeam: "data" },
        { rootCause: "checkout", ownerTeam: "platform" },
      ],
      [merged, survivor, experience],
    );
    expect(r.cases.map((c) => [c.incident, c.correct])).toEqual([
      ["late", true],
      ["exp", true],
    ]);
    expect(r.unrouted).toEqual([]);
  });

  it("finds the owner of a service in the sample estate", () => {
    const topo = loadTopologyFile("examples/shop.yaml");
    expect(ownerOf(topo, "payments-db")).toBe("payments");
    expect(ownerOf(topo, "no-such-service")).toBe("");
  });
});
