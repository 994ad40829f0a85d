// NATS front end against a real nats-server (JetStream) started by the test
// harness, through the runtime with the embedded ClickHouse underneath:
// JSON and protobuf on JetStream and core subjects, rejections, poison
// messages and de-duplication, checked in the tables.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, headers, type JetStreamClient, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/config.js";
import { IngestRequest } from "../../src/gen/impactd/v1/api.js";
import { Event } from "../../src/gen/impactd/v1/event.js";
import { IncidentStatus } from "../../src/gen/impactd/v1/incident.js";
import { type Runtime, startRuntime } from "../../src/server/runtime.js";
import type { CoreReply } from "../../src/sources/nats/index.js";
import { loadTopologyFile } from "../../src/topology/index.js";
import { waitFor } from "../helpers/memory-sink.js";
import { type NatsServer, startNatsServer } from "../helpers/nats-server.js";

const NOW = Date.now();
const T0 = Math.floor((NOW - 3_600_000) / 1000) * 1000;

let server: NatsServer;
let dir: string;
let rt: Runtime;
let nc: NatsConnection;
let js: JetStreamClient;

function ev(ts: number, kind: Event["kind"], id = ""): Event {
  return { tsUnixMs: ts, source: "nats-test", tenant: "", id, kind };
}
const health = (ts: number, service: string, s: number, id = "") =>
  ev(ts, { $case: "healthCheck", value: { service, status: s, message: "" } }, id);
const errorRate = (ts: number, service: string, value: number, id = "") =>
  ev(ts, { $case: "metric", value: { service, metric: 1, customName: "", value } }, id);
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

async function count(sql: string, params?: Record<string, string>): Promise<number> {
  await rt.sink.flush();
  const rows = await rt.sink.conn.query<{ c: string }>(sql, params);
  return Number(rows[0]?.c);
}

function jsStats() {
  const s = rt.nats?.stats().jetstream;
  if (s === undefined) throw new Error("JetStream consumer not running");
  return s;
}

async function settled(): Promise<void> {
  await waitFor(async () => {
    const info = await (await nc.jetstreamManager()).consumers.info("IMPACTD_EVENTS", "impactd");
    return info.num_pending === 0 && info.num_ack_pending === 0 && jsStats().inflight === 0;
  }, "the consumer to ack everything");
}

beforeAll(async () => {
  server = await startNatsServer();
  dir = mkdtempSync(join(tmpdir(), "impactd-nats-"));
  const d = defaultConfig();
  rt = await startRuntime(
    {
      ...d,
      dataDir: dir,
      grpc: { host: "127.0.0.1", port: 0 },
      core: { ...d.core, latenessMs: 2_000, heartbeatLagMs: 0 },
      nats: { ...d.nats, enabled: true, url: server.url, ackWaitMs: 1_000, batch: 100 },
    },
    { topology: loadTopologyFile("examples/shop.yaml") },
  );
  nc = await connect({ servers: server.url });
  js = nc.jetstream();
});

