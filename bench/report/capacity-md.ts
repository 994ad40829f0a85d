// docs/CAPACITY.md, written from one benchmark run's results: the targets
// and whether they held, events/s per core for each path, memory per
// service / journey / de-dup id, the curves, the profiles that name the
// bottleneck, what passing the missed targets would take, a worked sizing
// example and the side-by-side with Alertmanager. Every figure comes from
// the run; the prose around them is fixed here.
import type { BenchResult } from "../result.js";
import { runMeta, TARGETS } from "./plot.js";

const num = (v: unknown): number => (typeof v === "number" ? v : Number(v));

/** fmtInt renders a count with thousands separators ("-" when unknown). */
export function fmtInt(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n)
    ? "-"
    : Math.round(n).toLocaleString("en-US");
}

/** fmtNum renders a number with up to `d` decimals ("-" when unknown). */
export function fmtNum(n: number | null | undefined, d = 1): string {
  return n === null || n === undefined || !Number.isFinite(n)
    ? "-"
    : n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: 0 });
}

const us = (perSec: number | null | undefined) =>
  perSec === null || perSec === undefined || !(perSec > 0) ? Number.NaN : 1e6 / perSec;

function find(rows: readonly BenchResult[], suite: string, re: RegExp): BenchResult[] {
  return rows.filter((r) => r.suite === suite && re.test(r.case));
}

function best(rows: readonly BenchResult[], key: (r: BenchResult) => number | null | undefined) {
  let out: BenchResult | undefined;
  for (const r of rows) {
    const v = key(r);
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (out === undefined || v > (key(out) as number)) out = r;
  }
  return out;
}

const yes = (ok: boolean | undefined) =>
  ok === undefined ? "not measured" : ok ? "**met**" : "**not met**";

/** Facts are the figures the document is written from. */
export interface Facts {
  core?: BenchResult;
  coreRows: BenchResult[];
  e2eBest?: BenchResult;
  e2eRows: BenchResult[];
  latencyAt100k?: BenchResult;
  latencyRows: BenchResult[];
  latencyLateness?: BenchResult;
  nats?: BenchResult;
  memRows: BenchResult[];
  bytesPerService: number;
  bytesPerJourney: number;
  bytesPerId: number;
  bigEstate?: BenchResult;
}

/** facts picks the figures the document needs out of a run. */
export function facts(rows: readonly BenchResult[]): Facts {
  const coreRows = find(rows, "core", /^\d+ services$/);
  const memRows = find(rows, "scaling", /^memory, \d+ services$/).sort(
    (a, b) => num(a.params.services) - num(b.params.services),
  );
  const first = memRows[0];
  const last = memRows[memRows.length - 1];
  const slope =
    first !== undefined && last !== undefined && last !== first
      ? ((num(last.params.memory_mb) - num(first.params.memory_mb)) * 2 ** 20) /
        (num(last.params.services) - num(first.params.services))
      : Number.NaN;
  const journeys = best(find(rows, "scaling", /^memory, \d+ journeys$/), (r) =>
    num(r.params.journeys),
  );
  const ids = find(rows, "scaling", /^memory, de-dup window/)[0];
  const latencyRows = find(rows, "latency", /^ingest-to-incident/).filter(
    (r) => num(r.params.lateness_ms) === 0,
  );
  const e2eRows = [
    ...find(rows, "ingest", /^grpc batch/),
    ...find(rows, "scaling", /^grpc end to end/),
  ];
  return {
    core: coreRows.find((r) => num(r.params.services) === 1_000) ?? coreRows[0],
    coreRows,
    e2eBest: best(e2eRows, (r) => r.events_per_sec),
    e2eRows,
    latencyAt100k: latencyRows.find(
      (r) => num(r.params.offered_events_per_sec) === TARGETS.latencyAtEventsPerSec,
    ),
    latencyRows,
    latencyLateness: find(rows, "latency", /lateness [1-9]/)[0],
    nats: best(find(rows, "nats", /jetstream .*chdb/), (r) => r.events_per_sec),
    memRows,
    bytesPerService: slope,
    bytesPerJourney: journeys === undefined ? Number.NaN : num(journeys.params.bytes_per_journey),
    bytesPerId: ids === undefined ? Number.NaN : num(ids.params.bytes_per_id),
    bigEstate: find(rows, "scaling", /^memory, 100000 services \+ 10000 journeys$/)[0],
  };
}

