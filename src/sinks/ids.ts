// Deterministic ids for rows that arrive without one, so a redelivered event
// or a retried rejection lands on the same row key and the FINAL views show
// it once. The id is a 64-bit hash of the tenant and the content (never the
// receive time, which differs between deliveries), computed in JS at a few
// hundred nanoseconds per row. Identical rows within one write (one batch's
// worth of rows: the writer prepares larger writes in batch-sized chunks) are
// told apart by their rank ("#1", "#2", ...), so a batch that genuinely
// carries the same event twice keeps both, and its redelivery maps onto the
// same two rows.
import { randomBytes } from "node:crypto";
import type { EventRow, RejectionRow } from "./rows.js";

/** CONTENT_ID_PREFIX starts every id impactd derived from content. */
export const CONTENT_ID_PREFIX = "h:";

const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer);

// The running hash: two independent 32-bit lanes (64 bits in all), kept in
// module state rather than an object so hashing a row allocates nothing.
let A = 0;
let B = 0;

function reset(): void {
  A = 0x811c9dc5;
  B = 0x2f1b3c4d;
}

function str(s: string): void {
  let a = A;
  let b = B;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  // A separator so ("ab", "c") and ("a", "bc") differ.
  A = Math.imul(a ^ 0xff, 0x01000193);
  B = Math.imul(b ^ 0x1ff, 0x5bd1e995);
}

function word(w: number): void {
  A = Math.imul(A ^ w, 0x01000193);
  const b = Math.imul(B ^ w, 0x5bd1e995);
  B = b ^ (b >>> 15);
}

function num(v: number): void {
  f64[0] = v;
  word(f64Words[0] as number);
  word(f64Words[1] as number);
}

function digest(): string {
  return hexId(fmix(A), fmix(B ^ A));
}

// murmur3's finaliser: every input bit affects every output bit.
function fmix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

// Hex digits as char codes: the id is made by one String.fromCharCode call,
// a flat string, rather than by joining pieces (which showed up in profiles
// as string building and garbage).
const HEX_CODES = Array.from("0123456789abcdef", (c) => c.charCodeAt(0));
const h = (x: number, shift: number) => HEX_CODES[(x >>> shift) & 15] as number;
const PREFIX_0 = CONTENT_ID_PREFIX.charCodeAt(0);
const PREFIX_1 = CONTENT_ID_PREFIX.charCodeAt(1);

function hexId(a: number, b: number): string {
  return String.fromCharCode(
    PREFIX_0,
    PREFIX_1,
    h(a, 28),
    h(a, 24),
    h(a, 20),
    h(a, 16),
    h(a, 12),
    h(a, 8),
    h(a, 4),
    h(a, 0),
    h(b, 28),
    h(b, 24),
    h(b, 20),
    h(b, 16),
    h(b, 12),
    h(b, 8),
    h(b, 4),
    h(b, 0),
  );
}

// Labels hash the same in any order: each pair is hashed on its own and the
// pair hashes are summed, so no sort or join is needed.
function labels(m: Record<string, string> | undefined): void {
  let sumA = 0;
  let sumB = 0;
  let n = 0;
  if (m !== undefined) {
    const outerA = A;
    const outerB = B;
    for (const k in m) {
      reset();
      str(k);
      str(m[k] as string);
      sumA = (sumA + fmix(A)) | 0;
      sumB = (sumB + fmix(B)) | 0;
      n++;
    }
    A = outerA;
    B = outerB;
  }
  num(n);
  num(sumA);
  num(sumB);
}

/** eventContentId hashes an events row's tenant and content (everything but ids and receive time). */
export function eventContentId(r: EventRow): string {
  hashEvent(r);
  return digest();
}

function hashEvent(r: EventRow): void {
  reset();
  str(r.tenant);
  num(r.ts);
  str(r.source);
  str(r.kind);
  str(r.service);
  str(r.journey);
  str(r.step);
  str(r.status);
  str(r.metric);
  str(r.name);
  str(r.severity);
  str(r.fingerprint);
  num(r.value);
  num(r.count);
  str(r.scale);
  str(r.channel);
  str(r.device_id);
  str(r.version);
  str(r.text);
  labels(r.labels);
}

/** rejectionContentId hashes a rejected_events row's content, receive time included. */
export function rejectionContentId(r: RejectionRow): string {
  hashRejection(r);
  return digest();
}

function hashRejection(r: RejectionRow): void {
  reset();
  str(r.tenant);
  num(r.received_at);
  num(r.ts ?? -1);
  str(r.front_end);
  str(r.source);
  str(r.code);
  str(r.reason);
  str(r.event_id);
  str(r.payload);
}

/**
 * ranked returns the id of the hash just computed, with "#k" appended to the
 * k-th repeat (k >= 1) within one write. Repeats are found by 52 bits of the
 * hash as a number (a Map of numbers costs a fraction of one of strings); if
 * two different rows ever shared those bits, the second would merely get a
 * "#1" too, still a distinct and repeatable id.
 */
function ranked(seen: Map<number, number>): string {
  const key = fmix(A) * 1_048_576 + (fmix(B ^ A) >>> 12);
  const k = seen.get(key);
  if (k === undefined) {
    seen.set(key, 1);
    return digest();
  }
  seen.set(key, k + 1);
  return `${digest()}#${k}`;
}

/** fillEventIds gives every events row without an event_id its content id (in place). */
export function fillEventIds(rows: readonly EventRow[]): void {
  let seen: Map<number, number> | undefined;
  for (const r of rows) {
    if (r.event_id !== "") continue;
    seen ??= new Map();
    hashEvent(r);
    r.event_id = ranked(seen);
  }
}

/**
 * rejectionIdFiller returns a filler that gives every rejected_events row
 * without a rejection_id an id (in place): its content id, ranked among
 * identical rows of one write, and a token of that write (`seed` and a count
 * of writes). Ids are filled once, before buffering, so a retried INSERT
 * repeats them and the view shows the rows once. A rejection is never a
 * redelivery of an earlier one (its receive time is new), so two identical
 * bad events sent in separate requests in the same millisecond still get a
 * row each. A run that must write the same ids again (a replay) passes a
 * fixed seed; live sinks a random one.
 */
export function rejectionIdFiller(
  seed: string = randomBytes(6).toString("hex"),
): (rows: readonly RejectionRow[]) => void {
  let writes = 0;
  return (rows) => {
    let seen: Map<number, number> | undefined;
    let token = "";
    for (const r of rows) {
      if (r.rejection_id !== undefined && r.rejection_id !== "") continue;
      if (seen === undefined) {
        seen = new Map();
        token = `@${seed}.${(writes++).toString(36)}`;
      }
      hashRejection(r);
      r.rejection_id = ranked(seen) + token;
    }
  };
}

/** fillRejectionIds is a filler with a random seed (see rejectionIdFiller). */
export const fillRejectionIds: (rows: readonly RejectionRow[]) => void = rejectionIdFiller();
