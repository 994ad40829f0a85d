// How a stream reaches impactd in real life: mostly in order, some events a
// little late (within the core's allowed lateness), a few very late (beyond
// it), some sent twice by a retrying client, all cut into batches. The
// transformation is seeded, and says exactly how many events it delayed past
// the bound and duplicated, so the pipeline's counters can be checked.
import { InvalidArgumentError } from "../errors.js";
import type { Event } from "../gen/impactd/v1/event.js";
import { Rng } from "./rng.js";

/** DEFAULT_LATE_SHARE is the share of events delivered late within the lateness bound. */
export const DEFAULT_LATE_SHARE = 0.02;
/** DEFAULT_BEYOND_SHARE is the share of events delivered later than the lateness bound. */
export const DEFAULT_BEYOND_SHARE = 0.001;
/** DEFAULT_DUPLICATE_SHARE is the share of events sent a second time with the same id. */
export const DEFAULT_DUPLICATE_SHARE = 0.01;
/** DEFAULT_DELIVERY_BATCH is the most events per batch (a typical exporter batch). */
export const DEFAULT_DELIVERY_BATCH = 500;
/** DEFAULT_DELIVERY_LINGER_MS is how long a batch collects events before it is sent. */
export const DEFAULT_DELIVERY_LINGER_MS = 1_000; // an exporter's batch timeout
/** BEYOND_EXTRA_MS bounds how much later than the bound a very late event arrives. */
export const BEYOND_EXTRA_MS: readonly [number, number] = [10_000, 120_000];
/** DUPLICATE_DELAY_MS is the longest a re-sent copy trails its original (a client retry). */
export const DUPLICATE_DELAY_MS = 30_000;
// Very late events are picked away from the stream's ends, where there are
// not enough later events to put them behind the watermark.
const BEYOND_MARGIN_START_MS = 60_000;
const BEYOND_MARGIN_END_MS = 300_000;

/** DeliveryOptions configure deliver(). */
export interface DeliveryOptions {
  /** Seed of the in-bound delays, the duplicates and their delays. */
  seed: number;
  /**
   * Seed of which events arrive beyond the bound and how late. Two
   * deliveries with the same beyondSeed drop the same events as late, so a
   * replay can differ in order and batching and still apply the same events.
   * @default seed
   */
  beyondSeed?: number;
  /** The receiving core's allowed lateness, ms (Pipeline.lateness()). */
  latenessMs: number;
  /** @default DEFAULT_LATE_SHARE */
  lateShare?: number;
  /** @default DEFAULT_BEYOND_SHARE */
  beyondShare?: number;
  /** @default DEFAULT_DUPLICATE_SHARE */
  duplicateShare?: number;
  /** Most events per batch. @default DEFAULT_DELIVERY_BATCH */
  batchSize?: number;
  /**
   * Longest span of arrival time one batch collects before it is sent, as an
   * exporter's batch timeout does. @default DEFAULT_DELIVERY_LINGER_MS
   */
  lingerMs?: number;
}

/** Delivery is a stream cut into batches in arrival order, with what was done to it. */
export interface Delivery {
  batches: Event[][];
  /** Events delivered out of order but within the lateness bound (applied normally). */
  lateInBound: number;
  /** Events delivered behind the watermark: the core must count them as late. */
  lateBeyond: number;
  /** Extra copies sent (same id): de-duplication must drop them. */
  duplicates: number;
}

interface Item {
  ev: Event;
  arrival: number;
  seq: number;
  beyond: boolean;
}

function share(name: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback;
  if (!(Number.isFinite(x) && x >= 0 && x <= 1)) {
    throw new InvalidArgumentError(`delivery: ${name} must be in [0, 1], got ${x}`);
  }
  return x;
}

/**
 * deliver turns `events` (in non-decreasing event time) into batches as a
 * network would deliver them. An event delayed within the bound arrives less
 * than `latenessMs` after its event time, so it is never behind the
 * watermark; one delayed beyond it is placed in a batch after one holding an
 * event more than `latenessMs` newer, so it always is.
 */
