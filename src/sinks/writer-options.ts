// TableWriter's options, their defaults and their validation in one place.
import { InvalidArgumentError } from "../errors.js";
import type { SinkError } from "./errors.js";

/**
 * DEFAULT_MAX_ROWS is the batch size that triggers a flush. Each INSERT
 * writes a part, and parts cost the engine a fixed ~10-40 ms of CPU plus
 * merges: on the 2-core reference machine an events row cost ~6 µs of CPU
 * in 10k-row INSERTs and ~1.5 µs in 100k-row ones (bench suite sinks). At
 * low rates the linger time seals batches long before this.
 */
export const DEFAULT_MAX_ROWS = 100_000;
/** DEFAULT_MAX_BATCH_BYTES seals a batch once its rows are estimated this large. */
export const DEFAULT_MAX_BATCH_BYTES = 16 * 2 ** 20;
/** DEFAULT_LINGER_MS is how long the first buffered row waits for company before a flush. */
export const DEFAULT_LINGER_MS = 50;
/** DEFAULT_MAX_BUFFERED_ROWS bounds rows held in memory (buffered plus in flight). */
export const DEFAULT_MAX_BUFFERED_ROWS = 4 * DEFAULT_MAX_ROWS;
/** DEFAULT_MAX_BUFFERED_BYTES bounds the estimated bytes held in memory (buffered plus in flight). */
export const DEFAULT_MAX_BUFFERED_BYTES = 4 * DEFAULT_MAX_BATCH_BYTES;
/** DEFAULT_ROW_BYTES is the size estimate of a row when the table gives no estimator. */
export const DEFAULT_ROW_BYTES = 256;
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
export interface TableWriterOptions<R = Record<string, unknown>> {
  /** Flush once this many rows are buffered. @default DEFAULT_MAX_ROWS */
  maxRows?: number;
  /** Flush once the buffered rows are estimated this many bytes. @default DEFAULT_MAX_BATCH_BYTES */
  maxBatchBytes?: number;
  /** Flush this long after the first row of a batch arrived. @default DEFAULT_LINGER_MS */
  lingerMs?: number;
  /** Writers wait while this many rows are buffered or in flight. @default DEFAULT_MAX_BUFFERED_ROWS */
  maxBufferedRows?: number;
  /** Writers wait while this many estimated bytes are buffered or in flight. @default DEFAULT_MAX_BUFFERED_BYTES */
  maxBufferedBytes?: number;
  /** Size estimate of one row in bytes (cheap: called once per row). @default () => DEFAULT_ROW_BYTES */
  rowBytes?: (row: R) => number;
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
  /**
   * Called before buffering on the rows of each write() call, a batch's
   * worth at a time (e.g. to fill ids), in order.
   */
  prepare?: (rows: readonly R[]) => void;
  /**
   * Where rows the engine refuses for their content go (e.g. rejected_events).
   * With it, a batch failing with a data error is split until the bad rows
   * are isolated, and only those are handed here; without it the batch fails.
   */
  onRejected?: (rows: readonly R[], err: SinkError) => Promise<void>;
  /** Called after each failed attempt, e.g. to log it. */
  onError?: (err: SinkError, attempt: number, willRetry: boolean) => void;
}

/** Settings are TableWriterOptions with every default applied. */
export type Settings<R> = Required<
  Omit<TableWriterOptions<R>, "onError" | "onRejected" | "prepare">
> &
  Pick<TableWriterOptions<R>, "onError" | "onRejected" | "prepare">;

/** parseOptions applies defaults and validates; throws InvalidArgumentError naming the option. */
export function parseOptions<R>(o: TableWriterOptions<R>): Settings<R> {
  const maxRows = o.maxRows ?? DEFAULT_MAX_ROWS;
  const maxBatchBytes = o.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  const s: Settings<R> = {
    maxRows,
    maxBatchBytes,
    lingerMs: o.lingerMs ?? DEFAULT_LINGER_MS,
    maxBufferedRows: o.maxBufferedRows ?? Math.max(DEFAULT_MAX_BUFFERED_ROWS, maxRows),
    maxBufferedBytes: o.maxBufferedBytes ?? Math.max(DEFAULT_MAX_BUFFERED_BYTES, maxBatchBytes),
    rowBytes: o.rowBytes ?? (() => DEFAULT_ROW_BYTES),
    concurrency: o.concurrency ?? DEFAULT_CONCURRENCY,
    retryBaseMs: o.retryBaseMs ?? DEFAULT_RETRY_BASE_MS,
    retryMaxMs: o.retryMaxMs ?? DEFAULT_RETRY_MAX_MS,
    maxRetries: o.maxRetries ?? DEFAULT_MAX_RETRIES,
    jitter: o.jitter ?? DEFAULT_RETRY_JITTER,
    prepare: o.prepare,
    onRejected: o.onRejected,
    onError: o.onError,
  };
  for (const key of [
    "maxRows",
    "maxBatchBytes",
    "maxBufferedRows",
    "maxBufferedBytes",
    "concurrency",
  ] as const) {
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
  if (s.maxBufferedBytes < s.maxBatchBytes) {
    throw new InvalidArgumentError(
      `TableWriter maxBufferedBytes (${s.maxBufferedBytes}) must be at least maxBatchBytes (${s.maxBatchBytes})`,
    );
  }
  if (!(s.jitter >= 0 && s.jitter <= 1)) {
    throw new InvalidArgumentError(`TableWriter jitter must be between 0 and 1, got ${s.jitter}`);
  }
  return s;
}

/** backoffDelay is the wait before retry number `attempt + 1`: exponential, capped, jittered. */
export function backoffDelay(
  attempt: number,
  s: { retryBaseMs: number; retryMaxMs: number; jitter: number },
): number {
  const nominal = Math.min(s.retryMaxMs, s.retryBaseMs * 2 ** Math.min(attempt, 30));
  return nominal * (1 - s.jitter * Math.random());
}
