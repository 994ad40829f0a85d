// The pipeline every front end feeds: validate -> de-duplicate -> intern and
// batch into the tenant's WASM core -> incidents -> sink. A batch is
// acknowledged once its rows are durable in the sink.
import { P_LATENESS_MS } from "../core/layout.js";
import { type CoreOutput, TenantCore } from "../core/tenant-core.js";
import { ImpactdError, InvalidArgumentError } from "../errors.js";
import type { IncidentJourneyImpact, JourneyImpactSummary } from "../gen/impactd/v1/api.js";
import { Event, type IncidentActionKind } from "../gen/impactd/v1/event.js";
import type { Incident, Prediction } from "../gen/impactd/v1/incident.js";
import type { Topology } from "../gen/impactd/v1/topology.js";
import type {
  EventRow,
  IncidentEventRow,
  IncidentRow,
  JourneyImpactRow,
  PredictionRow,
  RejectionRow,
  ServiceHealthRow,
} from "../sinks/rows.js";
import { incidentEventRows, predictionRow, serviceHealthRow } from "../sinks/timeline.js";
import { Estate } from "../topology/estate.js";
import {
  CHECKPOINT_FORMAT,
  readCheckpoints,
  type TenantCheckpoint,
  writeCheckpoint,
} from "./checkpoint.js";
import { type IncidentState, IncidentTracker, isOpen } from "./incident-tracker.js";
import { PredictionBook } from "./predictions.js";
import { RecentIds } from "./recent-ids.js";
import { eventRow, incidentRow, rejectionRow } from "./rows.js";
import {
  DEFAULT_LIMITS,
  NAME_PATTERN,
  type Problem,
  RejectCode,
  type ValidationLimits,
  validateEvent,
} from "./validate.js";

/** NotFoundError reports an unknown incident or tenant object. */
export class NotFoundError extends ImpactdError {
  constructor(message: string) {
    super("NOT_FOUND", message);
  }
}

/** DEFAULT_TENANT is the tenant of events that name none. */
export const DEFAULT_TENANT = "default";
/** DEFAULT_MAX_BATCH_EVENTS bounds one ingest batch. */
export const DEFAULT_MAX_BATCH_EVENTS = 50_000;
/** DEFAULT_DEDUP_IDS is how many recent event ids each tenant remembers. */
export const DEFAULT_DEDUP_IDS = 1_000_000;

/** PipelineSink is where the pipeline's rows go (see src/sinks). */
export interface PipelineSink {
  writeEvents(rows: readonly EventRow[]): Promise<void>;
  writeRejections(rows: readonly RejectionRow[]): Promise<void>;
  writeIncidents(rows: readonly IncidentRow[]): Promise<void>;
  /** overloaded says the sink is backed up: front ends should shed load (optional). */
  overloaded?(): boolean;
  /** Incident timeline entries (opened, member_added, ...), from IncidentState.changes. */
  writeIncidentEvents?(rows: readonly IncidentEventRow[]): Promise<void>;
  /** Service health changes decided by the core. */
  writeServiceHealth?(rows: readonly ServiceHealthRow[]): Promise<void>;
  /** Journey impact estimates (for the core's journey impact outputs). */
  writeJourneyImpact?(rows: readonly JourneyImpactRow[]): Promise<void>;
  /** Predictions, as made and as scored. */
  writePredictions?(rows: readonly PredictionRow[]): Promise<void>;
}

/** BatchObservation describes one batch once the core has run it (for metrics). */
export interface BatchObservation {
  frontEnd: string;
  received: number;
  accepted: number;
  duplicates: number;
  rejections: readonly { code: string }[];
  /** Time spent in the core (interning, WASM, incident tracking), ms. */
  coreMs: number;
}

/** BatchObserver is told about every batch; `durable` settles when its rows are written. */
export type BatchObserver = (batch: BatchObservation, durable: Promise<unknown>) => void;

/** PipelineOptions configure a Pipeline. */
export interface PipelineOptions {
  sink: PipelineSink;
  /** Event validation limits. @default DEFAULT_LIMITS */
  limits?: ValidationLimits;
  /** Clock for receive times and timestamp checks. @default Date.now */
  now?: () => number;
  /** Core parameters (P_* ids in src/core/layout.ts) applied to every tenant. */
  coreParams?: ReadonlyMap<number, number>;
  /** Topology given to tenants that have none yet. */
  defaultTopology?: Topology;
  /** Largest batch accepted. @default DEFAULT_MAX_BATCH_EVENTS */
  maxBatchEvents?: number;
}

