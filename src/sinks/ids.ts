// Deterministic ids for rows that arrive without one, so a redelivered event
// or a retried rejection lands on the same row key and the FINAL views show
// it once. The id is a 64-bit hash of the tenant and the content (never the
// receive time, which differs between deliveries), computed in JS at a few
// hundred nanoseconds per row. Identical rows within one write are told apart
// by their rank ("#1", "#2", ...), so a batch that genuinely carries the same
// event twice keeps both, and its redelivery maps onto the same two rows.
import type { EventRow, RejectionRow } from "./rows.js";

/** CONTENT_ID_PREFIX starts every id impactd derived from content. */
export const CONTENT_ID_PREFIX = "h:";

const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer);

/** ContentHash accumulates two independent 32-bit hashes (64 bits in all). */
class ContentHash {
  a = 0x811c9dc5;
  b = 0x2f1b3c4d;

  str(s: string): this {
    let { a, b } = this;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 13;
    }
    // A separator so ("ab", "c") and ("a", "bc") differ.
    this.a = Math.imul(a ^ 0xff, 0x01000193);
    this.b = Math.imul(b ^ 0x1ff, 0x5bd1e995);
    return this;
  }

  num(v: number): this {
    f64[0] = v;
    return this.word(f64Words[0] as number).word(f64Words[1] as number);
  }

  private word(w: number): this {
    this.a = Math.imul(this.a ^ w, 0x01000193);
    this.b = Math.imul(this.b ^ w, 0x5bd1e995);
    this.b ^= this.b >>> 15;
    return this;
  }

  hex(): string {
    return hex32(fmix(this.a)) + hex32(fmix(this.b ^ this.a));
  }
}

// murmur3's finaliser: every input bit affects every output bit.
function fmix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

// A table lookup per byte: Number.prototype.toString(16) was most of the
// cost of an id when profiled.
function hex32(x: number): string {
  return (
    (HEX[x >>> 24] as string) +
    (HEX[(x >>> 16) & 0xff] as string) +
    (HEX[(x >>> 8) & 0xff] as string) +
    (HEX[x & 0xff] as string)
  );
}

// Labels hash the same in any order: each pair is hashed on its own and the
// pair hashes are summed, so no sort or join is needed.
function labelsHash(h: ContentHash, labels: Record<string, string> | undefined): ContentHash {
  if (labels === undefined) return h.num(0);
  let sumA = 0;
  let sumB = 0;
  let n = 0;
  for (const k in labels) {
    const p = new ContentHash().str(k).str(labels[k] as string);
    sumA = (sumA + fmix(p.a)) | 0;
    sumB = (sumB + fmix(p.b)) | 0;
    n++;
  }
  return h.num(n).num(sumA).num(sumB);
}

/** eventContentId hashes an events row's tenant and content (everything but ids and receive time). */
export function eventContentId(r: EventRow): string {
  const h = new ContentHash()
    .str(r.tenant)
    .num(r.ts)
    .str(r.source)
    .str(r.kind)
    .str(r.service)
    .str(r.journey)
    .str(r.step)
    .str(r.status)
    .str(r.metric)
    .str(r.name)
    .str(r.severity)
    .str(r.fingerprint)
    .num(r.value)
    .num(r.count)
    .str(r.scale)
    .str(r.channel)
    .str(r.device_id)
    .str(r.version)
    .str(r.text);
  return CONTENT_ID_PREFIX + labelsHash(h, r.labels).hex();
}

/** rejectionContentId hashes a rejected_events row's content, receive time included. */
export function rejectionContentId(r: RejectionRow): string {
  const h = new ContentHash()
    .str(r.tenant)
    .num(r.received_at)
    .num(r.ts ?? -1)
    .str(r.front_end)
    .str(r.source)
    .str(r.code)
    .str(r.reason)
    .str(r.event_id)
    .str(r.payload);
  return CONTENT_ID_PREFIX + h.hex();
}

/**
 * ranked appends "#k" to the k-th repeat (k >= 1) of an id within
 * one write; the first keeps the bare id.
 */
function ranked(seen: Map<string, number>, id: string): string {
  const k = seen.get(id);
  if (k === undefined) {
    seen.set(id, 1);
    return id;
  }
  seen.set(id, k + 1);
  return `${id}#${k}`;
}

/** fillEventIds gives every events row without an event_id its content id (in place). */
export function fillEventIds(rows: readonly EventRow[]): void {
  let seen: Map<string, number> | undefined;
  for (const r of rows) {
    if (r.event_id !== "") continue;
    seen ??= new Map();
    r.event_id = ranked(seen, eventContentId(r));
  }
}

/** fillRejectionIds gives every rejected_events row without a rejection_id its content id (in place). */
export function fillRejectionIds(rows: readonly RejectionRow[]): void {
  let seen: Map<string, number> | undefined;
  for (const r of rows) {
    if (r.rejection_id !== undefined && r.rejection_id !== "") continue;
    seen ??= new Map();
    r.rejection_id = ranked(seen, rejectionContentId(r));
  }
}
