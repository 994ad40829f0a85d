// The delivery queue: a bounded, in-memory window onto the outbox. Each
// target gets at most `concurrency` sends in flight; notifications about one
// incident to one target go strictly in order (a later one waits while an
// earlier one is retried or held for quiet hours). Failed sends are retried
// with exponential backoff and jitter up to `maxAttempts`; every attempt's
// outcome is saved as a new revision of the row before the next step.
import { backoffDelay } from "./backoff.js";
import { DeliveryError } from "./errors.js";
import type { NotificationRow } from "./rows.js";

/** DeliveryOutcome is what became of one attempt. */
export type DeliveryOutcome = "delivered" | "retry" | "failed" | "superseded";

/** QueueOptions configure a DeliveryQueue. */
export interface QueueOptions {
  concurrency: number;
  maxQueued: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  now: () => number;
  random?: () => number;
  /** send delivers one row; rejects with a DeliveryError (or the abort reason). */
  send(row: NotificationRow, signal: AbortSignal): Promise<void>;
  /** save persists a new revision of a row. */
  save(row: NotificationRow): Promise<void>;
  /** onOutcome is told about every attempt (metrics). */
  onOutcome?(row: NotificationRow, outcome: DeliveryOutcome, err?: DeliveryError): void;
}

interface Item {
  row: NotificationRow;
  /** Not before this wall-clock time. */
  nextAt: number;
  seq: string;
  target: string;
  busy: boolean;
}

/** DeliveryQueue sends outbox rows, in order per incident and target. */
export class DeliveryQueue {
  private items: Item[] = [];
  private readonly ids = new Set<string>();
  private readonly active = new Map<string, number>();
  private readonly controllers = new Set<AbortController>();
  private readonly running = new Set<Promise<void>>();
  private wake: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private stopping = false;

  constructor(private readonly o: QueueOptions) {}

  /** size is how many notifications the queue holds (held and in flight included). */
  size(): number {
    return this.items.length;
  }

  /** inFlight is how many sends are under way. */
  inFlight(): number {
    let n = 0;
    for (const it of this.items) if (it.busy) n++;
    return n;
  }

  /** held is how many wait for a later time (quiet hours or a retry). */
  held(): number {
    const now = this.o.now();
    let n = 0;
    for (const it of this.items) if (!it.busy && it.nextAt > now) n++;
    return n;
  }

  /** room is how many more rows fit. */
  room(): number {
    return Math.max(0, this.o.maxQueued - this.items.length);
  }

  /** has tells whether a notification id is queued. */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /**
   * enqueue adds a stored row; false when the queue is full (the row stays
   * pending in the outbox and is read back when there is room). A row due
   * now supersedes rows of the same incident and target still held for quiet
   * hours: it carries the incident's current state, and they would only
   * delay it.
   */
  enqueue(row: NotificationRow): boolean {
    if (this.stopping || this.ids.has(row.notification_id)) return true;
    if (this.items.length >= this.o.maxQueued) return false;
    const seq = [row.tenant, row.incident_id, row.team, row.target].join("\u0000");
    const now = this.o.now();
    if (row.deliver_after <= now) {
      const stale = this.items.filter(
        (it) => it.seq === seq && !it.busy && it.row.attempts === 0 && it.row.deliver_after > now,
      );
      for (const it of stale)
        void this.finish(it, { ...it.row, status: "superseded" }, "superseded");
    }
    this.items.push({
      row,
      nextAt: row.deliver_after,
      seq,
      target: `${row.kind}\u0000${row.address}`,
      busy: false,
    });
    this.ids.add(row.notification_id);
    this.pump();
    return true;
  }

  /** pump starts every send that is due and allowed to go. */
  pump(): void {
    if (this.stopping) return;
    const now = this.o.now();
    const blocked = new Set<string>();
    let next = Number.POSITIVE_INFINITY;
    for (const it of this.items) {
      if (blocked.has(it.seq)) continue;
      blocked.add(it.seq); // later rows of this incident and target wait for this one
      if (it.busy) continue;
      if (it.nextAt > now) {
        next = Math.min(next, it.nextAt);
        continue;
      }
      if ((this.active.get(it.target) ?? 0) >= this.o.concurrency) continue;
      this.start(it);
    }
    this.schedule(next);
  }

  private schedule(at: number): void {
    if (at === this.wakeAt) return;
    clearTimeout(this.wake);
    this.wakeAt = at;
    this.wake = undefined;
    if (at === Number.POSITIVE_INFINITY) return;
    this.wake = setTimeout(
      () => {
        this.wakeAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(0, at - this.o.now()),
    );
    this.wake.unref();
  }

  private start(it: Item): void {
    it.busy = true;
    this.active.set(it.target, (this.active.get(it.target) ?? 0) + 1);
    const ac = new AbortController();
    this.controllers.add(ac);
    const p = this.attempt(it, ac).finally(() => {
      this.controllers.delete(ac);
      this.running.delete(p);
      it.busy = false;
      this.active.set(it.target, (this.active.get(it.target) ?? 1) - 1);
      this.pump();
    });
    this.running.add(p);
  }

  private async attempt(it: Item, ac: AbortController): Promise<void> {
    const row = it.row;
    const attempts = row.attempts + 1;
    try {
      await this.o.send(row, ac.signal);
    } catch (err) {
      // Stopping mid-send: the outcome is unknown, so the row stays pending
      // and the next start sends it again with the same id.
      if (this.stopping || ac.signal.aborted) return;
      const e =
        err instanceof DeliveryError
          ? err
          : new DeliveryError("RECEIVER_UNREACHABLE", (err as Error).message, {
              retryable: true,
              cause: err,
            });
      const lastError = `${e.code}: ${e.message}`;
      if (!e.retryable || attempts >= this.o.maxAttempts) {
        await this.finish(
          it,
          { ...row, attempts, last_error: lastError, status: "failed" },
          "failed",
          e,
        );
        return;
      }
      const delay = backoffDelay(
        attempts,
        this.o.retryBaseMs,
        this.o.retryMaxMs,
        this.o.random,
        e.retryAfterMs ?? 0,
      );
      it.row = { ...row, attempts, last_error: lastError, revision: row.revision + 1 };
      it.nextAt = this.o.now() + delay;
      this.o.onOutcome?.(it.row, "retry", e);
      await this.o.save(it.row);
      return;
    }
    await this.finish(
      it,
      { ...row, attempts, status: "delivered", delivered_at: this.o.now() },
      "delivered",
    );
  }

  // Saves a row's final revision and drops it from the queue.
  private async finish(
    it: Item,
    row: NotificationRow,
    outcome: DeliveryOutcome,
    err?: DeliveryError,
  ): Promise<void> {
    const final = { ...row, revision: row.revision + 1 };
    this.items = this.items.filter((x) => x !== it);
    this.ids.delete(row.notification_id);
    this.o.onOutcome?.(final, outcome, err);
    await this.o.save(final);
  }

  /** stop aborts sends under way (their rows stay pending) and waits for them to settle. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.wake);
    for (const ac of this.controllers) ac.abort(new Error("impactd is stopping"));
    await Promise.allSettled([...this.running]);
  }
}
