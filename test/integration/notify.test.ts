// Notifications end to end: a real runtime (embedded ClickHouse, WASM core)
// and a plain HTTP receiver on 127.0.0.1 standing in for an Alertmanager
// webhook consumer and PagerDuty. One notification per change in each
// format, none for unchanged state, acknowledgement through Pipeline.act,
// and the same ids and dedup keys when impactd restarts mid-delivery.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Event, IncidentActionKind } from "../../src/gen/impactd/v1/event.js";
import { IncidentStatus } from "../../src/gen/impactd/v1/incident.js";
import type { NotificationRow } from "../../src/notify/index.js";
import { rowFromQuery } from "../../src/notify/index.js";
import { type Runtime, startRuntime } from "../../src/server/runtime.js";
import { parseTopology } from "../../src/topology/index.js";
import { testConfig } from "../helpers/config.js";
import { type Received, Receiver } from "../helpers/notify.js";

const MIN = 60_000;
const T0 = Math.floor((Date.now() - 2 * 3_600_000) / 1000) * 1000;
const ROUTING_KEY = "0123456789abcdef0123456789abcdef";

const dir = mkdtempSync(join(tmpdir(), "impactd-notify-"));
const receiver = new Receiver();
let base = "";
let rt: Runtime | undefined;

// Listeners on free ports; /metrics (the HTTP front end) on too.
const config = () => {
  const c = testConfig(dir);
  return { ...c, http: { ...c.http, enabled: true } };
};

// The notifier's lines of the runtime's /metrics.
async function scrape(r: Runtime): Promise<string[]> {
  const text = await (await fetch(`${r.http?.url}/metrics`)).text();
  return text.split("\n").filter((l) => l.startsWith("impactd_notification"));
}

// Team data owns db and cache; tier 2 pages through PagerDuty only.
const topology = () =>
  parseTopology(
    `
services:
  - { name: web, team: front, depends_on: [db] }
  - { name: db, team: data, kinds: [database] }
  - { name: cache, team: data }
journeys:
  - name: checkout
    customers_per_min: 300
    slo_target: 0.99
    steps: [{ name: pay, services: [web] }]
teams:
  - { name: front, skills: [frontend], escalation: [{ delay_minutes: 5, target: "@f1" }] }
  - name: data
    skills: [database]
    page_tier2_above_cpm: 100000
    notify:
      - { name: am, kind: alertmanager_webhook, url: "${base}/am" }
      - { name: pd, kind: pagerduty, url: "${base}/pd", routing_key: "${ROUTING_KEY}" }
    escalation:
      - { delay_minutes: 5, target: "@d1" }
      - { delay_minutes: 10, target: "@d2", channel: pd }
`,
    { filename: "notify-test.yaml" },
  );

const health = (ts: number, service: string, status: number): Event => ({
  tsUnixMs: ts,
  source: "test",
  tenant: "",
  id: "",
  kind: { $case: "healthCheck", value: { service, status, message: "" } },
});
const DOWN = 3;
const OK = 1;

async function submit(r: Runtime, events: Event[]): Promise<void> {
  const res = await r.pipeline.submit(events, { frontEnd: "test" });
  expect(res.rejections).toEqual([]);
  r.notifier.tick(); // the group wait follows the watermark; do not wait for the timer
  await r.notifier.settled();
}

async function notifications(r: Runtime): Promise<NotificationRow[]> {
  const rows = await r.sink.conn.query(
    "SELECT * FROM notifications ORDER BY created_at, incident_version, target",
  );
  return rows.map(rowFromQuery);
}

const annotation = (r: Received, k: string) =>
  (r.json.alerts as { annotations: Record<string, string> }[])[0]?.annotations?.[k];

beforeAll(async () => {
  base = await receiver.start();
});