function targetsSection(f: Facts): string[] {
  const core = f.core;
  const e2e = f.e2eBest;
  const lat = f.latencyAt100k;
  const sustained = lat !== undefined && num(lat.params.achieved_share) >= 0.95;
  const maxSustained = best(
    f.latencyRows.filter((r) => num(r.params.achieved_share) >= 0.95),
    (r) => num(r.params.offered_events_per_sec),
  );
  return [
    "## Targets (SPEC section 8)",
    "",
    "| target | measured in this run | |",
    "| --- | --- | --- |",
    `| core alone >= 20,000,000 events/s per core | ${core === undefined ? "not in this run" : `${fmtInt(core.events_per_cpu_sec)} events per CPU-second at ${fmtInt(num(core.params.services))} services (median 10,000-event batch; ${fmtInt(num(core.params.events_per_cpu_sec_mean))} over the mean batch)`} | ${yes(core === undefined ? undefined : (core.events_per_cpu_sec ?? 0) >= TARGETS.coreEventsPerCpuSec)} |`,
    `| embedded end to end >= 500,000 events/s, raw events stored | ${e2e === undefined ? "not in this run" : `${fmtInt(e2e.events_per_sec)} events/s (${e2e.case}); ${fmtInt(e2e.events_per_cpu_sec)} per server CPU-second`} | ${yes(e2e === undefined ? undefined : (e2e.events_per_sec ?? 0) >= TARGETS.e2eEventsPerSec)} |`,
    `| p99 ingest-to-incident < 50 ms at 100,000 events/s | ${lat === undefined ? `100,000 events/s was not reached${maxSustained === undefined ? "" : `; the highest sustained offered load was ${fmtInt(num(maxSustained.params.offered_events_per_sec))} events/s, p99 ${fmtNum(maxSustained.p99_ms)} ms`}` : `p99 ${fmtNum(lat.p99_ms)} ms, p50 ${fmtNum(lat.p50_ms)} ms; ${fmtNum(num(lat.params.achieved_share) * 100, 0)}% of the offered load sustained`} | ${yes(f.latencyRows.length === 0 ? undefined : sustained && (lat?.p99_ms ?? Number.POSITIVE_INFINITY) < TARGETS.latencyP99Ms)} |`,
    `| NATS JetStream ingest >= 300,000 events/s, acks after durable writes | ${f.nats === undefined ? "not in this run (the nats suite was not part of it)" : `${fmtInt(f.nats.events_per_sec)} events/s (${f.nats.case})`} | ${yes(f.nats === undefined ? undefined : (f.nats.events_per_sec ?? 0) >= TARGETS.natsEventsPerSec)} |`,
    `| 100,000 services and 10,000 journeys in 1 GiB | ${f.bigEstate === undefined ? "not in this run" : `${fmtNum(num(f.bigEstate.params.memory_mb))} MB for one tenant`} | ${yes(f.bigEstate === undefined ? undefined : num(f.bigEstate.params.memory_mb) < TARGETS.memoryMb)} |`,
    "",
  ];
}

function pathRow(r: BenchResult | undefined, path: string, note: string): string | undefined {
  if (r === undefined) return undefined;
  return `| ${path} | ${fmtInt(r.events_per_cpu_sec)} | ${fmtNum(us(r.events_per_cpu_sec), 2)} | ${fmtInt(r.events_per_sec)} | ${note} |`;
}

