// Issue 4, acceptance 3: a JetStream stream of 100,000 events consumed by
// impactd with the ClickHouse sink going down and coming back mid-way.
// Afterwards every event is in `events` exactly once and the incident outputs
// equal those of an uninterrupted run over the same stream.
//
// The outage is simulated under the embedded ClickHouse with a SinkConnection
// that fails its INSERTs (retryable) for a few seconds, the first of them
// after the rows were committed (the ambiguous "server died before
// answering" case); the storage work adds a real clickhouse-server
// kill/restart on top of this.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, headers } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/config.js";
import type { NatsConfig } from "../../src/config/nats.js";
import { IngestRequest } from "../../src/gen/impactd/v1/api.js";
import type { Event } from "../../src/gen/impactd/v1/event.js";
import { Pipeline, type PipelineSink } from "../../src/pipeline/pipeline.js";
import { sinkAdapter } from "../../src/server/runtime.js";
import { demoScenario, Simulator } from "../../src/sim/index.js";
import {
  migrate,
  openChdb,
  type Sink,
  type SinkConnection,
  SinkError,
  sinkOver,
} from "../../src/sinks/index.js";
import { startNatsSource } from "../../src/sources/nats/index.js";
import { loadTopologyFile } from "../../src/topology/index.js";
import { MemorySink, waitFor } from "../helpers/memory-sink.js";
import { type NatsServer, startNatsServer } from "../helpers/nats-server.js";

const TOTAL = 100_000;
const PER_MESSAGE = 10;
const topology = loadTopologyFile("examples/shop.yaml");

/** FlakyConnection passes everything through except INSERTs while `down`. */
class FlakyConnection implements SinkConnection {
  readonly kind = "chdb" as const;
  down = false;
  commitThenFail = false;
  failures = 0;
  inserts = 0;
  constructor(private readonly inner: SinkConnection) {}
  get dialect() {
    return this.inner.dialect;
  }
  get database() {
    return this.inner.database;
  }
  command(sql: string) {
    return this.inner.command(sql);
  }
  query<T>(sql: string, params?: Record<string, string | number | boolean>) {
    return this.inner.query<T>(sql, params);
  }
  close() {
    return this.inner.close();
  }
  async insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (this.commitThenFail) {
      // The rows land, the answer does not: the retry must not double them.
      this.commitThenFail = false;
      await this.inner.insert(table, rows);
      this.failures++;
      throw new SinkError("connection reset after INSERT (simulated)", { retryable: true });
    }
    if (this.down) {
      this.failures++;
      throw new SinkError("connection refused (simulated ClickHouse outage)", { retryable: true });
    }
    this.inserts++;
    return this.inner.insert(table, rows);
  }
}

let server: NatsServer;
let dir: string;
let sink: Sink;
let flaky: FlakyConnection;

function natsConfig(durable: string): NatsConfig {
  return {
    ...defaultConfig().nats,
    enabled: true,
    url: server.url,
    core: false,
    durable,
    batch: 500,
    maxInflight: 4_000,
    ackWaitMs: 2_000,
  };
}

/** consume runs one impactd pipeline over the whole stream with its own durable consumer. */
async function consume(
  pipelineSink: PipelineSink,
  durable: string,
  during?: (events: () => number) => Promise<void>,
): Promise<Pipeline> {
  const pipeline = new Pipeline({ sink: pipelineSink });
  pipeline.setTopology("default", topology);
  const source = await startNatsSource({
    pipeline,
    config: natsConfig(durable),
    log: () => {},
  });
  const done = () => pipeline.stats.accepted + pipeline.stats.duplicates;
  await during?.(done);
  await waitFor(
    () => source.stats().jetstream?.acked === TOTAL / PER_MESSAGE,
    "every message acked",
    120_000,
  );
  await source.close();
  await pipeline.flush();
  return pipeline;
}

