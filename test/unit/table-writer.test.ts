// TableWriter against a fake SinkConnection: batching by size and time,
// backpressure, retry of transient failures only, close.
import { afterEach, describe, expect, test, vi } from "vitest";
import { InvalidArgumentError } from "../../src/errors.js";
import type { SinkConnection } from "../../src/sinks/connection.js";
import { modernDialect } from "../../src/sinks/dialect.js";
import { SinkDataError, SinkError } from "../../src/sinks/errors.js";
import { backoffDelay, TableWriter } from "../../src/sinks/writer.js";

type Row = { id: number };

/** FakeConn records inserts; `fail` decides per attempt, `gate` holds inserts open. */
class FakeConn implements SinkConnection {
  readonly kind = "chdb" as const;
  readonly dialect = modernDialect("26.7");
  readonly database = "default";
  readonly inserts: number[][] = [];
  attempts = 0;
  fail: (attempt: number) => Error | undefined = () => undefined;
  gate: Promise<void> | undefined;

  async command(): Promise<void> {}
  async query<T>(): Promise<T[]> {
    return [];
  }
  async close(): Promise<void> {}
  insert = async (_table: string, rows: readonly Record<string, unknown>[]): Promise<void> => {
    const attempt = ++this.attempts;
    await this.gate;
    const err = this.fail(attempt);
    if (err !== undefined) throw err;
    this.inserts.push(rows.map((r) => r.id as number));
  };
}

const rows = (from: number, n: number): Row[] =>
  Array.from({ length: n }, (_, i) => ({ id: from + i }));
const transient = () => new SinkError("MEMORY_LIMIT_EXCEEDED", { retryable: true });
const permanent = () => new SinkError("Code: 62. Syntax error", { retryable: false });
const tick = () => new Promise((r) => setImmediate(r));

afterEach(() => {
  vi.useRealTimers();
});

