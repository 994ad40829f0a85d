// Acceptance 4 of issue 4 for the gRPC Ingest front end: thousands of seeded
// random, mutated and hostile payloads. Nothing crashes; every payload gets
// an answer; every good event is accepted and every bad one rejected with the
// code its defect calls for; every rejection is a rejected_events row and
// every accepted event an events row. Other front ends reuse
// test/helpers/fuzz.ts with their own encoding.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ClientDuplexStream,
  credentials,
  makeGenericClientConstructor,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImpactdClient } from "../../src/client/client.js";
import { parseConfig } from "../../src/config/config.js";
import { IngestRequest, IngestResponse } from "../../src/gen/impactd/v1/api.js";
import { type Runtime, startRuntime } from "../../src/server/runtime.js";
import { batchCase, fuzzRng, goodEvent, mutate, randomBytes } from "../helpers/fuzz.js";

const SEED = 20_240_601;
const STREAMS = 8;
const PER_STREAM = 300; // 2,400 payloads
const MAX_MESSAGE_BYTES = 64 * 1024;
const MAX_BATCH = 200;
const BATCH_LEVEL = new Set(["MESSAGE_TOO_LARGE", "BATCH_TOO_LARGE", "RATE_LIMITED"]);

let dir: string;
let rt: Runtime;

const Raw = makeGenericClientConstructor(
  {
    ingest: {
      path: "/impactd.v1.IngestService/Ingest",
      requestStream: true,
      responseStream: true,
      originalName: "ingest",
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    },
  },
  "IngestService",
);
type RawClient = { ingest(): ClientDuplexStream<Buffer, Buffer>; close(): void };

/** rawStream sends byte payloads and resolves each with its (in-order) answer. */
function rawStream(client: RawClient) {
  const call = client.ingest();
  const waiting: ((r: IngestResponse | Error) => void)[] = [];
  call.on("data", (b: Buffer) => waiting.shift()?.(IngestResponse.decode(b)));
  call.on("error", (e: Error) => {
    for (const w of waiting.splice(0)) w(e);
  });
  return {
    send(bytes: Buffer): Promise<IngestResponse | Error> {
      return new Promise((resolve) => {
        waiting.push(resolve);
        call.write(bytes);
      });
    },
    end: () =>
      new Promise<void>((resolve) => {
        call.on("end", resolve);
        call.on("error", () => resolve());
        call.end();
      }),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "impactd-fuzz-"));
  const config = parseConfig({
    data_dir: dir,
    grpc: { port: 0 },
    otlp: { enabled: false },
    http: { enabled: false },
    core: { heartbeat_lag_ms: 0 },
    limits: {
      max_message_bytes: MAX_MESSAGE_BYTES,
      max_batch_events: MAX_BATCH,
      rate_events_per_sec: 0,
    },
  });
  rt = await startRuntime(config);
});

