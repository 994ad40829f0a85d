// runLoad drives senders with a workload: batches go round-robin to the
// producers, each with a bounded number of batches in flight, paced to the
// offered rate (or as fast as acks come back), and bounded by a count and a
// wall-clock time. It reports what was sent, acknowledged and refused, the
// achieved rate and the ack latency percentiles.
import type { Workload } from "./generator.js";
import type { Ack, Prepared, Sender, Via } from "./sender.js";
import { sleep } from "./sender.js";
import { Latencies } from "./stats.js";

/** DEFAULT_INFLIGHT is how many batches each producer may have waiting for their ack. */
export const DEFAULT_INFLIGHT = 8;
/** DEFAULT_PROGRESS_EVERY_MS is how often progress is reported. */
export const DEFAULT_PROGRESS_EVERY_MS = 1_000;

/** LoadProgress is a snapshot of a running load. */
export interface LoadProgress {
  elapsedMs: number;
  sent: number;
  acked: number;
  rejected: number;
  inflightBatches: number;
}

/** LoadSummary is the outcome of one load run. */
export interface LoadSummary {
  via: Via;
  /** Items sent (events; alerts for the alertmanager protocol). */
  sent: number;
  /** Items in batches the target acknowledged. */
  acked: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  /** Items in batches that failed (connection lost, error answer). */
  failed: number;
  batches: number;
  /** Overloaded answers that were retried. */
  retries: number;
  /** From the first send to the last ack. */
  seconds: number;
  /** Acked items per second. */
  eventsPerSec: number;
  ackP50Ms: number | null;
  ackP99Ms: number | null;
  /** Faults the workload injected (ground truth). */
  faults: number;
  stoppedBy: "count" | "time";
  /** First error, when batches failed. */
  error: string | undefined;
}

/** LoadRunOptions configure runLoad. */
export interface LoadRunOptions {
  workload: Workload;
  /** One sender per producer. */
  senders: readonly Sender[];
  /** Most events to generate (with `prepared`: most batches to send). */
  maxEvents: number;
  /** Longest wall-clock time to keep sending, ms. */
  maxDurationMs: number;
  /** Offered events per second; 0 sends as fast as acks allow. */
  rate: number;
  /** @default DEFAULT_INFLIGHT */
  inflight?: number;
  /** @default DEFAULT_PROGRESS_EVERY_MS */
  progressEveryMs?: number;
  onProgress?: (p: LoadProgress) => void;
  /** Called for every acknowledged batch (latency studies). */
  onAck?: (batch: Prepared<unknown>, sentAt: number, ackAt: number, ack: Ack) => void;
  /** Stop sending early when this returns true (checked before each batch). */
  stop?: () => boolean;
  /**
   * Batches encoded ahead (benchmarks: so the clock times the target, not the
   * encoder). When given they are sent in order instead of generating;
   * `workload` still supplies the batch size and the ground truth.
   */
  prepared?: readonly Prepared<unknown>[];
}

/** runLoad sends the workload and resolves with the summary once every batch is answered. */
export async function runLoad(o: LoadRunOptions): Promise<LoadSummary> {
  const inflight = o.inflight ?? DEFAULT_INFLIGHT;
  const producers = o.senders.length;
  const batchSize = o.workload.options.batchSize;
  const lat = new Latencies();
  const s: LoadSummary = {
    via: o.senders[0]?.via ?? "grpc",
    sent: 0,
    acked: 0,
    accepted: 0,
    rejected: 0,
    duplicates: 0,
    failed: 0,
    batches: 0,
    retries: 0,
    seconds: 0,
    eventsPerSec: 0,
    ackP50Ms: null,
    ackP99Ms: null,
    faults: 0,
    stoppedBy: "count",
    error: undefined,
  };
  const queues: Promise<void>[][] = o.senders.map(() => []);
  let pendingBatches = 0;
  const start = performance.now();
  let lastAck = start;
  const progress = setInterval(() => {
    o.onProgress?.({
      elapsedMs: performance.now() - start,
      sent: s.sent,
      acked: s.acked,
      rejected: s.rejected,
      inflightBatches: pendingBatches,
    });
  }, o.progressEveryMs ?? DEFAULT_PROGRESS_EVERY_MS);
  progress.unref();
  let seq = 0;
  try {
    const limit = o.prepared === undefined ? o.maxEvents : Math.min(o.maxEvents, o.prepared.length);
    for (let b = 0; (o.prepared === undefined ? seq : b) < limit && s.error === undefined; b++) {
      if (performance.now() - start >= o.maxDurationMs) {
        s.stoppedBy = "time";
        break;
      }
      if (o.stop?.()) break;
      if (o.rate > 0) {
        const wait = start + (seq / o.rate) * 1000 - performance.now();
        if (wait > 1) await sleep(wait);
      }
      const p = b % producers;
      const queue = queues[p] as Promise<void>[];
      while (queue.length >= inflight) await queue.shift();
      const sender = o.senders[p] as Sender;
      let batch: Prepared<unknown>;
      if (o.prepared === undefined) {
        const size = Math.min(batchSize, o.maxEvents - seq);
        batch = sender.prepare(o.workload.nextBatch(size), seq);
        seq += size;
      } else {
        batch = o.prepared[b] as Prepared<unknown>;
        seq += batch.count;
      }
      const sentAt = performance.now();
      s.sent += batch.count;
      s.batches++;
      pendingBatches++;
      queue.push(
        sender.send(batch).then(
          (ack) => {
            const ackAt = performance.now();
            lastAck = ackAt;
            pendingBatches--;
            lat.add(ackAt - sentAt);
            s.acked += batch.count;
            s.accepted += ack.accepted;
            s.rejected += ack.rejected;
            s.duplicates += ack.duplicates;
            s.retries += ack.retries;
            o.onAck?.(batch, sentAt, ackAt, ack);
          },
          (err: unknown) => {
            pendingBatches--;
            s.failed += batch.count;
            s.error ??= (err as Error).message;
          },
        ),
      );
    }
    await Promise.all(queues.flat());
  } finally {
    clearInterval(progress);
  }
  s.seconds = Math.max(1e-9, (lastAck - start) / 1000);
  s.eventsPerSec = s.acked / s.seconds;
  s.ackP50Ms = lat.quantile(0.5);
  s.ackP99Ms = lat.quantile(0.99);
  s.faults = o.workload.faults.length;
  return s;
}