describe("batching", () => {
  test("flushes by size at once and keeps the remainder for the linger time", async () => {
    const conn = new FakeConn();
    const w = new TableWriter<Row>(conn, "t", { maxRows: 3, lingerMs: 60_000, concurrency: 1 });
    const first = w.write(rows(0, 7));
    await tick();
    await tick();
    expect(conn.inserts).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(w.stats().buffered).toBe(1);
    await w.flush();
    await first;
    expect(conn.inserts[2]).toEqual([6]);
    expect(w.stats()).toMatchObject({ rowsWritten: 7, flushes: 3, buffered: 0 });
  });

  test("flushes by time: nothing before lingerMs, everything at lingerMs", async () => {
    vi.useFakeTimers();
    const conn = new FakeConn();
    const w = new TableWriter<Row>(conn, "t", { maxRows: 1000, lingerMs: 50 });
    const done = Promise.all([w.write(rows(0, 2)), w.write(rows(2, 1))]);
    await vi.advanceTimersByTimeAsync(49);
    expect(conn.inserts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(conn.inserts).toEqual([[0, 1, 2]]);
  });

  test("a write larger than maxRows is split and resolves when every part is written", async () => {
    const conn = new FakeConn();
    const w = new TableWriter<Row>(conn, "t", { maxRows: 4, lingerMs: 1 });
    await w.write(rows(0, 10));
    expect(conn.inserts.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(conn.inserts.flat()).toEqual(rows(0, 10).map((r) => r.id));
  });

  test("while every INSERT slot is busy the next batch keeps growing", async () => {
    const conn = new FakeConn();
    let release = () => {};
    conn.gate = new Promise((r) => {
      release = r;
    });
    const w = new TableWriter<Row>(conn, "t", { maxRows: 100, lingerMs: 1, concurrency: 1 });
    const a = w.write(rows(0, 1));
    await new Promise((r) => setTimeout(r, 5));
    const b = w.write(rows(1, 1));
    await new Promise((r) => setTimeout(r, 5));
    const c = w.write(rows(2, 1));
    await new Promise((r) => setTimeout(r, 5));
    release();
    await Promise.all([a, b, c]);
    expect(conn.inserts).toEqual([[0], [1, 2]]);
  });
});

describe("backpressure", () => {
  test("writers wait for room instead of growing the buffer", async () => {
    const conn = new FakeConn();
    let release = () => {};
    conn.gate = new Promise((r) => {
      release = r;
    });
    const w = new TableWriter<Row>(conn, "t", {
      maxRows: 2,
      maxBufferedRows: 4,
      lingerMs: 1,
      concurrency: 1,
    });
    const writes = [w.write(rows(0, 2)), w.write(rows(2, 2))];
    await tick();
    expect(w.stats()).toMatchObject({ buffered: 4, waiting: 0 });
    let thirdDone = false;
    writes.push(
      w.write(rows(4, 2)).then(() => {
        thirdDone = true;
      }),
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(w.stats()).toMatchObject({ buffered: 4, waiting: 1 });
    expect(thirdDone).toBe(false);
    release();
    await Promise.all(writes);
    expect(conn.inserts).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(w.stats()).toMatchObject({ buffered: 0, waiting: 0, rowsWritten: 6 });
  });
});

describe("retries", () => {
  test("a transient failure is retried with backoff until it succeeds", async () => {
    const conn = new FakeConn();
    conn.fail = (n) => (n <= 2 ? transient() : undefined);
    const seen: [number, boolean][] = [];
    const w = new TableWriter<Row>(conn, "t", {
      lingerMs: 1,
      retryBaseMs: 1,
      jitter: 0,
      onError: (_e, attempt, willRetry) => seen.push([attempt, willRetry]),
    });
    await w.write(rows(0, 3));
    expect(conn.attempts).toBe(3);
    expect(conn.inserts).toEqual([[0, 1, 2]]);
    expect(seen).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(w.stats()).toMatchObject({ retries: 2, failures: 0, rowsWritten: 3 });
  });

  test("a permanent failure is not retried and rejects the write", async () => {
    const conn = new FakeConn();
    conn.fail = () => permanent();
    const w = new TableWriter<Row>(conn, "t", { lingerMs: 1 });
    await expect(w.write(rows(0, 2))).rejects.toThrow(/Syntax error/);
    expect(conn.attempts).toBe(1);
    expect(w.stats()).toMatchObject({ retries: 0, failures: 1, failedRows: 2, buffered: 0 });
  });

  test("an error that does not say it is retryable is not retried", async () => {
    const conn = new FakeConn();
    conn.fail = () => new TypeError("bug");
    const w = new TableWriter<Row>(conn, "t", { lingerMs: 1 });
    const err = await w.write(rows(0, 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SinkError);
    expect(err).toMatchObject({ retryable: false, message: "insert into t: bug" });
    expect(conn.attempts).toBe(1);
  });

  test("maxRetries bounds the attempts", async () => {
    const conn = new FakeConn();
    conn.fail = () => transient();
    const w = new TableWriter<Row>(conn, "t", { lingerMs: 1, retryBaseMs: 1, maxRetries: 2 });
    await expect(w.write(rows(0, 1))).rejects.toBeInstanceOf(SinkError);
    expect(conn.attempts).toBe(3);
    expect(w.stats()).toMatchObject({ retries: 2, failures: 1 });
  });

  test("backoff doubles from the base up to the cap", () => {
    const s = { retryBaseMs: 100, retryMaxMs: 5000, jitter: 0 };
    expect([0, 1, 2, 3, 4, 5, 6, 50].map((a) => backoffDelay(a, s))).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000, 5000,
    ]);
    const jittered = backoffDelay(3, { ...s, jitter: 0.2 });
    expect(jittered).toBeGreaterThan(800 * 0.8 - 1e-9);
    expect(jittered).toBeLessThanOrEqual(800);
  });

  test("a failed batch does not stop later ones", async () => {
    const conn = new FakeConn();
    conn.fail = (n) => (n === 1 ? permanent() : undefined);
    const w = new TableWriter<Row>(conn, "t", { maxRows: 2, lingerMs: 1, concurrency: 1 });
    const results = await Promise.allSettled([w.write(rows(0, 2)), w.write(rows(2, 2))]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled"]);
    expect(conn.inserts).toEqual([[2, 3]]);
  });
});

describe("lifecycle", () => {
  test("close writes what was accepted, then refuses new writes", async () => {
    const conn = new FakeConn();
    const w = new TableWriter<Row>(conn, "t", { lingerMs: 60_000 });
    const pending = w.write(rows(0, 3));
    await w.close();
    await pending;
    expect(conn.inserts).toEqual([[0, 1, 2]]);
    await expect(w.write(rows(3, 1))).rejects.toThrow(/closed/);
    await expect(w.close()).resolves.toBeUndefined();
  });

  test("flush rejects when a flushed batch failed", async () => {
    const conn = new FakeConn();
    conn.fail = () => permanent();
    const w = new TableWriter<Row>(conn, "t", { lingerMs: 60_000 });
    const pending = w.write(rows(0, 1)).catch((e: unknown) => e);
    await expect(w.flush()).rejects.toBeInstanceOf(SinkError);
    expect(await pending).toBeInstanceOf(SinkError);
  });

  test("bad options are InvalidArgumentError naming the option", () => {
    const conn = new FakeConn();
    expect(() => new TableWriter(conn, "t", { maxRows: 0 })).toThrow(InvalidArgumentError);
    expect(() => new TableWriter(conn, "t", { maxRows: 10, maxBufferedRows: 5 })).toThrow(
      /maxBufferedRows/,
    );
    expect(() => new TableWriter(conn, "t", { jitter: 2 })).toThrow(/jitter/);
    expect(() => new TableWriter(conn, "t", { lingerMs: -1 })).toThrow(/lingerMs/);
  });
});

describe("bytes, lag and refused rows", () => {
  test("a batch is sealed by estimated bytes, and writers wait when the bytes bound is reached", async () => {
    const conn = new FakeConn();
    let release = () => {};
    conn.gate = new Promise((r) => {
      release = r;
    });
    const w = new TableWriter<Row>(conn, "t", {
      maxRows: 1000,
      maxBatchBytes: 300,
      maxBufferedBytes: 600,
      rowBytes: () => 100,
      lingerMs: 1,
      concurrency: 1,
    });
    const first = w.write(rows(0, 6));
    await tick();
    expect(w.stats()).toMatchObject({ buffered: 6, bufferedBytes: 600, waiting: 0 });
    let secondDone = false;
    const second = w.write(rows(6, 1)).then(() => {
      secondDone = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(w.stats()).toMatchObject({ waiting: 1, bufferedBytes: 600 });
    expect(secondDone).toBe(false);
    release();
    await Promise.all([first, second]);
    expect(conn.inserts).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(w.stats()).toMatchObject({ buffered: 0, bufferedBytes: 0, lagMs: 0 });
  });

  test("a row larger than every bound still goes through on its own", async () => {
    const conn = new FakeConn();
    const w = new TableWriter<Row>(conn, "t", {
      maxBatchBytes: 1024,
      maxBufferedBytes: 2048,
      rowBytes: (r) => (r.id === 1 ? 10_000 : 10),
      lingerMs: 1,
    });
    await w.write(rows(0, 3));
    expect(conn.inserts).toEqual([[0], [1], [2]]);
  });

  test("lag is the age of the oldest unwritten row", async () => {
    vi.useFakeTimers();
    const conn = new FakeConn();
    const w = new TableWriter<Row>(conn, "t", { lingerMs: 1_000 });
    const p = w.write(rows(0, 1));
    await vi.advanceTimersByTimeAsync(400);
    expect(w.stats().lagMs).toBe(400);
    await vi.advanceTimersByTimeAsync(600);
    await p;
    expect(w.stats().lagMs).toBe(0);
  });

  test("rows refused for their content are isolated and handed over; the rest are written", async () => {
    const conn = new FakeConn();
    conn.fail = () => undefined;
    const bad = new Set([3, 6]);
    conn.insert = async (_t, rs) => {
      conn.attempts++;
      if (rs.some((r) => bad.has(r.id as number))) {
        throw new SinkDataError("Code: 27. Cannot parse input", { clickhouseCode: 27 });
      }
      conn.inserts.push(rs.map((r) => r.id as number));
    };
    const refused: number[] = [];
    const w = new TableWriter<Row>(conn, "t", {
      lingerMs: 1,
      prepare: (rs) => {
        for (const r of rs) r.id += 0;
      },
      onRejected: async (rs, err) => {
        expect(err.clickhouseCode).toBe(27);
        refused.push(...rs.map((r) => r.id));
      },
    });
    await w.write(rows(0, 8));
    expect(refused.sort()).toEqual([3, 6]);
    expect(conn.inserts.flat().sort()).toEqual([0, 1, 2, 4, 5, 7]);
    expect(w.stats()).toMatchObject({ rowsWritten: 6, rejectedRows: 2, failures: 0 });
    expect(w.stats().lastError).toMatchObject({ code: "27" });
  });

  test("without onRejected a data error fails the batch as before", async () => {
    const conn = new FakeConn();
    conn.fail = () => new SinkDataError("bad row", { clickhouseCode: 27 });
    const w = new TableWriter<Row>(conn, "t", { lingerMs: 1 });
    await expect(w.write(rows(0, 2))).rejects.toThrow(/bad row/);
    expect(conn.attempts).toBe(1);
  });

  test("prepare sees every written row before it is buffered", async () => {
    const conn = new FakeConn();
    const seen: number[] = [];
    const w = new TableWriter<Row>(conn, "t", {
      lingerMs: 1,
      prepare: (rs) => seen.push(...rs.map((r) => r.id)),
    });
    await w.write(rows(0, 3));
    expect(seen).toEqual([0, 1, 2]);
  });
});
