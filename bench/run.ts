// `npm run bench [-- --suite NAME] [--json FILE] [--quick]`: runs the
// benchmark suites, prints a table and optionally writes JSON.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type BenchResult, machine } from "./result.js";
import { runCoreSuite } from "./suites/core.js";
import { runIngestSuite } from "./suites/ingest.js";
import { runReferenceSuite } from "./suites/reference.js";

const SUITES: Record<string, (o: { quick: boolean }) => Promise<BenchResult[]>> = {
  core: runCoreSuite,
  ingest: runIngestSuite,
  reference: runReferenceSuite,
};

const HELP = `Usage: npm run bench -- [--suite NAME]... [--json FILE] [--quick]

Suites: ${Object.keys(SUITES).join(", ")} (default: all)
  --json FILE   also write the results as a JSON array
  --quick       smaller sizes and shorter runs (smoke test)`;

function fmt(n: number | null, digits = 0): string {
  return n === null || Number.isNaN(n)
    ? "-"
    : n.toLocaleString("en-US", { maximumFractionDigits: digits });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      suite: { type: "string", multiple: true },
      json: { type: "string" },
      quick: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const names = values.suite ?? Object.keys(SUITES);
  for (const n of names) {
    if (!(n in SUITES)) {
      console.error(`bench: unknown suite "${n}"\n\n${HELP}`);
      return 2;
    }
  }
  console.log(`impactd bench on ${machine()}`);
  const all: BenchResult[] = [];
  for (const n of names) {
    console.log(`running suite ${n}...`);
    const rows = await (SUITES[n] as (o: { quick: boolean }) => Promise<BenchResult[]>)({
      quick: values.quick ?? false,
    });
    all.push(...rows);
  }
  console.table(
    all.map((r) => ({
      suite: r.suite,
      case: r.case,
      "events/s": fmt(r.events_per_sec),
      "p50 ms": fmt(r.p50_ms, 3),
      "p99 ms": fmt(r.p99_ms, 3),
      "peak RSS MB": r.peak_rss_mb,
    })),
  );
  if (values.json !== undefined) {
    writeFileSync(values.json, `${JSON.stringify(all, null, 2)}\n`);
    console.log(`wrote ${all.length} results to ${values.json}`);
  }
  return 0;
}

process.exitCode = await main();
