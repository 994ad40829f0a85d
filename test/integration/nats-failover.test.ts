// Several instances (SPEC section 10): two impactd pipelines on one machine
// share one JetStream consumer in exclusive mode. The first owns the
// partition and is stopped mid-stream; the standby takes over the lease,
// rebuilds the core state by replaying the stream up to the ack floor and
// carries on. Afterwards every event is stored exactly once and the incidents
// equal those of one uninterrupted instance.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, headers, type JetStreamClient, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/config.js";
import type { NatsConfig } from "../../src/config/nats.js";
import { IngestRequest } from "../../src/gen/impactd/v1/api.js";
import type { Event } from "../../src/gen/impactd/v1/event.js";
import { Pipeline, type PipelineSink } from "../../src/pipeline/pipeline.js";
import { sinkAdapter } from "../../src/server/runtime.js";
import { demoScenario, Simulator } from "../../src/sim/index.js";
import { openSink, type Sink } from "../../src/sinks/index.js";
import { Lease, type NatsSource, startNatsSource } from "../../src/sources/nats/index.js";
import { loadTopologyFile } from "../../src/topology/index.js";
import { MemorySink, waitFor } from "../helpers/memory-sink.js";
import { type NatsServer, startNatsServer } from "../helpers/nats-server.js";

const TOTAL = 20_000;
const PER_MESSAGE = 10;
const MESSAGES = TOTAL / PER_MESSAGE;
const topology = loadTopologyFile("examples/shop.yaml");

let server: NatsServer;
let dir: string;
let sink: Sink;
let nc: NatsConnection;
let js: JetStreamClient;
let events: Event[];
const logs: string[] = [];

function config(durable: string, exclusive: boolean): NatsConfig {
  return {
    ...defaultConfig().nats,
    enabled: true,
    url: server.url,
    core: false,
    durable,
    exclusive,
    batch: 50,
    // Long enough that a loaded CI host renews in time; a clean hand-over
    // releases the lease at once and does not wait for it.
    leaseTtlMs: 5_000,
    ackWaitMs: 2_000,
  };
}

async function instance(pipelineSink: PipelineSink, durable: string, exclusive: boolean) {
  const pipeline = new Pipeline({ sink: pipelineSink });
  pipeline.setTopology("default", topology);
  const source = await startNatsSource({
    pipeline,
    config: config(durable, exclusive),
    log: () => {},
  });
  return { pipeline, source };
}

async function publish(from: number, to: number): Promise<void> {
  const pending: Promise<unknown>[] = [];
  for (let m = from; m < to; m++) {
    const h = headers();
    h.set("Content-Type", "application/x-protobuf; proto=impactd.v1.IngestRequest");
    const batch = events.slice(m * PER_MESSAGE, (m + 1) * PER_MESSAGE);
    pending.push(
      js.publish(
        "impactd.events.default",
        IngestRequest.encode({ batchId: m, events: batch }).finish(),
        {
          headers: h,
        },
      ),
    );
  }
  await Promise.all(pending);
}

const acked = (s: NatsSource) => s.stats().jetstream?.acked ?? 0;

beforeAll(async () => {
  server = await startNatsServer();
  dir = mkdtempSync(join(tmpdir(), "impactd-nats-failover-"));
  sink = await openSink({ kind: "chdb", dataDir: dir });
  const durationMs = Math.ceil(TOTAL / 480) * 60_000;
  const sim = new Simulator(topology, {
    seed: 5,
    startMs: Math.floor((Date.now() - durationMs - 60_000) / 1000) * 1000,
    durationMs,
    faults: demoScenario(durationMs, topology),
  });
  events = [];
  for (const ev of sim.events()) {
    events.push(ev);
    if (events.length === TOTAL) break;
  }
  nc = await connect({ servers: server.url });
  js = nc.jetstream();
  await (await nc.jetstreamManager()).streams.add({
    name: "IMPACTD_EVENTS",
    subjects: ["impactd.events.>"],
  });
});

