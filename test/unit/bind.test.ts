// Client-side parameter binding for servers without query parameters: the one
// escaping function and the placeholder rewriter.
import { describe, expect, test } from "vitest";
import { bindParams, quoteString } from "../../src/sinks/bind.js";
import { SinkError } from "../../src/sinks/errors.js";

describe("quoteString", () => {
  test("escapes backslash, quote and control characters; keeps Unicode", () => {
    expect(quoteString("plain")).toBe("'plain'");
    expect(quoteString("it's")).toBe("'it\\'s'");
    expect(quoteString("a\\b")).toBe("'a\\\\b'");
    expect(quoteString("a\nb\tc\u0000d\u007f")).toBe("'a\\x0ab\\x09c\\x00d\\x7f'");
    expect(quoteString("ünï 🚨")).toBe("'ünï 🚨'");
    expect(quoteString("")).toBe("''");
  });

  test("no input can end the literal early", () => {
    for (const s of ["'", "\\'", "\\", "' OR 1=1 --", "\\\\'", "'';DROP TABLE x;--"]) {
      const q = quoteString(s);
      // Every quote inside is escaped by an odd run of backslashes.
      const inner = q.slice(1, -1);
      for (let i = 0; i < inner.length; i++) {
        if (inner[i] === "'") {
          let run = 0;
          for (let j = i - 1; j >= 0 && inner[j] === "\\"; j--) run++;
          expect(run % 2, `${s} -> ${q}`).toBe(1);
        }
      }
    }
  });
});

describe("bindParams", () => {
  test("replaces placeholders with typed literals", () => {
    expect(
      bindParams(
        "SELECT * FROM t WHERE a = {a:String} AND b > {b:UInt32} AND c < {c:Float64} AND d >= {d:DateTime} LIMIT {n:UInt32}",
        { a: "x'y", b: 5, c: 0.5, d: "2025-05-01 12:00:00", n: 10 },
      ),
    ).toBe(
      "SELECT * FROM t WHERE a = 'x\\'y' AND b > 5 AND c < CAST('0.5' AS Float64) AND d >= CAST('2025-05-01 12:00:00' AS DateTime) LIMIT 10",
    );
  });

  test("a placeholder used twice, LowCardinality, Bool, unix-time DateTime", () => {
    expect(bindParams("{t:String} = '' OR x = {t:String}", { t: "acme" })).toBe(
      "'acme' = '' OR x = 'acme'",
    );
    expect(bindParams("{t:LowCardinality(String)}", { t: "a" })).toBe("'a'");
    expect(bindParams("{b:Bool}", { b: true })).toBe("1");
    expect(bindParams("{d:DateTime('UTC')}", { d: 1700000000 })).toBe(
      "CAST(CAST('1700000000' AS UInt32) AS DateTime('UTC'))",
    );
  });

  test("leaves string literals, quoted names and comments alone", () => {
    const sql =
      "SELECT '{a:String}', \"{a:String}\", `{a:String}` -- {a:String}\n /* {a:String} */ {a:String}";
    expect(bindParams(sql, { a: "v" })).toBe(
      "SELECT '{a:String}', \"{a:String}\", `{a:String}` -- {a:String}\n /* {a:String} */ 'v'",
    );
    expect(bindParams("SELECT 'it''s {a:String}', {a:String}", { a: "v" })).toBe(
      "SELECT 'it''s {a:String}', 'v'",
    );
    expect(bindParams("SELECT map{ }, {not a placeholder}", {})).toBe(
      "SELECT map{ }, {not a placeholder}",
    );
  });

  test("refuses what it cannot bind safely, before the engine sees it", () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(err(() => bindParams("{a:String}", {}))).toMatchObject({
      clickhouseCode: 456,
      retryable: false,
    });
    expect(err(() => bindParams("{n:UInt32}", { n: "5; DROP" }))).toBeInstanceOf(SinkError);
    expect(() => bindParams("{n:UInt32}", { n: -1 })).toThrow(/is not a UInt32/);
    expect(() => bindParams("{n:Int64}", { n: "1e3" })).toThrow(/is not a Int64/);
    expect(() => bindParams("{f:Float64}", { f: "abc" })).toThrow(/Float64/);
    expect(() => bindParams("{d:DateTime}", { d: "tomorrow" })).toThrow(/DateTime/);
    expect(() => bindParams("{a:Array(String)}", { a: "x" })).toThrow(/cannot bind type/);
    expect(() => bindParams("{a:String) OR (1}", { a: "x" })).toThrow(/cannot bind type/);
    expect(() => bindParams("{t:Identifier}", { t: "x" })).toThrow(/cannot bind type Identifier/);
  });
});
