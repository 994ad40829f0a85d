// TableWriter batches rows for one table: many small writes become few large
// INSERTs (ClickHouse wants thousands of rows per insert, not one), failed
// INSERTs are retried with backoff when the error says a retry can help, and
// memory stays bounded because a full buffer makes writers wait (backpressure
// reaches the front ends instead of the heap growing).
import { ImpactdError, InvalidArgumentError } from "../errors.js";
import type { SinkConnection } from "./connection.js";
import { SinkError } from "./errors.js";

/** DEFAULT_MAX_ROWS is the batch size that triggers a flush. */
export const DEFAULT_MAX_ROWS = 50_000;
/** DEFAULT_LINGER_MS is how long the first buffered row waits for company before a flush. */
export const DEFAULT_LINGER_MS = 50;
/** DEFAULT_MAX_BUFFERED_ROWS bounds rows held in memory (buffered plus in flight). */
export const DEFAULT_MAX_BUFFERED_ROWS = 4 * DEFAULT_MAX_ROWS;
/** DEFAULT_RETRY_BASE_MS is the first retry delay; it doubles per attempt. */
export const DEFAULT_RETRY_BASE_MS = 100;
/** DEFAULT_RETRY_MAX_MS caps the retry delay. */
export const DEFAULT_RETRY_MAX_MS = 5_000;
/** DEFAULT_MAX_RETRIES is unlimited: a sink that comes back loses nothing (as Vector's default). */
export const DEFAULT_MAX_RETRIES = Number.POSITIVE_INFINITY;
/**
 * DEFAULT_CONCURRENCY is how many INSERTs may be in flight: with two, the next
 * batch is encoded on the event loop while the engine parses the previous one
 * (10-20% more rows/s than one at a time on the 2-core reference machine).
 */
export const DEFAULT_CONCURRENCY = 2;
/** DEFAULT_RETRY_JITTER shortens each delay by up to this fraction so instances do not retry in step. */
export const DEFAULT_RETRY_JITTER = 0.2;

/** TableWriterOptions tunes a TableWriter; every field is optional. */
export interface TableWriterOptions {
  /** Flush once this many rows are buffered. @default DEFAULT_MAX_ROWS */
  maxRows?: number;
  /** Flush this long after the first row of a batch arrived. @default DEFAULT_LINGER_MS */
  lingerMs?: number;
  /** Writers wait while this many rows are buffered or in flight. @default DEFAULT_MAX_BUFFERED_ROWS */
  maxBufferedRows?: number;
  /** INSERTs in flight at once; batches may then land out of order. @default DEFAULT_CONCURRENCY */
  concurrency?: number;
  /** First retry delay in ms. @default DEFAULT_RETRY_BASE_MS */
  retryBaseMs?: number;
  /** Longest retry delay in ms. @default DEFAULT_RETRY_MAX_MS */
  retryMaxMs?: number;
  /** Retries per batch before it fails. @default DEFAULT_MAX_RETRIES */
  maxRetries?: number;
  /** Fraction (0-1) of each delay that is randomised. @default DEFAULT_RETRY_JITTER */
  jitter?: number;
  /** Called after each failed attempt, e.g. to log it. */
  onError?: (err: SinkError, attempt: number, willRetry: boolean) => void;
}

/** TableWriterStats are a TableWriter's counters, for metrics. */
export interface TableWriterStats {
  /** Rows written successfully. */
  readonly rowsWritten: number;
  /** Successful INSERTs. */
  readonly flushes: number;
  /** Failed attempts that were retried. */
  readonly retries: number;
  /** Batches that failed for good. */
  readonly failures: number;
  /** Rows in batches that failed for good. */
  readonly failedRows: number;
  /** Rows accepted and not yet written or failed (buffer depth). */
  readonly buffered: number;
  /** Writes waiting for room in the buffer (backpressure). */
  readonly waiting: number;
}

type Settings = Required<Omit<TableWriterOptions, "onError">> & Pick<TableWriterOptions, "onError">;

interface Batch<R> {
  rows: R[];
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (err: SinkError) => void;
}

const noop = () => {};

