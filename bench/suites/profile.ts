// Where the time goes, from V8's sampling profiler (`node --cpu-prof`):
//
// - the WASM core, as a release build with function names (`asc ... --target
//   release --debug`, same optimisation, plus the name section) loaded from a
//   scratch copy of the package, under the core suite's workload;
// - an `impactd serve` child under gRPC load (the ingest suite's case): its
//   main thread's hottest functions, and how the server's CPU splits between
//   the main (JavaScript) thread and the others (the embedded ClickHouse's
//   threads, libuv).
//
// Each case's top functions land in params (top1 ... topN as "name share%"),
// so docs/CAPACITY.md can name the bottleneck from a run.
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/util/package-root.js";
import { type CpuProfile, type HotFunction, hotFunctions } from "../harness/cpuprofile.js";
import { runE2e } from "../harness/e2e.js";
import { type BenchResult, result } from "../result.js";

const TOP = 8;

function readProfile(dir: string): CpuProfile {
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (file === undefined) throw new Error(`no .cpuprofile written in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
}

function topParams(functions: readonly HotFunction[]): Record<string, string> {
  const out: Record<string, string> = {};
  functions.forEach((f, i) => {
    out[`top${i + 1}`] = `${f.name} ${(f.share * 100).toFixed(1)}%`;
  });
  return out;
}

function show(title: string, functions: readonly HotFunction[]): void {
  console.log(`  ${title}:`);
  for (const f of functions)
    console.log(`    ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name}`);
}

/** profileCore profiles the core with function names; returns the core's own top functions. */
function profileCore(services: number, seconds: number): BenchResult {
  const root = packageRoot();
  const tmp = mkdtempSync(join(tmpdir(), "impactd-bench-prof-"));
  try {
    const pkg = join(tmp, "pkg");
    mkdirSync(join(pkg, "build"), { recursive: true });
    cpSync(join(root, "package.json"), join(pkg, "package.json"));
    cpSync(join(root, "dist"), join(pkg, "dist"), { recursive: true });
    symlinkSync(join(root, "node_modules"), join(pkg, "node_modules"));
    const asc = join(root, "node_modules", ".bin", "asc");
    const wasm = join(pkg, "build", "core.wasm");
    execFileSync(asc, ["assembly/index.ts", "--target", "release", "--debug", "-o", wasm], {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
    });
    const profDir = join(tmp, "prof");
    const child = join(pkg, "dist", "bench", "harness", "profile-core-child.js");
    const run = spawnSync(
      process.execPath,
      ["--cpu-prof", "--cpu-prof-dir", profDir, child, String(services), String(seconds)],
      { encoding: "utf8" },
    );
    if (run.status !== 0) throw new Error(`core profile run failed: ${run.stderr}`);
    const p = readProfile(profDir);
    // Only time inside the WASM export `process`: the core's own work.
    const core = hotFunctions(p, TOP, /^assembly\/index\/process$/);
    show(`WASM core, ${services} services (share of the core's time)`, core.functions);
    return result(
      "profile",
      `core (names build), ${services} services`,
      { events_per_sec: null, p50_ms: null, p99_ms: null },
      {
        services,
        seconds,
        core_ms: Math.round(core.busyMs),
        build: "asc --target release --debug",
        share_of: "time inside the WASM export process()",
        ...topParams(core.functions),
      },
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** profileServer profiles an impactd serve child under gRPC load. */
async function profileServer(events: number): Promise<BenchResult> {
  const profDir = mkdtempSync(join(tmpdir(), "impactd-bench-prof-server-"));
  try {
    const r = await runE2e({
      via: "grpc",
      events,
      workload: { services: 1_000, batchSize: 5_000, seed: 7, faultRate: 2 },
      server: { nodeArgs: ["--cpu-prof", "--cpu-prof-dir", profDir] },
    });
    const p = readProfile(profDir);
    // The load's window only: not start-up, not the final checkpoint.
    const all = hotFunctions(p, TOP, undefined, r.windowUs);
    show(
      `impactd serve under gRPC load, main thread (${(r.mainThreadShare * 100).toFixed(0)}% of the server's CPU; the rest is other threads)`,
      all.functions,
    );
    return result(
      "profile",
      "grpc end to end, server main thread",
      {
        events_per_sec: Math.round(r.summary.eventsPerSec),
        events_per_cpu_sec: Math.round(r.eventsPerCpuSec),
        p50_ms: null,
        p99_ms: null,
        peak_rss_mb: Math.round(r.serverPeakRssMb),
      },
      {
        events: r.summary.acked,
        batch_events: 5_000,
        services: 1_000,
        main_thread_share: Number(r.mainThreadShare.toFixed(2)),
        server_cpu_s: Number(r.serverCpuSec.toFixed(2)),
        share_of: "main thread busy time while the load ran",
        ...topParams(all.functions),
      },
    );
  } finally {
    rmSync(profDir, { recursive: true, force: true });
  }
}

/** runProfileSuite names the hottest functions of the core and of the server's main thread. */
export async function runProfileSuite(opts: { quick: boolean }): Promise<BenchResult[]> {
  return [
    profileCore(10_000, opts.quick ? 2 : 6),
    await profileServer(opts.quick ? 50_000 : 300_000),
  ];
}
