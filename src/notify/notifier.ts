// The notifier: watches every incident version, asks the planner what
// changed for whom, renders each notification in its target's format, writes
// it to the outbox (pending) and only then queues it for delivery. At start
// it reads the outbox back: what receivers were told (so unchanged state is
// not re-sent after a restart) and what is still pending (resent with the
// same ids and bodies).
import { type Incident, IncidentSeverity } from "../gen/impactd/v1/incident.js";
import type { Topology } from "../gen/impactd/v1/topology.js";
import type { IncidentUpdateListener } from "../pipeline/pipeline.js";
import { severityName, statusName } from "./describe.js";
import type { DeliveryError } from "./errors.js";
import { kindOf, render } from "./formats/index.js";
import { alertFingerprint, incidentDedupKey, notificationId } from "./ids.js";
import { type NotifierOptions, type NotifierSettings, parseNotifierOptions } from "./options.js";
import type { NotificationStore } from "./outbox.js";
import { type Draft, Planner } from "./planner.js";
import { type DeliveryOutcome, DeliveryQueue } from "./queue.js";
import { quietUntil } from "./quiet-hours.js";
import { NOTIFICATION_KINDS, type NotificationKind, type NotificationRow } from "./rows.js";
import { HttpTransport } from "./transports/http.js";
import { NatsTransport } from "./transports/nats.js";
import type { Transport } from "./transports/transport.js";

/** NotifierSource is what the notifier needs of the pipeline (Pipeline has all of it). */
export interface NotifierSource {
  watchAll(listener: IncidentUpdateListener): () => void;
  tenantNames(): string[];
  incidents(tenant: string): Incident[];
  topology(tenant: string): Topology;
  watermark(tenant: string): number | undefined;
}

/** NotifierDeps are what a notifier is built from. */
export interface NotifierDeps {
  source: NotifierSource;
  store: NotificationStore;
  options?: NotifierOptions;
  /** Wall clock (quiet hours, retries, row times). @default Date.now */
  now?: () => number;
  /** Jitter source. @default Math.random */
  random?: () => number;
  /** Transports by kind, replacing the built-in ones (tests). */
  transports?: Partial<Record<NotificationKind, Transport>>;
  /** Where final failures are reported. @default console.error */
  log?: (message: string) => void;
}

/** NotifierStats are the notifier's counters, for /metrics. */
export interface NotifierStats {
  /** Incidents inside their group wait. */
  grouping: number;
  /** Notifications in the delivery queue (waiting and in flight). */
  queued: number;
  inFlight: number;
  /** Queued notifications waiting for a later time (quiet hours, retry backoff). */
  waiting: number;
  /** Notifications delivered, failed for good, and retried attempts, by kind. */
  delivered: Record<NotificationKind, number>;
  failed: Record<NotificationKind, number>;
  retries: Record<NotificationKind, number>;
  /** Failed attempts by error code (RECEIVER_UNAVAILABLE, ...). */
  errors: Record<string, number>;
  /** Held notifications replaced by a newer one before they were sent. */
  superseded: number;
  /** Notifications that did not fit the queue and waited in the outbox. */
  overflowed: number;
  /** Notifications not created again because their id was already in the outbox (a replay). */
  duplicates: number;
  /** Notifications that could not be written to the outbox (and so were not sent). */
  outboxErrors: number;
}

const perKind = () =>
  Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, 0])) as Record<NotificationKind, number>;

/** MAX_REMEMBERED_IDS bounds the ids kept to recognise replays and finished sends. */
const MAX_REMEMBERED_IDS = 1_000_000;

// A Set that forgets its oldest entries beyond a size.
class BoundedSet {
  private readonly set = new Set<string>();
  constructor(private readonly max: number) {}
  has(v: string): boolean {
    return this.set.has(v);
  }
  add(v: string): void {
    this.set.add(v);
    if (this.set.size > this.max) {
      const first = this.set.values().next().value;
      if (first !== undefined) this.set.delete(first);
    }
  }
}

