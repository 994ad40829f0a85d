// The routing and notification SRE queries on embedded ClickHouse, over rows
// seeded by hand so every answer can be worked out on paper.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTING_QUERIES, routingQuery, routingQueryParams } from "../../src/notify/index.js";
import type { NotificationRow } from "../../src/notify/rows.js";
import { openSink, type Sink } from "../../src/sinks/index.js";
import type { IncidentRow } from "../../src/sinks/rows.js";

const MIN = 60_000;
const dir = mkdtempSync(join(tmpdir(), "impactd-routing-queries-"));
let sink: Sink;
const now = Date.now();
// Monday 01:00 UTC of this week: every page falls in one ISO week.
const monday = (() => {
  const d = new Date(now);
  const back = (d.getUTCDay() + 6) % 7;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - back, 1);
})();

function incident(id: string, team: string, over: Partial<IncidentRow>): IncidentRow {
  const opened = over.opened_at ?? now - 60 * MIN;
  return {
    tenant: "default",
    incident_id: id,
    version: 1,
    status: "resolved",
    severity: "high",
    title: id,
    opened_at: opened,
    updated_at: opened,
    acknowledged_at: null,
    mitigated_at: null,
    resolved_at: null,
    services: [],
    root_cause: "",
    root_cause_score: 0,
    candidates: [],
    candidate_scores: [],
    candidate_reasons: [],
    alert_count: 0,
    team,
    journeys: [],
    customers_affected_per_min: 0,
    written_at: now,
    ...over,
  };
}

let seq = 0;
function note(
  incidentId: string,
  team: string,
  target: string,
  tiers: number[],
  over: Partial<NotificationRow> = {},
): NotificationRow {
  seq++;
  return {
    tenant: "default",
    notification_id: `n${seq}`,
    revision: 2,
    incident_id: incidentId,
    incident_version: seq,
    change: tiers.some((t) => t > 0) ? "escalated" : "opened",
    changes: [],
    action: "trigger",
    ts: monday + seq * MIN,
    team,
    target,
    kind: target === "pd" ? "pagerduty" : "alertmanager_webhook",
    address: "http://127.0.0.1:9",
    dedup_key: `impactd/default/${incidentId}`,
    paged: tiers.map((t) => `@t${t}`),
    tiers,
    incident_status: "open",
    severity: "high",
    root_cause: "db",
    status: "delivered",
    attempts: 1,
    last_error: "",
    deliver_after: 0,
    created_at: now - 10 * MIN + seq,
    delivered_at: now - 10 * MIN + seq + 1_500,
    payload: "{}",
    written_at: now,
    ...over,
  };
}

beforeAll(async () => {
  sink = await openSink({ kind: "chdb", dataDir: dir });
  const open = (m: number) => now - m * MIN;
  await sink.incidents.write([
    incident("a", "payments", {
      opened_at: open(120),
      acknowledged_at: open(116),
      resolved_at: open(90),
    }),
    incident("b", "payments", {
      opened_at: open(60),
      acknowledged_at: open(54),
      resolved_at: open(40),
    }),
    incident("c", "search", { opened_at: open(60), resolved_at: open(50) }),
    incident("d", "", { status: "open" }),
    incident("e", "payments", { status: "merged", acknowledged_at: open(1) }),
  ]);
  await sink.conn.insert("notifications_data", [
    note("a", "payments", "am", [0]),
    note("a", "payments", "pd", [0]),
    note("a", "payments", "pd", [1]),
    note("a", "payments", "am", [2]),
    note("a", "payments", "pd", [2]),
    note("a", "payments", "pd", [0], { status: "superseded", change: "reopened" }),
    note("b", "payments", "am", [0, 1]),
    note("c", "search", "am", [0], {
      status: "failed",
      attempts: 10,
      delivered_at: null,
      last_error: "RECEIVER_UNAVAILABLE: http://127.0.0.1:9 answered 503",
    }),
  ]);
  await sink.conn.insert("eval_reports_data", [
    {
      run_id: "r1",
      created_at: now - 2 * MIN,
      report: '{"routing_accuracy":0.9,"unrouted_incidents":1,"cases":40}',
    },
    {
      run_id: "r2",
      created_at: now - MIN,
      report: '{"routing_accuracy":0.975,"unrouted_incidents":0,"cases":40}',
    },
  ]);
});

