// TableWriter batches rows for one table: many small writes become few large
// INSERTs (ClickHouse wants thousands of rows per insert, not one), sealed by
// row count, estimated bytes or time. Failed INSERTs are retried with backoff
// when the error says a retry can help; rows the engine refuses for their
// content are isolated by splitting the batch and handed to `onRejected`
// (rejected_events), never retried as they are. Memory stays bounded in rows
// and in bytes because a full buffer makes writers wait: backpressure reaches
// the front ends instead of the heap growing.
import { ImpactdError } from "../errors.js";
import type { SinkConnection } from "./connection.js";
import { isDataError, SinkError } from "./errors.js";
import {
  backoffDelay,
  parseOptions,
  type Settings,
  type TableWriterOptions,
} from "./writer-options.js";

export {
  backoffDelay,
  DEFAULT_CONCURRENCY,
  DEFAULT_LINGER_MS,
  DEFAULT_MAX_BATCH_BYTES,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_BUFFERED_ROWS,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MAX_ROWS,
  DEFAULT_RETRY_BASE_MS,
  DEFAULT_RETRY_JITTER,
  DEFAULT_RETRY_MAX_MS,
  DEFAULT_ROW_BYTES,
  type TableWriterOptions,
} from "./writer-options.js";

/** TableWriterStats are a TableWriter's counters, for metrics. */
export interface TableWriterStats {
  /** Rows written successfully. */
  readonly rowsWritten: number;
  /** Successful INSERTs. */
  readonly flushes: number;
  /** Failed attempts that were retried. */
  readonly retries: number;
  /** Batches (or parts of batches) that failed for good. */
  readonly failures: number;
  /** Rows in batches that failed for good. */
  readonly failedRows: number;
  /** Rows the engine refused for their content, handed to onRejected. */
  readonly rejectedRows: number;
  /** Rows accepted and not yet written or failed (buffer depth). */
  readonly buffered: number;
  /** Estimated bytes of the buffered rows. */
  readonly bufferedBytes: number;
  /** Writes waiting for room in the buffer (backpressure). */
  readonly waiting: number;
  /** Age in ms of the oldest row not yet written (sink lag); 0 when nothing is pending. */
  readonly lagMs: number;
  /** The last error seen, if any: its ClickHouse code (or "" when none) and message. */
  readonly lastError: { readonly code: string; readonly message: string } | undefined;
}

interface Batch<R> {
  rows: R[];
  bytes: number;
  readonly createdAt: number;
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (err: SinkError) => void;
}

const noop = () => {};

/** TableWriter buffers rows for one table and writes them in batches. */
export class TableWriter<R extends Record<string, unknown>> {
  private readonly settings: Settings<R>;
  private current: Batch<R> | undefined;
  // Sealed batches waiting for an INSERT slot, in write order.
  private readonly queue: Batch<R>[] = [];
  private readonly active = new Set<Batch<R>>();
  private timer: NodeJS.Timeout | undefined;
  private lingerExpired = false;
  private buffered = 0;
  private bufferedBytes = 0;
  private readonly waiters: { n: number; bytes: number; go: () => void }[] = [];
  private activeWrites = 0;
  private closing: Promise<void> | undefined;
  private lastError: TableWriterStats["lastError"];
  private counters = {
    rowsWritten: 0,
    flushes: 0,
    retries: 0,
    failures: 0,
    failedRows: 0,
    rejectedRows: 0,
  };

  constructor(
    private readonly conn: SinkConnection,
    /** The table this writer inserts into. */
    readonly table: string,
    options: TableWriterOptions<R> = {},
  ) {
    this.settings = parseOptions(options);
  }