/** TableWriter buffers rows for one table and writes them in batches. */
export class TableWriter<R extends Record<string, unknown>> {
  private readonly settings: Settings;
  private current: Batch<R> | undefined;
  // Sealed batches waiting for an INSERT slot, in write order.
  private readonly queue: Batch<R>[] = [];
  private readonly active = new Set<Batch<R>>();
  private timer: NodeJS.Timeout | undefined;
  private lingerExpired = false;
  private buffered = 0;
  private readonly waiters: { n: number; go: () => void }[] = [];
  private activeWrites = 0;
  private closing: Promise<void> | undefined;
  private counters = { rowsWritten: 0, flushes: 0, retries: 0, failures: 0, failedRows: 0 };

  constructor(
    private readonly conn: SinkConnection,
    /** The table this writer inserts into. */
    readonly table: string,
    options: TableWriterOptions = {},
  ) {
    this.settings = parseOptions(options);
  }

  /**
   * write buffers `rows` and resolves once all of them are written; it rejects
   * with a SinkError if a batch holding some of them failed for good (rows of
   * the same call in other batches may have been written). It first waits for
   * room while the buffer is full.
   */
  async write(rows: readonly R[]): Promise<void> {
    if (this.closing !== undefined) throw new SinkError(`writer for ${this.table} is closed`);
    if (rows.length === 0) return;
    this.activeWrites++;
    try {
      const parts: Promise<void>[] = [];
      const { maxRows, maxBufferedRows } = this.settings;
      for (let i = 0; i < rows.length; i += maxRows) {
        const n = Math.min(maxRows, rows.length - i);
        // Queue behind earlier waiters so a stream of small writes cannot
        // starve a large one.
        if (this.waiters.length > 0 || this.buffered + n > maxBufferedRows) {
          await new Promise<void>((go) => this.waiters.push({ n, go }));
        } else {
          this.buffered += n;
        }
        this.append(rows, i, i + n, parts);
      }
      await Promise.all(parts);
    } finally {
      this.activeWrites--;
    }
  }

  /** flush writes everything buffered now and resolves when it is written; rejects if any of it failed. */
  async flush(): Promise<void> {
    if (this.current !== undefined) this.seal();
    const results = await Promise.allSettled([...this.active, ...this.queue].map((b) => b.done));
    const failed = results.find((r) => r.status === "rejected");
    if (failed !== undefined) throw failed.reason;
  }

  /** close stops new writes, waits for accepted ones to be written and flushes. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      let first: unknown;
      // Writers waiting for room were accepted before close: keep flushing
      // until they have all appended and been written.
      for (;;) {
        try {
          await this.flush();
        } catch (err) {
          first ??= err;
        }
        if (this.activeWrites === 0 && this.buffered === 0) break;
        await new Promise((r) => setImmediate(r));
      }
      clearTimeout(this.timer);
      if (first !== undefined) throw first;
    })();
    return this.closing;
  }

  /** stats returns a snapshot of the counters. */
  stats(): TableWriterStats {
    return { ...this.counters, buffered: this.buffered, waiting: this.waiters.length };
  }

  private append(rows: readonly R[], from: number, to: number, parts: Promise<void>[]): void {
    const { maxRows } = this.settings;
    let i = from;
    while (i < to) {
      if (this.current === undefined) this.open();
      const batch = this.current as Batch<R>;
      const end = Math.min(to, i + maxRows - batch.rows.length);
      for (; i < end; i++) batch.rows.push(rows[i] as R);
      parts.push(batch.done);
      if (batch.rows.length >= maxRows) this.seal();
    }
  }

  private open(): void {
    let resolve = noop;
    let reject: (err: SinkError) => void = noop;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Rejections reach callers through write()/flush(); a batch nobody awaits
    // must not become an unhandled rejection.
    done.catch(noop);
    this.current = { rows: [], done, resolve, reject };
    this.lingerExpired = false;
    this.timer = setTimeout(() => this.onLinger(), this.settings.lingerMs);
  }

  private onLinger(): void {
    this.timer = undefined;
    this.lingerExpired = true;
    // With every INSERT slot busy the batch keeps growing and is sealed when a
    // slot frees up: a slow sink gets fewer, larger INSERTs.
    if (this.active.size < this.settings.concurrency) this.seal();
  }

