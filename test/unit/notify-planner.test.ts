// What the planner decides to tell whom, version by version: one draft per
// change and target, nothing for unchanged state, group wait, escalation
// channels, re-routing, and state rebuilt from the outbox after a restart.
import { describe, expect, it } from "vitest";
import { IncidentSeverity, IncidentStatus } from "../../src/gen/impactd/v1/incident.js";
import type { Draft } from "../../src/notify/planner.js";
import { Planner } from "../../src/notify/planner.js";
import type { NotificationRow } from "../../src/notify/rows.js";
import { dataTeams, incident, page, T0 } from "../helpers/notify.js";

const WAIT = 30_000;
const MIN = 60_000;
const planner = () => new Planner(WAIT, () => dataTeams());
const brief = (ds: Draft[]) =>
  ds.map((d) => `${d.team}/${d.target.name} ${d.action} ${d.changes.join("+")}`);

// A planner that has already told team data about inc-1 (opened, tier 1).
function told(): Planner {
  const p = planner();
  p.update(incident());
  expect(brief(p.advance("default", T0 + WAIT))).toEqual([
    "data/am trigger opened",
    "data/pd trigger opened",
  ]);
  return p;
}

describe("group wait", () => {
  it("holds a new incident, then tells once with what detection learned meanwhile", () => {
    const p = planner();
    expect(p.update(incident())).toEqual([]);
    const later = incident({
      version: 5,
      updatedUnixMs: T0 + 10_000,
      rootCauses: [{ service: "web", rank: 1, score: 5, reason: "", change: "" }],
    });
    expect(p.update(later)).toEqual([]);
    expect(p.advance("default", T0 + WAIT - 1)).toEqual([]);
    expect(p.grouping()).toBe(1);
    const out = p.advance("default", T0 + WAIT);
    expect(brief(out)).toEqual(["data/am trigger opened", "data/pd trigger opened"]);
    expect(out[0]?.incident.version).toBe(5);
    expect(out[0]?.paged.map((x) => x.target)).toEqual(["@d1"]);
    expect(out[0]?.what[0]).toContain("routed to data (owns db (skill match: database))");
    expect(p.grouping()).toBe(0);
  });

  it("never tells about an incident merged or resolved inside the group wait", () => {
    const p = planner();
    p.update(incident());
    p.update(incident({ id: "inc-2", openedUnixMs: T0 + 1_000, updatedUnixMs: T0 + 1_000 }));
    p.update(
      incident({
        id: "inc-2",
        version: 3,
        updatedUnixMs: T0 + 5_000,
        status: IncidentStatus.INCIDENT_STATUS_MERGED,
        mergedInto: "inc-1",
      }),
    );
    const out = p.advance("default", T0 + 10 * MIN);
    expect(out.map((d) => d.incident.id)).toEqual(["inc-1", "inc-1"]);
  });

  it("a later version of the same incident releases the wait first, then reports its own change", () => {
    const p = planner();
    p.update(incident());
    const out = p.update(
      incident({
        version: 9,
        updatedUnixMs: T0 + 5 * MIN,
        pages: [page(0, T0), page(1, T0 + 5 * MIN)],
      }),
    );
    expect(brief(out)).toEqual([
      "data/am trigger opened",
      "data/pd trigger opened",
      "data/pd trigger escalated",
    ]);
    expect(out[0]?.incident.version).toBe(1); // the opening describes the version before the wait ended
  });

  it("an unrouted incident is told nothing until it is routed", () => {
    const p = planner();
    p.update(incident({ team: "", pages: [], routingReason: "" }));
    expect(p.advance("default", T0 + WAIT)).toEqual([]);
    const out = p.update(incident({ version: 4, updatedUnixMs: T0 + MIN }));
    expect(brief(out)).toEqual(["data/am trigger routed", "data/pd trigger routed"]);
  });
});

