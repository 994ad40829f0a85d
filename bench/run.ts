// `npm run bench [-- --suite NAME]... [--json FILE] [--quick] [--store DIR | --no-store]`:
// runs the benchmark suites (bench/registry.ts finds them), prints a table,
// optionally writes JSON and stores the rows in `bench_results`.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { discoverSuites, loadSuite } from "./registry.js";
import { type BenchResult, loadAverage, machine } from "./result.js";
import { DEFAULT_STORE_DIR, storeResults } from "./store.js";

function fmt(n: number | null | undefined, digits = 0): string {
  return n === null || n === undefined || Number.isNaN(n)
    ? "-"
    : n.toLocaleString("en-US", { maximumFractionDigits: digits });
}

async function main(): Promise<number> {
  const suitesDir = join(dirname(fileURLToPath(import.meta.url)), "suites");
  const known = discoverSuites(suitesDir);
  const help = `Usage: npm run bench -- [--suite NAME]... [--json FILE] [--quick] [--store DIR | --no-store]

Suites: ${known.join(", ")} (default: all, in this order)
  --suite NAME  run only this suite (repeatable)
  --json FILE   also write the results as a JSON array
  --quick       smaller sizes and shorter runs (smoke test)
  --store DIR   embedded ClickHouse directory whose bench_results table gets the rows
                (default ${DEFAULT_STORE_DIR}, where \`impactd query\` looks)
  --no-store    do not store the rows`;
  let values: {
    suite?: string[];
    json?: string;
    quick?: boolean;
    help?: boolean;
    store?: string;
    "no-store"?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        suite: { type: "string", multiple: true },
        json: { type: "string" },
        quick: { type: "boolean", default: false },
        store: { type: "string" },
        "no-store": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`bench: ${(err as Error).message}\n\n${help}`);
    return 2;
  }
  if (values.help) {
    console.log(help);
    return 0;
  }
  const names = values.suite ?? known;
  for (const n of names) {
    if (!known.includes(n)) {
      console.error(`bench: unknown suite "${n}"\n\n${help}`);
      return 2;
    }
  }
  console.log(`impactd bench on ${machine()}; load average ${loadAverage()} at start`);
  const all: BenchResult[] = [];
  for (const n of names) {
    console.log(`running suite ${n}...`);
    const suite = await loadSuite(suitesDir, n);
    all.push(...(await suite({ quick: values.quick ?? false })));
  }
  console.table(
    all.map((r) => ({
      suite: r.suite,
      case: r.case,
      "events/s": fmt(r.events_per_sec),
      "events/CPU-s": fmt(r.events_per_cpu_sec),
      "p50 ms": fmt(r.p50_ms, 3),
      "p99 ms": fmt(r.p99_ms, 3),
      "peak RSS MB": r.peak_rss_mb,
    })),
  );
  console.log(
    `load average ${loadAverage()} at end (2 cores; above 2 means the run shared the CPU)`,
  );
  if (values.json !== undefined) {
    writeFileSync(values.json, `${JSON.stringify(all, null, 2)}\n`);
    console.log(`wrote ${all.length} results to ${values.json}`);
  }
  if (values["no-store"] !== true) {
    const dir = values.store ?? DEFAULT_STORE_DIR;
    try {
      const n = await storeResults(dir, all);
      console.log(
        `stored ${n} rows in bench_results (${dir}); query them with impactd query --data-dir ${dir}`,
      );
    } catch (err) {
      console.error(`bench: could not store the rows in ${dir}: ${(err as Error).message}`);
      return 1;
    }
  }
  return 0;
}

process.exitCode = await main();
