// The notifier end to end over fakes: the outbox row exists before the send,
// quiet hours hold what is below critical, a replay after a restart sends
// nothing twice, an overflowing queue drains through the outbox, and a bad
// target fails visibly.
import { describe, expect, it, vi } from "vitest";
import { Section } from "../../src/config/fields.js";
import {
  type Incident,
  IncidentSeverity,
  IncidentStatus,
} from "../../src/gen/impactd/v1/incident.js";
import type { Team, Topology } from "../../src/gen/impactd/v1/topology.js";
import {
  Notifier,
  type NotifierOptions,
  parseNotifierOptions,
  readNotifyConfig,
} from "../../src/notify/index.js";
import type { NotificationRow } from "../../src/notify/rows.js";
import type { Transport } from "../../src/notify/transports/transport.js";
import type { IncidentUpdateListener } from "../../src/pipeline/pipeline.js";
import { dataTeams, incident, MemoryStore, page, T0 } from "../helpers/notify.js";

class FakeSource {
  listener: IncidentUpdateListener | undefined;
  teams: Team[] = dataTeams();
  restored: Incident[] = [];
  watermarkMs = 0;
  watchAll(l: IncidentUpdateListener) {
    this.listener = l;
    return () => {
      this.listener = undefined;
    };
  }
  tenantNames() {
    return ["default"];
  }
  incidents() {
    return this.restored;
  }
  topology(): Topology {
    return { services: [], journeys: [], teams: this.teams };
  }
  watermark() {
    return this.watermarkMs;
  }
  emit(inc: Incident) {
    this.listener?.(inc, []);
  }
}

class FakeTransport implements Transport {
  sent: NotificationRow[] = [];
  onSend: (r: NotificationRow, signal: AbortSignal) => Promise<void> = async () => {};
  async send(r: NotificationRow, signal: AbortSignal) {
    this.sent.push(r);
    await this.onSend(r, signal);
  }
  async close() {}
}

async function start(
  options: NotifierOptions = {},
  over: { store?: MemoryStore; source?: FakeSource; now?: () => number; log?: string[] } = {},
) {
  const store = over.store ?? new MemoryStore();
  const source = over.source ?? new FakeSource();
  const transport = new FakeTransport();
  const log = over.log ?? [];
  const notifier = await Notifier.start({
    source,
    store,
    options: { groupWaitMs: 0, retryBaseMs: 5, retryMaxMs: 10, tickMs: 10, ...options },
    transports: { alertmanager_webhook: transport, pagerduty: transport, nats: transport },
    log: (m) => log.push(m),
    ...(over.now === undefined ? {} : { now: over.now }),
  });
  return { notifier, store, source, transport, log };
}

