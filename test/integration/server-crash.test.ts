// Acceptance: 1,000,000 events go through the pipeline into a real
// clickhouse-server (18.16) that is SIGKILLed and restarted twice mid-stream.
// Afterwards `SELECT count() FROM events` equals the events the pipeline
// accepted, and the latest incident rows equal those of an uninterrupted run
// (the same stream through a second pipeline into memory).
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { Pipeline, type PipelineSink } from "../../src/pipeline/pipeline.js";
import { sinkAdapter } from "../../src/server/runtime.js";
import {
  INCIDENT_VERSIONS,
  type IncidentRow,
  openSink,
  readRows,
  type Sink,
} from "../../src/sinks/index.js";
import { loadTopologyFile } from "../../src/topology/index.js";
import { packageRoot } from "../../src/util/package-root.js";
import { type ClickHouseServer, startClickHouseServer } from "../helpers/clickhouse-server.js";
import { syntheticEvents } from "../helpers/synthetic-events.js";

const TOTAL = 1_000_000;
const KILLS_AT = [300_000, 650_000];
const INFLIGHT = 6;

let server: ClickHouseServer;
let sink: Sink | undefined;

beforeAll(async () => {
  server = await startClickHouseServer();
});

afterAll(async () => {
  await sink?.close().catch(() => {});
  await server?.stop();
});

/** latestIncidents keeps the highest version of each incident, as the view does. */
function memorySink(): { sink: PipelineSink; latest: Map<string, IncidentRow> } {
  const latest = new Map<string, IncidentRow>();
  const ok = async () => {};
  return {
    latest,
    sink: {
      writeEvents: ok,
      writeRejections: ok,
      writeIncidents: async (rows) => {
        for (const r of rows) {
          const key = `${r.tenant}/${r.incident_id}`;
          const prev = latest.get(key);
          if (prev === undefined || prev.version <= r.version) latest.set(key, r);
        }
      },
    },
  };
}

const comparable = (r: IncidentRow) => ({ ...r, written_at: 0 });
const byId = (a: IncidentRow, b: IncidentRow) =>
  `${a.tenant}/${a.incident_id}`.localeCompare(`${b.tenant}/${b.incident_id}`);

test("1M events survive two SIGKILLs of the server: count() matches accepted, incidents match an uninterrupted run", async () => {
  const topology = loadTopologyFile(join(packageRoot(), "examples/shop.yaml"));
  sink = await openSink({
    kind: "clickhouse",
    url: server.url,
    database: "crash",
    writer: { lingerMs: 20, retryBaseMs: 50, retryMaxMs: 500 },
  });
  const live = new Pipeline({ sink: sinkAdapter(sink), defaultTopology: topology });
  const reference = memorySink();
  const uninterrupted = new Pipeline({ sink: reference.sink, defaultTopology: topology });

  const startMs = Date.now() - Math.ceil(TOTAL / topology.services.length) * 100 - 60_000;
  let submitted = 0;
  let accepted = 0;
  const kills = [...KILLS_AT];
  const restarts: Promise<void>[] = [];
  const inflight: Promise<void>[] = [];
  for (const batch of syntheticEvents({ topology, startMs, count: TOTAL })) {
    inflight.push(
      live.submit(batch, { frontEnd: "test" }).then((r) => {
        accepted += r.accepted;
      }),
    );
    await uninterrupted.submit(batch, { frontEnd: "test" });
    submitted += batch.length;
    if (kills.length > 0 && submitted >= (kills[0] as number)) {
      kills.shift();
      // Kill while INSERTs are in flight; bring it back a little later,
      // while the stream goes on and the writers retry.
      await server.kill();
      restarts.push(new Promise((r) => setTimeout(r, 1_000)).then(() => server.restart()));
    }
    if (inflight.length >= INFLIGHT) await inflight.shift();
  }
  await Promise.all(inflight);
  await Promise.all(restarts);
  await live.flush();
  await uninterrupted.flush();
  await sink.flush();

  expect(submitted).toBe(TOTAL);
  expect(accepted).toBe(TOTAL);
  const count = await sink.conn.query<{ n: string }>("SELECT count() AS n FROM crash.events");
  expect(Number(count[0]?.n)).toBe(accepted);
  // The kills really interrupted writes: some INSERTs failed and were retried.
  const stats = sink.stats().tables;
  const retries = Object.values(stats).reduce((s, t) => s + t.retries, 0);
  expect(retries).toBeGreaterThan(0);
  expect(Object.values(stats).every((t) => t.failures === 0 && t.buffered === 0)).toBe(true);

  const stored = await readRows<IncidentRow>(sink.conn, INCIDENT_VERSIONS);
  const expected = [...reference.latest.values()];
  expect(expected.length).toBeGreaterThan(5);
  expect(stored.map(comparable).sort(byId)).toEqual(expected.map(comparable).sort(byId));
}, 240_000);
