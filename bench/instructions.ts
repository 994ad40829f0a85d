// Instructions per event of the core alone, counted by valgrind rather than
// timed: the same count whatever else the machine is doing, so it shows
// whether the work an event costs depends on the estate's size, apart from
// what the caches make of it (the core suite measures time).
//
//   npm run bench:instructions                 # every size in CORE_SIZES
//   npm run bench:instructions -- 100 100000   # only these sizes
//
// For each size it runs the core under `valgrind --tool=cachegrind
// --cache-sim=no` twice, on FEW and on MANY batches of the core suite's
// workload, and divides the difference in instructions by the difference
// in events: start-up, preparing the data, topology loading and
// compilation cancel out.
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { TenantCore } from "../src/core/tenant-core.js";
import { batches, CORE_SIZES, topology } from "./suites/core.js";

const BATCH = 10_000;
const FEW = 2;
const MANY = 32;

/**
 * runCore prepares MANY batches of the core suite's workload and applies
 * the first `count` to a fresh core at `services`: both runs prepare the
 * same data, so only applying it differs.
 */
function runCore(services: number, count: number): void {
  const data = batches(services, BATCH, MANY, Date.UTC(2026, 0, 1)).slice(0, count);
  const core = new TenantCore();
  core.setTopology(topology(services, 3));
  for (const b of data) core.core.process(core.core.loadInput(b));
}

// valgrind prints "==pid== I   refs:      1,234,567" on stderr.
function instructions(services: number, count: number): number {
  const run = spawnSync(
    "valgrind",
    [
      "--tool=cachegrind",
      "--cache-sim=no",
      "--cachegrind-out-file=/dev/null",
      process.execPath,
      // No background compiler or collector threads, and no tiering up
      // part-way (WebAssembly compiled optimised from the start, JavaScript
      // left unoptimised): such work would land in one run and not the other.
      "--predictable",
      "--single-threaded",
      "--no-liftoff",
      "--no-wasm-tier-up",
      "--no-opt",
      "--no-sparkplug",
      fileURLToPath(import.meta.url),
      "--child",
      String(services),
      String(count),
    ],
    { encoding: "utf8", maxBuffer: 64 * 2 ** 20 },
  );
  const m = /I\s+refs:\s+([\d,]+)/.exec(run.stderr);
  if (run.status !== 0 || m === null) {
    throw new Error(`valgrind run failed (exit ${run.status}):\n${run.stderr.slice(-2000)}`);
  }
  return Number((m[1] as string).replaceAll(",", ""));
}

function main(argv: string[]): void {
  if (argv[0] === "--child") {
    runCore(Number(argv[1]), Number(argv[2]));
    return;
  }
  if (argv.includes("-h") || argv.includes("--help")) {
    console.log(
      "Usage: npm run bench:instructions [-- SERVICES...]\n\nInstructions per event of the WASM core, counted by valgrind (cachegrind),\nat each estate size (default: 100 1000 10000 100000).",
    );
    return;
  }
  try {
    execFileSync("valgrind", ["--version"], { stdio: "ignore" });
  } catch {
    console.error("bench:instructions: valgrind is not installed (apt-get install valgrind)");
    process.exitCode = 2;
    return;
  }
  const sizes = argv.length > 0 ? argv.map(Number) : CORE_SIZES;
  for (const services of sizes) {
    if (!Number.isSafeInteger(services) || services < 1) {
      console.error(`bench:instructions: ${services} is not a number of services`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`bench:instructions: ${services} services...\n`);
    const few = instructions(services, FEW);
    const many = instructions(services, MANY);
    const perEvent = (many - few) / ((MANY - FEW) * BATCH);
    console.log(`core ${services} services: ${perEvent.toFixed(1)} instructions/event`);
  }
}

main(process.argv.slice(2));