afterAll(async () => {
  await rt?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Tally {
  payloads: number;
  accepted: number;
  rows: Map<string, number>;
}

describe("gRPC Ingest fuzz", () => {
  it("answers every payload, accepts every good event and records every rejection", async () => {
    const now = Date.now();
    const tally: Tally = { payloads: 0, accepted: 0, rows: new Map() };
    const row = (code: string, n = 1) => tally.rows.set(code, (tally.rows.get(code) ?? 0) + n);
    const kinds = new Map<string, number>();
    const client = new Raw(rt.grpc.address, credentials.createInsecure()) as unknown as RawClient;

    const run = async (s: number) => {
      const rng = fuzzRng(SEED + s);
      const stream = rawStream(client);
      const sent: {
        bytes: Buffer;
        expected: string[] | undefined;
        answer: Promise<IngestResponse | Error>;
      }[] = [];
      for (let i = 0; i < PER_STREAM; i++) {
        const choice = rng.int(10);
        let bytes: Buffer;
        let expected: string[] | undefined;
        let kind: string;
        if (choice < 4) {
          const c = batchCase(rng, now, 20, 0.3);
          bytes = Buffer.from(IngestRequest.encode({ batchId: i + 1, events: c.events }).finish());
          expected = c.expect;
          kind = "batch";
        } else if (choice < 8) {
          const c = batchCase(rng, now, 20, 0.3);
          bytes = mutate(rng, IngestRequest.encode({ batchId: i + 1, events: c.events }).finish());
          kind = "mutated";
        } else if (choice < 9) {
          bytes = randomBytes(rng, rng.int(512));
          kind = "random";
        } else if (rng.chance(0.5)) {
          const events = Array.from({ length: MAX_BATCH + 1 + rng.int(50) }, () =>
            goodEvent(rng, now),
          );
          bytes = Buffer.from(IngestRequest.encode({ batchId: i + 1, events }).finish());
          expected = events.map(() => "BATCH_TOO_LARGE");
          kind = "too-many";
        } else {
          const events = [{ ...goodEvent(rng, now), source: "s".repeat(200) }];
          while (events.length < 400) events.push(events[0] as (typeof events)[0]);
          bytes = Buffer.from(IngestRequest.encode({ batchId: i + 1, events }).finish());
          expect(bytes.length).toBeGreaterThan(MAX_MESSAGE_BYTES);
          expected = events.map(() => "MESSAGE_TOO_LARGE");
          kind = "too-big";
        }
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        // Sent without waiting: the server's flow control paces the stream.
        sent.push({ bytes, expected, answer: stream.send(bytes) });
      }
      for (const { bytes, expected, answer } of sent) {
        const res = await answer;
        if (res instanceof Error) throw res;
        tally.payloads++;
        let decoded: IngestRequest | undefined;
        try {
          decoded = IngestRequest.decode(bytes);
        } catch {
          decoded = undefined;
        }
        if (decoded === undefined) {
          expect(res.rejections.map((r) => r.code)).toEqual(["MALFORMED"]);
          expect(res.accepted).toBe(0);
          row("MALFORMED");
          continue;
        }
        // Every event of a decodable batch is accounted for.
        expect(res.accepted + res.rejections.length + res.duplicates).toBe(decoded.events.length);
        for (const r of res.rejections) expect(r.reason.length).toBeGreaterThan(8);
        if (expected !== undefined) {
          const got = Array.from({ length: decoded.events.length }, () => "");
          for (const r of res.rejections) got[r.index] = r.code;
          expect(got).toEqual(expected);
        }
        tally.accepted += res.accepted;
        const codes = res.rejections.map((r) => r.code);
        if (codes.length > 0 && BATCH_LEVEL.has(codes[0] as string)) row(codes[0] as string);
        else for (const c of codes) row(c);
      }
      await stream.end();
    };
    // Several streams at once: the server sees interleaved traffic.
    await Promise.all(Array.from({ length: STREAMS }, (_, s) => run(s)));
    client.close();
    expect(tally.payloads).toBe(STREAMS * PER_STREAM);
    for (const k of ["batch", "mutated", "random", "too-many", "too-big"])
      expect(kinds.get(k) ?? 0).toBeGreaterThan(20);
    for (const code of ["MALFORMED", "INVALID_VALUE", "UNKNOWN_KIND", "UNKNOWN_INCIDENT"])
      expect(tally.rows.get(code) ?? 0).toBeGreaterThan(10);

    await rt.sink.flush();
    // The core's own rows (accepted events behind the watermark, stored and
    // recorded as LATE_EVENT) are not answers to the sender.
    const stored = await rt.sink.conn.query<{ code: string; n: string }>(
      "SELECT code, count() AS n FROM rejected_events WHERE front_end = 'grpc' GROUP BY code ORDER BY code",
    );
    expect(Object.fromEntries(stored.map((r) => [r.code, Number(r.n)]))).toEqual(
      Object.fromEntries([...tally.rows].sort()),
    );
    const events = await rt.sink.conn.query<{ n: string }>("SELECT count() AS n FROM events");
    expect(Number(events[0]?.n)).toBe(tally.accepted);
    const late = await rt.sink.conn.query<{ n: string }>(
      "SELECT count() AS n FROM rejected_events WHERE front_end != 'grpc'",
    );
    expect(Number(late[0]?.n)).toBeLessThanOrEqual(tally.accepted);

    // The server is still up and serving.
    const typed = new ImpactdClient(rt.grpc.address);
    expect((await typed.getTopology()).services.length).toBeGreaterThan(0);
    typed.close();
  });

  it("cuts off a message over the transport cap with RESOURCE_EXHAUSTED and keeps serving", async () => {
    const typed = new ImpactdClient(rt.grpc.address);
    const huge = Array.from({ length: 2_000 }, () => ({
      ...goodEvent(fuzzRng(1), Date.now()),
      source: "s".repeat(200),
    }));
    const stream = typed.ingest();
    const err = (await stream.send(huge).catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    const ok = await typed.ingest().send([goodEvent(fuzzRng(2), Date.now())]);
    expect(ok.accepted).toBe(1);
    typed.close();
  });
});
