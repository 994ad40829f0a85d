// One benchmark result row: printed as a table, written as JSON with
// --json FILE, comparable across runs (git sha, machine, time).
import { execFileSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";

/** BenchResult is one measured case. */
export interface BenchResult {
  suite: string;
  case: string;
  events_per_sec: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  peak_rss_mb: number;
  /**
   * Events per CPU-second of the process doing the work (all its threads):
   * "events/s per core", steadier than wall time on a shared machine. Null
   * where not measured.
   */
  events_per_cpu_sec?: number | null;
  params: Record<string, string | number | boolean>;
  /** 1-minute load average when the case finished: above the core count, the machine was shared. */
  load_avg?: number;
  git_sha: string;
  timestamp: string;
  machine: string;
}

let sha: string | undefined;

/** gitSha is the commit the benchmark ran on ("unknown" outside a checkout). */
export function gitSha(): string {
  if (sha === undefined) {
    try {
      sha = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
        stdio: ["ignore", "pipe", "ignore"],
      })
        .toString()
        .trim();
    } catch {
      sha = "unknown";
    }
  }
  return sha;
}

/** machine describes the host in one line. */
export function machine(): string {
  const c = cpus();
  return `${c.length} x ${c[0]?.model.trim() ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
}

/** loadAverage is the 1-minute load average, rounded to 2 decimals. */
export function loadAverage(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

let peakRss = 0;
/** samplePeakRss records the current RSS and returns the peak so far, in MB. */
export function samplePeakRss(): number {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  return Math.round(peakRss / 2 ** 20);
}

/** result fills in the common fields of a BenchResult (peak RSS: this process's, unless given). */
export function result(
  suite: string,
  name: string,
  fields: {
    events_per_sec: number | null;
    p50_ms: number | null;
    p99_ms: number | null;
    events_per_cpu_sec?: number | null;
    peak_rss_mb?: number;
  },
  params: BenchResult["params"],
): BenchResult {
  return {
    suite,
    case: name,
    ...fields,
    events_per_cpu_sec: fields.events_per_cpu_sec ?? null,
    peak_rss_mb: fields.peak_rss_mb ?? samplePeakRss(),
    params,
    load_avg: loadAverage(),
    git_sha: gitSha(),
    timestamp: new Date().toISOString(),
    machine: machine(),
  };
}
