// Acceptance 6 of issue 4 and the per-client limits, over real gRPC with a
// sink the test switches down and up (no database needed):
// - while the sink is down and events keep arriving, memory stays bounded:
//   the pipeline takes only what the sink writers can hold, later batches
//   are refused OVERLOADED with a retry delay, and the heap (sampled after
//   forced GCs) does not grow with the events sent;
// - on one stream, a full sink stops the server reading (gRPC flow control)
//   and nothing accepted is lost once the sink is back;
// - message size, batch size and rate limits refuse a batch whole with
//   RESOURCE_EXHAUSTED-style codes, record it, and keep the stream open.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { ImpactdClient, type IngestStream } from "../../src/client/client.js";
import { type ClientLimits, defaultLimits } from "../../src/config/security.js";
import type { IngestResponse } from "../../src/gen/impactd/v1/api.js";
import { Pipeline } from "../../src/pipeline/pipeline.js";
import { Authenticator } from "../../src/security/auth.js";
import { RateLimiter } from "../../src/security/limits.js";
import { sinkAdapter } from "../../src/server/runtime.js";
import { sinkOver } from "../../src/sinks/sink.js";
import { DEFAULT_MAX_INFLIGHT_BATCHES } from "../../src/sources/grpc/ingest-service.js";
import { startGrpcServer } from "../../src/sources/grpc/server.js";
import { errorRate } from "../helpers/events.js";
import { ControlledConnection } from "../helpers/fake-sink.js";

const T0 = Date.now() - 3_600_000;
const BATCH = 500;
const MAX_BUFFERED_ROWS = 5_000;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heapMiB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1_048_576;
}

