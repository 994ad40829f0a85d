// Routing accuracy on hand-made incidents: the team routed when the first
// notification goes out (the end of the group wait) against the owner of the
// true root cause; merged, unrouted and experience incidents.
import { describe, expect, it } from "vitest";
import { IncidentKind, IncidentStatus } from "../../src/gen/impactd/v1/incident.js";
import { firstTeam, ownerOf, routingAccuracy, routingReport } from "../../src/notify/index.js";
import { loadTopologyFile } from "../../src/topology/index.js";
import { incident, page, T0 } from "../helpers/notify.js";

const MIN = 60_000;

describe("routing accuracy", () => {
  it("first team is the one routed when the group wait ends, not the first page", () => {
    // A symptom's owner paged at once, the root cause's owner 8 s later.
    const quick = incident({
      pages: [page(0, T0, { team: "front" }), page(0, T0 + 8_000, { team: "data" })],
    });
    expect(firstTeam(quick)).toBe("data");
    expect(firstTeam(quick, 5_000)).toBe("front");
    // Routed only after the wait: its first routing counts.
    const late = incident({ pages: [page(0, T0 + 2 * MIN, { team: "data" })] });
    expect(firstTeam(late)).toBe("data");
    expect(firstTeam(incident({ team: "", pages: [] }))).toBe("");
  });

  it("scores faults an incident explains; reports first-page and final accuracy and unrouted incidents", () => {
    const incidents = [
      incident({ id: "a", services: ["db", "web"] }), // data from the start: right
      incident({
        id: "b",
        services: ["cache", "web"],
        team: "cache-team",
        pages: [page(0, T0, { team: "front" }), page(0, T0 + 5_000, { team: "cache-team" })],
      }), // re-routed inside the group wait: right when notified
      incident({
        id: "c",
        services: ["queue"],
        team: "platform",
        pages: [page(0, T0, { team: "front" }), page(0, T0 + 10 * MIN, { team: "platform" })],
      }), // re-routed long after: wrong first, right at the end
      incident({ id: "d", services: ["dns"], team: "", pages: [] }), // never routed
    ];
    const truth = [
      { rootCause: "db", ownerTeam: "data" },
      { rootCause: "cache", ownerTeam: "cache-team" },
      { rootCause: "queue", ownerTeam: "platform" },
      { rootCause: "dns", ownerTeam: "platform" },
      { rootCause: "kafka", ownerTeam: "platform" }, // no incident: not scored here
    ];
    const r = routingReport(truth, incidents);
    expect(
      r.cases.map((c) => [
        c.rootCause,
        c.incident,
        c.firstPageTeam,
        c.firstTeam,
        c.finalTeam,
        c.correct,
      ]),
    ).toEqual([
      ["db", "a", "data", "data", "data", true],
      ["cache", "b", "front", "cache-team", "cache-team", true],
      ["queue", "c", "front", "front", "platform", false],
      ["dns", "d", "", "", "", false],
      ["kafka", undefined, "", "", "", false],
    ]);
    expect([r.scored, r.correct, r.unmatched]).toEqual([4, 2, 1]);
    expect(r.accuracy).toBe(0.5);
    expect(r.firstPageAccuracy).toBe(0.25);
    expect(r.finalAccuracy).toBe(0.75);
    expect(r.unrouted).toEqual(["d"]);
    expect(routingAccuracy(truth, incidents)).toBe(0.5);
    expect(routingAccuracy([], incidents)).toBeNaN();
  });

  it("matches the incident holding the root before one merely suspecting it, a survivor before a merged one", () => {
    const suspecting = incident({
      id: "exp",
      kind: IncidentKind.INCIDENT_KIND_EXPERIENCE,
      openedUnixMs: T0 - MIN,
      services: [],
      rootCauses: [{ service: "db", rank: 1, score: 1, reason: "suspect", change: "" }],
      team: "platform",
      pages: [page(0, T0 - MIN, { team: "platform" })],
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
    const merged = incident({
      id: "early",
      openedUnixMs: T0 - 1_000,
      services: ["db"],
      status: IncidentStatus.INCIDENT_STATUS_MERGED,
      pages: [page(0, T0 - 1_000, { team: "front" })],
    });
    const survivor = incident({ id: "late", services: ["web", "db"] });
    const r = routingReport(
      [
        { rootCause: "db", ownerTeam: "data" },
        { rootCause: "checkout", ownerTeam: "platform" },
      ],
      [suspecting, merged, survivor],
    );
    expect(r.cases.map((c) => [c.incident, c.correct])).toEqual([
      ["late", true],
      ["exp", true],
    ]);
  });

  it("finds the owner of a service in the sample estate", () => {
    const topo = loadTopologyFile("examples/shop.yaml");
    expect(ownerOf(topo, "payments-db")).toBe("payments");
    expect(ownerOf(topo, "no-such-service")).toBe("");
  });
});
