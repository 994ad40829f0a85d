// The wire formats: Alertmanager webhook v4, PagerDuty Events v2 and the
// NATS message carry the fields their consumers read, and each says what
// changed.
import { describe, expect, it } from "vitest";
import { IncidentSeverity, IncidentStatus } from "../../src/gen/impactd/v1/incident.js";
import {
  alertFingerprint,
  alertmanagerPayload,
  incidentDedupKey,
  type Notice,
  natsMessage,
  notificationId,
  pagerdutyEvent,
  pagerdutySeverity,
} from "../../src/notify/index.js";
import type { Draft } from "../../src/notify/planner.js";
import { dataTeams, incident, page, T0 } from "../helpers/notify.js";

const [data] = dataTeams("http://127.0.0.1:9");
const [am, pd] = data?.notify ?? [];

function notice(over: Partial<Draft> = {}, externalUrl = ""): Notice {
  const inc = incident({
    version: 7,
    updatedUnixMs: T0 + 60_000,
    journeys: [
      {
        journey: "checkout",
        successRatio: 0.4,
        customersAffectedPerMin: 240.4,
        burnRateShort: 10,
        burnRateLong: 2,
        customersPerMin: 400,
        measured: false,
      },
    ],
  });
  const draft: Draft = {
    incident: inc,
    team: "data",
    target: am as NonNullable<typeof am>,
    change: "escalated",
    changes: ["escalated", "root_cause_changed"],
    action: "trigger",
    what: ["escalated to tier 2 (@d2): customer impact", "root cause changed from web to db"],
    paged: [page(1, T0 + 60_000, { cause: "customer impact" })],
    ...over,
  };
  return {
    id: notificationId("default", inc.id, draft.change, inc.version, "data", draft.target.name),
    dedupKey: incidentDedupKey("default", inc.id),
    fingerprint: alertFingerprint("default", inc.id),
    draft,
    externalUrl,
  };
}