function pathsSection(rows: readonly BenchResult[], f: Facts): string[] {
  const d = (re: RegExp) => find(rows, "decode", re)[0];
  const grpc = best(find(rows, "ingest", /^grpc batch/), (r) => r.events_per_cpu_sec);
  const otlp = best(find(rows, "otlp", /^otlp batch/), (r) => r.events_per_cpu_sec);
  const am = find(rows, "alertmanager", /^alerts\/s accepted: impactd$/)[0];
  const sinks = find(rows, "sinks", /chdb/);
  const lines = [
    pathRow(
      f.core,
      `core alone (WASM), ${fmtInt(num(f.core?.params.services))} services`,
      "pre-encoded 32-byte records, one call per 10,000",
    ),
    ...f.coreRows
      .filter((r) => r !== f.core)
      .map((r) =>
        pathRow(r, `core alone (WASM), ${fmtInt(num(r.params.services))} services`, "as above"),
      ),
    pathRow(
      find(rows, "core", /^host bridge/)[0],
      "host bridge + core",
      "interning names, writing records, decoding decisions; generator mix",
    ),
    pathRow(
      d(/^protobuf decode/),
      "gRPC batch decode (ts-proto)",
      `${fmtInt(num(d(/^protobuf decode/)?.params.bytes_per_event))} bytes per event on the wire`,
    ),
    pathRow(d(/^validate$/), "validation", ""),
    pathRow(
      d(/^pipeline submit/),
      "Pipeline.submit (validate, de-dup, core, incidents, rows)",
      "sink does nothing",
    ),
    pathRow(d(/^alertmanager/), "Alertmanager v2 body: JSON.parse + convert", "per alert"),
    pathRow(d(/^otlp decode/), "OTLP decode + convert", "per data point / log record"),
    pathRow(
      grpc,
      `gRPC end to end (${grpc?.case ?? ""})`,
      `per CPU-second of the whole server; main thread ${fmtNum(num(grpc?.params.main_thread_share) * 100, 0)}% of it`,
    ),
    pathRow(otlp, `OTLP end to end (${otlp?.case ?? ""})`, "per CPU-second of the whole server"),
    pathRow(am, "Alertmanager API end to end", "per alert; 64 alerts per request"),
    pathRow(f.nats, `NATS JetStream end to end (${f.nats?.case ?? ""})`, "from the nats suite"),
    ...sinks.map((r) => pathRow(r, `sink: ${r.case}`, "from the sinks suite")),
  ].filter((x): x is string => x !== undefined);
  const ref = find(rows, "reference", /^reference/);
  return [
    "## Events per second per core, by path",
    "",
    'Events per CPU-second of the process doing the work is "events/s per',
    'core": the figure to divide a load by. In-process cases are timed on a',
    "CPU-time clock; end-to-end cases divide acknowledged events by the",
    "server process's CPU time (all its threads), read from /proc.",
    "",
    "| path | events per CPU-second | µs per event | events/s wall | notes |",
    "| --- | ---: | ---: | ---: | --- |",
    ...lines,
    "",
    ref.length === 0
      ? "The plain TypeScript reference model's speed (the core/reference ratio) comes from the `reference` suite, which was not part of this run."
      : `Plain TypeScript reference model: ${ref.map((r) => `${r.case} ${fmtInt(r.events_per_sec)} events/s (core/reference ${r.params.core_over_reference}x)`).join("; ")}.`,
    "",
  ];
}

function memorySection(f: Facts): string[] {
  const ids1m = (f.bytesPerId * 1_000_000) / 2 ** 20;
  return [
    "## Memory",
    "",
    `- **Per service:** ${fmtInt(f.bytesPerService)} bytes (slope of one tenant's memory from ${fmtInt(num(f.memRows[0]?.params.services))} to ${fmtInt(num(f.memRows[f.memRows.length - 1]?.params.services))} services: JS heap plus the core's linear memory, after events on every service).`,
    `- **Per journey:** ${fmtInt(f.bytesPerJourney)} bytes (3 steps of 2 services each).`,
    `- **De-duplication window:** ${fmtInt(f.bytesPerId)} bytes per remembered event id; the default window of 1,000,000 ids per tenant costs ${fmtNum(ids1m, 0)} MB once full.`,
    `- **Fixed cost of a tenant:** ${fmtNum(num(f.memRows[0]?.params.memory_mb))} MB at ${fmtInt(num(f.memRows[0]?.params.services))} services (the core module, the de-dup ring, tables).`,
    ...(f.bigEstate === undefined
      ? []
      : [
          `- **100,000 services and 10,000 journeys:** ${fmtNum(num(f.bigEstate.params.memory_mb))} MB for one tenant.`,
        ]),
    `- **A server process** (Node, gRPC, embedded ClickHouse) peaked at ${f.e2eRows.length === 0 ? "-" : `${fmtInt(Math.min(...f.e2eRows.map((r) => r.peak_rss_mb)))}-${fmtInt(Math.max(...f.e2eRows.map((r) => r.peak_rss_mb)))}`} MB RSS under the end-to-end loads of this run.`,
    "",
  ];
}

