// The capacity plot (docs/capacity.svg): four panels a capacity engineer
// reads at a glance, all from one benchmark run's results.
//   1. throughput as the estate grows (core alone; gRPC end to end);
//   2. memory as the estate grows (one tenant in process; server peak RSS);
//   3. end-to-end throughput as the batch size grows (gRPC, OTLP);
//   4. ingest-to-incident latency as offered load grows to saturation.
import type { BenchResult } from "../result.js";
import { type Panel, renderFigure, type Series } from "./svg.js";

/** TARGETS are the performance targets of SPEC section 8. */
export const TARGETS = {
  coreEventsPerCpuSec: 20_000_000,
  e2eEventsPerSec: 500_000,
  latencyP99Ms: 50,
  latencyAtEventsPerSec: 100_000,
  natsEventsPerSec: 300_000,
  memoryMb: 1024,
} as const;

const num = (v: unknown): number => (typeof v === "number" ? v : Number(v));

function pts(
  rows: readonly BenchResult[],
  x: (r: BenchResult) => number,
  y: (r: BenchResult) => number | null | undefined,
  hollow?: (r: BenchResult) => boolean,
): Series["points"] {
  return rows
    .map((r) => ({ x: x(r), y: y(r) ?? Number.NaN, hollow: hollow?.(r) ?? false }))
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
    .sort((a, b) => a.x - b.x);
}

const of = (rows: readonly BenchResult[], suite: string, re: RegExp) =>
  rows.filter((r) => r.suite === suite && re.test(r.case));

/** capacityPanels builds the four panels from a run's results. */
export function capacityPanels(rows: readonly BenchResult[]): Panel[] {
  const core = of(rows, "core", /^\d+ services$/);
  const e2e = of(rows, "scaling", /^grpc end to end, \d+ services$/);
  const mem = of(rows, "scaling", /^memory, \d+ services$/);
  const ingest = of(rows, "ingest", /^grpc batch/);
  const otlp = of(rows, "otlp", /^otlp batch/);
  const lat = of(rows, "latency", /^ingest-to-incident/).filter(
    (r) => num(r.params.lateness_ms) === 0,
  );
  const services = (r: BenchResult) => num(r.params.services);
  const batch = (r: BenchResult) => num(r.params.batch_events);
  const saturated = (r: BenchResult) => num(r.params.achieved_share) < 0.95;
  return [
    {
      title: "Throughput as the estate grows",
      x: { label: "services in the topology", log: true },
      y: { label: "events per second", log: true },
      series: [
        {
          name: "core alone, per CPU-s",
          color: "#1f77b4",
          points: pts(core, services, (r) => r.events_per_cpu_sec),
        },
        {
          name: "gRPC end to end, per server CPU-s",
          color: "#d62728",
          points: pts(e2e, services, (r) => r.events_per_cpu_sec),
        },
        {
          name: "gRPC end to end, wall",
          color: "#d62728",
          dashed: true,
          points: pts(e2e, services, (r) => r.events_per_sec),
        },
      ],
      lines: [
        { y: TARGETS.coreEventsPerCpuSec, label: "core target 20M/core", color: "#1f77b4" },
        { y: TARGETS.e2eEventsPerSec, label: "end-to-end target 500k/s", color: "#d62728" },
      ],
    },
    {
      title: "Memory as the estate grows",
      x: { label: "services in the topology", log: true },
      y: { label: "MB", log: true },
      series: [
        {
          name: "one tenant (heap + WASM)",
          color: "#2ca02c",
          points: pts(mem, services, (r) => num(r.params.memory_mb)),
        },
        {
          name: "server peak RSS under load",
          color: "#9467bd",
          points: pts(e2e, services, (r) => r.peak_rss_mb),
        },
      ],
      lines: [{ y: TARGETS.memoryMb, label: "1 GiB", color: "#555" }],
    },
    {
      title: "End to end as the batch grows",
      x: { label: "events per batch", log: true },
      y: { label: "events per second", log: true },
      series: [
        {
          name: "gRPC, wall",
          color: "#d62728",
          points: pts(ingest, batch, (r) => r.events_per_sec),
        },
        {
          name: "gRPC, per server CPU-s",
          color: "#d62728",
          dashed: true,
          points: pts(ingest, batch, (r) => r.events_per_cpu_sec),
        },
        { name: "OTLP, wall", color: "#ff7f0e", points: pts(otlp, batch, (r) => r.events_per_sec) },
      ],
      lines: [{ y: TARGETS.e2eEventsPerSec, label: "target 500k/s", color: "#d62728" }],
    },
    {
      title: "Ingest-to-incident latency vs offered load",
      x: { label: "offered events per second (hollow: not sustained)", log: true },
      y: { label: "ms, batch sent to incident update", log: true },
      series: [
        {
          name: "p50",
          color: "#17becf",
          points: pts(
            lat,
            (r) => num(r.params.offered_events_per_sec),
            (r) => r.p50_ms,
            saturated,
          ),
        },
        {
          name: "p99",
          color: "#8c564b",
          points: pts(
            lat,
            (r) => num(r.params.offered_events_per_sec),
            (r) => r.p99_ms,
            saturated,
          ),
        },
      ],
      lines: [{ y: TARGETS.latencyP99Ms, label: "p99 target 50 ms", color: "#8c564b" }],
    },
  ];
}

/** runMeta describes a run for captions: date, machine, commit, load. */
export function runMeta(rows: readonly BenchResult[]): {
  date: string;
  machine: string;
  sha: string;
  load: string;
} {
  const times = rows.map((r) => r.timestamp).sort();
  const loads = rows.map((r) => r.load_avg).filter((v): v is number => typeof v === "number");
  return {
    date: (times[0] ?? "").slice(0, 10),
    machine: rows[0]?.machine ?? "unknown machine",
    sha: rows[0]?.git_sha ?? "unknown",
    load:
      loads.length === 0
        ? "not recorded"
        : `${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`,
  };
}

/** capacityPlot renders the capacity figure as SVG. */
export function capacityPlot(rows: readonly BenchResult[]): string {
  const m = runMeta(rows);
  return renderFigure(capacityPanels(rows), {
    columns: 2,
    panelWidth: 560,
    panelHeight: 380,
    caption: `impactd ${m.sha}, ${m.date}, ${m.machine}; 1-min load average ${m.load} during the run (shared machine). npm run bench:report regenerates this.`,
  });
}
