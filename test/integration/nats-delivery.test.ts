// JetStream delivery semantics against a real nats-server: backpressure
// (bounded in-flight messages, pausing while the sink is overloaded),
// redeliveries after a crash between the durable write and the ack, and a
// NATS restart mid-stream. The sink is in memory so the test can hold writes
// open and count every row.
import { connect, type JetStreamClient, type NatsConnection } from "nats";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/config.js";
import type { NatsConfig } from "../../src/config/nats.js";
import { IngestRequest } from "../../src/gen/impactd/v1/api.js";
import { Event } from "../../src/gen/impactd/v1/event.js";
import { Pipeline } from "../../src/pipeline/pipeline.js";
import { type NatsSource, startNatsSource } from "../../src/sources/nats/index.js";
import { MemorySink, waitFor } from "../helpers/memory-sink.js";
import { type NatsServer, startNatsServer } from "../helpers/nats-server.js";

const T0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;

let server: NatsServer;
let nc: NatsConnection;
let js: JetStreamClient;
let run = 0;
let config: NatsConfig;
const sources: NatsSource[] = [];

function health(i: number): Event {
  return {
    tsUnixMs: T0 + i,
    source: "delivery-test",
    tenant: "",
    id: "",
    kind: { $case: "healthCheck", value: { service: `svc-${i % 7}`, status: 1, message: "" } },
  };
}

async function start(pipeline: Pipeline): Promise<NatsSource> {
  const s = await startNatsSource({ pipeline, config, log: () => {} });
  sources.push(s);
  return s;
}

async function consumerInfo() {
  return (await nc.jetstreamManager()).consumers.info(config.stream, config.durable);
}

async function drained(): Promise<void> {
  await waitFor(async () => {
    const i = await consumerInfo();
    return i.num_pending === 0 && i.num_ack_pending === 0;
  }, "every message acked");
}

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
  js = nc.jetstream();
});

beforeEach(() => {
  // A fresh stream and consumer per test, on a prefix of its own.
  run++;
  config = {
    ...defaultConfig().nats,
    enabled: true,
    url: server.url,
    core: false,
    subjectPrefix: `delivery${run}`,
    stream: `DELIVERY${run}`,
    durable: `impactd${run}`,
    ackWaitMs: 1_000,
    batch: 50,
    maxInflight: 200,
  };
});

afterAll(async () => {
  for (const s of sources) await s.kill();
  await nc?.close();
  await server?.stop();
});

describe("JetStream backpressure", () => {
  it("stops fetching at max_inflight while writes are pending and resumes when they land", async () => {
    const sink = new MemorySink();
    const pipeline = new Pipeline({ sink });
    const release = sink.hold();
    const source = await start(pipeline);
    const stats = () => source.stats().jetstream ?? expect.fail("no JetStream stats");
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 1_000; i++)
      writes.push(js.publish(`${config.subjectPrefix}.default`, Event.encode(health(i)).finish()));
    await Promise.all(writes);
    await waitFor(() => stats().fetched >= 200, "the first 200 messages");
    await new Promise((r) => setTimeout(r, 500));
    expect(stats().fetched).toBe(200);
    expect(stats().inflight).toBe(200);
    expect(stats().acked).toBe(0);
    expect(stats().pauses).toBeGreaterThan(0);
    expect((await consumerInfo()).num_pending).toBe(800);
    release();
    await drained();
    expect(stats().acked).toBe(1_000);
    expect(sink.events).toHaveLength(1_000);

    // A sink that says it is overloaded gets nothing new until it recovers,
    // apart from one batch a pull request already waiting may bring.
    sink.busy = true;
    for (let i = 1_000; i < 1_100; i++)
      await js.publish(`${config.subjectPrefix}.default`, Event.encode(health(i)).finish());
    await new Promise((r) => setTimeout(r, 500));
    expect(stats().fetched).toBeLessThanOrEqual(1_000 + config.batch);
    expect((await consumerInfo()).num_pending).toBeGreaterThanOrEqual(100 - config.batch);
    sink.busy = false;
    await drained();
    expect(sink.events).toHaveLength(1_100);
    await source.close();
  });
});

describe("JetStream redelivery", () => {
  it("drops redelivered events written before a crash, whose ack never went out", async () => {
    const sink = new MemorySink();
    const pipeline = new Pipeline({ sink });
    const release = sink.hold();
    const first = await start(pipeline);
    // Single events and batches, none with an id: ids come from the stream.
    for (let i = 0; i < 100; i++)
      await js.publish(`${config.subjectPrefix}.default`, Event.encode(health(i)).finish());
    for (let b = 0; b < 20; b++) {
      const events = [0, 1, 2, 3, 4].map((k) => health(1_000 + b * 5 + k));
      await js.publish(
        `${config.subjectPrefix}.default`,
        IngestRequest.encode({ batchId: b, events }).finish(),
      );
    }
    // Everything is written (the rows are in the sink) but not yet
    // confirmed, so nothing is acked; then the connection dies.
    await waitFor(() => sink.events.length === 200, "200 events written");
    await first.kill();
    release();
    const second = await start(pipeline);
    await drained();
    const stats = second.stats().jetstream ?? expect.fail("no JetStream stats");
    expect(stats.redelivered).toBe(120);
    expect(pipeline.stats.duplicates).toBe(200);
    expect(sink.events).toHaveLength(200);
    expect(new Set(sink.events.map((r) => r.event_id)).size).toBe(200);
    expect(sink.events.filter((r) => /#\d$/.test(r.event_id))).toHaveLength(100);
    await second.close();
  });

  it("loses and doubles nothing when NATS is killed and restarted mid-stream", async () => {
    const sink = new MemorySink();
    const pipeline = new Pipeline({ sink });
    const source = await start(pipeline);
    const publish = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        // Around the restart a publish may time out: retry it, as a
        // publisher would; Nats-Msg-Id keeps the retry from doubling it.
        for (let attempt = 0; ; attempt++) {
          try {
            await js.publish(`${config.subjectPrefix}.default`, Event.encode(health(i)).finish(), {
              msgID: `restart-${i}`,
              timeout: 1_000,
            });
            break;
          } catch (err) {
            if (attempt > 50) throw err;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      }
    };
    await publish(0, 300);
    const release = sink.hold();
    await publish(300, 600);
    await waitFor(() => sink.events.length >= 350, "writes in flight");
    await server.restart(); // SIGKILL: in-flight acks are lost
    release();
    await publish(600, 900);
    await drained();
    await waitFor(() => sink.events.length === 900, "900 events");
    expect(new Set(sink.events.map((r) => r.event_id)).size).toBe(900);
    await source.close();
  });
});
