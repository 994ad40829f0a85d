// NATS JetStream ingest: simulated shop events are published to a stream on
// a real nats-server first (not timed); then impactd's durable pull consumer
// reads them, runs the core, writes to the sink and acks each message only
// after its batch is durable. Timed from consumer start to the last ack.
// Cases step through events per message (1, 10, 100) and compare the
// embedded ClickHouse with an in-memory sink, which shows what the NATS path
// itself costs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, headers } from "nats";
import { defaultConfig } from "../../src/config/config.js";
import { IngestRequest } from "../../src/gen/impactd/v1/api.js";
import type { Event } from "../../src/gen/impactd/v1/event.js";
import { Pipeline, type PipelineSink } from "../../src/pipeline/pipeline.js";
import { sinkAdapter } from "../../src/server/runtime.js";
import { Simulator } from "../../src/sim/index.js";
import { openSink, type Sink } from "../../src/sinks/index.js";
import { startNatsSource } from "../../src/sources/nats/index.js";
import { loadTopologyFile } from "../../src/topology/index.js";
import { packageRoot } from "../../src/util/package-root.js";
import { type NatsServer, startNatsServer } from "../../test/helpers/nats-server.js";
import { type BenchResult, result, samplePeakRss } from "../result.js";

const NULL_SINK: PipelineSink = {
  writeEvents: () => Promise.resolve(),
  writeRejections: () => Promise.resolve(),
  writeIncidents: () => Promise.resolve(),
};

function simulated(total: number): Event[] {
  const topology = loadTopologyFile(join(packageRoot(), "examples/shop.yaml"));
  const durationMs = Math.ceil(total / 480) * 60_000;
  const sim = new Simulator(topology, {
    seed: 7,
    startMs: Date.now() - durationMs - 60_000,
    durationMs,
    faults: [],
  });
  const events: Event[] = [];
  for (const ev of sim.events()) {
    events.push(ev);
    if (events.length === total) break;
  }
  return events;
}

async function publish(
  server: NatsServer,
  prefix: string,
  events: readonly Event[],
  perMessage: number,
): Promise<number> {
  const nc = await connect({ servers: server.url });
  const js = nc.jetstream();
  const pending: Promise<unknown>[] = [];
  let messages = 0;
  for (let i = 0; i < events.length; i += perMessage) {
    const h = headers();
    h.set("Content-Type", "application/x-protobuf; proto=impactd.v1.IngestRequest");
    const bytes = IngestRequest.encode({
      batchId: messages,
      events: events.slice(i, i + perMessage),
    }).finish();
    pending.push(js.publish(`${prefix}.default`, bytes, { headers: h, msgID: `b-${i}` }));
    messages++;
    if (pending.length >= 2_000) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await nc.close();
  return messages;
}

/** runNatsSuite measures JetStream -> core -> sink throughput with acks after durable writes. */
export async function runNatsSuite(opts: { quick: boolean }): Promise<BenchResult[]> {
  const total = opts.quick ? 20_000 : 200_000;
  const events = simulated(total);
  const server = await startNatsServer();
  const dir = mkdtempSync(join(tmpdir(), "impactd-bench-nats-"));
  let sink: Sink | undefined;
  const out: BenchResult[] = [];
  try {
    sink = await openSink({ kind: "chdb", dataDir: dir });
    const cases: [number, "chdb" | "none", number][] = [
      [100, "chdb", total],
      [10, "chdb", total],
      [1, "chdb", Math.min(total, 50_000)],
      [100, "none", total],
      [1, "none", Math.min(total, 50_000)],
    ];
    let n = 0;
    for (const [perMessage, sinkKind, count] of cases) {
      n++;
      const prefix = `bench${n}`;
      const config = {
        ...defaultConfig().nats,
        enabled: true,
        url: server.url,
        core: false,
        subjectPrefix: prefix,
        stream: `BENCH${n}`,
        durable: `bench${n}`,
      };
      const nc = await connect({ servers: server.url });
      await (await nc.jetstreamManager()).streams.add({
        name: config.stream,
        subjects: [`${prefix}.>`],
      });
      await nc.close();
      const messages = await publish(server, prefix, events.slice(0, count), perMessage);
      const pipeline = new Pipeline({
        sink: sinkKind === "chdb" ? sinkAdapter(sink) : NULL_SINK,
      });
      const start = performance.now();
      const source = await startNatsSource({ pipeline, config });
      await new Promise<void>((resolve) => {
        const t = setInterval(() => {
          samplePeakRss();
          if ((source.stats().jetstream?.acked ?? 0) >= messages) {
            clearInterval(t);
            resolve();
          }
        }, 5);
      });
      const seconds = (performance.now() - start) / 1000;
      await source.close();
      out.push(
        result(
          "nats",
          `jetstream ${perMessage} ev/msg -> core -> ${sinkKind === "chdb" ? "chdb" : "no sink"}`,
          { events_per_sec: Math.round(count / seconds), p50_ms: null, p99_ms: null },
          {
            events: count,
            messages,
            events_per_message: perMessage,
            batch: config.batch,
            max_inflight: config.maxInflight,
            sink: sinkKind,
          },
        ),
      );
    }
  } finally {
    await sink?.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