function batch(k: number) {
  return Array.from({ length: BATCH }, (_, i) =>
    errorRate(T0 + k * BATCH + i, `svc-${i % 10}`, 0.01),
  );
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(overloadWaitMs: number, limits: Partial<ClientLimits> = {}) {
  const conn = new ControlledConnection();
  const sink = sinkOver(conn, {
    maxRows: 1_000,
    maxBufferedRows: MAX_BUFFERED_ROWS,
    lingerMs: 5,
    retryBaseMs: 5,
    retryMaxMs: 20,
    jitter: 0,
  });
  const pipeline = new Pipeline({ sink: sinkAdapter(sink) });
  const all = { ...defaultLimits(), ...limits };
  const server = await startGrpcServer({
    pipeline,
    port: 0,
    overloadWaitMs,
    security: {
      auth: new Authenticator({ enabled: false, tokens: [] }, all),
      limiter: new RateLimiter(),
    },
  });
  const client = new ImpactdClient(server.address);
  cleanups.push(async () => {
    conn.mode = "up";
    client.close();
    await server.close();
    await sink.close();
  });
  return { conn, sink, pipeline, client };
}

const PENDING = Symbol("pending");
function within<T>(p: Promise<T>, ms: number): Promise<T | typeof PENDING> {
  return Promise.race([p, new Promise<typeof PENDING>((r) => setTimeout(() => r(PENDING), ms))]);
}

describe("backpressure", () => {
  it("keeps memory bounded while the sink is down and events keep arriving", async () => {
    const { conn, sink, pipeline, client } = await setup(50);
    conn.mode = "down";
    const hanging: { stream: IngestStream; ack: Promise<IngestResponse> }[] = [];
    let sent = 0;
    let refused = 0;
    let retryAfter = 0;
    const round = async (r: number) => {
      await Promise.all(
        Array.from({ length: 16 }, async (_, i) => {
          const stream = client.ingest();
          const ack = stream.send(batch(r * 16 + i));
          sent += BATCH;
          const res = await within(ack, 2_000);
          if (res === PENDING) {
            hanging.push({ stream, ack });
            return;
          }
          expect(res.rejections.every((x) => x.code === "OVERLOADED")).toBe(true);
          refused += res.rejections.length;
          retryAfter = Math.max(retryAfter, res.retryAfterMs);
          await stream.end();
        }),
      );
    };
    // The first rounds warm up (JIT, gRPC buffers): a constant few MiB that
    // stays the same however long the run (measured over 1.5 million events).
    for (let r = 0; r < 10; r++) await round(r);
    const early = heapMiB();
    const rounds = Number(process.env.IMPACTD_TEST_ROUNDS ?? 25);
    for (let r = 10; r < 10 + rounds; r++) await round(r);
    const late = heapMiB();
    const between = rounds * 16 * BATCH;
    if (process.env.IMPACTD_TEST_VERBOSE)
      console.log(
        `heap ${early.toFixed(1)} -> ${late.toFixed(1)} MiB over ${between} events; ${hanging.length} held`,
      );

    // 200,000 events were sent between the samples; buffering them would
    // take well over 100 MiB.
    expect(late - early, `heap ${early.toFixed(1)} -> ${late.toFixed(1)} MiB`).toBeLessThan(16);
    expect(pipeline.overloaded()).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    // The pipeline took about what the writers hold; the rest was refused.
    expect(pipeline.stats.received).toBeLessThanOrEqual(MAX_BUFFERED_ROWS + 4 * BATCH);

    conn.mode = "up";
    let accepted = 0;
    for (const h of hanging) {
      // On a busy machine a refusal can be slower than the window above.
      const res = await h.ack;
      accepted += res.accepted;
      refused += res.rejections.filter((x) => x.code === "OVERLOADED").length;
      await h.stream.end();
    }
    expect(refused + accepted).toBe(sent);
    await sink.flush();
    expect(accepted).toBe(pipeline.stats.received);
    expect(conn.count("events_data")).toBe(accepted);
    expect(pipeline.overloaded()).toBe(false);
  });

  it("stops reading a stream while the sink is full, and loses nothing once it is back", async () => {
    const { conn, sink, pipeline, client } = await setup(60_000);
    conn.mode = "down";
    const stream = client.ingest();
    const acks = Array.from({ length: 60 }, (_, k) => stream.send(batch(k)));
    // The server reads until the stream has its quota of batches waiting
    // for the sink (how soon depends on the machine's load)...
    const quota = DEFAULT_MAX_INFLIGHT_BATCHES * BATCH;
    for (let waited = 0; pipeline.stats.received < quota; waited += 20) {
      if (waited > 20_000) throw new Error(`only ${pipeline.stats.received} events were read`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 500));
    // ...and then reads nothing more while the sink stays down.
    expect(pipeline.stats.received).toBe(quota);
    expect(stream.pending).toBe(60);

    conn.mode = "up";
    const results = await Promise.all(acks);
    await stream.end();
    await sink.flush();
    expect(results.every((r) => r.rejections.length === 0)).toBe(true);
    expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(60 * BATCH);
    expect(conn.count("events_data")).toBe(60 * BATCH);
  });
});

describe("per-client limits", () => {
  it("refuses batches over the size, batch and rate limits, records them and keeps the stream", async () => {
    const { conn, sink, client } = await setup(1_000, {
      maxMessageBytes: 40_000,
      maxBatchEvents: 600,
      rateEventsPerSec: 100,
      burstEvents: 1_000,
    });
    const stream = client.ingest();
    const ok = await stream.send(batch(0));
    expect(ok.accepted).toBe(BATCH);

    const tooMany = await stream.send([...batch(1), ...batch(2)].slice(0, 601));
    expect(tooMany.accepted).toBe(0);
    expect(new Set(tooMany.rejections.map((r) => r.code))).toEqual(new Set(["BATCH_TOO_LARGE"]));

    const big = batch(3).map((e) => ({ ...e, source: "x".repeat(100) }));
    const tooBig = await stream.send(big);
    expect(tooBig.rejections[0]?.code).toBe("MESSAGE_TOO_LARGE");
    expect(tooBig.rejections[0]?.reason).toMatch(/over the limit of 40000 bytes/);

    // 500 of the 1,000 burst are spent; 600 more are over the rate.
    const limited = await stream.send(batch(4).concat(batch(5).slice(0, 100)));
    expect(limited.accepted).toBe(0);
    expect(limited.rejections[0]?.code).toBe("RATE_LIMITED");
    expect(limited.retryAfterMs).toBeGreaterThan(0);

    const again = await stream.send(batch(6).slice(0, 100));
    expect(again.accepted).toBe(100);
    await stream.end();
    await sink.flush();
    expect(conn.rejected.map((r) => r.code)).toEqual([
      "BATCH_TOO_LARGE",
      "MESSAGE_TOO_LARGE",
      "RATE_LIMITED",
    ]);
    expect(conn.count("events_data")).toBe(BATCH + 100);
  });
});
