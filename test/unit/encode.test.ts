// Row encoding for INSERTs: ClickHouse type parsing and per-type conversion.
import { describe, expect, test } from "vitest";
import { converterFor, parseType, rowEncoder } from "../../src/sinks/encode.js";

describe("parseType", () => {
  test("splits nested arguments at the top level only", () => {
    expect(parseType("Map(String, Array(Tuple(a Float64, b String)))")).toEqual({
      name: "Map",
      args: ["String", "Array(Tuple(a Float64, b String))"],
    });
    expect(parseType("DateTime64(3, 'UTC')")).toEqual({ name: "DateTime64", args: ["3", "'UTC'"] });
    expect(parseType("Enum8('a,b' = 1, 'c)' = 2)").args).toEqual(["'a,b' = 1", "'c)' = 2"]);
    expect(parseType("String")).toEqual({ name: "String", args: [] });
  });
});

describe("converterFor", () => {
  const conv = (type: string, v: unknown) => {
    const c = converterFor(type);
    return c === undefined ? v : c(v);
  };

  test("strings, booleans and LowCardinality(String) pass through untouched", () => {
    expect(converterFor("String")).toBeUndefined();
    expect(converterFor("LowCardinality(String)")).toBeUndefined();
    expect(converterFor("Nullable(String)")).toBeUndefined();
    expect(converterFor("Array(String)")).toBeUndefined();
    expect(converterFor("Bool")).toBeUndefined();
  });

  test("floats: non-finite values become ClickHouse's names", () => {
    expect(conv("Float64", 1.5)).toBe(1.5);
    expect(conv("Float64", Number.NaN)).toBe("nan");
    expect(conv("Float64", Number.POSITIVE_INFINITY)).toBe("inf");
    expect(conv("Array(Float64)", [1, Number.NEGATIVE_INFINITY])).toEqual([1, "-inf"]);
  });

  test("small integers saturate and truncate instead of wrapping or failing", () => {
    expect(conv("UInt32", 5e9)).toBe(4294967295);
    expect(conv("UInt32", -1)).toBe(0);
    expect(conv("UInt8", 2.7)).toBe(2);
    expect(conv("Int16", Number.NaN)).toBe(0);
  });

  test("64-bit integers: bigint as a decimal string", () => {
    expect(conv("UInt64", 18446744073709551615n)).toBe("18446744073709551615");
    expect(conv("Int64", 3.9)).toBe(3);
  });

  test("timestamps: epoch ms, Date or string", () => {
    expect(conv("DateTime64(3, 'UTC')", 1714564800123)).toBe(1714564800123);
    expect(conv("DateTime64(3, 'UTC')", 1.6)).toBe(2);
    expect(conv("DateTime64(3, 'UTC')", new Date(5))).toBe(5);
    expect(conv("DateTime64(3, 'UTC')", "2024-05-01 12:00:00")).toBe("2024-05-01 12:00:00");
    expect(conv("DateTime64(6, 'UTC')", 1714564800123)).toBe("2024-05-01 12:00:00.123");
    expect(conv("DateTime('UTC')", 1714564800999)).toBe(1714564800);
    expect(conv("Nullable(DateTime64(3, 'UTC'))", null)).toBeNull();
    expect(conv("Date", 1714564800123)).toBe("2024-05-01");
  });

  test("maps accept objects and Maps", () => {
    expect(conv("Map(String, String)", new Map([["a", "b"]]))).toEqual({ a: "b" });
    expect(conv("Map(String, Float64)", { x: Number.NaN })).toEqual({ x: "nan" });
  });
});

describe("rowEncoder", () => {
  test("writes JSONCompactEachRow in column order; missing fields become null (column default)", () => {
    const enc = rowEncoder(
      [
        { name: "ts", type: "DateTime64(3, 'UTC')" },
        { name: "s", type: "String" },
        { name: "m", type: "Map(String, String)" },
      ],
      2,
    );
    expect(enc.columns).toEqual(["ts", "s", "m"]);
    const out = enc.encode([
      { ts: 1, s: 'a"b', m: { k: "v" } },
      { ts: 2 },
      { ts: 3, s: "c", extra: "ignored" },
    ]);
    expect(out.toString()).toBe('[1,"a\\"b",{"k":"v"}],[2,null,null],[3,"c",null]\n');
  });
});
