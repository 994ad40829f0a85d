// Benchmark results as rows of `bench_results`, so runs can be compared over
// time with SQL (`impactd query "SELECT ... FROM bench_results"`). The table
// belongs to the sink's schema; this module only maps results to its rows and
// writes them through the sink's writer.
import { randomUUID } from "node:crypto";
import { openSink } from "../src/sinks/index.js";
import type { BenchResult } from "./result.js";

/** DEFAULT_STORE_DIR is where results are stored: impactd's default data directory. */
export const DEFAULT_STORE_DIR = "./impactd-data";

/** BenchRow is one `bench_results` row (the sink's BenchResultRow). */
export interface BenchRow {
  run_id: string;
  suite: string;
  case: string;
  ran_at: number;
  events_per_sec: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  peak_rss_mb: number;
  params: Record<string, string>;
  git_sha: string;
  machine: string;
  written_at: number;
}

const finite = (n: number | null | undefined): number | null =>
  n === null || n === undefined || !Number.isFinite(n) ? null : n;

/**
 * benchRows maps results to rows of one run. Figures the table has no column
 * for (events per CPU-second) travel in params, as strings like every param.
 */
export function benchRows(results: readonly BenchResult[], runId: string, now: number): BenchRow[] {
  return results.map((r) => {
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.params)) params[k] = String(v);
    const cpu = finite(r.events_per_cpu_sec);
    if (cpu !== null) params.events_per_cpu_sec = String(cpu);
    if (r.load_avg !== undefined) params.load_avg = String(r.load_avg);
    return {
      run_id: runId,
      suite: r.suite,
      case: r.case,
      ran_at: Date.parse(r.timestamp),
      events_per_sec: finite(r.events_per_sec),
      p50_ms: finite(r.p50_ms),
      p99_ms: finite(r.p99_ms),
      peak_rss_mb: r.peak_rss_mb,
      params,
      git_sha: r.git_sha,
      machine: r.machine,
      written_at: now,
    };
  });
}

interface RowWriter {
  write(rows: readonly BenchRow[]): Promise<void>;
}

/** storeResults writes one run's results into `bench_results` under `dataDir`; returns the row count. */
export async function storeResults(
  dataDir: string,
  results: readonly BenchResult[],
): Promise<number> {
  if (results.length === 0) return 0;
  const sink = await openSink({ kind: "chdb", dataDir });
  try {
    const writer = (sink as unknown as { benchResults?: RowWriter }).benchResults;
    if (writer === undefined) {
      throw new Error(
        "this build's schema has no bench_results table (it arrives with the sink's migrations)",
      );
    }
    const rows = benchRows(results, randomUUID(), Date.now());
    await writer.write(rows);
    return rows.length;
  } finally {
    await sink.close();
  }
}