/** SubmitMeta says where a batch came from. */
export interface SubmitMeta {
  /** Front end name: grpc, otlp, http, nats. */
  frontEnd: string;
  /** When set, every event belongs to this tenant (an authenticated client). */
  tenant?: string;
  /**
   * Replay of events whose effects are already stored (state rebuild after
   * a fail-over): they run through the core and are remembered as seen, but
   * nothing is written.
   */
  replay?: boolean;
}

/** EventRejection is one refused event of a batch. */
export interface EventRejection {
  index: number;
  code: string;
  reason: string;
  eventId: string;
}

/** SubmitResult is the acknowledgement of one batch. */
export interface SubmitResult {
  accepted: number;
  rejections: EventRejection[];
  duplicates: number;
  unknownServices: string[];
}

/** IncidentUpdateListener receives every new incident version. */
export type IncidentUpdateListener = (incident: Incident, changes: string[]) => void;

interface TenantState {
  core: TenantCore;
  tracker: IncidentTracker;
  topology: Topology;
  predictions: PredictionBook;
  seen: RecentIds;
  listeners: Set<IncidentUpdateListener>;
}

/** PipelineStats are counters for metrics and progress displays. */
export interface PipelineStats {
  received: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  late: number;
  batches: number;
  incidentVersions: number;
}

function emptyTopology(): Topology {
  return { services: [], journeys: [], teams: [] };
}

/** Pipeline owns the per-tenant cores and routes batches through them. */
export class Pipeline {
  private readonly tenants = new Map<string, TenantState>();
  private readonly allListeners = new Set<IncidentUpdateListener>();
  private readonly limits: ValidationLimits;
  private readonly now: () => number;
  private readonly maxBatch: number;
  private readonly observers = new Set<BatchObserver>();
  // Timeline, health and prediction rows gathered while applying outputs,
  // written with the incident rows of the same call (see writeExtras).
  private timelineRows: IncidentEventRow[] = [];
  private healthRows: ServiceHealthRow[] = [];
  private predictionRows: PredictionRow[] = [];
  readonly stats: PipelineStats = {
    received: 0,
    accepted: 0,
    rejected: 0,
    duplicates: 0,
    late: 0,
    batches: 0,
    incidentVersions: 0,
  };

  constructor(private readonly options: PipelineOptions) {
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.now = options.now ?? Date.now;
    this.maxBatch = options.maxBatchEvents ?? DEFAULT_MAX_BATCH_EVENTS;
  }

  private tenant(name: string, from?: TenantCheckpoint): TenantState {
    let t = this.tenants.get(name);
    if (t === undefined) {
      const topology = this.options.defaultTopology ?? emptyTopology();
      const tracker = new IncidentTracker(name, (team, tier) => this.tierOf(name, team, tier));
      const core = new TenantCore({
        params: this.options.coreParams ?? new Map(),
        incidentNumber: (id) => tracker.get(id)?.num,
      });
      const seen = new RecentIds(DEFAULT_DEDUP_IDS);
      const predictions = new PredictionBook(name);
      if (from === undefined) {
        core.setTopology(topology);
      } else {
        core.restore(from.core);
        tracker.importState(from.tracker);
        predictions.importState(from.predictions as [number, Prediction][]);
        for (const id of from.seenIds) seen.add(id);
      }
      t = {
        core,
        tracker,
        topology,
        predictions,
        seen,
        listeners: new Set(),
      };
      this.tenants.set(name, t);
    }
    return t;
  }

  // Who a tier of a team's escalation policy pages, from the current topology.
  private tierOf(tenant: string, team: string, tier: number): { target: string; channel: string } {
    const t = this.tenants.get(tenant)?.topology.teams.find((x) => x.name === team);
    const step = t?.escalation[tier];
    return step === undefined
      ? { target: team, channel: "" }
      : { target: step.target, channel: step.channel };
  }

  /** setTopology applies a (validated) topology to a tenant live. */
  setTopology(tenant: string, topology: Topology): void {
    // What impactd learned by itself survives a new topology: edges seen in
    // traces and services seen only in events, unless the new one names them.
    const old = this.tenant(tenant).topology;
    const named = new Set(topology.services.map((s) => s.name));
    const discovered: [string, string][] = [];
    const unattached: string[] = [];
    for (const s of old.services) {
      for (const d of s.dependsOn) if (d.discovered) discovered.push([s.name, d.service]);
      if (!named.has(s.name) && s.team === "" && s.dependsOn.length === 0) unattached.push(s.name);
    }
    let estate = new Estate(topology).withUnattachedServices(unattached);
    if (discovered.length > 0) estate = estate.withDiscoveredEdges(discovered);
    this.applyTopology(tenant, estate.topology);
  }

