// The NATS front end's pure parts: subjects, payload formats, event ids,
// verdicts per message, and the `nats:` config section.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/config.js";
import { IngestRequest } from "../../src/gen/impactd/v1/api.js";
import { Event } from "../../src/gen/impactd/v1/event.js";
import { Pipeline } from "../../src/pipeline/pipeline.js";
import {
  decodePayload,
  formatOf,
  type Incoming,
  ingestMessages,
  parseSubject,
} from "../../src/sources/nats/index.js";
import { MemorySink } from "../helpers/memory-sink.js";

const TS = Date.now() - 60_000;
const health = (service: string, id = ""): Event => ({
  tsUnixMs: TS,
  source: "unit",
  tenant: "",
  id,
  kind: { $case: "healthCheck", value: { service, status: 1, message: "" } },
});
const text = (s: string) => new TextEncoder().encode(s);
const msg = (over: Partial<Incoming>): Incoming => ({
  subject: "impactd.events.default",
  data: new Uint8Array(),
  contentType: undefined,
  msgId: undefined,
  streamRef: undefined,
  ...over,
});

describe("subjects", () => {
  it("reads the tenant and optional kind, refusing what is not under the prefix", () => {
    expect(parseSubject("impactd.events", "impactd.events.acme.metric")).toEqual({
      tenant: "acme",
      kind: "metric",
    });
    expect(parseSubject("impactd.events", "impactd.events.acme")).toEqual({
      tenant: "acme",
      kind: "",
    });
    expect(parseSubject("impactd.events", "impactd.eventsx.acme")).toMatchObject({
      code: "INVALID_NAME",
    });
    expect(parseSubject("impactd.events", "impactd.events.-x")).toMatchObject({
      code: "INVALID_NAME",
    });
  });
});

describe("payload formats", () => {
  it("maps Content-Type to a format and refuses unknown types", () => {
    expect(formatOf(undefined)).toBeUndefined();
    expect(formatOf("application/json; charset=utf-8")).toBe("json");
    expect(formatOf("application/x-protobuf; proto=impactd.v1.Event")).toBe("event");
    expect(formatOf("application/protobuf;proto=impactd.v1.IngestRequest")).toBe("batch");
    expect(formatOf("application/x-protobuf")).toBe("protobuf");
    expect(formatOf("application/x-protobuf; proto=foo.Bar")).toMatchObject({ code: "MALFORMED" });
    expect(formatOf("text/plain")).toMatchObject({ code: "MALFORMED" });
  });

  it("sniffs JSON objects, arrays and batches, and protobuf Events and batches", () => {
    const one = decodePayload(text(` ${JSON.stringify(Event.toJSON(health("a")))}`), undefined);
    expect(one).toMatchObject({ total: 1, events: [{ kind: { $case: "healthCheck" } }] });
    const snake = decodePayload(
      text(
        '[{"ts_unix_ms": "1700000000000", "health_check": {"service": "b", "status": "HEALTH_STATUS_DOWN"}}, 3]',
      ),
      undefined,
    );
    expect(snake).toMatchObject({
      total: 2,
      positions: [0],
      events: [{ tsUnixMs: 1_700_000_000_000, kind: { value: { service: "b", status: 3 } } }],
      failures: [{ index: 1, code: "MALFORMED" }],
    });
    expect(decodePayload(text('{"events": [{}, {}]}'), "application/json")).toMatchObject({
      total: 2,
    });
    const pbEvent = Event.encode(health("c")).finish();
    expect(decodePayload(pbEvent, undefined)).toMatchObject({
      events: [{ kind: { value: { service: "c" } } }],
    });
    const pbBatch = IngestRequest.encode({
      batchId: 9,
      events: [health("d"), health("e")],
    }).finish();
    expect(decodePayload(pbBatch, undefined)).toMatchObject({ total: 2 });
    expect(decodePayload(new Uint8Array([0x12, 0xff, 0xff, 0x0f]), undefined)).toMatchObject({
      code: "MALFORMED",
      payload: expect.stringMatching(/^base64:/),
    });
    expect(decodePayload(new Uint8Array(), undefined)).toMatchObject({
      reason: "payload is empty",
    });
  });
});

