// `npm run bench:report [-- --from FILE] [--quick] [--out DIR]`: runs every
// benchmark suite (writing the run to docs/capacity-run.json), then writes
// the capacity plot (docs/capacity.svg) and docs/CAPACITY.md from it. With
// --from, only regenerates the two from a stored run.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { packageRoot } from "../src/util/package-root.js";
import { writeReport } from "./report/write.js";
import type { BenchResult } from "./result.js";

const HELP = `Usage: npm run bench:report -- [--from FILE] [--quick] [--out DIR] [--no-store]

Without --from: runs all benchmark suites (npm run bench) and keeps the run as
DIR/capacity-run.json. Then writes DIR/capacity.svg and DIR/CAPACITY.md from
the run. DIR defaults to docs/.

  --from FILE   regenerate the plot and page from a stored run (no benchmarks)
  --quick       smaller, shorter suites (smoke test; not for publishing)
  --out DIR     where the files go (default docs/)
  --no-store    do not store the run's rows in bench_results`;

function main(): number {
  let values: {
    from?: string;
    quick?: boolean;
    out?: string;
    "no-store"?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        from: { type: "string" },
        quick: { type: "boolean", default: false },
        out: { type: "string" },
        "no-store": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`bench:report: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const out = values.out ?? join(packageRoot(), "docs");
  let runFile = values.from;
  if (runFile === undefined) {
    runFile = join(out, "capacity-run.json");
    const run = spawnSync(
      process.execPath,
      [
        join(dirname(fileURLToPath(import.meta.url)), "run.js"),
        "--json",
        runFile,
        ...(values.quick ? ["--quick"] : []),
        ...(values["no-store"] ? ["--no-store"] : []),
      ],
      { stdio: "inherit" },
    );
    if (run.status !== 0) {
      console.error(`bench:report: the benchmark run failed (exit ${run.status})`);
      return 1;
    }
  }
  const rows = JSON.parse(readFileSync(runFile, "utf8")) as BenchResult[];
  if (!Array.isArray(rows) || rows.length === 0) {
    console.error(`bench:report: ${runFile} holds no results`);
    return 2;
  }
  const files = writeReport(rows, {
    outDir: out,
    runFile: relative(packageRoot(), runFile),
    write: writeFileSync,
  });
  for (const f of files) console.log(`bench:report: wrote ${f}`);
  return 0;
}

process.exitCode = main();
