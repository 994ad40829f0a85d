// The ts-proto output in src/gen is committed so a clone runs without buf;
// this test fails when it no longer matches proto/ (run `npm run gen`).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
}

describe("generated protobuf code", () => {
  it("matches what ts-proto generates from proto/ now", () => {
    const out = mkdtempSync(join(tmpdir(), "impactd-gen-"));
    try {
      execFileSync("npx", ["buf", "generate", "--output", out], { stdio: "pipe" });
      const fresh = join(out, "src/gen");
      const committed = "src/gen";
      expect(files(fresh)).toEqual(files(committed));
      for (const f of files(fresh)) {
        expect(
          readFileSync(join(committed, f), "utf8"),
          `src/gen/${f} is stale: run npm run gen`,
        ).toBe(readFileSync(join(fresh, f), "utf8"));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