describe("notifier", () => {
  it("writes each notification to the outbox as pending before sending it", async () => {
    const { notifier, store, source, transport } = await start();
    const atSend: (string | undefined)[] = [];
    transport.onSend = async (r) => {
      atSend.push(store.latest().find((x) => x.notification_id === r.notification_id)?.status);
    };
    source.emit(incident());
    await vi.waitFor(() =>
      expect(store.latest().map((r) => [r.target, r.status])).toEqual([
        ["am", "delivered"],
        ["pd", "delivered"],
      ]),
    );
    expect(atSend).toEqual(["pending", "pending"]);
    expect(notifier.stats().delivered).toMatchObject({ alertmanager_webhook: 1, pagerduty: 1 });
    await notifier.stop();
    expect(store.closed).toBe(true);
  });

  it("holds notifications below critical during the team's quiet hours and sends critical ones", async () => {
    let now = Date.parse("2026-11-02T23:30:00Z");
    const source = new FakeSource();
    source.teams = dataTeams().map((t) => ({
      ...t,
      quietHours: { start: "22:00", end: "07:00", timezone: "" },
    }));
    const { notifier, store, transport } = await start({}, { source, now: () => now });
    source.emit(incident({ severity: IncidentSeverity.INCIDENT_SEVERITY_HIGH }));
    source.emit(incident({ id: "inc-2", severity: IncidentSeverity.INCIDENT_SEVERITY_CRITICAL }));
    await vi.waitFor(() =>
      expect(transport.sent.map((r) => r.incident_id)).toEqual(["inc-2", "inc-2"]),
    );
    await notifier.settled();
    const held = store.latest().filter((r) => r.incident_id === "inc-1");
    expect(held.map((r) => [r.status, r.deliver_after])).toEqual([
      ["pending", Date.parse("2026-11-03T07:00:00Z")],
      ["pending", Date.parse("2026-11-03T07:00:00Z")],
    ]);
    expect(notifier.stats().waiting).toBe(2);
    // The window ends: what was held goes out.
    now = Date.parse("2026-11-03T07:00:00Z");
    notifier.tick();
    await vi.waitFor(() =>
      expect(transport.sent.map((r) => r.incident_id)).toEqual([
        "inc-2",
        "inc-2",
        "inc-1",
        "inc-1",
      ]),
    );
    await notifier.stop();
  });

  it("after a restart, a replayed incident version creates nothing new and pending rows are resent with their ids", async () => {
    const store = new MemoryStore();
    const first = await start({}, { store });
    // The receiver never answers; only the stop cuts the sends off.
    first.transport.onSend = (_r, signal) =>
      new Promise<void>((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason)),
      );
    first.source.emit(incident());
    await vi.waitFor(() => expect(first.transport.sent).toHaveLength(2));
    await first.notifier.stop();
    expect(store.latest().map((r) => r.status)).toEqual(["pending", "pending"]);
    const ids = store.latest().map((r) => r.notification_id);
    const bodies = store.latest().map((r) => r.payload);

    const second = await start({}, { store });
    await vi.waitFor(() => expect(second.transport.sent).toHaveLength(2));
    expect(second.transport.sent.map((r) => r.notification_id)).toEqual(ids);
    expect(second.transport.sent.map((r) => r.payload)).toEqual(bodies);
    second.source.emit(incident()); // the same version, replayed after the restart
    second.source.emit(incident({ version: 2 })); // a new version with nothing new to tell
    await second.notifier.settled();
    await vi.waitFor(() =>
      expect(store.latest().map((r) => r.status)).toEqual(["delivered", "delivered"]),
    );
    expect(second.transport.sent).toHaveLength(2);
    expect(store.latest()).toHaveLength(2);
    await second.notifier.stop();
  });

  it("releases an open incident restored at start once its group wait ends by the watermark", async () => {
    const source = new FakeSource();
    source.restored = [
      incident(),
      incident({ id: "inc-x", status: IncidentStatus.INCIDENT_STATUS_RESOLVED }),
    ];
    source.watermarkMs = T0 + 10_000;
    const { notifier, transport } = await start({ groupWaitMs: 30_000 }, { source });
    notifier.tick();
    expect(notifier.stats().grouping).toBe(1);
    source.watermarkMs = T0 + 30_000;
    await vi.waitFor(() =>
      expect(transport.sent.map((r) => r.incident_id)).toEqual(["inc-1", "inc-1"]),
    );
    await notifier.stop();
  });

  it("lets what does not fit the queue wait in the outbox, then sends it", async () => {
    const { notifier, store, source, transport } = await start({ maxQueued: 1 });
    let release = () => {};
    transport.onSend = () =>
      new Promise<void>((r) => {
        release = r;
      });
    source.teams = [{ ...(dataTeams()[0] as Team), notify: [dataTeams()[0]?.notify[0] as never] }];
    source.emit(incident({ id: "a" }));
    source.emit(incident({ id: "b" }));
    await notifier.settled();
    expect(notifier.stats().overflowed).toBe(1);
    expect(store.latest().map((r) => [r.incident_id, r.status])).toEqual([
      ["a", "pending"],
      ["b", "pending"],
    ]);
    transport.onSend = async () => {};
    release();
    await vi.waitFor(() =>
      expect(store.latest().map((r) => r.status)).toEqual(["delivered", "delivered"]),
    );
    expect(transport.sent.map((r) => r.incident_id)).toEqual(["a", "b"]);
    await notifier.stop();
  });

  it("a PagerDuty target without a routing key fails visibly instead of sending", async () => {
    const source = new FakeSource();
    source.teams = dataTeams().map((t) => ({
      ...t,
      notify: t.notify.map((n) => ({ ...n, routingKey: "" })),
    }));
    const { notifier, store, transport, log } = await start({}, { source });
    source.emit(incident({ pages: [page(0, T0)] }));
    await vi.waitFor(() =>
      expect(store.latest().map((r) => r.status)).toEqual(["delivered", "failed"]),
    );
    expect(store.latest()[1]?.last_error).toMatch(
      /pagerduty target pd of team data has no routing_key/,
    );
    expect(transport.sent.map((r) => r.target)).toEqual(["am"]);
    expect(notifier.stats().failed.pagerduty).toBe(1);
    expect(log.join("\n")).toContain("has no routing_key");
    await notifier.stop();
  });
});

describe("options", () => {
  it("defaults, and errors that name the bad key", () => {
    expect(parseNotifierOptions()).toMatchObject({ groupWaitMs: 30_000, maxAttempts: 10 });
    expect(() => parseNotifierOptions({ maxAttempts: 0 })).toThrow(/notify.max_attempts/);
    expect(() => parseNotifierOptions({ externalUrl: "ftp://x" })).toThrow(/notify.external_url/);
    expect(() => parseNotifierOptions({ retryBaseMs: 10, retryMaxMs: 5 })).toThrow(/retry_max_ms/);
    const read = (raw: unknown, env: NodeJS.ProcessEnv = {}) =>
      readNotifyConfig(Section.root({ notify: raw }, env).section("notify"));
    expect(read({ group_wait: "45s", external_url: "https://x.example" })).toMatchObject({
      groupWaitMs: 45_000,
      externalUrl: "https://x.example",
      maxAttempts: 10,
    });
    expect(read({}, { IMPACTD_NOTIFY_MAX_ATTEMPTS: "3" }).maxAttempts).toBe(3);
    expect(() => read({ group_wait_ms: 1 })).toThrow(/config notify.group_wait_ms: unknown key/);
    expect(() => read({ max_attempts: -1 })).toThrow(/notify.max_attempts/);
    expect(() => read({ retry_base: "10s", retry_max: "5s" })).toThrow(/retry_max/);
  });
});
