// The benchmark report logic on small hand-made runs: chart ticks and SVG,
// the capacity page's verdicts and arithmetic, the Alertmanager noise
// counting, bench_results rows, suite discovery and CPU profile reading.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CpuProfile, hotFunctions } from "../../bench/harness/cpuprofile.js";
import { countIncidents, countNotifications } from "../../bench/harness/noise.js";
import { discoverSuites, exportName } from "../../bench/registry.js";
import { facts, renderCapacity, sizing } from "../../bench/report/capacity-md.js";
import { capacityPlot } from "../../bench/report/plot.js";
import { alertmanagerSection, passSection } from "../../bench/report/sections.js";
import { escapeXml, formatTick, linearTicks, logTicks } from "../../bench/report/svg.js";
import { writeReport } from "../../bench/report/write.js";
import type { BenchResult } from "../../bench/result.js";
import { benchRows } from "../../bench/store.js";
import type { InjectedFault } from "../../src/load/index.js";

function row(
  suite: string,
  name: string,
  f: Partial<BenchResult> = {},
  params: BenchResult["params"] = {},
): BenchResult {
  return {
    suite,
    case: name,
    events_per_sec: null,
    p50_ms: null,
    p99_ms: null,
    peak_rss_mb: 300,
    events_per_cpu_sec: null,
    params,
    load_avg: 3.5,
    git_sha: "abc1234",
    timestamp: "2026-11-23T10:00:00.000Z",
    machine: "2 x Test CPU, 8 GiB, node v20",
    ...f,
  };
}

/** A small run: two core sizes, two memory sizes, two end-to-end sizes, batches, latency. */
function run(): BenchResult[] {
  return [
    row(
      "core",
      "100 services",
      { events_per_cpu_sec: 25_000_000, events_per_sec: 20_000_000 },
      { services: 100, events_per_cpu_sec_mean: 24_000_000 },
    ),
    row(
      "core",
      "1000 services",
      { events_per_cpu_sec: 21_000_000, events_per_sec: 19_000_000 },
      { services: 1_000 },
    ),
    row("scaling", "memory, 100 services", {}, { services: 100, memory_mb: 10 }),
    row("scaling", "memory, 10100 services", {}, { services: 10_100, memory_mb: 20 }),
    row("scaling", "memory, 1000 journeys", {}, { journeys: 1_000, bytes_per_journey: 4_000 }),
    row("scaling", "memory, de-dup window of 1000000 ids", {}, { bytes_per_id: 70 }),
    row(
      "scaling",
      "grpc end to end, 100 services",
      { events_per_sec: 100_000, events_per_cpu_sec: 60_000, peak_rss_mb: 400 },
      { services: 100, main_thread_share: 0.4 },
    ),
    row(
      "scaling",
      "grpc end to end, 10100 services",
      { events_per_sec: 90_000, events_per_cpu_sec: 50_000, peak_rss_mb: 450 },
      { services: 10_100, main_thread_share: 0.4 },
    ),
    row(
      "ingest",
      "grpc batch 1000 -> core -> chdb",
      { events_per_sec: 80_000, events_per_cpu_sec: 40_000 },
      { batch_events: 1_000, main_thread_share: 0.5 },
    ),
    row(
      "latency",
      "ingest-to-incident at 10000 events/s",
      { p50_ms: 5, p99_ms: 20 },
      { offered_events_per_sec: 10_000, achieved_share: 1, lateness_ms: 0 },
    ),
    row(
      "latency",
      "ingest-to-incident at 100000 events/s",
      { p50_ms: 300, p99_ms: 900 },
      { offered_events_per_sec: 100_000, achieved_share: 0.6, lateness_ms: 0 },
    ),
  ];
}

