// The parts of docs/CAPACITY.md that read the profile, the missed targets
// and the Alertmanager comparison out of a run.
import type { BenchResult } from "../result.js";
import { type Facts, fmtInt, fmtNum } from "./capacity-md.js";
import { TARGETS } from "./plot.js";

const num = (v: unknown): number => (typeof v === "number" ? v : Number(v));
const us = (perSec: number | null | undefined) =>
  perSec === null || perSec === undefined || !(perSec > 0) ? Number.NaN : 1e6 / perSec;

function tops(r: BenchResult): string[] {
  const out: string[] = [];
  for (let i = 1; r.params[`top${i}`] !== undefined; i++) {
    const t = String(r.params[`top${i}`]);
    const cut = t.lastIndexOf(" ");
    out.push(`| ${i} | \`${t.slice(0, cut)}\` | ${t.slice(cut + 1)} |`);
  }
  return out;
}

/** profileSection names the hottest functions of the core and of the server. */
export function profileSection(rows: readonly BenchResult[]): string[] {
  const core = rows.find((r) => r.suite === "profile" && r.case.startsWith("core"));
  const server = rows.find((r) => r.suite === "profile" && r.case.startsWith("grpc"));
  const out = ["## Where the time goes (profiles)", ""];
  if (core === undefined && server === undefined) {
    return [...out, "The profile suite was not part of this run.", ""];
  }
  if (core !== undefined) {
    out.push(
      `**WASM core**, ${fmtInt(num(core.params.services))} services: \`node --cpu-prof\` on a release build`,
      "with function names (`asc assembly/index.ts --target release --debug`), share of",
      "the time spent inside the core's `process` export:",
      "",
      "| # | function | share |",
      "| ---: | --- | ---: |",
      ...tops(core),
      "",
    );
  }
  if (server !== undefined) {
    const share = num(server.params.main_thread_share);
    out.push(
      `**impactd serve under gRPC load** (${fmtInt(num(server.params.events))} events, batches of ${fmtInt(num(server.params.batch_events))}):`,
      `the main thread (JavaScript) used ${fmtNum(share * 100, 0)}% of the server's CPU and the`,
      `other threads (the embedded ClickHouse's insert and merge threads, libuv)`,
      `${fmtNum((1 - share) * 100, 0)}%. The main thread's hottest functions while the load ran`,
      "(self time):",
      "",
      "| # | function | share |",
      "| ---: | --- | ---: |",
      ...tops(server),
      "",
    );
  }
  return out;
}

