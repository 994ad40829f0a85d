// ListIncidents filtering and paging, and the WatchIncidents update log
// (sequence numbers, resume from a cursor, resync when the ring is too short).
import { describe, expect, it } from "vitest";
import type { ListIncidentsRequest } from "../../src/gen/impactd/v1/api.js";
import {
  Incident,
  IncidentSeverity as Sev,
  IncidentStatus as St,
} from "../../src/gen/impactd/v1/incident.js";
import type { IncidentUpdateListener, Pipeline } from "../../src/pipeline/pipeline.js";
import { filterIncidents } from "../../src/sources/grpc/incident-service.js";
import { UpdateLog } from "../../src/sources/grpc/update-log.js";

function inc(id: string, opened: number, over: Partial<Incident> = {}): Incident {
  return Incident.create({
    id,
    tenant: "default",
    status: St.INCIDENT_STATUS_OPEN,
    severity: Sev.INCIDENT_SEVERITY_HIGH,
    title: id,
    openedUnixMs: opened,
    updatedUnixMs: opened,
    services: ["a"],
    alertCount: 1,
    version: 1,
    ...over,
  });
}

function req(over: Partial<ListIncidentsRequest> = {}): ListIncidentsRequest {
  return {
    tenant: "",
    statuses: [],
    service: "",
    pageSize: 0,
    severities: [],
    sinceUnixMs: 0,
    untilUnixMs: 0,
    pageToken: "",
    ...over,
  };
}

const ALL = [
  inc("i1", 1_000, { status: St.INCIDENT_STATUS_RESOLVED, resolvedUnixMs: 2_000 }),
  inc("i2", 3_000, { severity: Sev.INCIDENT_SEVERITY_CRITICAL, services: ["db", "api"] }),
  inc("i3", 5_000, { status: St.INCIDENT_STATUS_ACKNOWLEDGED, services: ["api"] }),
  inc("i4", 5_000, { severity: Sev.INCIDENT_SEVERITY_LOW }),
  inc("i5", 9_000, { status: St.INCIDENT_STATUS_RESOLVED, resolvedUnixMs: 9_500 }),
];
const ids = (r: { incidents: Incident[] }) => r.incidents.map((i) => i.id);

describe("filterIncidents", () => {
  it("orders newest first with the id breaking ties", () => {
    expect(ids(filterIncidents(ALL, req()))).toEqual(["i5", "i4", "i3", "i2", "i1"]);
  });

  it("filters by status, severity and member service", () => {
    const open = [St.INCIDENT_STATUS_OPEN, St.INCIDENT_STATUS_ACKNOWLEDGED];
    expect(ids(filterIncidents(ALL, req({ statuses: open })))).toEqual(["i4", "i3", "i2"]);
    expect(
      ids(filterIncidents(ALL, req({ severities: [Sev.INCIDENT_SEVERITY_CRITICAL] }))),
    ).toEqual(["i2"]);
    expect(ids(filterIncidents(ALL, req({ service: "api" })))).toEqual(["i3", "i2"]);
  });

  it("keeps incidents active at some time in [since, until)", () => {
    // i1 resolved at 2000 < 2500: out; i5 opened at 9000 >= 6000: out.
    expect(ids(filterIncidents(ALL, req({ sinceUnixMs: 2_500, untilUnixMs: 6_000 })))).toEqual([
      "i4",
      "i3",
      "i2",
    ]);
    expect(() => filterIncidents(ALL, req({ sinceUnixMs: 5, untilUnixMs: 5 }))).toThrow(/until/);
  });

  it("pages with tokens that survive new incidents arriving in front", () => {
    const first = filterIncidents(ALL, req({ pageSize: 2 }));
    expect(ids(first)).toEqual(["i5", "i4"]);
    expect(first.nextPageToken).not.toBe("");
    // A newer incident appears between the pages; the next page is unaffected.
    const grown = [...ALL, inc("i6", 20_000)];
    const second = filterIncidents(grown, req({ pageSize: 2, pageToken: first.nextPageToken }));
    expect(ids(second)).toEqual(["i3", "i2"]);
    const third = filterIncidents(grown, req({ pageSize: 2, pageToken: second.nextPageToken }));
    expect(ids(third)).toEqual(["i1"]);
    expect(third.nextPageToken).toBe("");
    expect(() => filterIncidents(ALL, req({ pageToken: "garbage" }))).toThrow(/page_token/);
  });
});

// A stand-in for the pipeline's two methods the log uses.
function fakePipeline() {
  const listeners = new Set<IncidentUpdateListener>();
  const current = new Map<string, Incident>();
  return {
    publish(i: Incident) {
      current.set(i.id, i);
      for (const l of listeners) l(i, ["updated"]);
    },
    pipeline: {
      watchAll(l: IncidentUpdateListener) {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      incidents: (tenant: string) => [...current.values()].filter((i) => i.tenant === tenant),
    } as unknown as Pipeline,
  };
}

describe("UpdateLog", () => {
  it("numbers updates per tenant and replays what a cursor missed", () => {
    const f = fakePipeline();
    const log = new UpdateLog(f.pipeline, 10);
    for (let v = 1; v <= 5; v++) f.publish(inc("a", 1, { version: v }));
    f.publish(inc("b", 1, { tenant: "other" }));
    expect(log.sequence("default")).toBe(5);
    expect(log.sequence("other")).toBe(1);
    const got: [number, number][] = [];
    const stop = log.subscribe("default", { cursor: 2, includeOpen: false }, (u) =>
      got.push([u.sequence, u.incident?.version ?? -1]),
    );
    f.publish(inc("a", 1, { version: 6 }));
    stop();
    f.publish(inc("a", 1, { version: 7 }));
    expect(got).toEqual([
      [3, 3],
      [4, 4],
      [5, 5],
      [6, 6],
    ]);
  });

  it("resyncs with the open incidents when the cursor is older than the ring or unknown", () => {
    const f = fakePipeline();
    const log = new UpdateLog(f.pipeline, 3);
    f.publish(inc("gone", 1, { status: St.INCIDENT_STATUS_RESOLVED }));
    for (let v = 1; v <= 5; v++) f.publish(inc("a", 1, { version: v }));
    // Ring holds 4..6; cursor 3 is still exact, cursor 2 is not.
    const exact: number[] = [];
    log.subscribe("default", { cursor: 3, includeOpen: false }, (u) => exact.push(u.sequence));
    expect(exact).toEqual([4, 5, 6]);
    for (const cursor of [2, 99]) {
      const got: { seq: number; id: string | undefined; resync: boolean }[] = [];
      log.subscribe("default", { cursor, includeOpen: false }, (u) =>
        got.push({ seq: u.sequence, id: u.incident?.id, resync: u.resync }),
      );
      expect(got).toEqual([
        { seq: 6, id: undefined, resync: true },
        { seq: 6, id: "a", resync: true },
      ]);
    }
  });

  it("starts from now, or with the open incidents when asked", () => {
    const f = fakePipeline();
    const log = new UpdateLog(f.pipeline);
    f.publish(inc("a", 1));
    const none: number[] = [];
    log.subscribe("default", { cursor: 0, includeOpen: false }, (u) => none.push(u.sequence));
    expect(none).toEqual([]);
    const open: boolean[] = [];
    log.subscribe("default", { cursor: 0, includeOpen: true }, (u) => open.push(u.resync));
    expect(open).toEqual([false]);
  });
});
