// The README's promise, run as a user would: the built CLI runs the demo,
// finds the injected faults and leaves data `impactd query` can read.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "impactd-demo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("impactd demo (built CLI)", () => {
  it("streams a simulated half hour, roots the database cascade at the database, and leaves queryable data", async () => {
    const demo = await run(
      "node",
      ["bin/impactd.js", "demo", "--duration", "30m", "--speed", "0", "--data-dir", dir],
      {
        env: { ...process.env, CI: "true" },
      },
    );
    expect(demo.stdout).toMatch(/cascade\s+payments-db\s+found: \S+, root cause ranked first/);
    expect(demo.stdout).toMatch(/deploy-regression\s+search\s+found: \S+, root cause ranked first/);
    expect(demo.stdout).toContain(`Data is in ${dir}`);
    const q = await run("node", [
      "bin/impactd.js",
      "query",
      "--data-dir",
      dir,
      "--format",
      "json",
      "SELECT count() AS c FROM incidents",
    ]);
    const rows = JSON.parse(q.stdout) as { c: string }[];
    expect(Number(rows[0]?.c)).toBeGreaterThan(0);
    // One incident holds the whole cascade: its root cause is the database.
    const cascade = await run("node", [
      "bin/impactd.js",
      "query",
      "--data-dir",
      dir,
      "--format",
      "json",
      "SELECT root_cause, length(services) > 3 AS many FROM incidents WHERE has(services, 'payments') AND status != 'merged'",
    ]);
    expect(JSON.parse(cascade.stdout)).toEqual([{ root_cause: "payments-db", many: 1 }]);
  });

  it("prints help for every command and fails clearly on a bad flag", async () => {
    for (const cmd of ["demo", "serve", "query"]) {
      const { stdout } = await run("node", ["bin/impactd.js", cmd, "--help"]);
      expect(stdout).toContain(`impactd ${cmd}`);
    }
    await expect(run("node", ["bin/impactd.js", "demo", "--speed", "fast"])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--speed"),
    });
  });
});
