// Ingest-to-incident latency as offered load grows to saturation. For each
// offered rate, a fresh `impactd serve` child gets the generated estate, the
// load generator sends paced batches (event time = wall clock) over gRPC with
// faults injected several times a second, and a WatchIncidents stream in the
// benchmark process notes when each fault's root service first appears in an
// incident update. Latency = that moment minus the moment the batch holding
// the fault's first event was sent: network both ways, decoding, queueing
// behind earlier batches, the core and incident tracking.
//
// The core applies an event once the watermark (newest event time minus the
// allowed lateness) passes it, so a detection waits for the lateness too.
// The curve runs with lateness 0 to show the pipeline's own latency; one case
// at the default 2 s shows what the lateness adds.
import { ImpactdClient } from "../../src/client/client.js";
import { Latencies } from "../../src/load/index.js";
import { runE2e } from "../harness/e2e.js";
import { type BenchResult, result } from "../result.js";

/** LATENCY_RATES are the offered loads, events/s. */
export const LATENCY_RATES = [10_000, 25_000, 50_000, 100_000, 200_000, 400_000];
const SERVICES = 1_000;
const PRODUCERS = 4;

interface Sent {
  firstSeq: number;
  count: number;
  sentAt: number;
}

async function latencyCase(
  rate: number,
  seconds: number,
  latenessMs: number,
): Promise<BenchResult> {
  // A batch every 10 ms or 1,000 events, whichever is larger. A stream holds
  // at most 8 unacknowledged batches and an ack waits for the rows to be
  // written, so small batches on one stream would cap the rate, not the
  // server: 4 streams share the load.
  const batch = Math.max(1_000, Math.round(rate / 100));
  const sent: Sent[] = [];
  const seen = new Map<string, number[]>();
  let stopWatch: (() => void) | undefined;
  let client: ImpactdClient | undefined;
  const r = await runE2e({
    via: "grpc",
    events: Math.round(rate * seconds),
    rate,
    workload: {
      services: SERVICES,
      batchSize: batch,
      seed: 5,
      producers: PRODUCERS,
      // A fault every ~0.4 s of event time, each lasting 5 s.
      faultRate: 150,
      faultDurationMs: 5_000,
      faultWarmupMs: 1_000,
    },
    server: { latenessMs },
    before: (server) => {
      client = new ImpactdClient(server.grpc);
      stopWatch = client.watchIncidents((u) => {
        const at = performance.now();
        for (const s of u.incident?.services ?? []) {
          let times = seen.get(s);
          if (times === undefined) {
            times = [];
            seen.set(s, times);
          }
          times.push(at);
        }
      });
    },
    onAck: (b, sentAt) => sent.push({ firstSeq: b.firstSeq, count: b.count, sentAt }),
  });
  stopWatch?.();
  client?.close();
  const lat = new Latencies();
  let missed = 0;
  let skipped = 0;
  for (const f of r.workload.faults) {
    const seq = r.workload.onsetSeq(f.id);
    const b =
      seq === undefined
        ? undefined
        : sent.find((x) => seq >= x.firstSeq && seq < x.firstSeq + x.count);
    if (b === undefined) continue; // onset not sent before the run ended
    const times = seen.get(f.rootName) ?? [];
    // Only faults whose root was in no incident before: a later update of an
    // incident it already belongs to is not its detection.
    if (times.some((t) => t < b.sentAt)) {
      skipped++;
      continue;
    }
    const t = times.find((x) => x >= b.sentAt);
    if (t === undefined) missed++;
    else lat.add(t - b.sentAt);
  }
  const s = r.summary;
  console.log(
    `  offered ${rate}/s (lateness ${latenessMs} ms): achieved ${Math.round(s.eventsPerSec)}/s, detection p50 ${lat.quantile(0.5)?.toFixed(1)} ms p99 ${lat.quantile(0.99)?.toFixed(1)} ms over ${lat.count} faults (${missed} not seen, ${skipped} already in an incident)`,
  );
  return result(
    "latency",
    `ingest-to-incident at ${rate} events/s${latenessMs === 0 ? "" : `, lateness ${latenessMs} ms`}`,
    {
      events_per_sec: Math.round(s.eventsPerSec),
      events_per_cpu_sec: Math.round(r.eventsPerCpuSec),
      p50_ms: lat.quantile(0.5),
      p99_ms: lat.quantile(0.99),
      peak_rss_mb: Math.round(r.serverPeakRssMb),
    },
    {
      offered_events_per_sec: rate,
      achieved_share: Number((s.eventsPerSec / rate).toFixed(3)),
      lateness_ms: latenessMs,
      batch_events: batch,
      producers: PRODUCERS,
      services: SERVICES,
      seconds,
      faults_measured: lat.count,
      faults_not_seen: missed,
      faults_skipped: skipped,
      ack_p50_ms: Number((s.ackP50Ms ?? 0).toFixed(2)),
      ack_p99_ms: Number((s.ackP99Ms ?? 0).toFixed(2)),
      latency: "batch sent -> first incident update naming the fault's root",
    },
  );
}

/** runLatencySuite measures ingest-to-incident latency against offered load. */
export async function runLatencySuite(opts: { quick: boolean }): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const seconds = opts.quick ? 3 : 8;
  for (const rate of opts.quick ? [10_000, 50_000] : LATENCY_RATES) {
    const r = await latencyCase(rate, seconds, 0);
    out.push(r);
    // Past saturation the queue, not the rate, sets the latency: stop climbing.
    if (Number(r.params.achieved_share) < 0.5) break;
  }
  out.push(await latencyCase(10_000, seconds, 2_000));
  return out;
}
