// docs/SCHEMA.md and docs/QUERIES.md match the code: every table, column and
// query in code is documented (queries with the exact SQL), and the docs name
// no table or query the code does not have.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { modernDialect } from "../../src/sinks/dialect.js";
import { QUERY_PACK } from "../../src/sinks/queries/pack.js";
import { OUTPUT_TABLES, SCHEMA_MIGRATIONS } from "../../src/sinks/schema/tables.js";
import { queryName } from "../../src/sinks/schema/types.js";
import { packageRoot } from "../../src/util/package-root.js";

const read = (name: string) => readFileSync(join(packageRoot(), "docs", name), "utf8");

/** sections splits markdown at headings of the given level. */
function sections(md: string, level: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = md.split(new RegExp(`^${level} `, "m")).slice(1);
  for (const p of parts) {
    const nl = p.indexOf("\n");
    // A section ends at the next heading of the same or a higher level.
    const body = p.slice(nl + 1).split(/^#{1,2} /m)[0] ?? "";
    out.set(p.slice(0, nl).trim(), body);
  }
  return out;
}

describe("docs/SCHEMA.md", () => {
  const md = read("SCHEMA.md");
  const tables = sections(
    md.slice(md.indexOf("## Tables"), md.indexOf("## Server versions")),
    "###",
  );
  const defs = [...OUTPUT_TABLES, SCHEMA_MIGRATIONS];

  test.each(defs.map((d) => [queryName(d), d] as const))(
    "documents %s with every column",
    (name, def) => {
      const body = tables.get(name);
      expect(body, `### ${name} missing`).toBeDefined();
      expect(body).toContain(`\`${def.name}\``);
      for (const c of def.columns) {
        expect(body, `${name}.${c.name}`).toContain(`| \`${c.name}\` | \`${c.type}\` |`);
      }
      expect(body).toContain(`\`(${def.orderBy.join(", ")})\``);
    },
  );

  test("names no table the code does not have", () => {
    expect([...tables.keys()].sort()).toEqual(defs.map(queryName).sort());
  });
});

describe("docs/QUERIES.md", () => {
  const md = read("QUERIES.md");
  const queries = sections(md, "##");
  const ctx = { dialect: modernDialect("26.7"), database: "impactd" };

  test.each(QUERY_PACK.map((q) => [q.name, q] as const))(
    "documents %s with its parameters and SQL",
    (name, q) => {
      const body = queries.get(name);
      expect(body, `## ${name} missing`).toBeDefined();
      for (const p of q.params) expect(body).toContain(`| \`${p.name}\` | \`${p.type}\` |`);
      expect(body).toContain(`\`\`\`sql\n${q.sql(ctx)}\n\`\`\``);
    },
  );

  test("names no query the code does not have", () => {
    expect([...queries.keys()].sort()).toEqual(QUERY_PACK.map((q) => q.name).sort());
  });
});