/** Notifier turns incident changes into delivered notifications. */
export class Notifier {
  private readonly settings: NotifierSettings;
  private readonly planner: Planner;
  private readonly queue: DeliveryQueue;
  private readonly transports: Record<NotificationKind, Transport>;
  private readonly now: () => number;
  private readonly log: (message: string) => void;
  private readonly known = new BoundedSet(MAX_REMEMBERED_IDS);
  private readonly finished = new BoundedSet(MAX_REMEMBERED_IDS);
  private readonly counters = {
    delivered: perKind(),
    failed: perKind(),
    retries: perKind(),
    errors: {} as Record<string, number>,
    superseded: 0,
    overflowed: 0,
    duplicates: 0,
    outboxErrors: 0,
  };
  private chain: Promise<void> = Promise.resolve();
  private needsRefill = false;
  private unwatch: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(private readonly deps: NotifierDeps) {
    this.settings = parseNotifierOptions(deps.options);
    this.now = deps.now ?? Date.now;
    this.log = deps.log ?? ((m) => console.error(m));
    this.planner = new Planner(this.settings.groupWaitMs, (t) => deps.source.topology(t).teams);
    const http = new HttpTransport(this.settings.requestTimeoutMs, this.now);
    this.transports = {
      alertmanager_webhook: deps.transports?.alertmanager_webhook ?? http,
      pagerduty: deps.transports?.pagerduty ?? http,
      nats:
        deps.transports?.nats ??
        new NatsTransport(this.settings.nats, this.settings.requestTimeoutMs),
    };
    this.queue = new DeliveryQueue({
      concurrency: this.settings.targetConcurrency,
      maxQueued: this.settings.maxQueued,
      maxAttempts: this.settings.maxAttempts,
      retryBaseMs: this.settings.retryBaseMs,
      retryMaxMs: this.settings.retryMaxMs,
      now: this.now,
      ...(deps.random === undefined ? {} : { random: deps.random }),
      send: (row, signal) => this.transports[row.kind].send(row, signal),
      save: async (row) => {
        await this.save([row]);
      },
      onOutcome: (row, outcome, err) => this.count(row, outcome, err),
    });
  }

  /**
   * start reads the outbox (what was told, what is pending), puts open
   * incidents nobody was told about back into their group wait, resumes
   * pending deliveries and subscribes to every tenant's incidents.
   */
  static async start(deps: NotifierDeps): Promise<Notifier> {
    const n = new Notifier(deps);
    if (!n.settings.enabled) return n;
    const told = await deps.store.since(n.now() - n.settings.stateLookbackMs);
    n.planner.restore(told);
    for (const r of told) n.known.add(r.notification_id);
    for (const tenant of deps.source.tenantNames())
      for (const inc of deps.source.incidents(tenant)) n.planner.reconcile(inc);
    const pending = await deps.store.pending(n.settings.maxQueued);
    for (const r of pending) n.enqueue(r);
    if (pending.length >= n.settings.maxQueued) n.needsRefill = true;
    n.unwatch = deps.source.watchAll((inc) => n.onUpdate(inc));
    n.timer = setInterval(() => n.tick(), n.settings.tickMs);
    n.timer.unref();
    return n;
  }

  /** onUpdate handles one new incident version. */
  onUpdate(inc: Incident): void {
    if (this.stopped) return;
    this.dispatch(this.planner.update(inc));
  }

  /** tick releases group waits that ended by each tenant's watermark and refills the queue. */
  tick(): void {
    if (this.stopped) return;
    for (const tenant of this.planner.tenants()) {
      const wm = this.deps.source.watermark(tenant);
      if (wm !== undefined && Number.isFinite(wm)) this.dispatch(this.planner.advance(tenant, wm));
    }
    if (this.needsRefill && this.queue.room() > 0)
      this.chain = this.chain.then(() => this.refill());
    this.queue.pump();
  }

  /** settled resolves once every notification decided so far is in the outbox (tests, shutdown). */
  settled(): Promise<void> {
    return this.chain;
  }

  /** stats snapshots the counters. */
  stats(): NotifierStats {
    const c = this.counters;
    return {
      grouping: this.planner.grouping(),
      queued: this.queue.size(),
      inFlight: this.queue.inFlight(),
      waiting: this.queue.held(),
      delivered: { ...c.delivered },
      failed: { ...c.failed },
      retries: { ...c.retries },
      errors: { ...c.errors },
      superseded: c.superseded,
      overflowed: c.overflowed,
      duplicates: c.duplicates,
      outboxErrors: c.outboxErrors,
    };
  }