afterAll(async () => {
  await sink?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(name: string, params: Record<string, string> = {}) {
  const q = routingQuery(name);
  if (q === undefined) throw new Error(`no query ${name}`);
  return sink.conn.query(q.sql, routingQueryParams(q, params));
}

describe("routing and notification queries", () => {
  it("every query documents its parameters and binds them (no pasted values)", () => {
    for (const q of ROUTING_QUERIES) {
      expect(q.summary).not.toBe("");
      for (const p of q.params) expect(q.sql).toContain(`{${p.name}:${p.type}}`);
    }
  });

  it("mtta_mttr_by_team: minutes to acknowledge and to resolve, merged incidents aside", async () => {
    const rows = await run("mtta_mttr_by_team");
    expect(rows).toEqual([
      {
        team: "payments",
        incidents: "2",
        acknowledged: "2",
        mtta_minutes: 5,
        resolved: "2",
        mttr_minutes: 25,
      },
      {
        team: "(unrouted)",
        incidents: "1",
        acknowledged: "0",
        mtta_minutes: null,
        resolved: "0",
        mttr_minutes: null,
      },
      {
        team: "search",
        incidents: "1",
        acknowledged: "0",
        mtta_minutes: null,
        resolved: "1",
        mttr_minutes: 10,
      },
    ]);
    expect(await run("mtta_mttr_by_team", { tenant: "other" })).toEqual([]);
  });

  it("escalations_by_team: pages counted once per incident and tier, superseded ones aside", async () => {
    expect(await run("escalations_by_team")).toEqual([
      {
        team: "payments",
        incidents_paged: "2",
        incidents_escalated: "2",
        escalations: "3",
        deepest_tier: 3,
      },
      {
        team: "search",
        incidents_paged: "1",
        incidents_escalated: "0",
        escalations: "0",
        deepest_tier: 1,
      },
    ]);
  });

  it("pages_per_week: per ISO week and team", async () => {
    const rows = await run("pages_per_week");
    expect(rows.map((r) => ({ ...r, week: String(r.week).slice(0, 10) }))).toEqual([
      {
        week: new Date(monday).toISOString().slice(0, 10),
        team: "payments",
        pages: "5",
        incidents: "2",
        escalations: "3",
      },
      {
        week: new Date(monday).toISOString().slice(0, 10),
        team: "search",
        pages: "1",
        incidents: "1",
        escalations: "0",
      },
    ]);
  });

  it("notification_delivery: failures first, with the last error", async () => {
    const rows = await run("notification_delivery");
    expect(
      rows.map((r) => [
        r.team,
        r.target,
        r.kind,
        r.notifications,
        r.delivered,
        r.failed,
        r.pending,
        r.avg_attempts,
        r.p95_delivery_seconds,
        r.last_error,
      ]),
    ).toEqual([
      [
        "search",
        "am",
        "alertmanager_webhook",
        "1",
        "0",
        "1",
        "0",
        10,
        null,
        "RECEIVER_UNAVAILABLE: http://127.0.0.1:9 answered 503",
      ],
      ["payments", "am", "alertmanager_webhook", "3", "3", "0", "0", 1, 1.5, ""],
      ["payments", "pd", "pagerduty", "4", "3", "0", "0", 1, 1.5, ""],
    ]);
  });

  it("routing_accuracy: the figure of each stored evaluation run, newest first", async () => {
    const rows = await run("routing_accuracy");
    expect(rows.map((r) => [r.routing_accuracy, r.unrouted_incidents, r.cases])).toEqual([
      [0.975, "0", "40"],
      [0.9, "1", "40"],
    ]);
  });
});