/** sizing works the example of the issue: 200k events/s, 5,000 services. */
export function sizing(f: Facts, rate = 200_000, services = 5_000): string[] {
  const e2e = f.e2eBest;
  if (e2e === undefined)
    return ["## Worked sizing example", "", "No end-to-end case in this run.", ""];
  const perCore = e2e.events_per_cpu_sec ?? Number.NaN;
  const perInstance = Math.min(e2e.events_per_sec ?? Number.NaN, perCore * 2);
  const headroom = 0.7;
  const instances = Math.ceil(rate / (perInstance * headroom));
  const rssBase = Math.max(...f.e2eRows.map((r) => r.peak_rss_mb));
  const perInstanceMb = rssBase + (services * f.bytesPerService) / 2 ** 20;
  const totalGiB = (instances * perInstanceMb) / 1024;
  return [
    `## Worked sizing example: ${fmtInt(rate)} events/s, ${fmtInt(services)} services`,
    "",
    `1. One instance of this machine's kind (2 cores) took ${fmtInt(e2e.events_per_sec)} events/s end to end (${e2e.case}), ${fmtInt(perCore)} per server CPU-second. An instance is counted at the lower of its measured rate and 2 cores x its per-core rate: **${fmtInt(perInstance)} events/s**.`,
    `2. Run instances at ${headroom * 100}% of that, for bursts and recovery after a restart: ${fmtInt(perInstance * headroom)} events/s each.`,
    `3. ${fmtInt(rate)} / ${fmtInt(perInstance * headroom)} = **${instances} instances**, the stream partitioned between them (NATS JetStream partitions, docs/NATS-SCALE.md; each instance holds the topology of its tenants).`,
    `4. Memory per instance: the largest server peak RSS measured (${fmtInt(rssBase)} MB) plus ${fmtInt(services)} services x ${fmtInt(f.bytesPerService)} bytes = ${fmtNum(perInstanceMb, 0)} MB; the de-dup window adds up to ${fmtNum((f.bytesPerId * 1e6) / 2 ** 20, 0)} MB per tenant once 1,000,000 ids are remembered.`,
    `5. **${instances} instances, ${fmtNum(totalGiB, 1)} GiB in total** (${fmtNum(perInstanceMb / 1024, 2)} GiB each), plus the ClickHouse that stores the results (its own sizing: ${fmtInt(rate)} rows/s of raw events).`,
    "",
    "Rerun the arithmetic with your own rate and estate: per-instance rate from the",
    "end-to-end rows of a run on your hardware, memory from the per-service and",
    "per-journey figures above.",
    "",
  ];
}

/** renderCapacity writes docs/CAPACITY.md from a run's results. */
export function renderCapacity(
  rows: readonly BenchResult[],
  opts: {
    runFile: string;
    plotFile: string;
    profileText: string[];
    passText: string[];
    amText: string[];
  },
): string {
  const m = runMeta(rows);
  const f = facts(rows);
  return [
    "# Capacity",
    "",
    `<!-- Generated by \`npm run bench:report\` from ${opts.runFile}; edit bench/report/, not this file. -->`,
    "",
    `Measured **${m.date}** on **${m.machine}**, commit ${m.sha}.`,
    `The machine was shared with other jobs while it ran: the 1-minute load`,
    `average was ${m.load} on 2 cores, so wall-clock rates are lower bounds and`,
    `per-CPU-second rates (steadier under sharing, though caches still suffer)`,
    `are the ones to size with. Every figure below comes from this run; rerun`,
    `\`npm run bench:report\` on your own hardware to get yours.`,
    "",
    ...targetsSection(f),
    ...pathsSection(rows, f),
    ...memorySection(f),
    "## Curves",
    "",
    `![Throughput and memory against estate size, throughput against batch size, and latency against offered load](${opts.plotFile})`,
    "",
    "- Throughput as the estate grows: the core's cost per event does not depend on",
    "  the topology's size until its state stops fitting in the CPU caches; end to",
    "  end, the cost is elsewhere (decoding, rows, the sink), so the estate's size",
    "  hardly shows.",
    "- Memory as the estate grows: linear in services; the server's RSS is mostly",
    "  the embedded ClickHouse and Node's baseline.",
    "- Batch size: per-batch overheads (gRPC message, INSERT, ack) fade above a",
    "  few thousand events per batch.",
    "- Latency: flat while the server keeps up; past saturation, batches queue and",
    "  latency is set by the queue (hollow points: offered load not sustained).",
    "",
    ...opts.profileText,
    ...opts.passText,
    ...sizing(f),
    ...opts.amText,
    "## Reproduce",
    "",
    "```sh",
    "npm run bench:report                                   # all suites, then this page and the plot",
    "npm run bench:report -- --from docs/capacity-run.json  # only regenerate from the stored run",
    "npm run bench -- --suite latency --json /tmp/lat.json  # one suite",
    "impactd load --via grpc --rate 100000 --duration 30s   # the same generator against your own server",
    "```",
    "",
  ].join("\n");
}
