// Per-client rate limits: one token bucket per client identity (token name,
// or peer address when auth is off), refilled continuously. The map of
// buckets is bounded; the least recently used client is forgotten first,
// which at worst gives it a fresh burst.
import type { ClientLimits } from "../config/security.js";
import { DEFAULT_MAX_TRACKED_CLIENTS } from "../config/security.js";
import { LimitExceededError } from "./errors.js";

/** TokenBucket allows `rate` units per second with bursts up to `burst`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rate: number,
    readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** take removes `n` units; returns 0 on success, else the ms until they would be there (Infinity: never). */
  take(n: number, now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    if (n <= this.tokens) {
      this.tokens -= n;
      return 0;
    }
    // A request larger than the burst can never pass whole.
    if (n > this.burst) return Number.POSITIVE_INFINITY;
    return Math.max(1, Math.ceil(((n - this.tokens) * 1000) / this.rate));
  }
}

/** RateLimiter keeps a token bucket per client. */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly maxClients = DEFAULT_MAX_TRACKED_CLIENTS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * check charges `events` to `client`, or throws LimitExceededError
   * (RATE_LIMITED, with the wait) when its bucket is empty. A rate of 0 means
   * unlimited.
   */
  check(client: string, limits: ClientLimits, events: number): void {
    if (limits.rateEventsPerSec <= 0 || events === 0) return;
    const now = this.now();
    let b = this.buckets.get(client);
    if (b === undefined || b.rate !== limits.rateEventsPerSec || b.burst !== limits.burstEvents) {
      b = new TokenBucket(limits.rateEventsPerSec, limits.burstEvents, now);
      if (this.buckets.size >= this.maxClients) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
    } else {
      this.buckets.delete(client); // re-inserted below: Map order is recency
    }
    this.buckets.set(client, b);
    const wait = b.take(events, now);
    if (wait === Number.POSITIVE_INFINITY) {
      throw new LimitExceededError(
        "RATE_LIMITED",
        `batch of ${events} events from ${client} is larger than its burst of ${limits.burstEvents} events; split it`,
      );
    }
    if (wait > 0) {
      throw new LimitExceededError(
        "RATE_LIMITED",
        `client ${client} is over its rate limit of ${limits.rateEventsPerSec} events/s (burst ${limits.burstEvents}); retry after ${wait} ms`,
        wait,
      );
    }
  }

  /** size is the number of clients tracked. */
  get size(): number {
    return this.buckets.size;
  }
}

/** checkSize throws LimitExceededError when a message or batch is over the client's limits. */
export function checkSize(
  client: string,
  limits: ClientLimits,
  bytes: number,
  events: number,
): void {
  if (bytes > limits.maxMessageBytes) {
    throw new LimitExceededError(
      "MESSAGE_TOO_LARGE",
      `message of ${bytes} bytes from ${client} is over the limit of ${limits.maxMessageBytes} bytes; split it`,
    );
  }
  if (events > limits.maxBatchEvents) {
    throw new LimitExceededError(
      "BATCH_TOO_LARGE",
      `batch of ${events} events from ${client} is over the limit of ${limits.maxBatchEvents}; split it`,
    );
  }
}
