// What a child process used, read from /proc (Linux): CPU time per thread
// and in total, resident memory now and at its peak (VmHWM). Benchmarks that
// run a server as a child read it before and after the timed window, so the
// server's cost is measured apart from the load generator's.
import { readdirSync, readFileSync } from "node:fs";

/** CLOCK_TICKS is the kernel's USER_HZ (ticks per second in /proc/<pid>/stat). */
export const CLOCK_TICKS = 100;

/** ProcUsage is a snapshot of one process. */
export interface ProcUsage {
  /** CPU seconds (user + system) of all threads. */
  cpuSec: number;
  /** CPU seconds of the main thread (the JavaScript event loop for node). */
  mainCpuSec: number;
  rssMb: number;
  /** Peak resident memory so far. */
  hwmMb: number;
}

// utime and stime are fields 14 and 15; the command name (field 2) may hold spaces.
function ticks(statText: string): number {
  const rest = statText.slice(statText.lastIndexOf(")") + 2).split(" ");
  return Number(rest[11]) + Number(rest[12]);
}

function statusKb(text: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text);
  return m === null ? 0 : Number(m[1]);
}

/** procUsage reads a snapshot of process `pid`; undefined when /proc is unavailable or it is gone. */
export function procUsage(pid: number): ProcUsage | undefined {
  try {
    const total = ticks(readFileSync(`/proc/${pid}/stat`, "utf8"));
    const main = ticks(readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8"));
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return {
      cpuSec: total / CLOCK_TICKS,
      mainCpuSec: main / CLOCK_TICKS,
      rssMb: statusKb(status, "VmRSS") / 1024,
      hwmMb: statusKb(status, "VmHWM") / 1024,
    };
  } catch {
    return undefined;
  }
}

/** threadCount is how many threads process `pid` has (0 when unknown). */
export function threadCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).length;
  } catch {
    return 0;
  }
}