afterAll(async () => {
  await nc?.close();
  await sink?.close();
  await server?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("fail-over of a partition between two instances", () => {
  it("hands the partition to the standby mid-stream without loss, doubles or different incidents", async () => {
    const a = await instance(sinkAdapter(sink), "shared", true);
    await waitFor(() => a.source.stats().partition?.owner === true, "A to own the partition");
    const b = await instance(sinkAdapter(sink), "shared", true);
    await publish(0, MESSAGES / 2);
    await waitFor(() => acked(a.source) >= MESSAGES / 4, "A to consume a quarter", 60_000);
    // B is a standby: it holds no lease and pulls nothing.
    expect(b.source.stats().partition?.owner).toBe(false);
    expect(acked(b.source)).toBe(0);

    // Stop A mid-stream while the second half is being published.
    const rest = publish(MESSAGES / 2, MESSAGES);
    await a.source.close();
    await rest;
    const byA = acked(a.source);
    expect(byA).toBeGreaterThan(0);
    expect(byA).toBeLessThan(MESSAGES);

    await waitFor(() => acked(b.source) === MESSAGES - byA, "B to consume the rest", 60_000);
    const partition = b.source.stats().partition;
    expect(partition?.takeovers).toBe(1);
    // B rebuilt A's state from the stream before pulling.
    expect(partition?.replayed).toBe(byA);
    await b.source.close();
    await b.pipeline.flush();
    await sink.flush();

    // The reference: one instance that saw the whole stream.
    const reference = new MemorySink();
    const ref = await instance(reference, "reference", false);
    await waitFor(() => acked(ref.source) === MESSAGES, "the reference run", 60_000);
    await ref.source.close();
    await ref.pipeline.flush();

    expect(logs.filter((l) => /lost the lease/.test(l))).toEqual([]);
    const [stored] = await sink.conn.query<{ c: string; u: string }>(
      "SELECT count() AS c, uniqExact(event_id) AS u FROM events",
    );
    expect(Number(stored?.c)).toBe(TOTAL);
    expect(Number(stored?.u)).toBe(TOTAL);
    expect(reference.events).toHaveLength(TOTAL);
    const incidents = b.pipeline.incidents("default");
    expect(incidents.length).toBeGreaterThan(0);
    expect(incidents).toEqual(ref.pipeline.incidents("default"));
    const versions = await sink.conn.query<{ c: string; u: string }>(
      "SELECT count() AS c, uniqExact(incident_id, version) AS u FROM incident_versions",
    );
    expect(Number(versions[0]?.c)).toBe(Number(versions[0]?.u));
    const latest = await sink.conn.query<{ incident_id: string; version: string }>(
      "SELECT incident_id, version FROM incidents ORDER BY incident_id",
    );
    expect(latest.map((r) => [r.incident_id, Number(r.version)])).toEqual(
      [...incidents].sort((x, y) => (x.id < y.id ? -1 : 1)).map((i) => [i.id, i.version]),
    );
  });

  it("leases a partition to one instance; a crashed owner's lease expires, a released one passes at once", async () => {
    const open = (owner: string) => Lease.open(nc, "test_leases", "p0", 1_000, owner, () => {});
    const [a, b] = [await open("a"), await open("b")];
    let aLost = false;
    expect(
      await a.acquire(
        () => false,
        () => (aLost = true),
      ),
    ).toBe(true);
    let stopB = false;
    const bGot = b.acquire(
      () => stopB,
      () => {},
    );
    await new Promise((r) => setTimeout(r, 2_000)); // two TTLs: renewals keep it
    expect(b.held).toBe(false);
    expect(a.held).toBe(true);
    a.abandon(); // crash: no renewal, no release
    const t = Date.now();
    expect(await bGot).toBe(true);
    expect(Date.now() - t).toBeLessThan(5_000);
    expect(aLost).toBe(false);
    // A clean release hands over without waiting for the TTL.
    const c = await open("c");
    const cGot = c.acquire(
      () => false,
      () => {},
    );
    await b.release();
    const t2 = Date.now();
    expect(await cGot).toBe(true);
    expect(Date.now() - t2).toBeLessThan(900);
    await c.release();
    stopB = true;
  });
});