describe("ids", () => {
  it("are derived from the incident and the change only, so a restart computes the same ones", () => {
    const a = notificationId("default", "inc-1", "opened", 3, "data", "am");
    expect(a).toBe(notificationId("default", "inc-1", "opened", 3, "data", "am"));
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    const others = [
      notificationId("other", "inc-1", "opened", 3, "data", "am"),
      notificationId("default", "inc-2", "opened", 3, "data", "am"),
      notificationId("default", "inc-1", "resolved", 3, "data", "am"),
      notificationId("default", "inc-1", "opened", 4, "data", "am"),
      notificationId("default", "inc-1", "opened", 3, "data", "pd"),
    ];
    expect(new Set([a, ...others]).size).toBe(6);
    expect(incidentDedupKey("default", "inc-1")).toBe("impactd/default/inc-1");
    expect(incidentDedupKey("t", "x".repeat(300)).length).toBeLessThanOrEqual(255);
    expect(alertFingerprint("default", "inc-1")).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("Alertmanager webhook v4", () => {
  it("has the envelope and one alert labelled with the incident, team, service and severity", () => {
    const n = notice({}, "https://impactd.example.com/");
    const p = alertmanagerPayload(n);
    expect(p).toMatchObject({
      version: "4",
      status: "firing",
      receiver: "data/am",
      truncatedAlerts: 0,
      externalURL: "https://impactd.example.com/",
      groupLabels: { incident_id: "inc-1", tenant: "default" },
      groupKey: '{}:{incident_id="inc-1", tenant="default"}',
    });
    expect(p.alerts).toHaveLength(1);
    const a = p.alerts[0];
    expect(a?.labels).toEqual({
      alertname: "ImpactdIncident",
      incident_id: "inc-1",
      tenant: "default",
      team: "data",
      service: "db",
      severity: "high",
    });
    expect(a?.annotations).toMatchObject({
      summary: "db down; 2 services affected",
      description: "escalated to tier 2 (@d2): customer impact; root cause changed from web to db",
      change: "escalated",
      changes: "escalated,root_cause_changed",
      root_cause: "db",
      impact: "240 customers/min affected (checkout 240/min)",
      routing_reason: "owns db (skill match: database)",
      paged: "@d2 (tier 2)",
      notification_id: n.id,
      dedup_key: "impactd/default/inc-1",
      incident_version: "7",
    });
    expect(a?.startsAt).toBe(new Date(T0).toISOString());
    expect(a?.endsAt).toBe("0001-01-01T00:00:00Z");
    expect(a?.fingerprint).toBe(n.fingerprint);
    expect(a?.generatorURL).toBe("https://impactd.example.com/incidents/inc-1?tenant=default");
    expect(p.commonLabels).toEqual(a?.labels);
  });

  it("a resolve is a resolved alert with its end time", () => {
    const inc = incident({
      status: IncidentStatus.INCIDENT_STATUS_RESOLVED,
      resolvedUnixMs: T0 + 900_000,
    });
    const p = alertmanagerPayload(
      notice({ incident: inc, action: "resolve", change: "resolved", changes: ["resolved"] }),
    );
    expect(p.status).toBe("resolved");
    expect(p.alerts[0]?.status).toBe("resolved");
    expect(p.alerts[0]?.endsAt).toBe(new Date(T0 + 900_000).toISOString());
    expect(p.alerts[0]?.annotations.incident_status).toBe("resolved");
  });
});

describe("PagerDuty Events v2", () => {
  it("a trigger carries the routing key, the incident's dedup key and a payload saying what changed", () => {
    const n = notice({ target: pd as NonNullable<typeof pd> }, "https://impactd.example.com");
    const ev = pagerdutyEvent(n);
    expect(ev).toMatchObject({
      routing_key: "0123456789abcdef0123456789abcdef",
      event_action: "trigger",
      dedup_key: "impactd/default/inc-1",
      client: "impactd",
      client_url: "https://impactd.example.com/incidents/inc-1?tenant=default",
    });
    expect(ev.payload).toMatchObject({
      summary: "[escalated] db down; 2 services affected",
      source: "db",
      severity: "error",
      timestamp: new Date(T0 + 60_000).toISOString(),
      component: "db",
      group: "data",
      class: "database",
    });
    expect(ev.payload?.custom_details).toMatchObject({
      what_changed: "escalated to tier 2 (@d2): customer impact; root cause changed from web to db",
      change: "escalated",
      incident_id: "inc-1",
      notification_id: n.id,
      paged: [{ tier: 2, target: "@d2", cause: "customer impact" }],
    });
  });

  it("acknowledge and resolve carry only what PagerDuty reads for them", () => {
    for (const action of ["acknowledge", "resolve"] as const) {
      const ev = pagerdutyEvent(notice({ target: pd as NonNullable<typeof pd>, action }));
      expect(ev).toEqual({
        routing_key: "0123456789abcdef0123456789abcdef",
        event_action: action,
        dedup_key: "impactd/default/inc-1",
      });
    }
  });

  it("maps impact severity onto PagerDuty's scale and bounds the summary", () => {
    expect(
      [
        IncidentSeverity.INCIDENT_SEVERITY_CRITICAL,
        IncidentSeverity.INCIDENT_SEVERITY_HIGH,
        IncidentSeverity.INCIDENT_SEVERITY_MEDIUM,
        IncidentSeverity.INCIDENT_SEVERITY_LOW,
        IncidentSeverity.INCIDENT_SEVERITY_UNSPECIFIED,
      ].map(pagerdutySeverity),
    ).toEqual(["critical", "error", "warning", "info", "warning"]);
    const long = notice({ incident: incident({ title: "x".repeat(2000) }) });
    expect(pagerdutyEvent(long).payload?.summary.length).toBe(1024);
  });
});

describe("NATS message", () => {
  it("carries the change, the page and the incident version as impactd.v1 JSON", () => {
    const m = natsMessage(notice());
    expect(m).toMatchObject({
      incident_id: "inc-1",
      incident_version: 7,
      change: "escalated",
      changes: ["escalated", "root_cause_changed"],
      action: "trigger",
      team: "data",
      paged: [{ tier: 2, target: "@d2", channel: "pd", cause: "customer impact" }],
      severity: "high",
      status: "open",
      root_cause: "db",
    });
    expect((m.incident as { id: string; version: string }).id).toBe("inc-1");
  });
});