describe("svg charts", () => {
  it("picks round ticks", () => {
    expect(logTicks(100, 100_000)).toEqual([100, 1_000, 10_000, 100_000]);
    expect(logTicks(10, 100)).toEqual([10, 20, 50, 100]);
    expect(linearTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(formatTick(1_500_000)).toBe("1.5M");
    expect(formatTick(250_000)).toBe("250k");
    expect(formatTick(0.5)).toBe("0.5");
    expect(escapeXml('a<b & "c">')).toBe("a&lt;b &amp; &quot;c&quot;&gt;");
  });

  it("draws every measured point, hollow where the offered load was not sustained", () => {
    const svg = capacityPlot(run());
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    for (const title of [
      "Throughput as the estate grows",
      "Memory as the estate grows",
      "End to end as the batch grows",
      "Ingest-to-incident latency vs offered load",
    ]) {
      expect(svg).toContain(title);
    }
    // core 2 + e2e per CPU 2 + e2e wall 2; memory 2 + RSS 2; one batch row x 2; latency 2 x 2.
    expect(svg.match(/<circle /g)).toHaveLength(16);
    expect(svg.match(/fill="white" stroke/g)).toHaveLength(2);
    expect(svg).toContain("abc1234, 2026-11-23, 2 x Test CPU");
    expect(svg).toContain("load average 3.5-3.5");
  });

  it("says so when a panel has no data", () => {
    const svg = capacityPlot(run().filter((r) => r.suite !== "latency"));
    expect(svg).toContain("no data in this run");
  });
});

describe("capacity page", () => {
  it("judges each target from the run", () => {
    const md = renderCapacity(run(), {
      runFile: "docs/run.json",
      plotFile: "capacity.svg",
      profileText: [],
      passText: [],
      amText: [],
    });
    expect(md).toContain(
      "Measured **2026-11-23** on **2 x Test CPU, 8 GiB, node v20**, commit abc1234",
    );
    expect(md).toMatch(
      /core alone >= 20,000,000 .* 21,000,000 events per CPU-second at 1,000 services.*\*\*met\*\*/,
    );
    expect(md).toMatch(/embedded end to end >= 500,000 .* 100,000 events\/s .*\*\*not met\*\*/);
    expect(md).toMatch(
      /p99 ingest-to-incident .* p99 900 ms.* 60% of the offered load sustained \| \*\*not met\*\*/,
    );
    expect(md).toMatch(/NATS JetStream .* not measured/);
    expect(md).toContain("![Throughput and memory");
  });

  it("derives memory per service from the slope between estate sizes", () => {
    const f = facts(run());
    expect(f.bytesPerService).toBeCloseTo((10 * 2 ** 20) / 10_000, 6);
    expect(f.bytesPerJourney).toBe(4_000);
    expect(f.bytesPerId).toBe(70);
  });

  it("works the sizing example from the best end-to-end rate", () => {
    const text = sizing(facts(run())).join("\n");
    // min(100,000 wall, 2 x 60,000 per core) = 100,000; at 70%: 70,000; 200,000 / 70,000 -> 3.
    expect(text).toContain("**100,000 events/s**");
    expect(text).toContain("**3 instances**");
    // 450 MB + 5,000 x 1,048.576 bytes = 455 MB each.
    expect(text).toContain("= 455 MB");
  });

  it("names the limit of a missed end-to-end target with its arithmetic", () => {
    const text = passSection(run(), facts(run())).join("\n");
    // 1e6 / 60,000 = 16.7 µs per event, 40% on the main thread = 6.7 µs -> 150,000 events/s.
    expect(text).toContain("costs the server 16.7 µs of CPU: 6.7 µs on the main thread");
    expect(text).toContain("at most 150,000 events/s on its main thread and 120,000 events/s on");
    expect(text).toContain("did not sustain 100,000 events/s");
    expect(text).not.toContain("**Core.**");
  });

  it("reports the Alertmanager comparison as ratios", () => {
    const am = [
      row(
        "alertmanager",
        "alerts/s accepted: alertmanager",
        { events_per_sec: 10_000, events_per_cpu_sec: 20_000 },
        { alerts: 6_400, stores: "memory" },
      ),
      row(
        "alertmanager",
        "alerts/s accepted: impactd",
        { events_per_sec: 5_000, events_per_cpu_sec: 4_000 },
        { alerts: 6_400 },
      ),
      row(
        "alertmanager",
        "storm outputs: alertmanager notifications",
        {},
        { pages: 100, faults: 10, alerts_sent: 20_000, group_by: "alertname", timers: "t" },
      ),
      row(
        "alertmanager",
        "storm outputs: impactd incidents",
        {},
        { pages: 20, faults: 10, alerts_sent: 20_000 },
      ),
    ];
    const text = alertmanagerSection(am).join("\n");
    expect(text).toContain("| 10,000 | 5,000 | 0.5 |");
    expect(text).toContain("| 20,000 | 4,000 | 0.2 |");
    expect(text).toContain("| 100 | 20 | 0.2 |");
    expect(alertmanagerSection([]).join("\n")).toContain("was not part of this run");
  });

  it("writes the plot and the page", () => {
    const written = new Map<string, string>();
    const files = writeReport(run(), {
      outDir: "out",
      runFile: "docs/run.json",
      write: (p, t) => written.set(p, t),
    });
    expect(files).toEqual([join("out", "capacity.svg"), join("out", "CAPACITY.md")]);
    expect(written.get(join("out", "CAPACITY.md"))).toContain("from docs/run.json");
  });
});

describe("noise counting", () => {
  const names = ["a", "b", "c", "d", "e"];
  const fault = (id: number, root: number, symptoms: number[]): InjectedFault => ({
    id,
    root,
    rootName: names[root] as string,
    startMs: 0,
    endMs: 1,
    symptoms,
    deploy: false,
  });
  const faults = [fault(0, 0, [1]), fault(1, 2, [])];
  const alert = (service: string, status = "firing") => ({ status, labels: { service } });

  it("counts Alertmanager's firing notifications, faults named, isolated and noise", () => {
    const c = countNotifications(
      [
        { status: "firing", groupKey: "g1", alerts: [alert("a")] },
        { status: "firing", groupKey: "g2", alerts: [alert("b")] },
        { status: "firing", groupKey: "g3", alerts: [alert("a"), alert("c")] },
        { status: "firing", groupKey: "g4", alerts: [alert("e")] },
        { status: "resolved", groupKey: "g1", alerts: [alert("a", "resolved")] },
      ],
      faults,
      names,
    );
    expect(c).toEqual({
      outputs: 5,
      pages: 4,
      resolved: 1,
      groups: 4,
      faultsCovered: 2,
      faultsIsolated: 1,
      noisePages: 1,
    });
  });

  it("counts impactd's incidents, merged ones apart", () => {
    const c = countIncidents(
      [
        { id: "1", merged: false, services: ["a", "b", "c"] },
        { id: "2", merged: true, services: ["c"] },
        { id: "3", merged: false, services: ["d"] },
      ],
      faults,
      names,
    );
    expect(c).toEqual({
      outputs: 3,
      pages: 2,
      resolved: 0,
      groups: 2,
      faultsCovered: 2,
      faultsIsolated: 0,
      noisePages: 1,
    });
  });
});

describe("bench plumbing", () => {
  it("maps results to bench_results rows", () => {
    const [r] = benchRows(
      [
        row(
          "core",
          "x",
          { events_per_sec: Number.NaN, events_per_cpu_sec: 5, p50_ms: 1.5 },
          { services: 10, quick: true },
        ),
      ],
      "run-1",
      42,
    );
    expect(r).toMatchObject({
      run_id: "run-1",
      suite: "core",
      case: "x",
      ran_at: Date.parse("2026-11-23T10:00:00.000Z"),
      events_per_sec: null,
      p50_ms: 1.5,
      p99_ms: null,
      params: { services: "10", quick: "true", events_per_cpu_sec: "5", load_avg: "3.5" },
      written_at: 42,
    });
  });

  it("finds suites by file, in the preferred order", () => {
    const dir = mkdtempSync(join(tmpdir(), "impactd-suites-"));
    try {
      for (const f of [
        "zeta.js",
        "core.js",
        "alertmanager.js",
        "ingest.js",
        "alpha.js",
        "x.js.map",
      ])
        writeFileSync(join(dir, f), "");
      expect(discoverSuites(dir)).toEqual(
        ["core", "ingest", "alertmanager", "alpha", "x", "zeta"].filter((s) => s !== "x"),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(exportName("core-cpu")).toBe("runCoreCpuSuite");
    expect(exportName("nats")).toBe("runNatsSuite");
  });

  it("reads self time per function from a CPU profile", () => {
    const p: CpuProfile = {
      nodes: [
        { id: 1, callFrame: { functionName: "(root)", url: "", lineNumber: -1 }, children: [2, 4] },
        {
          id: 2,
          callFrame: { functionName: "process", url: "wasm://wasm/abc", lineNumber: 0 },
          children: [3],
        },
        {
          id: 3,
          callFrame: {
            functionName: "assembly/stream/apply",
            url: "wasm://wasm/abc",
            lineNumber: 0,
          },
        },
        { id: 4, callFrame: { functionName: "(idle)", url: "", lineNumber: -1 } },
        {
          id: 5,
          callFrame: {
            functionName: "decode",
            url: "file:///x/dist/src/gen/event.js",
            lineNumber: 9,
          },
        },
      ],
      samples: [3, 3, 2, 4, 5],
      timeDeltas: [0, 1000, 1000, 1000, 1000, 1000],
    };
    const all = hotFunctions(p);
    expect(all.busyMs).toBe(4);
    expect(all.functions[0]).toEqual({
      name: "assembly/stream/apply [wasm]",
      selfMs: 2,
      share: 0.5,
    });
    expect(all.functions.map((f) => f.name)).toContain("decode (gen/event.js:10)");
    const core = hotFunctions(p, 10, /^process$/);
    expect(core.busyMs).toBe(3);
    expect(core.functions.map((f) => f.name)).toEqual([
      "assembly/stream/apply [wasm]",
      "process [wasm]",
    ]);
  });
});