afterAll(async () => {
  await nc?.close();
  await rt?.stop();
  await server?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("NATS JetStream ingest", () => {
  it("turns a JSON cascade on JetStream subjects into stored events and one incident", async () => {
    const t = T0 + 60_000;
    const events: Event[] = [];
    for (const s of ["payments-db", "payments", "checkout", "api-gateway", "web-frontend"])
      events.push(health(t, s, 1));
    events.push(errorRate(t + 10_000, "api-gateway", 0.3));
    events.push(health(t + 12_000, "payments-db", 3));
    events.push(errorRate(t + 14_000, "payments", 0.9));
    events.push(errorRate(t + 16_000, "checkout", 0.6));
    events.push(errorRate(t + 18_000, "web-frontend", 0.2));
    events.push(health(t + 40_000, "search", 1));
    // One event per message, in the proto3 JSON mapping, on per-kind subjects.
    for (const e of events) {
      const kind = e.kind?.$case === "metric" ? "metric" : "health_check";
      await js.publish(`impactd.events.default.${kind}`, json(Event.toJSON(e)));
    }
    await settled();
    const open = rt.pipeline
      .incidents("default")
      .filter((i) => i.status === IncidentStatus.INCIDENT_STATUS_OPEN);
    expect(open).toHaveLength(1);
    expect(open[0]?.rootCauses[0]?.service).toBe("payments-db");
    expect(await count("SELECT count() AS c FROM events WHERE source = 'nats-test'")).toBe(
      events.length,
    );
    // Without an event id or Nats-Msg-Id, the stream sequence is the id.
    expect(
      await count(
        "SELECT count() AS c FROM events WHERE source = 'nats-test' AND startsWith(event_id, 'IMPACTD_EVENTS:')",
      ),
    ).toBe(events.length);
    const stored = await rt.sink.conn.query<{ root_cause: string }>(
      "SELECT root_cause FROM incidents WHERE status = 'open'",
    );
    expect(stored).toEqual([{ root_cause: "payments-db" }]);
  });

  it("reads protobuf Events and IngestRequest batches, with and without Content-Type", async () => {
    const t = T0 + 600_000;
    const batch = [1, 2, 3].map((i) => health(t + i, "search", 1, `pb-batch-${i}`));
    const h = headers();
    h.set("Content-Type", "application/x-protobuf; proto=impactd.v1.IngestRequest");
    await js.publish(
      "impactd.events.default",
      IngestRequest.encode({ batchId: 1, events: batch }).finish(),
      { headers: h },
    );
    // Sniffed: an Event has a kind, a batch has events.
    await js.publish(
      "impactd.events.default.health_check",
      Event.encode(health(t + 10, "search", 1, "pb-single")).finish(),
    );
    await js.publish(
      "impactd.events.default",
      IngestRequest.encode({
        batchId: 2,
        events: [health(t + 11, "cart", 1, "pb-sniffed")],
      }).finish(),
    );
    await settled();
    expect(await count("SELECT count() AS c FROM events WHERE startsWith(event_id, 'pb-')")).toBe(
      5,
    );
  });

  it("accepts the valid events of a partly bad message, records the rest and acks it", async () => {
    const before = { ...jsStats() };
    const t = T0 + 700_000;
    await js.publish(
      "impactd.events.default.metric",
      json([
        Event.toJSON(errorRate(t, "cart", 0.01, "partial-ok")),
        Event.toJSON(errorRate(t, "cart", 7, "partial-bad-value")),
        null,
        {
          ...(Event.toJSON(errorRate(t, "cart", 0.02, "partial-other-tenant")) as object),
          tenant: "acme",
        },
      ]),
    );
    await settled();
    expect(jsStats().acked).toBe(before.acked + 1);
    expect(jsStats().termed).toBe(before.termed);
    expect(await count("SELECT count() AS c FROM events WHERE event_id = 'partial-ok'")).toBe(1);
    const rows = await rt.sink.conn.query<{ code: string; front_end: string }>(
      "SELECT code, front_end FROM rejected_events WHERE reason LIKE '%impactd.events.default.metric%' OR event_id LIKE 'partial-%' ORDER BY code",
    );
    expect(rows).toEqual([
      { code: "INVALID_VALUE", front_end: "nats" },
      { code: "MALFORMED", front_end: "nats" },
      { code: "TENANT_MISMATCH", front_end: "nats" },
    ]);
  });

  it("terminates poison messages, records each once and never redelivers them", async () => {
    const before = { ...jsStats() };
    await js.publish(
      "impactd.events.default.alert",
      new Uint8Array([0x12, 0xff, 0xff, 0xff, 0x0f, 0x01]),
    );
    await js.publish("impactd.events.default.alert", new TextEncoder().encode("{not json"));
    await js.publish("impactd.events.default.alert", json([{ tsUnixMs: T0 }])); // no kind
    await js.publish("impactd.events.default.alert", json([]));
    const h = headers();
    h.set("Content-Type", "text/plain");
    await js.publish("impactd.events.default.alert", json(Event.toJSON(health(T0, "cart", 1))), {
      headers: h,
    });
    await settled();
    expect(jsStats().termed).toBe(before.termed + 5);
    // Well past ack_wait (1 s): a terminated message must not come back.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(jsStats().fetched).toBe(before.fetched + 5);
    expect(jsStats().redelivered).toBe(before.redelivered);
    const rows = await rt.sink.conn.query<{ code: string; reason: string }>(
      "SELECT code, reason FROM rejected_events WHERE front_end = 'nats' AND (reason LIKE 'impactd.events.default.alert:%' OR code = 'UNKNOWN_KIND') ORDER BY reason",
    );
    expect(rows.map((r) => r.code).sort()).toEqual([
      "MALFORMED",
      "MALFORMED",
      "MALFORMED",
      "MALFORMED",
      "UNKNOWN_KIND",
    ]);
    expect(rows.some((r) => /not valid JSON/.test(r.reason))).toBe(true);
    expect(rows.some((r) => /text\/plain/.test(r.reason))).toBe(true);
    expect(rows.some((r) => /holds no events/.test(r.reason))).toBe(true);
  });

  it("does not double-count Nats-Msg-Id duplicates or repeated event ids", async () => {
    const t = T0 + 800_000;
    const payload = json(Event.toJSON(health(t, "cart", 1)));
    const a = await js.publish("impactd.events.default", payload, { msgID: "dup-1" });
    const b = await js.publish("impactd.events.default", payload, { msgID: "dup-1" });
    expect(a.duplicate).toBe(false);
    expect(b.duplicate).toBe(true); // JetStream's own window
    // A plain core publish with the header is caught by the stream's window too.
    const h = headers();
    h.set("Nats-Msg-Id", "dup-1");
    nc.publish("impactd.events.default", payload, { headers: h });
    // And an event's own id wins over the header.
    const withId = json(Event.toJSON(health(t, "cart", 1, "dup-own")));
    await js.publish("impactd.events.default", withId, { msgID: "dup-2" });
    await js.publish("impactd.events.default", withId, { msgID: "dup-3" });
    await waitFor(() => jsStats().fetched > 0, "fetch");
    await settled();
    expect(
      await count("SELECT count() AS c FROM events WHERE event_id IN ('dup-1', 'dup-own')"),
    ).toBe(2);
  });
});

describe("core NATS ingest", () => {
  it("answers a request once the events are stored, with rejections", async () => {
    const t = T0 + 900_000;
    const res = await nc.request(
      "impactd.core.default.metric",
      json([
        Event.toJSON(errorRate(t, "search", 0.01, "core-1")),
        Event.toJSON(errorRate(t, "search", -1, "core-2")),
      ]),
      { timeout: 10_000 },
    );
    const reply = res.json<CoreReply>();
    expect(reply.accepted).toBe(1);
    expect(reply.rejections.map((r) => [r.index, r.code])).toEqual([[1, "INVALID_VALUE"]]);
    expect(await count("SELECT count() AS c FROM events WHERE event_id = 'core-1'")).toBe(1);
  });

  it("takes protobuf publishes, de-duplicates by Nats-Msg-Id and refuses a bad tenant token", async () => {
    const t = T0 + 910_000;
    const h = headers();
    h.set("Nats-Msg-Id", "core-pb");
    const bytes = Event.encode(health(t, "search", 1)).finish();
    nc.publish("impactd.core.default.health_check", bytes, { headers: h });
    nc.publish("impactd.core.default.health_check", bytes, { headers: h });
    const bad = await nc.request("impactd.core.-bad-", bytes, { timeout: 10_000 });
    expect(bad.json<CoreReply>().error).toMatch(/INVALID_NAME/);
    expect(await count("SELECT count() AS c FROM events WHERE event_id = 'core-pb'")).toBe(1);
    expect(
      await count("SELECT count() AS c FROM rejected_events WHERE reason LIKE '%-bad-%'"),
    ).toBe(1);
  });
});

describe("NATS metrics", () => {
  it("exposes the consumer's counters and depth on /metrics", async () => {
    const text = await rt.metrics.registry.metrics();
    const acked = /impactd_nats_messages\{outcome="acked"\} (\d+)/.exec(text)?.[1];
    expect(Number(acked)).toBe(jsStats().acked);
    expect(Number(acked)).toBeGreaterThan(0);
    expect(/impactd_nats_messages\{outcome="termed"\} (\d+)/.exec(text)?.[1]).toBe(
      String(jsStats().termed),
    );
    expect(text).toMatch(/impactd_nats_inflight_messages 0/);
    expect(text).toMatch(/impactd_events_accepted_total\{front_end="nats"\} [1-9]/);
  });
});
