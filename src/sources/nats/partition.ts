// Exclusive mode: one instance at a time consumes a partition (the durable
// consumer). An instance waits for the partition's lease, rebuilds the core
// state of the partition's tenants by replaying the stream up to the
// consumer's ack floor, then consumes; when it loses the lease it stops at
// once, and a standby takes over the same way. See docs/NATS-SCALE.md.
import type { NatsConnection } from "nats";
import type { NatsConfig } from "../../config/nats.js";
import type { Pipeline } from "../../pipeline/pipeline.js";
import type { Authorize } from "./ingest.js";
import { emptyStats, ensureConsumer, ensureStream, JetStreamConsumer } from "./jetstream.js";
import { instanceId, Lease } from "./lease.js";
import { replayPartition } from "./replay.js";

/** PartitionStats count take-overs and replayed messages. */
export interface PartitionStats {
  /** Times this instance took the partition. */
  takeovers: number;
  /** Messages replayed to rebuild state. */
  replayed: number;
  /** Whether this instance owns the partition now. */
  owner: boolean;
}

/** PartitionConsumer owns and consumes one partition while it holds its lease. */
export class PartitionConsumer {
  readonly stats = emptyStats();
  readonly partition: PartitionStats = { takeovers: 0, replayed: 0, owner: false };
  private consumer: JetStreamConsumer | undefined;
  private closed = false;
  private loop: Promise<void> = Promise.resolve();
  private lostSignal: (() => void) | undefined;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly pipeline: Pipeline,
    private readonly c: NatsConfig,
    private readonly lease: Lease,
    private readonly log: (m: string) => void,
    private readonly authorize: Authorize | undefined,
  ) {}

  /** start sets up the stream, consumer and lease bucket and begins competing for the lease. */
  static async start(
    nc: NatsConnection,
    pipeline: Pipeline,
    c: NatsConfig,
    log: (m: string) => void,
    authorize?: Authorize,
  ): Promise<PartitionConsumer> {
    const jsm = await nc.jetstreamManager();
    await ensureStream(jsm, c);
    await ensureConsumer(jsm, c);
    const lease = await Lease.open(nc, c.leaseBucket, c.durable, c.leaseTtlMs, instanceId(), log);
    const self = new PartitionConsumer(nc, pipeline, c, lease, log, authorize);
    self.loop = self.run();
    return self;
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      let lost = false;
      const got = await this.lease.acquire(
        () => this.closed,
        () => {
          lost = true;
          this.lostSignal?.();
        },
      );
      if (!got) return;
      try {
        const jsm = await this.nc.jetstreamManager();
        const info = await jsm.consumers.info(this.c.stream, this.c.durable);
        const floor = info.ack_floor.stream_seq;
        this.partition.replayed += await replayPartition(this.nc, this.pipeline, this.c, floor);
        if (this.closed || lost) continue;
        // Messages the previous owner fetched and never acked come back after
        // ack_wait. Taking newer ones first would feed the core out of order
        // (late events), so wait for them to be redeliverable.
        if (info.num_ack_pending > 0) {
          await new Promise((r) => setTimeout(r, this.c.ackWaitMs + 100));
          if (this.closed || lost) continue;
        }
        this.consumer = await JetStreamConsumer.start(
          this.nc,
          this.pipeline,
          this.c,
          this.log,
          this.stats,
          this.authorize,
        );
        this.partition.takeovers++;
        this.partition.owner = true;
        this.log(
          `took partition ${this.c.durable} as ${this.lease.owner} (state replayed up to stream sequence ${floor})`,
        );
        await new Promise<void>((resolve) => {
          this.lostSignal = resolve;
          if (lost || this.closed) resolve();
        });
        this.partition.owner = false;
        // Lost: another instance may already be pulling; stop without acking.
        if (lost) await this.consumer.stop(true);
      } catch (err) {
        this.log(`partition ${this.c.durable}: ${(err as Error).message}`);
        this.lease.abandon();
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  /**
   * close hands the partition over cleanly: stops fetching, waits for the
   * in-flight messages to be durable and acked, waits until the server has
   * applied the acks (the next owner replays up to the ack floor), then
   * releases the lease.
   */
  async close(): Promise<void> {
    this.closed = true;
    const consumer = this.consumer;
    const owned = this.lease.held;
    if (consumer !== undefined && owned) {
      await consumer.stop();
      await this.nc.flush();
      const jsm = await this.nc.jetstreamManager();
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        const info = await jsm.consumers.info(this.c.stream, this.c.durable);
        if (info.num_ack_pending === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await this.lease.release();
    this.lostSignal?.();
    await this.loop;
  }

  /** kill stops at once without acking or releasing (a crash). */
  async kill(): Promise<void> {
    this.closed = true;
    this.lease.abandon();
    await this.consumer?.stop(true);
    this.lostSignal?.();
  }
}
