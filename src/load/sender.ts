// A Sender carries batches of generated events to one target over one
// protocol. Encoding is split from sending so that benchmarks can encode
// every batch before the clock starts and time the server alone.
import { ImpactdError } from "../errors.js";
import type { Event } from "../gen/impactd/v1/event.js";

/** VIAS are the protocols `impactd load` can send over. */
export const VIAS = ["grpc", "otlp", "nats", "alertmanager"] as const;

/** Via is one protocol of VIAS. */
export type Via = (typeof VIAS)[number];

/** Ack is what the target said about one batch. */
export interface Ack {
  /** Events the target accepted (for NATS: stored in the stream). */
  accepted: number;
  /** Events the target refused (each with a stored reason on impactd). */
  rejected: number;
  /** Events the target had already accepted (same id). */
  duplicates: number;
  /** Attempts answered "overloaded, retry later" before this ack. */
  retries: number;
}

/** Prepared is one encoded batch. */
export interface Prepared<P> {
  /** Events (or alerts) the batch carries. */
  readonly count: number;
  /** Sequence number of its first event in the workload. */
  readonly firstSeq: number;
  readonly payload: P;
}

/** Sender sends prepared batches; one Sender per producer. */
export interface Sender<P = unknown> {
  readonly via: Via;
  /** prepare encodes a batch; `firstSeq` is its first event's sequence number. */
  prepare(events: readonly Event[], firstSeq: number): Prepared<P>;
  /** send delivers one batch and resolves with its ack. */
  send(batch: Prepared<P>): Promise<Ack>;
  /** close ends the connection after outstanding batches. */
  close(): Promise<void>;
}

/** LoadTargetError reports a target that cannot be reached or refuses the protocol. */
export class LoadTargetError extends ImpactdError {
  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super("LOAD_TARGET", message, options);
  }
}

/** DEFAULT_MAX_RETRIES is how often an overloaded answer is retried before the batch counts as failed. */
export const DEFAULT_MAX_RETRIES = 20;
/** DEFAULT_RETRY_DELAY_MS is the wait before retrying when the target names none. */
export const DEFAULT_RETRY_DELAY_MS = 200;

/** sleep waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