/** passSection says, per missed target, what limits it and what passing would take. */
export function passSection(rows: readonly BenchResult[], f: Facts): string[] {
  const out = ["## What limits each missed target, and what passing it would take", ""];
  const e2e = f.e2eBest;
  const d = (re: RegExp) => rows.find((r) => r.suite === "decode" && re.test(r.case));
  const decodeUs = us(d(/^protobuf decode/)?.events_per_cpu_sec);
  const submitUs = us(d(/^pipeline submit/)?.events_per_cpu_sec);
  let missed = 0;
  if (f.core !== undefined && (f.core.events_per_cpu_sec ?? 0) < TARGETS.coreEventsPerCpuSec) {
    missed++;
    out.push(
      `**Core.** ${fmtInt(f.core.events_per_cpu_sec)} events per CPU-second against 20,000,000.`,
      "The core allocates nothing per event and crosses the WASM boundary once per",
      "batch; its time is in applying records (see the profile). On a shared machine",
      "other processes evict its service table from the caches, which a CPU-time",
      "clock still counts; the same build measured faster on a quieter machine",
      "(docs/BENCHMARKS.md). Passing here needs the machine to itself, or a smaller",
      "per-event working set (fewer bytes touched per service record).",
      "",
    );
  }
  if (e2e !== undefined && (e2e.events_per_sec ?? 0) < TARGETS.e2eEventsPerSec) {
    missed++;
    const total = us(e2e.events_per_cpu_sec);
    const share = num(e2e.params.main_thread_share);
    const main = total * share;
    const other = total - main;
    out.push(
      `**Embedded end to end.** ${fmtInt(e2e.events_per_sec)} events/s against 500,000. Each event`,
      `costs the server ${fmtNum(total, 1)} µs of CPU: ${fmtNum(main, 1)} µs on the main thread`,
      `(JavaScript: decoding, validation, de-duplication, the core, rows, the sink's`,
      `encoding) and ${fmtNum(other, 1)} µs on other threads (the embedded ClickHouse`,
      "parsing the INSERTs and merging parts). Measured alone on one core, decoding",
      `an Ingest batch costs ${fmtNum(decodeUs, 2)} µs per event and Pipeline.submit (validation,`,
      `de-dup, core, incident tracking, rows) ${fmtNum(submitUs, 2)} µs.`,
      "",
      "The physical limit on 2 cores: 500,000 events/s leaves 4 µs of CPU per event",
      "for everything, and at most 2 µs on the main thread, because one process runs",
      "its pipeline on one JavaScript thread. With the costs above, one process can",
      `reach at most ${fmtInt(1e6 / Math.max(main, 1e-9))} events/s on its main thread and ${fmtInt(2e6 / Math.max(total, 1e-9))} events/s on`,
      "both cores, whichever is lower. Passing needs, in order of gain:",
      "",
      "1. The embedded engine's share (the other threads): rows already go in as",
      "   RowBinary in batches of up to 100,000, and the engine alone parses about",
      "   half a million such rows per CPU-second (sinks suite); each event also",
      "   writes incident, timeline and health rows, and every INSERT makes a part",
      "   to merge. Fewer, larger INSERTs across batches, and not storing derived",
      "   rows per event, are what is left; beyond that the engine needs cores of",
      "   its own (a ClickHouse server on other hardware).",
      "2. A decoder that writes core records and row columns straight from the",
      "   protobuf wire bytes, without ts-proto's object per event, field and",
      "   label map - the decoding cost and most of the garbage collection.",
      "3. More cores per process do not help the main thread; more processes do:",
      "   partitioned JetStream consumers (docs/NATS-SCALE.md) spread tenants and",
      "   partitions over instances, each with its own main thread.",
      "",
    );
  }
  const lat = f.latencyAt100k;
  const sustained = lat !== undefined && num(lat.params.achieved_share) >= 0.95;
  if (
    f.latencyRows.length > 0 &&
    !(sustained && (lat?.p99_ms ?? Number.POSITIVE_INFINITY) < TARGETS.latencyP99Ms)
  ) {
    missed++;
    const ok = f.latencyRows.filter((r) => num(r.params.achieved_share) >= 0.95);
    const top = ok[ok.length - 1];
    out.push(
      "**Ingest-to-incident latency at 100,000 events/s.**",
      sustained
        ? `The server sustained the load but p99 was ${fmtNum(lat?.p99_ms)} ms.`
        : `The server did not sustain 100,000 events/s in this run${top === undefined ? "" : `; up to ${fmtInt(num(top.params.offered_events_per_sec))} events/s it kept up, with p99 ${fmtNum(top.p99_ms)} ms (p50 ${fmtNum(top.p50_ms)} ms)`}.`,
      "The latency below saturation is the pipeline's (decoding, the core and",
      "incident tracking run synchronously when a batch arrives; the watch stream",
      "is told before the rows are written), so passing is first a throughput",
      "matter: the end-to-end work above. The core's watermark adds the configured",
      `lateness on top: with the default 2 s, p50 was ${fmtNum(f.latencyLateness?.p50_ms)} ms in this run.`,
      "",
    );
  }
  if (f.nats !== undefined && (f.nats.events_per_sec ?? 0) < TARGETS.natsEventsPerSec) {
    missed++;
    out.push(
      `**JetStream ingest.** ${fmtInt(f.nats.events_per_sec)} events/s against 300,000. Messages go through`,
      "the same pipeline and sink as gRPC batches, so the end-to-end limits above",
      "apply, plus fetching and acknowledging messages.",
      "",
    );
  }
  if (missed === 0) out.push("Every target measured in this run was met.", "");
  return out;
}

