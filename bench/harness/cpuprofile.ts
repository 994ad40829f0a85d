// Reading V8 CPU profiles (`node --cpu-prof`): self time per function, so a
// benchmark can name where the time goes. WASM functions appear under the
// names of the module's name section (a `--debug` build keeps them).

/** CpuProfile is the part of a .cpuprofile file read here. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  /** Monotonic clock (µs) of the first sample's base; same clock as process.hrtime on Linux. */
  startTime?: number;
  samples: number[];
  timeDeltas: number[];
}

/** HotFunction is one function's share of the sampled time. */
export interface HotFunction {
  /** "name (file:line)", or a V8 category such as "(garbage collector)". */
  name: string;
  selfMs: number;
  /** Share of the busy (non-idle) time, 0-1. */
  share: number;
}

function label(f: CpuProfile["nodes"][number]["callFrame"]): string {
  const name = f.functionName === "" ? "(anonymous)" : f.functionName;
  if (f.url === "") return name;
  if (f.url.startsWith("wasm://")) return `${name} [wasm]`;
  const file = f.url
    .replace(/^file:\/\//, "")
    .split("/")
    .slice(-2)
    .join("/");
  return `${name} (${file}:${f.lineNumber + 1})`;
}

/**
 * hotFunctions returns the functions with the most self time, idle time left
 * out. With `under`, only samples whose stack holds a function whose name
 * matches it count (e.g. the WASM export `process`: the core's own time).
 */
export function hotFunctions(
  p: CpuProfile,
  top = 10,
  under?: RegExp,
  /** Only samples taken in [from, to] (µs of the monotonic clock, see monotonicUs). */
  window?: readonly [number, number],
): { busyMs: number; functions: HotFunction[] } {
  const byNode = new Map<number, string>();
  const fnName = new Map<number, string>();
  const parent = new Map<number, number>();
  const matches = new Map<number, boolean>();
  for (const n of p.nodes) {
    byNode.set(n.id, label(n.callFrame));
    fnName.set(n.id, n.callFrame.functionName);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const inside = (id: number): boolean => {
    const known = matches.get(id);
    if (known !== undefined) return known;
    const name = fnName.get(id) ?? "";
    const up = parent.get(id);
    const v = (under as RegExp).test(name) || (up !== undefined && inside(up));
    matches.set(id, v);
    return v;
  };
  const self = new Map<string, number>();
  let busy = 0;
  let t = p.startTime ?? 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (window !== undefined && (t < window[0] || t > window[1])) continue;
    if (under !== undefined && !inside(p.samples[i] as number)) continue;
    const name = byNode.get(p.samples[i] as number) ?? "(unknown)";
    // A sample's time is the delta to the next sample.
    const us = p.timeDeltas[i + 1] ?? 0;
    if (name === "(idle)") continue;
    busy += us;
    self.set(name, (self.get(name) ?? 0) + us);
  }
  const functions = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, selfMs: us / 1000, share: busy === 0 ? 0 : us / busy }));
  return { busyMs: busy / 1000, functions };
}

/** monotonicUs reads the clock CPU profiles are stamped with, in µs. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
