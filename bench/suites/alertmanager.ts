// impactd beside a real Prometheus Alertmanager (Debian's package), both on
// loopback, fed the same alerts by the same generator through the same API
// (`POST /api/v2/alerts`, 64 alerts a request as Prometheus sends them):
//
// 1. Throughput: one alert storm sent as fast as each accepts it, one system
//    at a time: alerts/s, alerts per CPU-second of the server, request
//    latency, peak memory. impactd answers after the alerts are stored in
//    its embedded ClickHouse; Alertmanager keeps alerts in memory.
// 2. Noise: a storm with injected faults replayed 60x faster than real time
//    to both at once. Alertmanager runs Debian's shipped route (group_by
//    alertname, cluster, service; the shipped inhibit rule) with its timers
//    divided by the same 60, so it sees the storm as it would in real time;
//    impactd works on event time and knows the estate (PutTopology). Counted:
//    Alertmanager's notifications and impactd's incidents, how many injected
//    faults each covered, and how many of each named no failing service.
import { ImpactdClient } from "../../src/client/client.js";
import { IncidentStatus } from "../../src/gen/impactd/v1/incident.js";
import {
  type Ack,
  AlertmanagerSender,
  type LoadSummary,
  PROMETHEUS_BATCH,
  type Prepared,
  parseMix,
  runLoad,
  type Sender,
  Workload,
} from "../../src/load/index.js";
import {
  type RunningAlertmanager,
  SHIPPED_TIMINGS,
  startAlertmanager,
} from "../harness/alertmanager.js";
import { countIncidents, countNotifications, type OutputCounts, ratio } from "../harness/noise.js";
import { startServer } from "../harness/server.js";
import { type BenchResult, result } from "../result.js";

/** SPEEDUP is how much faster than real time the noise storm is replayed. */
export const SPEEDUP = 60;
const ALERTS_ONLY = parseMix("alert=1");

interface Usage {
  cpuSec: number;
  hwmMb: number;
}

// Sends prepared bodies as fast as the target accepts them.
async function blast(
  workload: Workload,
  url: string,
  prepared: readonly Prepared<unknown>[],
  usage: () => Usage,
): Promise<{ summary: LoadSummary; cpuSec: number; hwmMb: number }> {
  const senders = Array.from({ length: 4 }, () => new AlertmanagerSender(url));
  const u0 = usage();
  const summary = await runLoad({
    workload,
    senders,
    maxEvents: prepared.length,
    maxDurationMs: 600_000,
    rate: 0,
    inflight: 4,
    prepared,
  });
  const u1 = usage();
  if (summary.error !== undefined) throw new Error(`alert storm to ${url}: ${summary.error}`);
  return { summary, cpuSec: u1.cpuSec - u0.cpuSec, hwmMb: u1.hwmMb };
}

