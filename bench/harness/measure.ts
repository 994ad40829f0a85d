// Timing helpers for in-process cases. tinybench runs the task on a CPU-time
// clock (process.cpuUsage: every thread of this process), so the per-call
// samples and the events per CPU-second hold steady when other work shares
// the machine; wall-clock throughput over the same calls is reported beside
// it.
import { Bench } from "tinybench";

/** cpuNowMs is this process's CPU time (user + system, all threads) in ms. */
export function cpuNowMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Measured is the outcome of measureCalls. */
export interface Measured {
  /** Events per wall-clock second over every call (warm-up included). */
  eventsPerSec: number;
  /**
   * Events per CPU-second of this process at the median call. The median,
   * not the mean: on a shared machine a call's CPU time is inflated now and
   * then by another process evicting the caches; the mean is kept beside it.
   */
  eventsPerCpuSec: number;
  /** Events per CPU-second over the mean call. */
  eventsPerCpuSecMean: number;
  /** Median and 99th percentile CPU time of one call, ms. */
  p50CpuMs: number;
  p99CpuMs: number;
  calls: number;
}

/**
 * measureCalls runs `fn` (which handles `eventsPerCall` events) under
 * tinybench for about `timeMs` of CPU time after a warm-up. `before` runs
 * outside the timed window before each call (e.g. to reset exhausted input).
 */
export async function measureCalls(
  name: string,
  fn: () => void,
  opts: { eventsPerCall: number; timeMs: number; before?: () => void },
): Promise<Measured> {
  let calls = 0;
  const bench = new Bench({ time: opts.timeMs, warmup: true, now: cpuNowMs, throws: true });
  bench.add(
    name,
    () => {
      calls++;
      fn();
    },
    opts.before === undefined ? {} : { beforeEach: opts.before },
  );
  const wall0 = performance.now();
  await bench.run();
  const wallMs = performance.now() - wall0;
  const r = bench.tasks[0]?.result;
  if (r === undefined || !("latency" in r)) {
    throw new Error(`bench ${name} failed: ${JSON.stringify(r)}`);
  }
  const events = calls * opts.eventsPerCall;
  return {
    eventsPerSec: events / (wallMs / 1000),
    // Samples are CPU time of the calls alone; the hooks' time is outside them.
    eventsPerCpuSec: opts.eventsPerCall / (r.latency.p50 / 1000),
    eventsPerCpuSecMean: opts.eventsPerCall / (r.latency.mean / 1000),
    p50CpuMs: r.latency.p50,
    p99CpuMs: r.latency.p99,
    calls,
  };
}