afterAll(async () => {
  await rt?.stop();
  await receiver.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("notifications to an Alertmanager webhook and PagerDuty", () => {
  it("sends one notification per change in each format, none for unchanged state", async () => {
    rt = await startRuntime(config(), {
      topology: topology(),
      // One attempt before the restart test stops the runtime.
      notify: { tickMs: 50, retryBaseMs: 60_000, retryMaxMs: 60_000 },
    });
    const r = rt;
    await submit(r, [health(T0, "db", DOWN), health(T0 + 2_000, "web", DOWN)]);
    await submit(r, [health(T0 + 20_000, "db", DOWN)]);
    const [inc] = r.pipeline.incidents("default");
    expect(inc?.team).toBe("data");
    expect(receiver.got).toEqual([]); // inside the 30 s group wait

    await submit(r, [health(T0 + 40_000, "db", DOWN)]); // event time passes the group wait
    await vi.waitFor(() => expect(receiver.got).toHaveLength(2));
    // Escalation after tier 1's 5 minutes, then a version with nothing new.
    await submit(r, [health(T0 + 6 * MIN, "db", DOWN), health(T0 + 6 * MIN, "web", DOWN)]);
    await submit(r, [health(T0 + 6.5 * MIN, "db", DOWN), health(T0 + 6.5 * MIN, "web", DOWN)]);
    await vi.waitFor(() => expect(receiver.on("/pd")).toHaveLength(2));
    const acked = await r.pipeline.act(
      "default",
      inc?.id ?? "",
      IncidentActionKind.INCIDENT_ACTION_KIND_ACKNOWLEDGE,
      "dana",
    );
    expect(acked.status).toBe(IncidentStatus.INCIDENT_STATUS_ACKNOWLEDGED);
    await r.notifier.settled();
    await submit(r, [health(T0 + 7 * MIN, "db", OK), health(T0 + 7 * MIN, "web", OK)]);
    await submit(r, [health(T0 + 20 * MIN, "cache", OK)]); // quiet period passes: resolved
    await vi.waitFor(() => expect(receiver.got).toHaveLength(7));

    const am = receiver.on("/am");
    const pd = receiver.on("/pd");
    expect(am.map((x) => [x.json.status, annotation(x, "change")])).toEqual([
      ["firing", "opened"],
      ["firing", "acknowledged"],
      ["resolved", "resolved"],
    ]);
    expect(
      pd.map((x) => [
        x.json.event_action,
        x.json.payload &&
          (x.json.payload as { custom_details: { change: string } }).custom_details.change,
      ]),
    ).toEqual([
      ["trigger", "opened"],
      ["trigger", "escalated"],
      ["acknowledge", undefined],
      ["resolve", undefined],
    ]);

    // Alertmanager webhook v4: the envelope and the alert's labels and annotations.
    const opened = am[0] as Received;
    expect(opened.json).toMatchObject({
      version: "4",
      receiver: "data/am",
      groupLabels: { incident_id: inc?.id, tenant: "default" },
      truncatedAlerts: 0,
    });
    const alert = (opened.json.alerts as Record<string, unknown>[])[0] as Record<string, never>;
    expect(alert.labels).toEqual({
      alertname: "ImpactdIncident",
      incident_id: inc?.id,
      tenant: "default",
      team: "data",
      service: "db",
      severity: "critical",
    });
    expect(alert.startsAt).toBe(new Date(T0).toISOString());
    expect(alert.endsAt).toBe("0001-01-01T00:00:00Z");
    expect(annotation(opened, "root_cause")).toBe("db");
    expect(annotation(opened, "paged")).toBe("@d1 (tier 1)");
    expect(annotation(opened, "description")).toContain(
      "routed to data (owns db (skill match: database))",
    );
    expect(annotation(opened, "impact")).toMatch(/customers\/min affected \(checkout \d+\/min\)/);
    expect(annotation(am[1] as Received, "description")).toBe(
      "acknowledged by dana: escalation stops",
    );
    const resolvedAlert = ((am[2] as Received).json.alerts as Record<string, string>[])[0];
    expect(Date.parse(resolvedAlert?.endsAt ?? "")).toBeGreaterThan(T0);

    // PagerDuty Events v2: one dedup key per incident on every event.
    expect(new Set(pd.map((x) => x.json.dedup_key))).toEqual(
      new Set([`impactd/default/${inc?.id}`]),
    );
    expect(new Set(pd.map((x) => x.json.routing_key))).toEqual(new Set([ROUTING_KEY]));
    expect(pd[0]?.json.payload).toMatchObject({
      source: "db",
      severity: "critical",
      group: "data",
    });
    expect(pd[1]?.json.payload).toMatchObject({
      custom_details: {
        what_changed: "escalated to tier 2 (@d2): not acknowledged in time",
        paged: [{ tier: 2, target: "@d2", cause: "not acknowledged in time" }],
      },
    });
    // Every notification has its own id, in a header and in the body.
    const ids = receiver.got.map((x) => x.headers["idempotency-key"]);
    expect(new Set(ids).size).toBe(7);
    expect(annotation(opened, "notification_id")).toBe(opened.headers["idempotency-key"]);

    // The outbox agrees, the acknowledgement included.
    await vi.waitFor(async () =>
      expect((await notifications(r)).map((n) => n.status)).toEqual(Array(7).fill("delivered")),
    );
    const rows = await notifications(r);
    expect(rows.map((n) => `${n.target} ${n.change} ${n.action}`)).toEqual([
      "am opened trigger",
      "pd opened trigger",
      "pd escalated trigger",
      "am acknowledged acknowledge",
      "pd acknowledged acknowledge",
      "am resolved resolve",
      "pd resolved resolve",
    ]);
    expect(rows.every((n) => n.attempts === 1 && n.incident_id === inc?.id)).toBe(true);
    expect(rows[2]).toMatchObject({ paged: ["@d2"], tiers: [1], team: "data", kind: "pagerduty" });
    expect(r.notifier.stats().delivered).toMatchObject({ alertmanager_webhook: 3, pagerduty: 4 });
    expect(await scrape(r)).toEqual(
      expect.arrayContaining([
        'impactd_notifications_total{kind="alertmanager_webhook",outcome="delivered"} 3',
        'impactd_notifications_total{kind="pagerduty",outcome="delivered"} 4',
        'impactd_notifications_total{kind="pagerduty",outcome="failed"} 0',
        'impactd_notification_queue{state="in_flight"} 0',
      ]),
    );
  });

  it("resends with the same ids and bodies after a restart in the middle of delivery", async () => {
    const first = rt as Runtime;
    const before = receiver.got.length;
    // The webhook answers 503; PagerDuty holds the request and never answers.
    receiver.reply = (x) => (x.path === "/am" ? 503 : "hold");
    await submit(first, [health(T0 + 30 * MIN, "cache", DOWN)]);
    await submit(first, [health(T0 + 31 * MIN, "cache", DOWN)]);
    await vi.waitFor(() => expect(receiver.got.length).toBe(before + 2));
    await vi.waitFor(async () =>
      expect((await notifications(first)).filter((n) => n.last_error !== "")).toHaveLength(1),
    );
    const pending = (await notifications(first)).filter((n) => n.status === "pending");
    expect(pending.map((n) => [n.target, n.attempts, n.last_error.split(":")[0]])).toEqual([
      ["am", 1, "RECEIVER_UNAVAILABLE"],
      ["pd", 0, ""],
    ]);
    expect(first.notifier.stats().errors).toEqual({ RECEIVER_UNAVAILABLE: 1 });
    expect(await scrape(first)).toEqual(
      expect.arrayContaining([
        'impactd_notification_errors_total{code="RECEIVER_UNAVAILABLE"} 1',
        'impactd_notification_retries_total{kind="alertmanager_webhook"} 1',
        'impactd_notification_queue{state="in_flight"} 1',
        'impactd_notification_queue{state="waiting"} 1',
      ]),
    );
    await first.stop(); // cuts the held PagerDuty request off
    rt = undefined;

    receiver.reply = () => 200;
    const second = await startRuntime(config(), { notify: { tickMs: 50 } });
    rt = second;
    await vi.waitFor(() => expect(receiver.got.length).toBe(before + 4));
    const [amFirst, pdFirst, ...resent] = receiver.got.slice(before);
    for (const original of [amFirst, pdFirst] as Received[]) {
      const again = resent.find((x) => x.path === original.path) as Received;
      expect(again.headers["idempotency-key"]).toBe(original.headers["idempotency-key"]);
      expect(again.headers["x-impactd-dedup-key"]).toBe(original.headers["x-impactd-dedup-key"]);
      expect(again.body).toBe(original.body);
    }
    expect((pdFirst as Received).json.dedup_key).toMatch(/^impactd\/default\/inc-.*-cache$/);
    await vi.waitFor(async () => {
      const rows = (await notifications(second)).filter((n) => n.incident_id.endsWith("cache"));
      expect(rows.map((n) => [n.target, n.status, n.attempts])).toEqual([
        ["am", "delivered", 2],
        ["pd", "delivered", 1],
      ]);
    });
    // Nothing already told is told again after the restart.
    await submit(second, [health(T0 + 32 * MIN, "cache", DOWN)]);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.got.length).toBe(before + 4);
    expect(await notifications(second)).toHaveLength(9);
  });
});
