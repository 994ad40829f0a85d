// The reference model's input and output records: the same fields as the
// core's fixed-width records (assembly/layout.ts), as plain objects.
import { IN_BYTES, OUT_BYTES } from "../core/layout.js";

/** InputRecord is one encoded event (IN_* fields of the core's input record). */
export interface InputRecord {
  /** Event time, ms since the epoch. */
  ts: number;
  /** K_* event kind (u8). */
  kind: number;
  /** Status / metric / state / outcome / change kind / scale (u8). */
  code: number;
  /** Alert severity or journey step index (u16). */
  flags: number;
  /** Service id, journey id or incident number (u32). */
  entity: number;
  /** Metric value, feedback score or count (f64). */
  value: number;
  /** Fingerprint, step, change, device or actor id (u32). */
  aux: number;
  /** Custom metric id (u32). */
  aux2: number;
}

/** inputRecord builds a record, truncating each field to its width as the core's memory does. */
export function inputRecord(
  ts: number,
  kind: number,
  code: number,
  flags: number,
  entity: number,
  value: number,
  aux: number,
  aux2: number,
): InputRecord {
  return {
    ts,
    kind: kind & 0xff,
    code: code & 0xff,
    flags: flags & 0xffff,
    entity: entity >>> 0,
    value,
    aux: aux >>> 0,
    aux2: aux2 >>> 0,
  };
}

/** OutputRecord is one decision (OUT_* fields of the core's output record); unset fields are 0. */
export class OutputRecord {
  a = 0;
  b = 0;
  c = 0;
  d = 0;
  v0 = 0;
  v1 = 0;
  v2 = 0;
  v3 = 0;
  v4 = 0;
  version = 0;

  constructor(
    readonly ts: number,
    readonly type: number,
    readonly incident: number,
    readonly entity: number,
  ) {}
}

/** Outputs collects the decisions of one call, in order. */
export class Outputs {
  records: OutputRecord[] = [];

  /** emit appends a record and returns it for the caller to fill in. */
  emit(ts: number, type: number, incident: number, entity: number): OutputRecord {
    const o = new OutputRecord(ts, type, incident, entity);
    this.records.push(o);
    return o;
  }

  /** take returns the records so far and starts a new call. */
  take(): OutputRecord[] {
    const r = this.records;
    this.records = [];
    return r;
  }
}

const scratch = new DataView(new ArrayBuffer(8));

/** f64Bits returns the IEEE-754 bit pattern of x as [high, low] u32 words. */
export function f64Bits(x: number): [number, number] {
  scratch.setFloat64(0, x, true);
  return [scratch.getUint32(4, true), scratch.getUint32(0, true)];
}

/** decodeInput reads the core's fixed-width input records (for benchmarks on the same bytes). */
export function decodeInput(bytes: Uint8Array): InputRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: InputRecord[] = [];
  for (let p = 0; p + IN_BYTES <= bytes.byteLength; p += IN_BYTES) {
    out.push({
      ts: view.getFloat64(p, true),
      kind: view.getUint8(p + 8),
      code: view.getUint8(p + 9),
      flags: view.getUint16(p + 10, true),
      entity: view.getUint32(p + 12, true),
      value: view.getFloat64(p + 16, true),
      aux: view.getUint32(p + 24, true),
      aux2: view.getUint32(p + 28, true),
    });
  }
  return out;
}

/** encodeOutput writes records in the core's output layout (to compare with its raw bytes). */
export function encodeOutput(records: readonly OutputRecord[]): Uint8Array {
  const bytes = new Uint8Array(records.length * OUT_BYTES);
  const view = new DataView(bytes.buffer);
  records.forEach((o, i) => {
    const p = i * OUT_BYTES;
    view.setFloat64(p, o.ts, true);
    view.setUint32(p + 8, o.type, true);
    view.setUint32(p + 12, o.incident, true);
    view.setUint32(p + 16, o.entity, true);
    view.setUint32(p + 20, o.a, true);
    view.setFloat64(p + 24, o.v0, true);
    view.setFloat64(p + 32, o.v1, true);
    view.setFloat64(p + 40, o.v2, true);
    view.setUint32(p + 48, o.b, true);
    view.setUint32(p + 52, o.c, true);
    view.setUint32(p + 56, o.version, true);
    view.setUint32(p + 60, o.d, true);
    view.setFloat64(p + 64, o.v3, true);
    view.setFloat64(p + 72, o.v4, true);
  });
  return bytes;
}