  /**
   * stop unsubscribes, finishes outbox writes, aborts sends under way (their
   * rows stay pending and the next start resends them) and closes.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unwatch?.();
    clearInterval(this.timer);
    await this.chain;
    await this.queue.stop();
    await Promise.allSettled([...new Set(Object.values(this.transports))].map((t) => t.close()));
    await this.deps.store.close();
  }

  private dispatch(drafts: readonly Draft[]): void {
    if (drafts.length === 0) return;
    const rows: NotificationRow[] = [];
    const now = this.now();
    for (const d of drafts) {
      const row = this.row(d, now);
      if (row === undefined) continue;
      if (this.known.has(row.notification_id)) {
        this.counters.duplicates++;
        continue;
      }
      this.known.add(row.notification_id);
      rows.push(row);
    }
    if (rows.length === 0) return;
    // Written before it is queued: what a crash interrupts is in the outbox.
    this.chain = this.chain.then(async () => {
      if (!(await this.save(rows))) return;
      // Decided while stopping (the final flush): pending for the next start.
      if (this.stopped) return;
      for (const r of rows) {
        if (r.status === "pending") this.enqueue(r);
        else this.count(r, "failed");
      }
    });
  }

  private row(d: Draft, now: number): NotificationRow | undefined {
    const kind = kindOf(d.target.kind);
    if (kind === undefined) return undefined; // validation refuses such targets
    const inc = d.incident;
    const id = notificationId(inc.tenant, inc.id, d.change, inc.version, d.team, d.target.name);
    const notice = {
      id,
      dedupKey: incidentDedupKey(inc.tenant, inc.id),
      fingerprint: alertFingerprint(inc.tenant, inc.id),
      draft: d,
      externalUrl: this.settings.externalUrl,
    };
    const team = this.deps.source.topology(inc.tenant).teams.find((t) => t.name === d.team);
    const critical = inc.severity === IncidentSeverity.INCIDENT_SEVERITY_CRITICAL;
    const deliverAfter = critical ? 0 : quietUntil(team?.quietHours, now);
    const noKey = kind === "pagerduty" && d.target.routingKey === "";
    return {
      tenant: inc.tenant,
      notification_id: id,
      revision: 1,
      incident_id: inc.id,
      incident_version: inc.version,
      change: d.change,
      changes: d.changes,
      action: d.action,
      ts: inc.updatedUnixMs,
      team: d.team,
      target: d.target.name,
      kind,
      address: kind === "nats" ? d.target.subject : d.target.url,
      dedup_key: notice.dedupKey,
      paged: d.paged.map((p) => p.target),
      tiers: d.paged.map((p) => p.tier),
      incident_status: statusName(inc.status),
      severity: severityName(inc.severity),
      root_cause: inc.rootCauses[0]?.service ?? "",
      status: noKey ? "failed" : "pending",
      attempts: 0,
      last_error: noKey
        ? `RECEIVER_REJECTED: pagerduty target ${d.target.name} of team ${d.team} has no routing_key`
        : "",
      deliver_after: deliverAfter,
      created_at: now,
      delivered_at: null,
      payload: render(kind, notice),
      written_at: now,
    };
  }

  private enqueue(r: NotificationRow): void {
    if (!this.queue.enqueue(r)) {
      this.counters.overflowed++;
      this.needsRefill = true;
    }
  }

  // Reads pending rows back into the queue once it has room again.
  private async refill(): Promise<void> {
    if (this.stopped) return;
    const limit = this.queue.size() + this.queue.room();
    let rows: NotificationRow[];
    try {
      rows = await this.deps.store.pending(limit);
    } catch (err) {
      this.log(`impactd: notifications: cannot read the outbox: ${(err as Error).message}`);
      return;
    }
    this.needsRefill = rows.length >= limit;
    for (const r of rows) {
      if (this.queue.has(r.notification_id) || this.finished.has(r.notification_id)) continue;
      if (!this.queue.enqueue(r)) {
        this.needsRefill = true;
        break;
      }
    }
  }

  // Writes rows to the outbox; false (and counted, logged) when it cannot.
  private async save(rows: NotificationRow[]): Promise<boolean> {
    try {
      await this.deps.store.write(rows);
      return true;
    } catch (err) {
      this.counters.outboxErrors += rows.length;
      this.log(
        `impactd: notifications: cannot write ${rows.length} row(s) to the outbox: ${(err as Error).message}`,
      );
      return false;
    }
  }

  private count(row: NotificationRow, outcome: DeliveryOutcome, err?: DeliveryError): void {
    const c = this.counters;
    if (err !== undefined) c.errors[err.code] = (c.errors[err.code] ?? 0) + 1;
    if (outcome === "retry") {
      c.retries[row.kind]++;
      return;
    }
    this.finished.add(row.notification_id);
    if (outcome === "delivered") c.delivered[row.kind]++;
    else if (outcome === "superseded") c.superseded++;
    else {
      c.failed[row.kind]++;
      this.log(
        `impactd: notification ${row.change} of ${row.incident_id} to ${row.team}/${row.target} failed after ${row.attempts} attempt(s): ${row.last_error}`,
      );
    }
  }
}