export function deliver(events: readonly Event[], opts: DeliveryOptions): Delivery {
  const L = opts.latenessMs;
  if (!(Number.isFinite(L) && L >= 2)) {
    throw new InvalidArgumentError(`delivery: latenessMs must be at least 2, got ${L}`);
  }
  const lateShare = share("lateShare", opts.lateShare, DEFAULT_LATE_SHARE);
  const beyondShare = share("beyondShare", opts.beyondShare, DEFAULT_BEYOND_SHARE);
  const dupShare = share("duplicateShare", opts.duplicateShare, DEFAULT_DUPLICATE_SHARE);
  const batchSize = opts.batchSize ?? DEFAULT_DELIVERY_BATCH;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new InvalidArgumentError(
      `delivery: batchSize must be a positive integer, got ${batchSize}`,
    );
  }
  const linger = opts.lingerMs ?? DEFAULT_DELIVERY_LINGER_MS;
  if (!(Number.isFinite(linger) && linger > 0)) {
    throw new InvalidArgumentError(`delivery: lingerMs must be positive, got ${linger}`);
  }
  const root = new Rng(opts.seed);
  const inBound = root.fork("in-bound");
  const dups = root.fork("duplicates");
  const beyondRng = new Rng(opts.beyondSeed ?? opts.seed).fork("beyond");
  const firstTs = events[0]?.tsUnixMs ?? 0;
  const lastTs = events[events.length - 1]?.tsUnixMs ?? 0;
  const items: Item[] = [];
  let lateInBound = 0;
  let duplicates = 0;
  events.forEach((ev, i) => {
    const ts = ev.tsUnixMs;
    // One draw each per event whatever the outcome, so the streams stay aligned.
    const b = beyondRng.next();
    const extra = beyondRng.range(BEYOND_EXTRA_MS[0], BEYOND_EXTRA_MS[1]);
    const eligible = ts - firstTs >= BEYOND_MARGIN_START_MS && lastTs - ts >= BEYOND_MARGIN_END_MS;
    const beyond = eligible && b < beyondShare;
    const l = inBound.next();
    const delayInBound = 1 + inBound.int(L - 1); // in [1, L - 1]: never reaches the bound
    let arrival = ts;
    if (beyond) arrival = ts + L + Math.round(extra);
    else if (l < lateShare) {
      arrival = ts + delayInBound;
      lateInBound++;
    }
    items.push({ ev, arrival, seq: 2 * i, beyond });
    const d = dups.next();
    const lag = dups.int(DUPLICATE_DELAY_MS + 1);
    if (d < dupShare) {
      items.push({ ev, arrival: arrival + lag, seq: 2 * i + 1, beyond: false });
      duplicates++;
    }
  });
  items.sort((a, b) => a.arrival - b.arrival || a.seq - b.seq);
  return { ...batch(items, L, batchSize, linger), lateInBound, duplicates };
}

// batch cuts items into batches by size and linger time, holding back or
// cutting early around each very late event so that an earlier batch has
// already moved the watermark past it.
function batch(
  items: readonly Item[],
  L: number,
  size: number,
  linger: number,
): { batches: Event[][]; lateBeyond: number } {
  const batches: Event[][] = [];
  let cur: Event[] = [];
  let curStart = 0;
  let flushedMax = Number.NEGATIVE_INFINITY;
  let curMax = Number.NEGATIVE_INFINITY;
  let lateBeyond = 0;
  const held: Event[] = [];
  const flush = () => {
    if (cur.length === 0) return;
    batches.push(cur);
    cur = [];
    flushedMax = Math.max(flushedMax, curMax);
    curMax = Number.NEGATIVE_INFINITY;
  };
  const push = (ev: Event) => {
    cur.push(ev);
    curMax = Math.max(curMax, ev.tsUnixMs);
  };
  // place puts a very late event where the core must see it as late, or
  // reports that no event new enough has been delivered yet.
  const place = (ev: Event): boolean => {
    if (ev.tsUnixMs < flushedMax - L) {
      push(ev);
    } else if (ev.tsUnixMs < Math.max(flushedMax, curMax) - L) {
      flush();
      push(ev);
    } else {
      return false;
    }
    lateBeyond++;
    return true;
  };
  const release = () => {
    for (let k = 0; k < held.length; ) {
      if (place(held[k] as Event)) held.splice(k, 1);
      else k++;
    }
  };
  for (const it of items) {
    if (cur.length > 0 && it.arrival - curStart >= linger) flush();
    if (cur.length === 0) curStart = it.arrival;
    if (it.beyond) {
      if (!place(it.ev)) held.push(it.ev);
    } else {
      push(it.ev);
      if (held.length > 0) release();
    }
    if (cur.length >= size) flush();
  }
  flush();
  // Only possible for a stream too short for its very late events: they go
  // last, and are late only if the stream ran on long enough.
  for (const ev of held) {
    if (ev.tsUnixMs < flushedMax - L) lateBeyond++;
    cur.push(ev);
  }
  flush();
  return { batches, lateBeyond };
}
