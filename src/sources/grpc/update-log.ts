// The per-tenant history behind WatchIncidents resume: every incident version
// gets the tenant's next sequence number and goes into a bounded ring. A
// watcher that reconnects with the last sequence it saw gets what it missed
// from the ring; one whose cursor is older than the ring (or from before a
// restart) gets the current open incidents marked `resync` instead.
import type { IncidentUpdate } from "../../gen/impactd/v1/api.js";
import type { Incident } from "../../gen/impactd/v1/incident.js";
import { isOpen } from "../../pipeline/incident-tracker.js";
import type { Pipeline } from "../../pipeline/pipeline.js";

/** DEFAULT_UPDATE_HISTORY is how many updates per tenant are kept. */
export const DEFAULT_UPDATE_HISTORY = 10_000;

type Send = (u: IncidentUpdate) => void;

class TenantLog {
  seq = 0;
  private readonly ring: (IncidentUpdate | undefined)[];
  private start = 0;
  private count = 0;
  readonly listeners = new Set<Send>();

  constructor(private readonly capacity: number) {
    this.ring = new Array(capacity);
  }

  push(u: IncidentUpdate): void {
    if (this.count < this.capacity) {
      this.ring[(this.start + this.count) % this.capacity] = u;
      this.count++;
    } else {
      this.ring[this.start] = u;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** after returns the updates after `cursor`, or undefined when the ring no longer has them all. */
  after(cursor: number): IncidentUpdate[] | undefined {
    const oldest = this.seq - this.count + 1;
    if (cursor > this.seq || cursor < oldest - 1) return undefined;
    const out: IncidentUpdate[] = [];
    for (let i = cursor - oldest + 1; i < this.count; i++) {
      const u = this.ring[(this.start + i) % this.capacity];
      if (u !== undefined) out.push(u);
    }
    return out;
  }
}

/** UpdateLog numbers and keeps incident updates for every tenant. */
export class UpdateLog {
  private readonly tenants = new Map<string, TenantLog>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly capacity = DEFAULT_UPDATE_HISTORY,
  ) {
    this.unsubscribe = pipeline.watchAll((incident, changes) => this.record(incident, changes));
  }

  private log(tenant: string): TenantLog {
    let l = this.tenants.get(tenant);
    if (l === undefined) {
      l = new TenantLog(this.capacity);
      this.tenants.set(tenant, l);
    }
    return l;
  }

  private record(incident: Incident, changes: string[]): void {
    const l = this.log(incident.tenant);
    const u: IncidentUpdate = { incident, changes, sequence: ++l.seq, resync: false };
    l.push(u);
    for (const send of l.listeners) send(u);
  }

  /** sequence is the tenant's latest update sequence (0 before the first). */
  sequence(tenant: string): number {
    return this.tenants.get(tenant)?.seq ?? 0;
  }

  /**
   * subscribe sends what the cursor asks for (missed updates, or a resync of
   * open incidents, or with `includeOpen` the open incidents), then every new
   * update, in sequence order. Returns unsubscribe.
   */
  subscribe(
    tenant: string,
    opts: { cursor: number; includeOpen: boolean },
    send: Send,
  ): () => void {
    const l = this.log(tenant);
    // Replay and subscription happen in one synchronous step, so no update
    // can fall between them.
    const missed = opts.cursor > 0 ? l.after(opts.cursor) : undefined;
    if (missed !== undefined) {
      for (const u of missed) send(u);
    } else if (opts.cursor > 0 || opts.includeOpen) {
      const resync = opts.cursor > 0;
      if (resync) send({ incident: undefined, changes: ["resync"], sequence: l.seq, resync });
      for (const incident of this.pipeline.incidents(tenant)) {
        if (isOpen(incident.status))
          send({ incident, changes: ["current"], sequence: l.seq, resync });
      }
    }
    l.listeners.add(send);
    return () => l.listeners.delete(send);
  }

  /** close stops recording. */
  close(): void {
    this.unsubscribe();
    for (const l of this.tenants.values()) l.listeners.clear();
  }
}