/** alertmanagerSection reports the side-by-side run with Alertmanager. */
export function alertmanagerSection(rows: readonly BenchResult[]): string[] {
  const am = rows.filter((r) => r.suite === "alertmanager");
  const t = (system: string) => am.find((r) => r.case === `alerts/s accepted: ${system}`);
  const n = (system: string) => am.find((r) => r.case.startsWith(`storm outputs: ${system}`));
  const ta = t("alertmanager");
  const ti = t("impactd");
  const na = n("alertmanager");
  const ni = n("impactd");
  const head = ["## Side by side with Prometheus Alertmanager", ""];
  if (ta === undefined || ti === undefined || na === undefined || ni === undefined) {
    return [...head, "The alertmanager suite was not part of this run.", ""];
  }
  const ratio = (a: number | null | undefined, b: number | null | undefined, dd = 2) =>
    a === null || a === undefined || b === null || b === undefined || b === 0
      ? "-"
      : fmtNum(a / b, dd);
  const p = (r: BenchResult, k: string) => num(r.params[k]);
  return [
    ...head,
    "`npm run bench -- --suite alertmanager` starts Debian's `prometheus-alertmanager`",
    `(${String(ta.params.stores)}) and an \`impactd serve\` on loopback and sends both the same`,
    "alerts from the same generator through the same API, `POST /api/v2/alerts`,",
    "64 alerts per request as Prometheus sends them.",
    "",
    "| | Alertmanager | impactd | impactd / Alertmanager |",
    "| --- | ---: | ---: | ---: |",
    `| alerts/s accepted (${fmtInt(p(ta, "alerts"))} alerts, 4 connections) | ${fmtInt(ta.events_per_sec)} | ${fmtInt(ti.events_per_sec)} | ${ratio(ti.events_per_sec, ta.events_per_sec)} |`,
    `| alerts per CPU-second of the server | ${fmtInt(ta.events_per_cpu_sec)} | ${fmtInt(ti.events_per_cpu_sec)} | ${ratio(ti.events_per_cpu_sec, ta.events_per_cpu_sec)} |`,
    `| request latency p50 / p99, ms | ${fmtNum(ta.p50_ms)} / ${fmtNum(ta.p99_ms)} | ${fmtNum(ti.p50_ms)} / ${fmtNum(ti.p99_ms)} | |`,
    `| peak RSS, MB | ${fmtInt(ta.peak_rss_mb)} | ${fmtInt(ti.peak_rss_mb)} | ${ratio(ti.peak_rss_mb, ta.peak_rss_mb)} |`,
    `| pages for ${fmtInt(p(na, "faults"))} injected faults (${fmtInt(p(na, "alerts_sent"))} alerts): firing notifications / incidents | ${fmtInt(p(na, "pages"))} | ${fmtInt(p(ni, "pages"))} | ${ratio(p(ni, "pages"), p(na, "pages"), 3)} |`,
    `| pages per fault | ${fmtNum(p(na, "pages_per_fault"), 2)} | ${fmtNum(p(ni, "pages_per_fault"), 2)} | |`,
    `| faults named by some page (root service) | ${fmtInt(p(na, "faults_covered"))} | ${fmtInt(p(ni, "faults_covered"))} | |`,
    `| faults with a page of their own (no other fault's root in it) | ${fmtInt(p(na, "faults_isolated"))} | ${fmtInt(p(ni, "faults_isolated"))} | |`,
    `| pages naming no failing service (noise) | ${fmtInt(p(na, "noise_pages"))} | ${fmtInt(p(ni, "noise_pages"))} | |`,
    `| noise reduction, 1 - pages / alerts | ${fmtNum(p(na, "noise_reduction"), 4)} | ${fmtNum(p(ni, "noise_reduction"), 4)} | |`,
    "",
    "How to read it:",
    "",
    "- Throughput: Alertmanager keeps alerts in memory; impactd answers only once",
    "  the alerts are stored in its embedded ClickHouse and have been through the",
    "  core. Its Alertmanager front end also derives Prometheus's label fingerprint",
    "  for every alert.",
    `- Noise: a ${fmtInt(p(na, "span_min"))}-minute storm over ${fmtInt(p(na, "services"))} services with injected faults (a backend or`,
    "  data service down, its callers degraded up to two hops away) and unrelated",
    `  noisy alerts, replayed ${fmtInt(p(na, "speedup"))}x faster than real time to both at once. Alertmanager`,
    `  runs Debian's shipped route (${String(na.params.group_by)}, the shipped inhibit rule)`,
    `  with its timers divided by ${fmtInt(p(na, "speedup"))} (${String(na.params.timers)}), so it`,
    "  sees the storm as it would in real time; impactd works on event time and is",
    "  given the estate (PutTopology). Resolved notifications are not counted as",
    `  pages (Alertmanager sent ${fmtInt(p(na, "resolved_notifications"))}).`,
    '- A fault "with a page of its own" is one a responder can act on without',
    "  untangling it from another fault; a fault merged with another one in the",
    "  same page still counts as named.",
    "",
  ];
}
