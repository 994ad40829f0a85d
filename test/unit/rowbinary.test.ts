// RowBinary encoding, byte by byte, for both schema mappings.
import { describe, expect, test } from "vitest";
import { legacyDialect, modernDialect } from "../../src/sinks/dialect.js";
import { SinkDataError } from "../../src/sinks/errors.js";
import { binaryEncoder, toEpochMs } from "../../src/sinks/rowbinary.js";
import type { TableDef } from "../../src/sinks/schema/types.js";

const def: TableDef = {
  name: "t",
  doc: "",
  engine: "MergeTree",
  orderBy: ["s"],
  shardKey: "rand()",
  columns: [
    { name: "s", type: "LowCardinality(String)", doc: "" },
    { name: "n", type: "UInt32", doc: "" },
    { name: "f", type: "Float64", doc: "" },
    { name: "t", type: "DateTime64(3, 'UTC')", doc: "" },
    { name: "nt", type: "Nullable(DateTime64(3, 'UTC'))", doc: "" },
    { name: "a", type: "Array(String)", doc: "" },
    { name: "m", type: "Map(String, String)", doc: "" },
    { name: "big", type: "UInt64", doc: "" },
    { name: "i", type: "Int16", doc: "" },
  ],
};

const T = 1_700_000_000_123; // 2023-11-14 22:13:20.123
const row = {
  s: "ab",
  n: 7,
  f: 0.5,
  t: T,
  nt: null,
  a: ["x", "é"],
  m: { k: "v" },
  big: 2 ** 53 - 1,
  i: -2,
};

const le = (n: number, bytes: number) => {
  const b = Buffer.alloc(bytes);
  if (bytes === 8) b.writeBigInt64LE(BigInt(n));
  else if (bytes === 4) b.writeUInt32LE(n >>> 0);
  else if (bytes === 2) b.writeUInt16LE(n & 0xffff);
  else b.writeUInt8(n);
  return b;
};
const str = (s: string) => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]);
const f64 = (v: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return b;
};

describe("binaryEncoder", () => {
  test("modern mapping: DateTime64 as Int64 ms, Nullable flag, Map pairs", () => {
    const enc = binaryEncoder(def, modernDialect("26.7"));
    expect(enc.columns).toEqual(["s", "n", "f", "t", "nt", "a", "m", "big", "i"]);
    expect(enc.structure).toBe(
      "s String, n UInt32, f Float64, t DateTime64(3, 'UTC'), nt Nullable(DateTime64(3, 'UTC')), a Array(String), m Map(String, String), big UInt64, i Int16",
    );
    expect(enc.encode([row])).toEqual(
      Buffer.concat([
        str("ab"),
        le(7, 4),
        f64(0.5),
        le(T, 8),
        Buffer.from([1]),
        Buffer.from([2]),
        str("x"),
        str("é"),
        Buffer.from([1]),
        str("k"),
        str("v"),
        le(2 ** 53 - 1, 8),
        le(-2, 2),
      ]),
    );
  });

  test("legacy mapping: seconds plus a millisecond column, Map as two arrays", () => {
    const enc = binaryEncoder(def, legacyDialect("18.16.1"));
    expect(enc.columns).toEqual([
      "s",
      "n",
      "f",
      "t",
      "t_ms",
      "nt",
      "nt_ms",
      "a",
      "m.key",
      "m.value",
      "big",
      "i",
    ]);
    expect(enc.encode([{ ...row, nt: T + 1000 }])).toEqual(
      Buffer.concat([
        str("ab"),
        le(7, 4),
        f64(0.5),
        le(1_700_000_000, 4),
        le(123, 2),
        Buffer.from([0]),
        le(1_700_000_001, 4),
        le(123, 2),
        Buffer.from([2]),
        str("x"),
        str("é"),
        Buffer.from([1]),
        str("k"),
        Buffer.from([1]),
        str("v"),
        le(2 ** 53 - 1, 8),
        le(-2, 2),
      ]),
    );
  });

  test("long strings get a multi-byte length; integers saturate; defaults for missing fields", () => {
    const enc = binaryEncoder(def, modernDialect("26.7"));
    const long = "ä".repeat(100); // 200 bytes
    const out = enc.encode([{ s: long, n: 5e9, f: Number.NaN, t: new Date(T), i: 1e6 }]);
    expect(out.subarray(0, 2)).toEqual(Buffer.from([0xc8, 0x01]));
    expect(out.subarray(2, 202).toString()).toBe(long);
    expect(out.readUInt32LE(202)).toBe(4294967295);
    expect(Number.isNaN(out.readDoubleLE(206))).toBe(true);
    expect(Number(out.readBigInt64LE(214))).toBe(T);
    // nt null, a empty, m empty, big 0, i saturated to 32767.
    expect([...out.subarray(222, 225)]).toEqual([1, 0, 0]);
    expect(Number(out.readBigUInt64LE(225))).toBe(0);
    expect(out.readInt16LE(233)).toBe(32767);
    expect(out.length).toBe(235);
  });

  test("a value that cannot be encoded is a SinkDataError naming row and column", () => {
    const enc = binaryEncoder(def, modernDialect("26.7"));
    const err = (() => {
      try {
        enc.encode([row, { ...row, t: "garbage" }]);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SinkDataError);
    expect(err).toMatchObject({
      retryable: false,
      message: 't row 1: column t: "garbage" is not a timestamp',
    });
    expect(() => enc.encode([{ ...row, a: "not an array" }])).toThrow(
      /column a: expected an array/,
    );
    expect(() => binaryEncoder(def, legacyDialect("18.16")).encode([{ ...row, t: -5000 }])).toThrow(
      /outside DateTime's range/,
    );
  });

  test("timestamps: epoch ms, Date, ISO and ClickHouse text (UTC)", () => {
    expect(toEpochMs(T)).toBe(T);
    expect(toEpochMs(new Date(T))).toBe(T);
    expect(toEpochMs("2023-11-14 22:13:20.123")).toBe(T);
    expect(toEpochMs("2023-11-14T23:13:20.123+01:00")).toBe(T);
    expect(toEpochMs(String(T))).toBe(T);
  });
});