/** TeeSender sends every batch to two targets at once. */
class TeeSender implements Sender<string> {
  readonly via = "alertmanager" as const;
  readonly accepted = [0, 0];
  constructor(
    private readonly a: AlertmanagerSender,
    private readonly b: AlertmanagerSender,
  ) {}
  prepare(
    events: Parameters<AlertmanagerSender["prepare"]>[0],
    firstSeq: number,
  ): Prepared<string> {
    return this.a.prepare(events, firstSeq);
  }
  async send(batch: Prepared<string>): Promise<Ack> {
    const [x, y] = await Promise.all([this.a.send(batch), this.b.send(batch)]);
    this.accepted[0] = (this.accepted[0] as number) + x.accepted;
    this.accepted[1] = (this.accepted[1] as number) + y.accepted;
    return x;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function throughputRow(
  system: string,
  r: Awaited<ReturnType<typeof blast>>,
  params: BenchResult["params"],
): BenchResult {
  const s = r.summary;
  return result(
    "alertmanager",
    `alerts/s accepted: ${system}`,
    {
      events_per_sec: Math.round(s.eventsPerSec),
      events_per_cpu_sec: r.cpuSec > 0 ? Math.round(s.accepted / r.cpuSec) : null,
      p50_ms: s.ackP50Ms,
      p99_ms: s.ackP99Ms,
      peak_rss_mb: Math.round(r.hwmMb),
    },
    {
      ...params,
      system,
      alerts: s.accepted,
      rejected: s.rejected,
      server_cpu_s: Number(r.cpuSec.toFixed(2)),
    },
  );
}

function noiseRow(
  system: string,
  what: string,
  c: OutputCounts,
  faults: number,
  alerts: number,
  params: BenchResult["params"],
): BenchResult {
  return result(
    "alertmanager",
    `storm outputs: ${system} ${what}`,
    { events_per_sec: null, p50_ms: null, p99_ms: null },
    {
      ...params,
      system,
      outputs: c.outputs,
      pages: c.pages,
      resolved_notifications: c.resolved,
      groups: c.groups,
      faults,
      faults_covered: c.faultsCovered,
      faults_isolated: c.faultsIsolated,
      noise_pages: c.noisePages,
      alerts_sent: alerts,
      pages_per_fault: Number((c.pages / Math.max(1, faults)).toFixed(2)),
      noise_reduction: Number((1 - c.pages / Math.max(1, alerts)).toFixed(4)),
    },
  );
}

/** runAlertmanagerSuite runs the side-by-side comparison and prints both systems' figures and their ratios. */
export async function runAlertmanagerSuite(opts: { quick: boolean }): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  // --- 1. throughput --------------------------------------------------------
  const stormAlerts = opts.quick ? 6_400 : 64_000;
  const tw = new Workload({
    services: 1_000,
    mix: ALERTS_ONLY,
    rate: 1_000,
    faultRate: 10,
    batchSize: PROMETHEUS_BATCH,
    seed: 21,
    startMs: Date.now() - stormAlerts,
  });
  const prep = new AlertmanagerSender("http://127.0.0.1");
  const bodies: Prepared<unknown>[] = [];
  for (let seq = 0; seq < stormAlerts; seq += PROMETHEUS_BATCH) {
    bodies.push(prep.prepare(tw.nextBatch(), seq));
  }
  const tparams = { batch_alerts: PROMETHEUS_BATCH, producers: 4, inflight: 4, services: 1_000 };
  let am: RunningAlertmanager = await startAlertmanager();
  const amT = await blast(tw, am.url, bodies, am.usage).finally(() => am.stop());
  const server = await startServer({ http: true });
  let imT: Awaited<ReturnType<typeof blast>>;
  try {
    const c = new ImpactdClient(server.grpc);
    await c.putTopology(tw.topology).finally(() => c.close());
    imT = await blast(tw, server.http as string, bodies, server.usage);
  } finally {
    await server.stop();
  }
  out.push(throughputRow("alertmanager", amT, { ...tparams, stores: "memory" }));
  out.push(
    throughputRow("impactd", imT, { ...tparams, stores: "embedded ClickHouse before answering" }),
  );

  // --- 2. noise -------------------------------------------------------------
  const spanMin = opts.quick ? 6 : 20;
  const density = 20; // alerts per second of event time
  const total = density * 60 * spanMin;
  const nw = new Workload({
    services: 1_000,
    mix: ALERTS_ONLY,
    rate: density,
    faultRate: opts.quick ? 1 : 0.5,
    faultDurationMs: 3 * 60_000,
    faultWarmupMs: 60_000,
    batchSize: PROMETHEUS_BATCH,
    seed: 4,
    startMs: Date.now() - spanMin * 60_000,
  });
  const scaled = {
    groupWait: `${(30_000 / SPEEDUP).toFixed(0)}ms`,
    groupInterval: `${(300_000 / SPEEDUP).toFixed(0)}ms`,
    repeatInterval: `${(3 * 3_600_000) / SPEEDUP}ms`,
    resolveTimeout: `${(300_000 / SPEEDUP).toFixed(0)}ms`,
  };
  am = await startAlertmanager(scaled);
  const server2 = await startServer({ http: true });
  let amCounts: OutputCounts;
  let imCounts: OutputCounts;
  let faults: number;
  let sent: number;
  try {
    const c = new ImpactdClient(server2.grpc);
    await c.putTopology(nw.topology);
    // Prometheus sets endsAt 4 resend intervals (4 min) ahead; scaled like the timers.
    const ttlMs = (4 * 60_000) / SPEEDUP;
    const tee = new TeeSender(
      new AlertmanagerSender(am.url, { ttlMs }),
      new AlertmanagerSender(server2.http as string, { ttlMs }),
    );
    console.log(
      `  noise storm: ${total} alerts over ${spanMin} min of event time, replayed in ${(spanMin * 60) / SPEEDUP} s`,
    );
    const s = await runLoad({
      workload: nw,
      senders: [tee],
      maxEvents: total,
      maxDurationMs: 600_000,
      rate: density * SPEEDUP,
      inflight: 4,
    });
    if (s.error !== undefined) throw new Error(`noise storm: ${s.error}`);
    sent = s.sent;
    // Let Alertmanager's last group intervals pass (resolved notifications too).
    await new Promise((r) => setTimeout(r, 3 * (300_000 / SPEEDUP) + 2_000));
    const incidents = await c.listIncidents({ pageSize: 100_000 });
    c.close();
    const sentFaults = nw.faults.filter((f) => nw.onsetSeq(f.id) !== undefined);
    faults = sentFaults.length;
    amCounts = countNotifications(am.notifications, sentFaults, nw.index.names);
    imCounts = countIncidents(
      incidents.map((i) => ({
        id: i.id,
        merged: i.status === IncidentStatus.INCIDENT_STATUS_MERGED,
        services: i.services,
      })),
      sentFaults,
      nw.index.names,
    );
  } finally {
    await am.stop();
    await server2.stop();
  }
  const nparams = {
    services: 1_000,
    speedup: SPEEDUP,
    span_min: spanMin,
    group_by: "alertname,cluster,service",
    timers: `group_wait ${SHIPPED_TIMINGS.groupWait}, group_interval ${SHIPPED_TIMINGS.groupInterval}, repeat ${SHIPPED_TIMINGS.repeatInterval} (/${SPEEDUP})`,
  };
  out.push(noiseRow("alertmanager", "notifications", amCounts, faults, sent, nparams));
  out.push(noiseRow("impactd", "incidents", imCounts, faults, sent, nparams));
  const tput = ratio(imT.summary.eventsPerSec, amT.summary.eventsPerSec);
  const cpu = ratio(imT.summary.accepted / imT.cpuSec, amT.summary.accepted / amT.cpuSec);
  const pages = ratio(amCounts.pages, imCounts.pages);
  out.push(
    result(
      "alertmanager",
      "ratios impactd : alertmanager",
      { events_per_sec: null, p50_ms: null, p99_ms: null },
      {
        alerts_per_sec_ratio: Number((tput ?? Number.NaN).toFixed(3)),
        alerts_per_cpu_sec_ratio: Number((cpu ?? Number.NaN).toFixed(3)),
        alertmanager_pages_per_impactd_incident: Number((pages ?? Number.NaN).toFixed(2)),
        faults,
      },
    ),
  );
  const f0 = (n: number | null, d = 0) =>
    n === null || !Number.isFinite(n)
      ? "-"
      : n.toLocaleString("en-US", { maximumFractionDigits: d });
  console.log("\n  side by side (same alerts, same faults)");
  console.table({
    "alerts/s accepted": {
      alertmanager: f0(amT.summary.eventsPerSec),
      impactd: f0(imT.summary.eventsPerSec),
      "impactd/alertmanager": f0(tput, 3),
    },
    "alerts per CPU-second": {
      alertmanager: f0(amT.summary.accepted / amT.cpuSec),
      impactd: f0(imT.summary.accepted / imT.cpuSec),
      "impactd/alertmanager": f0(cpu, 3),
    },
    "request p99 ms": {
      alertmanager: f0(amT.summary.ackP99Ms, 1),
      impactd: f0(imT.summary.ackP99Ms, 1),
      "impactd/alertmanager": f0(ratio(imT.summary.ackP99Ms ?? 0, amT.summary.ackP99Ms ?? 0), 2),
    },
    [`pages for ${faults} faults (${f0(sent)} alerts)`]: {
      alertmanager: f0(amCounts.pages),
      impactd: f0(imCounts.pages),
      "impactd/alertmanager": f0(ratio(imCounts.pages, amCounts.pages), 3),
    },
    "faults covered": {
      alertmanager: f0(amCounts.faultsCovered),
      impactd: f0(imCounts.faultsCovered),
      "impactd/alertmanager": "",
    },
    "faults with a page of their own": {
      alertmanager: f0(amCounts.faultsIsolated),
      impactd: f0(imCounts.faultsIsolated),
      "impactd/alertmanager": "",
    },
    "noise pages (no failing service)": {
      alertmanager: f0(amCounts.noisePages),
      impactd: f0(imCounts.noisePages),
      "impactd/alertmanager": "",
    },
    "noise reduction 1 - pages/alerts": {
      alertmanager: f0(1 - amCounts.pages / sent, 4),
      impactd: f0(1 - imCounts.pages / sent, 4),
      "impactd/alertmanager": "",
    },
  });
  return out;
}