describe("ingestMessages", () => {
  it("gives events stable ids, acks usable messages and terms poison", async () => {
    const sink = new MemorySink();
    const pipeline = new Pipeline({ sink });
    const messages = [
      msg({ data: Event.encode(health("a")).finish(), msgId: "m-1" }),
      msg({
        data: IngestRequest.encode({
          batchId: 1,
          events: [health("b"), health("c", "own")],
        }).finish(),
        streamRef: "S:7",
      }),
      msg({ data: text("[null]") }), // poison: nothing usable
      msg({
        subject: "impactd.events.acme",
        data: text(JSON.stringify({ ...(Event.toJSON(health("x")) as object), tenant: "other" })),
      }),
      msg({ data: Event.encode(health("a")).finish(), msgId: "m-1" }), // same message again
    ];
    const out = await ingestMessages(pipeline, "impactd.events", messages);
    expect(out.map((o) => o.verdict)).toEqual(["ack", "ack", "term", "term", "ack"]);
    expect(out[4]).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(out[3]?.rejections[0]?.code).toBe("TENANT_MISMATCH");
    expect(sink.events.map((r) => r.event_id)).toEqual(["m-1", "S:7#0", "own"]);
    expect(sink.rejections.map((r) => [r.code, r.front_end])).toEqual([
      ["MALFORMED", "nats"],
      ["TENANT_MISMATCH", "nats"],
    ]);
    // Redelivered, the same messages change nothing.
    const again = await ingestMessages(pipeline, "impactd.events", messages.slice(0, 2));
    expect(again.map((o) => o.duplicates)).toEqual([1, 2]);
    expect(sink.events).toHaveLength(3);
  });

  it("replays into the core without writing or notifying, and remembers the ids", async () => {
    const t0 = Date.now() - 600_000;
    const at = (ms: number, service: string, status: number): Event => ({
      tsUnixMs: t0 + ms,
      source: "unit",
      tenant: "",
      id: "",
      kind: { $case: "healthCheck", value: { service, status, message: "" } },
    });
    const stream = [at(0, "db", 1), at(1_000, "db", 3), at(60_000, "db", 3), at(120_000, "x", 1)];
    const messages = stream.map((ev, i) =>
      msg({ data: Event.encode(ev).finish(), streamRef: `S:${i + 1}` }),
    );
    const live = new MemorySink();
    const reference = new Pipeline({ sink: live });
    await ingestMessages(reference, "impactd.events", messages);
    expect(live.incidents.length).toBeGreaterThan(0);
    expect(live.timeline.length).toBeGreaterThan(0);
    expect(live.health.length).toBeGreaterThan(0);

    const sink = new MemorySink();
    const pipeline = new Pipeline({ sink });
    const heard: string[] = [];
    pipeline.watchAll((i) => heard.push(i.id));
    await ingestMessages(pipeline, "impactd.events", messages, 50_000, true);
    expect(sink.events).toHaveLength(0);
    expect(sink.incidents).toHaveLength(0);
    expect(heard).toEqual([]);
    expect(pipeline.incidents("default")).toEqual(reference.incidents("default"));
    // What was replayed counts as seen when it is redelivered.
    const again = await ingestMessages(pipeline, "impactd.events", messages);
    expect(again.every((o) => o.duplicates === 1 && o.verdict === "ack")).toBe(true);
    expect(sink.events).toHaveLength(0);
    // Nor are the replay's timeline and health rows written with a later batch.
    expect(sink.timeline).toHaveLength(0);
    expect(sink.health).toHaveLength(0);
  });

  it("refuses an oversized message on its own and takes the others", async () => {
    const sink = new MemorySink();
    const pipeline = new Pipeline({ sink, maxBatchEvents: 3 });
    const big = IngestRequest.encode({
      batchId: 1,
      events: ["a", "b", "c", "d"].map((s) => health(s)),
    }).finish();
    const out = await ingestMessages(
      pipeline,
      "impactd.events",
      [
        msg({ data: Event.encode(health("x")).finish() }),
        msg({ data: big }),
        msg({ data: Event.encode(health("y")).finish() }),
      ],
      3,
    );
    expect(out.map((o) => o.verdict)).toEqual(["ack", "term", "ack"]);
    expect(out[1]?.reason).toMatch(/BATCH_TOO_LARGE/);
    expect(sink.events.map((r) => r.service)).toEqual(["x", "y"]);
  });
});

describe("nats config", () => {
  it("parses the section, applies IMPACTD_NATS_* overrides and names bad keys", () => {
    const c = parseConfig(
      { nats: { enabled: true, url: "nats://a:4222,nats://b:4222", batch: 200, stream: "EV" } },
      { IMPACTD_NATS_TOKEN: "t", IMPACTD_NATS_BATCH: "300", IMPACTD_NATS_CORE: "false" },
    );
    expect(c.nats).toMatchObject({
      enabled: true,
      stream: "EV",
      batch: 300,
      token: "t",
      core: false,
    });
    expect(() => parseConfig({ nats: { bach: 1 } })).toThrow(/nats.bach: unknown key/);
    expect(() => parseConfig({ nats: { user: "u" } })).toThrow(/set both or neither/);
    expect(() => parseConfig({ nats: { token: "t", creds_file: "/x" } })).toThrow(/choose one/);
    expect(() => parseConfig({ nats: { stream: "a.b" } })).toThrow(/nats.stream/);
    expect(() => parseConfig({ nats: { core_subject_prefix: "impactd.events.core" } })).toThrow(
      /must not overlap/,
    );
    expect(() => parseConfig({ nats: { enabled: "yes" } })).toThrow(
      /nats.enabled: expected true or false/,
    );
    expect(() => parseConfig({ nats: { batch: 50_000 } })).toThrow(/nats.batch/);
  });
});
