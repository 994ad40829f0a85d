// Issue 4, acceptance 3: a JetStream stream of 100,000 events consumed by
// impactd with the ClickHouse sink going down and coming back mid-way.
// Afterwards every event is in `events` exactly once and the incident outputs
// equal those of an uninterrupted run over the same stream.
//
// Two outages over the same stream (published once to a real nats-server):
// - under the embedded ClickHouse, a SinkConnection that fails its INSERTs
//   (retryable) for a few seconds, the first of them after the rows were
//   committed (the ambiguous "server died before answering" case, forced);
// - a real clickhouse-server (18.16) SIGKILLed mid-way and restarted on the
//   same data: whatever was in flight is lost or committed unanswered, and
//   the retried rows are read back through the de-duplicating views.
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
  INCIDENT_VERSIONS,
  type IncidentRow,
  migrate,
  openChdb,
  openSink,
  readRows,
  type Sink,
  type SinkConnection,
  SinkError,
  sinkOver,
} from "../../src/sinks/index.js";
import { startNatsSource } from "../../src/sources/nats/index.js";
import { loadTopologyFile } from "../../src/topology/index.js";
import { type ClickHouseServer, startClickHouseServer } from "../helpers/clickhouse-server.js";
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

let reference: Promise<{ pipeline: Pipeline; rows: MemorySink }> | undefined;

/** uninterruptedRun consumes the stream once into memory; every case compares with it. */
function uninterruptedRun(): Promise<{ pipeline: Pipeline; rows: MemorySink }> {
  reference ??= (async () => {
    const rows = new MemorySink();
    const pipeline = await consume(rows, "uninterrupted");
    expect(rows.events).toHaveLength(TOTAL);
    expect(pipeline.incidents("default").length).toBeGreaterThan(0);
    return { pipeline, rows };
  })();
  return reference;
}

/** latest keeps the highest version of each incident, as the `incidents` view does. */
function latest(rows: readonly IncidentRow[]): IncidentRow[] {
  const byId = new Map<string, IncidentRow>();
  for (const r of rows) {
    const key = `${r.tenant}/${r.incident_id}`;
    const cur = byId.get(key);
    if (cur === undefined || r.version > cur.version) byId.set(key, r);
  }
  return [...byId.values()];
}

// written_at is the writer's wall clock, the one column two runs never share.
const comparable = (r: IncidentRow) => ({ ...r, written_at: 0 });
const byIncident = (a: IncidentRow, b: IncidentRow) =>
  `${a.tenant}/${a.incident_id}`.localeCompare(`${b.tenant}/${b.incident_id}`);

/** expectStoredLikeReference checks `events` and `incidents` against the uninterrupted run. */
async function expectStoredLikeReference(stored: Sink, expected: MemorySink): Promise<void> {
  // Through the views (FINAL): a row written twice by a retry counts once.
  const [counts] = await stored.conn.query<{ c: string; u: string }>(
    "SELECT count() AS c, uniqExact(event_id) AS u FROM events",
  );
  expect(Number(counts?.c)).toBe(TOTAL);
  expect(Number(counts?.u)).toBe(TOTAL);
  const storedIds = await stored.conn.query<{ event_id: string }>("SELECT event_id FROM events");
  expect(new Set(storedIds.map((r) => r.event_id))).toEqual(
    new Set(expected.events.map((r) => r.event_id)),
  );
  // incident_versions is a ReplacingMergeTree(version) keyed by incident; the
  // view shows each incident's newest version once, whatever was rewritten.
  const incidents = await readRows<IncidentRow>(stored.conn, INCIDENT_VERSIONS);
  expect(incidents.map(comparable).sort(byIncident)).toEqual(
    latest(expected.incidents).map(comparable).sort(byIncident),
  );
}

describe("acceptance 3: JetStream 100k events with the sink down mid-way", () => {
  it("stores every event exactly once and the same incidents as an uninterrupted run", {
    timeout: 300_000,
  }, async () => {
    const { pipeline: uninterrupted, rows: expected } = await uninterruptedRun();

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

    expect(interrupted.incidents("default")).toEqual(uninterrupted.incidents("default"));
    await expectStoredLikeReference(sink, expected);
    // The embedded engine drops a retried identical INSERT itself
    // (non_replicated_deduplication_window): no version is stored twice.
    const [versions] = await sink.conn.query<{ c: string; u: string }>(
      "SELECT count() AS c, uniqExact(incident_id, version) AS u FROM incident_versions",
    );
    expect(Number(versions?.c)).toBe(Number(versions?.u));
  });
});

describe("acceptance 3: JetStream 100k events with a real clickhouse-server SIGKILLed mid-way", () => {
  let clickhouse: ClickHouseServer | undefined;
  let serverSink: Sink | undefined;

  beforeAll(async () => {
    clickhouse = await startClickHouseServer();
  }, 90_000);

  afterAll(async () => {
    await serverSink?.close().catch(() => {});
    await clickhouse?.stop();
  });

  it("stores every event exactly once and the same incidents after the server is killed and restarted", {
    timeout: 300_000,
  }, async () => {
    const ch = clickhouse as ClickHouseServer;
    const { pipeline: uninterrupted, rows: expected } = await uninterruptedRun();
    const stored = await openSink({
      kind: "clickhouse",
      url: ch.url,
      database: "nats_acceptance",
      writer: { lingerMs: 20, retryBaseMs: 50, retryMaxMs: 500 },
    });
    serverSink = stored;

    let atKill = 0;
    const interrupted = await consume(sinkAdapter(stored), "server-killed", async (done) => {
      await waitFor(() => done() >= TOTAL * 0.3, "30% of the stream", 60_000);
      // Killed while the writers keep INSERTs in flight; the restart comes
      // after the ack wait (2 s), so the waiting messages must be kept in
      // progress rather than redelivered.
      atKill = done();
      await ch.kill();
      await new Promise((r) => setTimeout(r, 2_500));
      expect(done()).toBeLessThan(TOTAL); // intake waits for the sink
      await ch.restart();
    });
    await stored.flush();
    expect(atKill).toBeLessThan(TOTAL * 0.9);

    // The kill really interrupted writes: INSERTs failed and were retried,
    // and none was given up.
    const tables = Object.values(stored.stats().tables);
    expect(tables.reduce((n, t) => n + t.retries, 0)).toBeGreaterThan(0);
    expect(tables.every((t) => t.failures === 0 && t.buffered === 0)).toBe(true);

    expect(interrupted.incidents("default")).toEqual(uninterrupted.incidents("default"));
    await expectStoredLikeReference(stored, expected);
  });
});
