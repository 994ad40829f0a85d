// One end-to-end case: a generated estate is put to a fresh `impactd serve`
// child, the workload is generated and encoded ahead (not timed), then sent
// over one protocol with bounded batches in flight. Throughput is acked
// events per wall second; "per core" is acked events per CPU-second of the
// server process (all threads: event loop, chdb, gRPC); memory is the
// server's peak RSS.
import { ImpactdClient } from "../../src/client/client.js";
import {
  type LoadSummary,
  openSenders,
  type Prepared,
  runLoad,
  type Via,
  Workload,
  type WorkloadInit,
} from "../../src/load/index.js";
import { monotonicUs } from "./cpuprofile.js";
import { type BenchServer, type ServerOptions, startServer } from "./server.js";

/** E2eOptions describe one end-to-end case. */
export interface E2eOptions {
  via: Via;
  events: number;
  /** Workload knobs (batch size, services, ...); startMs is chosen here. */
  workload: Omit<WorkloadInit, "startMs">;
  /** Offered events/s; 0 = as fast as acks allow. @default 0 */
  rate?: number;
  /** Batches in flight per producer. @default 8 */
  inflight?: number;
  server?: ServerOptions;
  /** Called with the running server before the load (e.g. to watch incidents). */
  before?: (server: BenchServer, workload: Workload) => Promise<void> | void;
  onAck?: Parameters<typeof runLoad>[0]["onAck"];
}

/** E2eResult is what one case measured. */
export interface E2eResult {
  summary: LoadSummary;
  /** Acked events per CPU-second of the server. */
  eventsPerCpuSec: number;
  /** Share of the server's CPU spent on its main (JavaScript) thread. */
  mainThreadShare: number;
  serverCpuSec: number;
  serverPeakRssMb: number;
  /** Server RSS before the load (after the estate was put). */
  serverBaseRssMb: number;
  workload: Workload;
  /** The load's start and end on the monotonic clock CPU profiles use (µs). */
  windowUs: [number, number];
}

/** runE2e runs one case against a fresh server and stops it. */
export async function runE2e(o: E2eOptions): Promise<E2eResult> {
  const rate = o.rate ?? 0;
  const density = rate > 0 ? rate : (o.workload.rate ?? 100_000);
  const startMs =
    rate > 0 ? Date.now() + 2_000 : Date.now() - Math.ceil((o.events * 1000) / density);
  const workload = new Workload({ ...o.workload, rate: density, startMs });
  const server = await startServer({
    ...o.server,
    otlp: o.via === "otlp",
    http: o.via === "alertmanager",
  });
  try {
    const client = new ImpactdClient(server.grpc);
    try {
      await client.putTopology(workload.topology, workload.options.tenant);
    } finally {
      client.close();
    }
    const address =
      o.via === "otlp" ? server.otlp : o.via === "alertmanager" ? server.http : server.grpc;
    if (address === undefined) throw new Error(`server has no ${o.via} front end`);
    const senders = await openSenders({
      via: o.via,
      address,
      producers: workload.options.producers,
      tenant: workload.options.tenant,
      idPrefix: workload.runId,
    });
    try {
      // Paced runs generate as they go (event time follows the wall clock);
      // unpaced runs send batches encoded ahead.
      let prepared: Prepared<unknown>[] | undefined;
      if (rate === 0) {
        prepared = [];
        const first = senders[0];
        if (first === undefined) throw new Error("no sender");
        for (let seq = 0; seq < o.events; ) {
          const size = Math.min(workload.options.batchSize, o.events - seq);
          prepared.push(first.prepare(workload.nextBatch(size), seq));
          seq += size;
        }
      }
      await o.before?.(server, workload);
      const u0 = server.usage();
      const from = monotonicUs();
      const summary = await runLoad({
        workload,
        senders,
        maxEvents: o.events,
        maxDurationMs: 600_000,
        rate,
        inflight: o.inflight ?? 8,
        ...(prepared === undefined ? {} : { prepared }),
        ...(o.onAck === undefined ? {} : { onAck: o.onAck }),
      });
      const u1 = server.usage();
      const to = monotonicUs();
      if (summary.error !== undefined) throw new Error(`load failed: ${summary.error}`);
      const cpu = u1.cpuSec - u0.cpuSec;
      return {
        summary,
        eventsPerCpuSec: cpu > 0 ? summary.acked / cpu : Number.NaN,
        mainThreadShare: cpu > 0 ? (u1.mainCpuSec - u0.mainCpuSec) / cpu : Number.NaN,
        serverCpuSec: cpu,
        serverPeakRssMb: u1.hwmMb,
        serverBaseRssMb: u0.rssMb,
        workload,
        windowUs: [from, to],
      };
    } finally {
      await Promise.all(senders.map((s) => s.close()));
    }
  } finally {
    await server.stop();
  }
}
