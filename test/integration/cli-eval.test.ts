// `impactd eval` as a user runs it (the built CLI): one JSON object on
// stdout with every promised key, the report file, the stored eval_reports
// row, and clear usage errors.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "impactd-eval-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEYS = [
  "cases",
  "rca_top1",
  "rca_top3",
  "missed_faults",
  "noise_reduction",
  "detection_latency_p50_ms",
  "detection_latency_p95_ms",
  "prediction_lead_time_median_s",
  "prediction_false_alarm_rate",
  "impact_error",
  "deterministic",
];

describe("impactd eval (built CLI)", () => {
  it("runs 10 cases end to end, prints one JSON object, writes the file and stores the report", async () => {
    const data = join(dir, "data");
    const out = join(dir, "report.json");
    const { stdout, stderr } = await run(
      "node",
      ["bin/impactd.js", "eval", "--cases", "10", "--json", "--out", out, "--data-dir", data],
      { env: { ...process.env, CI: "true" }, maxBuffer: 64 * 1024 * 1024 },
    );
    expect(stdout.trim().split("\n")).toHaveLength(1);
    const report = JSON.parse(stdout) as Record<string, unknown>;
    for (const k of KEYS) expect(report, k).toHaveProperty(k);
    expect(report.cases).toBe(10);
    expect(typeof report.deterministic).toBe("boolean");
    const top1 = report.rca_top1 as number;
    const top3 = report.rca_top3 as number;
    expect(top1).toBeGreaterThanOrEqual(0);
    expect(top3).toBeGreaterThanOrEqual(top1);
    expect(top3).toBeLessThanOrEqual(1);
    expect(report.noise_reduction as number).toBeLessThanOrEqual(1);
    expect(report.impact_error as number).toBeGreaterThanOrEqual(0);
    expect((report.case_results as unknown[]).length).toBe(10);
    expect(Object.keys(report.by_estate as object).sort()).toEqual([
      "random",
      "shop",
      "sock-shop",
      "train-ticket",
    ]);
    expect(stderr).toContain("10/10 cases");
    expect(JSON.parse(readFileSync(out, "utf8"))).toMatchObject({
      cases: 10,
      rca_top1: report.rca_top1,
    });
    const q = await run("node", [
      "bin/impactd.js",
      "query",
      "--data-dir",
      data,
      "--format",
      "json",
      "SELECT cases, rca_top1, missed_faults, JSONExtractUInt(report, 'cases') AS in_report FROM eval_reports",
    ]);
    expect(JSON.parse(q.stdout)).toEqual([
      {
        cases: 10,
        rca_top1: report.rca_top1,
        missed_faults: report.missed_faults,
        in_report: "10",
      },
    ]);
  });

  it("prints a table per estate and kind, and honours --estate", async () => {
    const { stdout } = await run("node", [
      "bin/impactd.js",
      "eval",
      "--cases",
      "2",
      "--estate",
      "sock-shop",
      "--no-store",
      "--no-replay",
    ]);
    expect(stdout).toMatch(/estate sock-shop\s+2/);
    expect(stdout).toMatch(/^total\s+2/m);
    expect(stdout).not.toContain("estate shop");
  });

  it("fails clearly on bad usage", async () => {
    const { stdout } = await run("node", ["bin/impactd.js", "eval", "--help"]);
    expect(stdout).toContain("impactd eval");
    for (const args of [["--cases", "zero"], ["--estate", "moon"], ["--bogus"]]) {
      await expect(run("node", ["bin/impactd.js", "eval", ...args])).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/impactd eval: /),
      });
    }
  });
});