  private seal(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.current === undefined) return;
    this.queue.push(this.current);
    this.current = undefined;
    this.pump();
  }

  private pump(): void {
    while (this.active.size < this.settings.concurrency) {
      if (this.queue.length === 0 && this.current !== undefined && this.lingerExpired) {
        this.queue.push(this.current);
        this.current = undefined;
      }
      const batch = this.queue.shift();
      if (batch === undefined) return;
      this.active.add(batch);
      const n = batch.rows.length;
      void this.insert(batch).then(() => {
        batch.rows = [];
        this.active.delete(batch);
        this.buffered -= n;
        this.wake();
        this.pump();
      });
    }
  }

  // Never throws: settles the batch.
  private async insert(batch: Batch<R>): Promise<void> {
    const n = batch.rows.length;
    const s = this.settings;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.conn.insert(this.table, batch.rows);
        this.counters.rowsWritten += n;
        this.counters.flushes++;
        batch.resolve();
        return;
      } catch (err) {
        const e = asSinkError(err, this.table);
        const retry = e.retryable && attempt < s.maxRetries;
        s.onError?.(e, attempt + 1, retry);
        if (!retry) {
          this.counters.failures++;
          this.counters.failedRows += n;
          batch.reject(e);
          return;
        }
        this.counters.retries++;
        await new Promise((r) => setTimeout(r, backoffDelay(attempt, s)));
      }
    }
  }

  private wake(): void {
    const max = this.settings.maxBufferedRows;
    for (;;) {
      const w = this.waiters[0];
      if (w === undefined || this.buffered + w.n > max) return;
      this.waiters.shift();
      // Reserve the room now: the waiter appends a microtask later.
      this.buffered += w.n;
      w.go();
    }
  }
}

/** backoffDelay is the wait before retry number `attempt + 1`: exponential, capped, jittered. */
export function backoffDelay(
  attempt: number,
  s: Pick<Settings, "retryBaseMs" | "retryMaxMs" | "jitter">,
): number {
  const nominal = Math.min(s.retryMaxMs, s.retryBaseMs * 2 ** Math.min(attempt, 30));
  return nominal * (1 - s.jitter * Math.random());
}

// Only errors that say so are retried: an unknown error is a bug, and
// retrying a bug forever would stall the table.
function asSinkError(err: unknown, table: string): SinkError {
  if (err instanceof SinkError) return err;
  const retryable = err instanceof ImpactdError && err.retryable;
  const message = err instanceof Error ? err.message : String(err);
  return new SinkError(`insert into ${table}: ${message}`, { cause: err, retryable });
}

function parseOptions(o: TableWriterOptions): Settings {
  const s: Settings = {
    maxRows: o.maxRows ?? DEFAULT_MAX_ROWS,
    lingerMs: o.lingerMs ?? DEFAULT_LINGER_MS,
    maxBufferedRows: o.maxBufferedRows ?? Math.max(DEFAULT_MAX_BUFFERED_ROWS, o.maxRows ?? 0),
    concurrency: o.concurrency ?? DEFAULT_CONCURRENCY,
    retryBaseMs: o.retryBaseMs ?? DEFAULT_RETRY_BASE_MS,
    retryMaxMs: o.retryMaxMs ?? DEFAULT_RETRY_MAX_MS,
    maxRetries: o.maxRetries ?? DEFAULT_MAX_RETRIES,
    jitter: o.jitter ?? DEFAULT_RETRY_JITTER,
    onError: o.onError,
  };
  for (const key of ["maxRows", "maxBufferedRows", "concurrency"] as const) {
    if (!Number.isSafeInteger(s[key]) || s[key] < 1) {
      throw new InvalidArgumentError(
        `TableWriter ${key} must be a positive integer, got ${s[key]}`,
      );
    }
  }
  for (const key of ["lingerMs", "retryBaseMs", "retryMaxMs", "maxRetries"] as const) {
    if (Number.isNaN(s[key]) || s[key] < 0) {
      throw new InvalidArgumentError(`TableWriter ${key} must be >= 0, got ${s[key]}`);
    }
  }
  if (s.maxBufferedRows < s.maxRows) {
    throw new InvalidArgumentError(
      `TableWriter maxBufferedRows (${s.maxBufferedRows}) must be at least maxRows (${s.maxRows})`,
    );
  }
  if (!(s.jitter >= 0 && s.jitter <= 1)) {
    throw new InvalidArgumentError(`TableWriter jitter must be between 0 and 1, got ${s.jitter}`);
  }
  return s;
}