beforeAll(async () => {
  server = await startNatsServer();
  dir = mkdtempSync(join(tmpdir(), "impactd-nats-acc-"));
  const conn = await openChdb(dir);
  await migrate(conn);
  flaky = new FlakyConnection(conn);
  sink = sinkOver(flaky, { retryBaseMs: 50, retryMaxMs: 250 });

  // The stream: simulated shop events with the demo faults, 10 per message;
  // half the messages carry a Nats-Msg-Id, half rely on the stream sequence.
  const durationMs = Math.ceil(TOTAL / 480) * 60_000;
  const startMs = Math.floor((Date.now() - durationMs - 60_000) / 1000) * 1000;
  const sim = new Simulator(topology, {
    seed: 11,
    startMs,
    durationMs,
    faults: demoScenario(durationMs, topology),
  });
  const events: Event[] = [];
  for (const ev of sim.events()) {
    events.push(ev);
    if (events.length === TOTAL) break;
  }
  expect(events).toHaveLength(TOTAL);
  const nc = await connect({ servers: server.url });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: "IMPACTD_EVENTS", subjects: ["impactd.events.>"] });
  const js = nc.jetstream();
  const pending: Promise<unknown>[] = [];
  for (let m = 0; m < TOTAL / PER_MESSAGE; m++) {
    const batch = events.slice(m * PER_MESSAGE, (m + 1) * PER_MESSAGE);
    const bytes = IngestRequest.encode({ batchId: m, events: batch }).finish();
    // One headers object per message: publish({msgID}) writes into it.
    const h = headers();
    h.set("Content-Type", "application/x-protobuf; proto=impactd.v1.IngestRequest");
    pending.push(
      js.publish("impactd.events.default", bytes, {
        headers: h,
        ...(m % 2 === 0 ? { msgID: `acc-${m}` } : {}),
      }),
    );
    if (pending.length >= 1_000) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await nc.close();
}, 180_000);

afterAll(async () => {
  await sink?.close();
  await server?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("acceptance 3: JetStream 100k events with the sink down mid-way", () => {
  it("stores every event exactly once and the same incidents as an uninterrupted run", {
    timeout: 300_000,
  }, async () => {
    const reference = new MemorySink();
    const uninterrupted = await consume(reference, "uninterrupted");
    expect(reference.events).toHaveLength(TOTAL);
    expect(uninterrupted.incidents("default").length).toBeGreaterThan(0);

    const interrupted = await consume(sinkAdapter(sink), "interrupted", async (done) => {
      await waitFor(() => done() >= TOTAL * 0.3, "30% of the stream", 60_000);
      flaky.commitThenFail = true;
      flaky.down = true;
      await new Promise((r) => setTimeout(r, 4_000)); // twice the ack wait
      // While the sink is down intake stops at the in-flight bound.
      expect(done()).toBeLessThan(TOTAL);
      flaky.down = false;
    });
    expect(flaky.failures).toBeGreaterThan(1);
    await sink.flush();

    const [stored] = await sink.conn.query<{ c: string; u: string }>(
      "SELECT count() AS c, uniqExact(event_id) AS u FROM events",
    );
    expect(Number(stored?.c)).toBe(TOTAL);
    expect(Number(stored?.u)).toBe(TOTAL);
    const storedIds = await sink.conn.query<{ event_id: string }>("SELECT event_id FROM events");
    expect(new Set(storedIds.map((r) => r.event_id))).toEqual(
      new Set(reference.events.map((r) => r.event_id)),
    );

    // Incident outputs: in memory, version by version, and in ClickHouse.
    expect(interrupted.incidents("default")).toEqual(uninterrupted.incidents("default"));
    // incident_versions is a ReplacingMergeTree keyed by incident (merges
    // keep the newest version), so what must hold is: no version twice.
    const versions = await sink.conn.query<{ c: string; u: string }>(
      "SELECT count() AS c, uniqExact(incident_id, version) AS u FROM incident_versions",
    );
    expect(Number(versions[0]?.c)).toBe(Number(versions[0]?.u));
    const latest = await sink.conn.query<{
      incident_id: string;
      version: string;
      status: string;
      root_cause: string;
    }>("SELECT incident_id, version, status, root_cause FROM incidents ORDER BY incident_id");
    const expected = new Map<string, { version: number; status: string; root_cause: string }>();
    for (const r of reference.incidents) {
      const cur = expected.get(r.incident_id);
      if (cur === undefined || r.version > cur.version)
        expected.set(r.incident_id, {
          version: r.version,
          status: r.status,
          root_cause: r.root_cause,
        });
    }
    expect(latest.map((r) => [r.incident_id, Number(r.version), r.status, r.root_cause])).toEqual(
      [...expected.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([id, v]) => [id, v.version, v.status, v.root_cause]),
    );
  });
});