describe("changes after the opening", () => {
  it("sends nothing for a version that changes nothing receivers were told", () => {
    const p = told();
    const same = incident({
      version: 7,
      updatedUnixMs: T0 + MIN,
      alertCount: 40,
      services: ["db", "web", "api"],
      journeys: [
        {
          journey: "checkout",
          successRatio: 0.5,
          customersAffectedPerMin: 120,
          burnRateShort: 9,
          burnRateLong: 3,
          customersPerMin: 240,
          measured: true,
        },
      ],
    });
    expect(p.update(same)).toEqual([]);
    expect(p.update({ ...same, version: 8 })).toEqual([]);
  });

  it("an escalation goes to the tier's channel only, with the page", () => {
    const p = told();
    const out = p.update(
      incident({
        version: 4,
        updatedUnixMs: T0 + 5 * MIN,
        pages: [page(0, T0), page(1, T0 + 5 * MIN)],
      }),
    );
    expect(brief(out)).toEqual(["data/pd trigger escalated"]);
    expect(out[0]?.paged).toEqual([page(1, T0 + 5 * MIN)]);
    expect(out[0]?.what).toEqual(["escalated to tier 2 (@d2): not acknowledged in time"]);
  });

  it("reports a new root cause and a raised severity to everyone told, together", () => {
    const p = told();
    const out = p.update(
      incident({
        version: 6,
        updatedUnixMs: T0 + 2 * MIN,
        severity: IncidentSeverity.INCIDENT_SEVERITY_CRITICAL,
        rootCauses: [{ service: "web", rank: 1, score: 5, reason: "", change: "" }],
      }),
    );
    expect(brief(out)).toEqual([
      "data/am trigger root_cause_changed+severity_raised",
      "data/pd trigger root_cause_changed+severity_raised",
    ]);
    expect(out[0]?.what[0]).toBe("root cause changed from db to web");
    expect(out[0]?.what[1]).toMatch(/^severity raised from high to critical/);
    // A milder severity afterwards is not news.
    expect(
      p.update(
        incident({
          version: 7,
          severity: IncidentSeverity.INCIDENT_SEVERITY_LOW,
          rootCauses: out[0]?.incident.rootCauses ?? [],
        }),
      ),
    ).toEqual([]);
  });

  it("acknowledgement and resolution go to every target told, as their own actions", () => {
    const p = told();
    p.update(incident({ version: 4, pages: [page(0, T0), page(1, T0 + 5 * MIN)] }));
    const ack = p.update(
      incident({
        version: 5,
        status: IncidentStatus.INCIDENT_STATUS_ACKNOWLEDGED,
        acknowledgedBy: "dana",
        acknowledgedUnixMs: T0 + 6 * MIN,
        pages: [page(0, T0), page(1, T0 + 5 * MIN)],
      }),
    );
    expect(brief(ack)).toEqual([
      "data/am acknowledge acknowledged",
      "data/pd acknowledge acknowledged",
    ]);
    expect(ack[0]?.what).toEqual(["acknowledged by dana: escalation stops"]);
    const resolved = incident({
      version: 9,
      status: IncidentStatus.INCIDENT_STATUS_RESOLVED,
      resolvedUnixMs: T0 + 20 * MIN,
      pages: [page(0, T0), page(1, T0 + 5 * MIN)],
    });
    expect(brief(p.update(resolved))).toEqual([
      "data/am resolve resolved",
      "data/pd resolve resolved",
    ]);
    expect(p.update({ ...resolved, version: 10 })).toEqual([]);
  });

  it("re-routing resolves the alert at the old team and opens it at the new one", () => {
    const p = told();
    const out = p.update(
      incident({
        version: 8,
        team: "front",
        routingReason: "owns web",
        rootCauses: [{ service: "web", rank: 1, score: 5, reason: "", change: "" }],
        pages: [page(0, T0), page(0, T0 + MIN, { team: "front", target: "@f1" })],
      }),
    );
    expect(brief(out)).toEqual([
      "data/am resolve rerouted",
      "data/pd resolve rerouted",
      "front/fam trigger rerouted+root_cause_changed",
    ]);
    expect(out[0]?.what).toEqual(["re-routed to front: owns web"]);
    expect(out[2]?.paged.map((x) => x.target)).toEqual(["@f1"]);
  });

  it("tier 2 paged at once for customer impact travels with the opening", () => {
    const p = planner();
    p.update(
      incident({
        pages: [page(0, T0), page(1, T0, { cause: "customer impact" })],
      }),
    );
    const out = p.advance("default", T0 + WAIT);
    expect(brief(out)).toEqual(["data/am trigger opened", "data/pd trigger opened+escalated"]);
    expect(out[1]?.paged.map((x) => x.tier)).toEqual([0, 1]);
  });

  it("a reopened incident is told again", () => {
    const p = told();
    p.update(
      incident({
        version: 3,
        status: IncidentStatus.INCIDENT_STATUS_RESOLVED,
        resolvedUnixMs: T0 + MIN,
      }),
    );
    const out = p.update(incident({ version: 4, reopened: true, updatedUnixMs: T0 + 3 * MIN }));
    expect(brief(out)).toEqual(["data/am trigger reopened", "data/pd trigger reopened"]);
  });
});

describe("after a restart", () => {
  const row = (over: Partial<NotificationRow>): NotificationRow => ({
    tenant: "default",
    notification_id: "x",
    revision: 2,
    incident_id: "inc-1",
    incident_version: 1,
    change: "opened",
    changes: ["opened"],
    action: "trigger",
    ts: T0,
    team: "data",
    target: "am",
    kind: "alertmanager_webhook",
    address: "",
    dedup_key: "",
    paged: ["@d1"],
    tiers: [0],
    incident_status: "open",
    severity: "high",
    root_cause: "db",
    status: "delivered",
    attempts: 1,
    last_error: "",
    deliver_after: 0,
    created_at: 1,
    delivered_at: 2,
    payload: "{}",
    written_at: 2,
    ...over,
  });

  it("remembers what the outbox says was told, so the same state is not told again", () => {
    const p = planner();
    p.restore([row({}), row({ notification_id: "y", target: "pd", kind: "pagerduty" })]);
    expect(p.update(incident({ version: 2 }))).toEqual([]);
    const out = p.update(incident({ version: 3, pages: [page(0, T0), page(1, T0 + 5 * MIN)] }));
    expect(brief(out)).toEqual(["data/pd trigger escalated"]);
  });

  it("puts an open incident nobody was told about back into its group wait", () => {
    const p = planner();
    p.restore([row({ incident_id: "inc-old" })]);
    p.reconcile(incident());
    p.reconcile(incident({ id: "inc-old" }));
    p.reconcile(incident({ id: "inc-gone", status: IncidentStatus.INCIDENT_STATUS_RESOLVED }));
    expect(p.grouping()).toBe(1);
    expect(brief(p.advance("default", T0 + WAIT))).toEqual([
      "data/am trigger opened",
      "data/pd trigger opened",
    ]);
  });
});
