// Exclusive ownership of a JetStream consumer (a partition of the event
// stream) by one impactd instance, through a lease in a JetStream KV bucket:
// `create` succeeds only when the key is absent, the owner renews it with a
// compare-and-set `update` every third of the TTL, and the bucket's TTL
// removes the key of an owner that died. Core state is per tenant and must
// see all of a tenant's events, so two instances must never pull from one
// partition at once. See docs/NATS-SCALE.md.
import { hostname } from "node:os";
import type { KV, NatsConnection } from "nats";

/** DEFAULT_LEASE_TTL_MS is how long a dead owner keeps its partition. */
export const DEFAULT_LEASE_TTL_MS = 10_000;

/** instanceId names this process in leases: host, pid and a random suffix. */
export function instanceId(): string {
  return `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Lease is one partition's lease as seen by one instance. */
export class Lease {
  private revision = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastRenewal = 0;
  private lost: (() => void) | undefined;

  private constructor(
    private readonly kv: KV,
    /** The partition (consumer) this lease is for. */
    readonly key: string,
    /** Who holds it when we do. */
    readonly owner: string,
    private readonly ttlMs: number,
    private readonly log: (m: string) => void,
  ) {}

  /** open binds (creating if needed) the lease bucket. */
  static async open(
    nc: NatsConnection,
    bucket: string,
    key: string,
    ttlMs: number,
    owner: string,
    log: (m: string) => void,
  ): Promise<Lease> {
    const kv = await nc.jetstream().views.kv(bucket, { ttl: ttlMs, history: 1 });
    return new Lease(kv, key, owner, ttlMs, log);
  }

  /** held says whether this instance holds the lease now. */
  get held(): boolean {
    return this.revision > 0;
  }

  /**
   * acquire waits until this instance holds the lease (or `stopped()` says
   * to give up, then resolves false). `onLost` is called if the lease is
   * lost later (another owner took it, or it could not be renewed in time).
   */
  async acquire(stopped: () => boolean, onLost: () => void): Promise<boolean> {
    while (!stopped()) {
      try {
        this.revision = await this.kv.create(this.key, this.owner);
        this.lost = onLost;
        this.lastRenewal = Date.now();
        this.timer = setInterval(() => void this.renew(), Math.max(100, this.ttlMs / 3));
        return true;
      } catch {
        // Held by someone else (or NATS is unreachable): try again shortly.
      }
      await new Promise((r) => setTimeout(r, Math.max(50, Math.min(1_000, this.ttlMs / 4))));
    }
    return false;
  }

  private renewing: Promise<void> | undefined;

  private renew(): Promise<void> {
    // One renewal at a time: an overlapping one would carry a stale revision
    // and read its own predecessor's write as someone else's.
    if (!this.held || this.renewing !== undefined) return this.renewing ?? Promise.resolve();
    this.renewing = this.renewOnce().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async renewOnce(): Promise<void> {
    try {
      const rev = await this.kv.update(this.key, this.owner, this.revision);
      if (!this.held) return; // released or abandoned meanwhile
      this.revision = rev;
      this.lastRenewal = Date.now();
      return;
    } catch (err) {
      const e = err as { message?: string };
      const taken = /wrong last sequence/i.test(e.message ?? "");
      // Past the TTL without a renewal the key may have expired and been
      // taken, even if the error looks transient.
      if (!taken && Date.now() - this.lastRenewal < this.ttlMs) return;
      if (!this.held) return;
      this.log(`lost the lease on ${this.key}: ${e.message ?? String(err)}`);
    }
    this.drop();
    this.lost?.();
  }

  private drop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.revision = 0;
  }

  /** release gives the lease up at once, so a standby need not wait for the TTL. */
  async release(): Promise<void> {
    // Let a renewal in flight land first, or the delete's revision is stale.
    while (this.renewing !== undefined) await this.renewing;
    if (!this.held) return;
    const rev = this.revision;
    this.drop();
    await this.kv.delete(this.key, { previousSeq: rev }).catch(() => undefined);
  }

  /** abandon stops renewing without releasing (a crash, as others see it). */
  abandon(): void {
    this.drop();
  }
}
