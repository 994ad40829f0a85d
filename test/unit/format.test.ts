// The CLI's table and JSON rendering of query results.
import { describe, expect, test } from "vitest";
import { formatCsv, formatJson, formatTable } from "../../src/cli/format.js";

describe("formatTable", () => {
  test("aligns columns under a header, numbers to the right, with a row count", () => {
    const out = formatTable([
      { service: "payments-db", incidents: "12", score: 0.5 },
      { service: "web", incidents: "3", score: 0.25 },
    ]);
    expect(out).toBe(
      [
        "service      incidents  score",
        "-----------  ---------  -----",
        "payments-db         12    0.5",
        "web                  3   0.25",
        "(2 rows)",
      ].join("\n"),
    );
  });

  test("renders null, arrays, maps and booleans compactly", () => {
    const out = formatTable([{ a: null, services: ["x", "y"], labels: { k: "v" }, ok: true }]);
    expect(out.split("\n")).toEqual([
      "a     services   labels     ok",
      "----  ---------  ---------  ----",
      'NULL  ["x","y"]  {"k":"v"}  true',
      "(1 row)",
    ]);
  });

  test("escapes control characters so each row stays on one line", () => {
    const out = formatTable([{ text: "line1\nline2\tend\u0001" }]);
    expect(out.split("\n")[2]).toBe("line1\\nline2\\tend\\x01");
    expect(out.split("\n")).toHaveLength(4);
  });

  test("truncates long cells", () => {
    const out = formatTable([{ payload: "x".repeat(100) }], { maxCellWidth: 10 });
    expect(out.split("\n")[2]).toBe(`${"x".repeat(9)}…`);
  });

  test("uses the union of keys, leaving missing cells NULL", () => {
    const out = formatTable([{ a: 1 }, { b: "two" }]);
    expect(out.split("\n")).toEqual([
      "   a  b",
      "----  ----",
      "   1  NULL",
      "NULL  two",
      "(2 rows)",
    ]);
  });

  test("an empty result is just the count", () => {
    expect(formatTable([])).toBe("(0 rows)");
  });
});

describe("formatJson", () => {
  test("is one pretty JSON array that parses back", () => {
    const rows = [{ id: "inc-1", services: ["a"], n: 1 }];
    const out = formatJson(rows);
    expect(JSON.parse(out)).toEqual(rows);
    expect(out).toContain('\n  {\n    "id": "inc-1"');
    expect(formatJson([])).toBe("[]");
  });
});

describe("formatCsv", () => {
  test("quotes fields that need it, doubles quotes, JSON for arrays, empty for null", () => {
    expect(
      formatCsv([
        { a: "plain", b: 'say "hi", then\nleave', c: ["x", "y"], d: null, e: 3 },
        { a: "", b: "x", c: [], d: "ok", e: 0 },
      ]),
    ).toBe(
      ["a,b,c,d,e", 'plain,"say ""hi"", then\nleave","[""x"",""y""]",,3', ",x,[],ok,0"].join("\n"),
    );
    expect(formatCsv([])).toBe("");
  });
});