  private applyTopology(tenant: string, topology: Topology): void {
    const t = this.tenant(tenant);
    t.core.setTopology(topology);
    t.topology = topology;
  }

  /**
   * discoverEdges adds caller -> callee edges seen in traces to the tenant's
   * topology as discovered dependencies (unknown endpoints become unattached
   * services); core state is kept. Returns how many edges were new.
   */
  discoverEdges(tenant: string, edges: Iterable<readonly [from: string, to: string]>): number {
    const before = new Estate(this.tenant(tenant).topology);
    const after = before.withDiscoveredEdges(edges);
    if (after === before) return 0;
    this.applyTopology(tenant, after.topology);
    let n = 0;
    for (const s of after.topology.services) n += s.dependsOn.length;
    for (const s of before.topology.services) n -= s.dependsOn.length;
    return n;
  }

  /** overloaded says the sink is backed up, so front ends should ask senders to retry later. */
  overloaded(): boolean {
    return this.options.sink.overloaded?.() ?? false;
  }

  /** observe registers a BatchObserver (metrics); returns unsubscribe. */
  observe(observer: BatchObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  private notify(batch: BatchObservation, durable: Promise<unknown>): void {
    for (const o of this.observers) o(batch, durable);
  }

  /** topology returns the tenant's topology, unattached services included. */
  topology(tenant: string): Topology {
    return this.tenant(tenant).topology;
  }

  /** incidents lists the tenant's incidents held in memory, newest first. */
  incidents(tenant: string): Incident[] {
    const t = this.tenant(tenant);
    return t.tracker.all().map((st) => t.tracker.snapshot(st));
  }

  /** predictions lists the tenant's predictions held in memory, oldest first. */
  predictions(tenant: string): Prediction[] {
    return this.tenant(tenant).predictions.all();
  }

  /** incident returns one incident, or undefined. */
  incident(tenant: string, id: string): Incident | undefined {
    const t = this.tenant(tenant);
    const st = t.tracker.get(id);
    return st === undefined ? undefined : t.tracker.snapshot(st);
  }

  /** openIncidents counts unresolved incidents over all tenants. */
  openIncidents(): number {
    let n = 0;
    for (const t of this.tenants.values()) n += t.tracker.openCount();
    return n;
  }

  /**
   * journeyImpact lists, per journey of the tenant (topology journeys and any
   * an incident names), the impacts its open incidents carry.
   */
  journeyImpact(tenant: string): JourneyImpactSummary[] {
    const t = this.tenant(tenant);
    const byJourney = new Map<string, IncidentJourneyImpact[]>();
    for (const j of t.topology.journeys) byJourney.set(j.name, []);
    for (const st of t.tracker.all()) {
      if (!isOpen(st.status)) continue;
      const inc = t.tracker.snapshot(st);
      for (const impact of inc.journeys) {
        const list = byJourney.get(impact.journey) ?? [];
        list.push({ incidentId: inc.id, status: inc.status, severity: inc.severity, impact });
        byJourney.set(impact.journey, list);
      }
    }
    // Severity enum: 1 = critical ... 4 = low, 0 = unspecified (last).
    const rank = (s: number) => (s === 0 ? 99 : s);
    return [...byJourney].map(([journey, incidents]) => {
      incidents.sort((a, b) => rank(a.severity) - rank(b.severity));
      return {
        journey,
        successRatio: Math.min(1, ...incidents.map((i) => i.impact?.successRatio ?? 1)),
        customersAffectedPerMin: incidents.reduce(
          (sum, i) => sum + (i.impact?.customersAffectedPerMin ?? 0),
          0,
        ),
        incidents,
      };
    });
  }

  /** watchAll subscribes to new incident versions of every tenant; returns unsubscribe. */
  watchAll(listener: IncidentUpdateListener): () => void {
    this.allListeners.add(listener);
    return () => this.allListeners.delete(listener);
  }

  /** watch subscribes to new incident versions of a tenant; returns unsubscribe. */
  watch(tenant: string, listener: IncidentUpdateListener): () => void {
    const t = this.tenant(tenant);
    t.listeners.add(listener);
    return () => t.listeners.delete(listener);
  }

  /** tenantNames lists the tenants this pipeline holds state for. */
  tenantNames(): string[] {
    return [...this.tenants.keys()];
  }

  /** watermark is a tenant's event time (ms), or undefined for a tenant never seen. */
  watermark(tenant: string): number | undefined {
    return this.tenants.get(tenant)?.core.watermark();
  }

  /**
   * submit runs one batch. The core work happens synchronously, in call
   * order; the returned promise resolves once the batch's rows are durable.
   */
  // Set while a replay batch's outputs are applied (see SubmitMeta.replay).
  private replaying = false;

  submit(events: readonly Event[], meta: SubmitMeta): Promise<SubmitResult> {
    const receivedAt = this.now();
    this.stats.batches++;
    this.stats.received += events.length;
    const result: SubmitResult = {
      accepted: 0,
      rejections: [],
      duplicates: 0,
      unknownServices: [],
    };
    const rejected: RejectionRow[] = [];
    const reject = (i: number, ev: Event, p: Problem, tenant: string) => {
      result.rejections.push({ index: i, code: p.code, reason: p.reason, eventId: ev.id });
      rejected.push(
        rejectionRow({
          tenant,
          receivedAt,
          ts: ev.tsUnixMs,
          frontEnd: meta.frontEnd,
          source: ev.source,
          code: p.code,
          reason: p.reason,
          eventId: ev.id,
          payload: safeJson(ev),
        }),
      );
    };
    if (events.length > this.maxBatch) {
      const p = {
        code: RejectCode.BatchTooLarge,
        reason: `batch has ${events.length} events (limit ${this.maxBatch}); split it`,
      };
      for (let i = 0; i < events.length; i++) {
        result.rejections.push({
          index: i,
          code: p.code,
          reason: p.reason,
          eventId: events[i]?.id ?? "",
        });
      }
      rejected.push(
        rejectionRow({
          tenant: meta.tenant ?? DEFAULT_TENANT,
          receivedAt,
          frontEnd: meta.frontEnd,
          source: events[0]?.source ?? "",
          code: p.code,
          reason: p.reason,
          eventId: "",
          payload: safeJson(events[0]),
        }),
      );
      this.stats.rejected += events.length;
      if (meta.replay === true) return Promise.resolve(result);
      const done = this.options.sink.writeRejections(rejected).then(() => result);
      this.notify({ ...result, frontEnd: meta.frontEnd, received: events.length, coreMs: 0 }, done);
      return done;
    }
    const groups = new Map<string, Event[]>();
    for (let i = 0; i < events.length; i++) {
      const ev = events[i] as Event;
      const tenant = meta.tenant ?? (ev.tenant === "" ? DEFAULT_TENANT : ev.tenant);
      const p = validateEvent(ev, receivedAt, this.limits);
      if (p !== undefined) {
        reject(i, ev, p, NAME_PATTERN.test(tenant) ? tenant : DEFAULT_TENANT);
        continue;
      }
      const t = this.tenant(tenant);
      if (
        ev.kind?.$case === "incidentAction" &&
        t.tracker.get(ev.kind.value.incidentId) === undefined
      ) {
        const id = ev.kind.value.incidentId;
        reject(
          i,
          ev,
          {
            code: RejectCode.UnknownIncident,
            reason: `incident ${JSON.stringify(id)} is not known to tenant ${tenant}`,
          },
          tenant,
        );
        continue;
      }
      if (ev.id !== "" && !t.seen.add(ev.id)) {
        result.duplicates++;
        continue;
      }
      let g = groups.get(tenant);
      if (g === undefined) {
        g = [];
        groups.set(tenant, g);
      }
      g.push(ev);
    }
    const rows: EventRow[] = [];
    const incidentRows: IncidentRow[] = [];
    const coreStart = performance.now();
    for (const [tenant, group] of groups) {
      const t = this.tenant(tenant);
      const { outputs, unknownServices } = t.core.process(group);
      for (const s of unknownServices) {
        result.unknownServices.push(s);
        t.topology = {
          ...t.topology,
          services: [
            ...t.topology.services,
            { name: s, team: "", tier: 0, dependsOn: [], slo: undefined, kinds: [] },
          ],
        };
      }
      for (const ev of group) rows.push(eventRow(ev, tenant, receivedAt, ev.id));
      for (const o of outputs) {
        if (o.type !== "late") continue;
        // Stored with the raw events like any accepted event, but too late
        // to change decisions already made: recorded so nothing is silent.
        const ev = group[o.index] as Event;
        rejected.push(
          rejectionRow({
            tenant,
            receivedAt,
            ts: ev.tsUnixMs,
            frontEnd: "core",
            source: ev.source,
            code: RejectCode.LateEvent,
            reason: `event time ${new Date(ev.tsUnixMs).toISOString()} is behind the watermark ${new Date(o.watermark).toISOString()} (allowed lateness ${this.lateness()} ms); stored in events, not applied`,
            eventId: ev.id,
            payload: safeJson(ev),
          }),
        );
      }
      this.replaying = meta.replay === true;
      try {
        this.applyOutputs(t, outputs, incidentRows);
      } finally {
        this.replaying = false;
      }
      result.accepted += group.length;
    }
    const coreMs = performance.now() - coreStart;
    this.stats.accepted += result.accepted;
    this.stats.rejected += result.rejections.length;
    this.stats.duplicates += result.duplicates;
    if (meta.replay === true) {
      // Timeline, health and prediction rows of a replay were written when
      // the events first ran; keeping them would write them with the next batch.
      this.timelineRows = [];
      this.healthRows = [];
      this.predictionRows = [];
      return Promise.resolve(result);
    }
    const sink = this.options.sink;
    const writes: Promise<void>[] = [];
    if (rows.length > 0) writes.push(sink.writeEvents(rows));
    if (rejected.length > 0) writes.push(sink.writeRejections(rejected));
    if (incidentRows.length > 0) writes.push(sink.writeIncidents(incidentRows));
    this.writeExtras(writes);
    const done = Promise.all(writes).then(() => result);
    this.notify({ ...result, frontEnd: meta.frontEnd, received: events.length, coreMs }, done);
    return done;
  }

  /**
   * act acknowledges or resolves an incident on behalf of `actor`. The action
   * is ingested as an event at the tenant's watermark, so it is stored with
   * the raw events and a replay applies it at the same point.
   */
  async act(
    tenant: string,
    incidentId: string,
    action: IncidentActionKind,
    actor: string,
    note = "",
  ): Promise<Incident> {
    const t = this.tenant(tenant);
    const st = t.tracker.get(incidentId);
    if (st === undefined)
      throw new NotFoundError(`incident ${JSON.stringify(incidentId)} not found`);
    const ts = Math.max(t.core.watermark(), st.updatedMs);
    const ev: Event = {
      tsUnixMs: ts,
      source: "impactd",
      tenant,
      id: "",
      kind: { $case: "incidentAction", value: { incidentId, action, actor, note } },
    };
    const res = await this.submit([ev], { frontEnd: "api", tenant });
    const rejection = res.rejections[0];
    if (rejection !== undefined) throw new InvalidArgumentError(rejection.reason);
    return t.tracker.snapshot(st);
  }

  /**
   * checkpoint writes every tenant's state to `dir`; restoreCheckpoints reads
   * it back at start-up, so a restart continues where the process stopped
   * instead of replaying from the beginning of time.
   */
  checkpoint(dir: string): { tenants: number; bytes: number } {
    let bytes = 0;
    const takenAtMs = this.now();
    for (const [tenant, t] of this.tenants) {
      bytes += writeCheckpoint(dir, {
        format: CHECKPOINT_FORMAT,
        tenant,
        takenAtMs,
        core: t.core.snapshot(),
        tracker: t.tracker.exportState(),
        predictions: t.predictions.exportState(),
        seenIds: t.seen.ids(),
        topology: t.topology,
      });
    }
    return { tenants: this.tenants.size, bytes };
  }

  /** restoreCheckpoints loads the checkpoints in `dir` into fresh tenants; returns the oldest's time. */
  restoreCheckpoints(dir: string): { tenants: number; takenAtMs: number | undefined } {
    let oldest: number | undefined;
    const all = readCheckpoints(dir);
    for (const c of all) {
      if (this.tenants.has(c.tenant)) this.tenants.delete(c.tenant);
      const t = this.tenant(c.tenant, c);
      t.topology = c.topology;
      oldest = oldest === undefined ? c.takenAtMs : Math.min(oldest, c.takenAtMs);
    }
    return { tenants: all.length, takenAtMs: oldest };
  }

  /** recordRejection stores a payload a front end could not even decode. */
  recordRejection(args: {
    frontEnd: string;
    tenant?: string;
    code: string;
    reason: string;
    payload: string;
    source?: string;
  }): Promise<void> {
    this.stats.rejected++;
    const done = this.options.sink.writeRejections([
      rejectionRow({
        tenant: args.tenant ?? DEFAULT_TENANT,
        receivedAt: this.now(),
        frontEnd: args.frontEnd,
        source: args.source ?? "",
        code: args.code,
        reason: args.reason,
        eventId: "",
        payload: args.payload,
      }),
    ]);
    this.notify(
      {
        frontEnd: args.frontEnd,
        received: 1,
        accepted: 0,
        duplicates: 0,
        rejections: [{ code: args.code }],
        coreMs: 0,
      },
      done,
    );
    return done;
  }

  private applyOutputs(
    t: TenantState,
    outputs: readonly CoreOutput[],
    incidentRows: IncidentRow[],
  ): void {
    let late = 0;
    const writtenAt = this.now();
    for (const o of outputs) {
      if (o.type === "late") late++;
      else if (o.type === "health")
        this.healthRows.push(serviceHealthRow(t.tracker.tenant, o, writtenAt));
    }
    this.stats.late += late;
    for (const p of t.predictions.apply(outputs))
      this.predictionRows.push(predictionRow(p, writtenAt));
    const touched = t.tracker.apply(outputs);
    for (const st of touched) this.publish(t, st, incidentRows, writtenAt);
  }

  private publish(
    t: TenantState,
    st: IncidentState,
    incidentRows: IncidentRow[],
    writtenAt: number,
  ): void {
    const snap = t.tracker.snapshot(st);
    const changes = [...st.changes];
    st.changes.clear();
    incidentRows.push(incidentRow(snap, writtenAt));
    if (changes.length > 0) this.timelineRows.push(...incidentEventRows(snap, changes, writtenAt));
    this.stats.incidentVersions++;
    // A replay re-derives versions that were published (and notified) once.
    if (this.replaying) return;
    for (const l of this.allListeners) l(snap, changes);
    for (const l of t.listeners) l(snap, changes);
  }

  /**
   * advance moves every tenant's event time to `watermark` without new
   * events, so timers (recovery, resolution) fire during quiet periods.
   */
  advance(watermark: number): Promise<void> {
    const incidentRows: IncidentRow[] = [];
    for (const t of this.tenants.values())
      this.applyOutputs(t, t.core.advance(watermark), incidentRows);
    return this.writeIncidentRows(incidentRows);
  }

  /** heartbeat advances event time from the wall clock, `lagMs` behind it. */
  heartbeat(lagMs: number): Promise<void> {
    return this.advance(this.now() - lagMs);
  }

  /** flush applies everything pending in every core (end of a stream). */
  flush(): Promise<void> {
    const incidentRows: IncidentRow[] = [];
    for (const t of this.tenants.values()) this.applyOutputs(t, t.core.flush(), incidentRows);
    return this.writeIncidentRows(incidentRows);
  }

  private writeIncidentRows(incidentRows: IncidentRow[]): Promise<void> {
    const writes: Promise<void>[] = [];
    if (incidentRows.length > 0) writes.push(this.options.sink.writeIncidents(incidentRows));
    this.writeExtras(writes);
    return Promise.all(writes).then(() => {});
  }

  /** writeExtras hands the gathered timeline, health and prediction rows to the sink, if it takes them. */
  private writeExtras(writes: Promise<void>[]): void {
    const sink = this.options.sink;
    if (this.timelineRows.length > 0) {
      const rows = this.timelineRows;
      this.timelineRows = [];
      if (sink.writeIncidentEvents !== undefined) writes.push(sink.writeIncidentEvents(rows));
    }
    if (this.healthRows.length > 0) {
      const rows = this.healthRows;
      this.healthRows = [];
      if (sink.writeServiceHealth !== undefined) writes.push(sink.writeServiceHealth(rows));
    }
    if (this.predictionRows.length > 0) {
      const rows = this.predictionRows;
      this.predictionRows = [];
      if (sink.writePredictions !== undefined) writes.push(sink.writePredictions(rows));
    }
  }

  /** lateness is the core's allowed lateness in ms. */
  lateness(): number {
    return this.options.coreParams?.get(P_LATENESS_MS) ?? 2_000;
  }
}

function safeJson(ev: Event | undefined): string {
  if (ev === undefined) return "";
  try {
    return JSON.stringify(Event.toJSON(ev));
  } catch {
    return String(ev);
  }
}