  /**
   * write buffers `rows` and resolves once all of them are written (or, for
   * rows the engine refused, stored by onRejected); it rejects with a
   * SinkError if a batch holding some of them failed for good (rows of the
   * same call in other batches may have been written). It first waits for
   * room while the buffer is full.
   */
  async write(rows: readonly R[]): Promise<void> {
    if (this.closing !== undefined) throw new SinkError(`writer for ${this.table} is closed`);
    if (rows.length === 0) return;
    this.activeWrites++;
    try {
      const parts: Promise<void>[] = [];
      const { maxRows, maxBatchBytes, rowBytes } = this.settings;
      for (let i = 0; i < rows.length; ) {
        // One chunk: at most a batch's worth of rows and bytes, at least one row.
        const sizes: number[] = [];
        let bytes = 0;
        while (i + sizes.length < rows.length && sizes.length < maxRows) {
          const b = rowBytes(rows[i + sizes.length] as R);
          if (sizes.length > 0 && bytes + b > maxBatchBytes) break;
          sizes.push(b);
          bytes += b;
        }
        // Prepared chunk by chunk, so the first batch is on its way to the
        // engine while the next is being prepared.
        const prepare = this.settings.prepare;
        if (prepare !== undefined) {
          prepare(i === 0 && sizes.length === rows.length ? rows : rows.slice(i, i + sizes.length));
        }
        // Queue behind earlier waiters so a stream of small writes cannot
        // starve a large one. With room, no await: the rows are buffered
        // before write() returns its promise (flush() right after sees them).
        if (this.waiters.length > 0 || !this.fits(sizes.length, bytes)) {
          await new Promise<void>((go) => this.waiters.push({ n: sizes.length, bytes, go }));
        } else {
          this.buffered += sizes.length;
          this.bufferedBytes += bytes;
        }
        this.append(rows, i, sizes, parts);
        i += sizes.length;
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
    let oldest = Number.POSITIVE_INFINITY;
    for (const b of this.active) oldest = Math.min(oldest, b.createdAt);
    for (const b of this.queue) oldest = Math.min(oldest, b.createdAt);
    if (this.current !== undefined) oldest = Math.min(oldest, this.current.createdAt);
    return {
      ...this.counters,
      buffered: this.buffered,
      bufferedBytes: this.bufferedBytes,
      waiting: this.waiters.length,
      lagMs: oldest === Number.POSITIVE_INFINITY ? 0 : Math.max(0, Date.now() - oldest),
      lastError: this.lastError,
    };
  }

  private fits(n: number, bytes: number): boolean {
    const s = this.settings;
    return (
      this.buffered + n <= s.maxBufferedRows &&
      (this.bufferedBytes === 0 || this.bufferedBytes + bytes <= s.maxBufferedBytes)
    );
  }

  private append(rows: readonly R[], from: number, sizes: number[], parts: Promise<void>[]): void {
    const { maxRows, maxBatchBytes } = this.settings;
    const to = from + sizes.length;
    let i = from;
    while (i < to) {
      if (this.current === undefined) this.open();
      const batch = this.current as Batch<R>;
      for (; i < to && batch.rows.length < maxRows; i++) {
        const b = sizes[i - from] as number;
        if (batch.rows.length > 0 && batch.bytes + b > maxBatchBytes) break;
        batch.rows.push(rows[i] as R);
        batch.bytes += b;
      }
      parts.push(batch.done);
      if (i < to || batch.rows.length >= maxRows || batch.bytes >= maxBatchBytes) this.seal();
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
    this.current = { rows: [], bytes: 0, createdAt: Date.now(), done, resolve, reject };
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
      const { length: n } = batch.rows;
      const { bytes } = batch;
      void this.insertRows(batch.rows)
        .then(batch.resolve, batch.reject)
        .then(() => {
          batch.rows = [];
          this.active.delete(batch);
          this.buffered -= n;
          this.bufferedBytes -= bytes;
          this.wake();
          this.pump();
        });
    }
  }

  // Writes rows, retrying transient failures; on a data error with
  // onRejected set, splits them until the bad rows are alone.
  private async insertRows(rows: R[]): Promise<void> {
    const n = rows.length;
    const s = this.settings;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.conn.insert(this.table, rows);
        this.counters.rowsWritten += n;
        this.counters.flushes++;
        return;
      } catch (err) {
        const e = asSinkError(err, this.table);
        this.lastError = { code: e.clickhouseCode?.toString() ?? "", message: e.message };
        if (s.onRejected !== undefined && isDataError(e)) {
          s.onError?.(e, attempt + 1, false);
          if (n === 1) {
            await s.onRejected(rows, e);
            this.counters.rejectedRows++;
            return;
          }
          const mid = n >> 1;
          await this.insertRows(rows.slice(0, mid));
          await this.insertRows(rows.slice(mid));
          return;
        }
        const retry = e.retryable && attempt < s.maxRetries;
        s.onError?.(e, attempt + 1, retry);
        if (!retry) {
          this.counters.failures++;
          this.counters.failedRows += n;
          throw e;
        }
        this.counters.retries++;
        await new Promise((r) => setTimeout(r, backoffDelay(attempt, s)));
      }
    }
  }

  private wake(): void {
    for (;;) {
      const w = this.waiters[0];
      if (w === undefined || !this.fits(w.n, w.bytes)) return;
      this.waiters.shift();
      // Reserve the room now: the waiter appends a microtask later.
      this.buffered += w.n;
      this.bufferedBytes += w.bytes;
      w.go();
    }
  }
}

// Only errors that say so are retried: an unknown error is a bug, and
// retrying a bug forever would stall the table.
function asSinkError(err: unknown, table: string): SinkError {
  if (err instanceof SinkError) return err;
  const retryable = err instanceof ImpactdError && err.retryable;
  const message = err instanceof Error ? err.message : String(err);
  return new SinkError(`insert into ${table}: ${message}`, { cause: err, retryable });
}
