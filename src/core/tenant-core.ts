// TenantCore is one tenant's core with its name tables: it turns validated
// events into input records (interning names to ids), runs the WASM core once
// per batch and decodes the decision records back into named outputs.
import type { Event } from "../gen/impactd/v1/event.js";
import { DependencyKind, type Topology } from "../gen/impactd/v1/topology.js";
import { Interner } from "./interner.js";
import {
  IK_EXPERIENCE,
  K_ACTION,
  K_ALERT,
  K_CHANGE,
  K_DEVICE,
  K_FEEDBACK,
  K_HEALTH,
  K_JOURNEY,
  K_METRIC,
  O_EXPERIENCE,
  O_HEALTH,
  O_IMPACT,
  O_LATE,
  O_MEMBER,
  O_MERGED,
  O_OPENED,
  O_PAGE,
  O_PREDICTION,
  O_PREDICTION_OUTCOME,
  O_RESOLVED,
  O_ROOT_CAUSE,
  O_ROUTED,
  O_SEVERITY,
  O_STATS,
  O_STATUS,
  OUT_A,
  OUT_B,
  OUT_C,
  OUT_D,
  OUT_ENTITY,
  OUT_INCIDENT,
  OUT_TS,
  OUT_TYPE,
  OUT_V0,
  OUT_V1,
  OUT_V2,
  OUT_V3,
  OUT_V4,
  OUT_VERSION,
} from "./layout.js";
import { changeTieKey, TieKeys } from "./tie-key.js";
import { CoreError, WasmCore } from "./wasm-core.js";

const SOFT_BIT = 0x80000000;
/** How many hops of hard dependencies below its steps a journey is said to need. */
export const JOURNEY_DEPTH = 4;
/** Most services one journey is said to need (bounds per-change work). */
export const JOURNEY_MAX_SERVICES = 512;
/** How many recent changes are remembered for linking to root causes. */
export const DEFAULT_CHANGE_MEMORY = 10_000;

/** ChangeInfo describes a change linked to a root-cause candidate. */
export interface ChangeInfo {
  service: string;
  kind: number;
  version: string;
  description: string;
  tsUnixMs: number;
  eventId: string;
}

/** CoreOutput is one decoded decision of the core (see assembly/layout.ts). */
export type CoreOutput =
  | {
      type: "opened";
      ts: number;
      incident: number;
      version: number;
      kind: number;
      service: string;
      journey: string;
    }
  | {
      type: "member";
      ts: number;
      incident: number;
      version: number;
      service: string;
      health: number;
      anomaly: number;
      /** True when the service left this incident for another one. */
      left: boolean;
    }
  | {
      type: "root_cause";
      ts: number;
      incident: number;
      version: number;
      service: string;
      rank: number;
      count: number;
      score: number;
      reasons: number;
      change: ChangeInfo | undefined;
    }
  | {
      type: "resolved";
      ts: number;
      incident: number;
      version: number;
      openedTs: number;
      actor: string;
    }
  | {
      type: "status";
      ts: number;
      incident: number;
      version: number;
      status: number;
      actor: string;
      reopened: boolean;
    }
  | {
      type: "health";
      ts: number;
      service: string;
      health: number;
      previous: number;
      errorRate: number;
      latencyMs: number;
      anomaly: number;
    }
  | {
      type: "stats";
      ts: number;
      incident: number;
      version: number;
      alerts: number;
      members: number;
      unhealthy: number;
    }
  | { type: "late"; ts: number; index: number; watermark: number }
  | { type: "merged"; ts: number; incident: number; version: number; into: number }
  | {
      type: "impact";
      ts: number;
      incident: number;
      version: number;
      journey: string;
      successRatio: number;
      customersAffectedPerMin: number;
      burnRateShort: number;
      burnRateLong: number;
      customersPerMin: number;
      measured: boolean;
    }
  | {
      type: "severity";
      ts: number;
      incident: number;
      version: number;
      severity: number;
      customersAffectedPerMin: number;
    }
  | {
      type: "prediction";
      ts: number;
      id: number;
      targetKind: "service" | "journey";
      target: string;
      breachAt: number;
      forecast: number;
      level: number;
      threshold: number;
      customersAffectedPerMin: number;
    }
  | {
      type: "prediction_outcome";
      ts: number;
      id: number;
      targetKind: "service" | "journey";
      target: string;
      hit: boolean;
      breachAt: number;
      issuedAt: number;
    }
  | {
      type: "routed";
      ts: number;
      incident: number;
      version: number;
      team: string;
      /** RT_* reason, with RT_SKILL_MATCH as a flag. */
      reason: number;
      previous: string;
      failureKinds: string[];
    }
  | {
      type: "page";
      ts: number;
      incident: number;
      version: number;
      team: string;
      tier: number;
      cause: number;
    }
  | {
      type: "experience";
      ts: number;
      incident: number;
      version: number;
      journey: string;
      drop: number;
      feedback: number;
      feedbackBaseline: number;
      abandonment: number;
      abandonmentBaseline: number;
    };

/** TenantCoreSnapshot is everything a TenantCore needs to resume where it was. */
export interface TenantCoreSnapshot {
  buildId: string;
  memory: Uint8Array;
  names: Record<
    | "services"
    | "journeys"
    | "steps"
    | "fingerprints"
    | "customMetrics"
    | "devices"
    | "actors"
    | "teams"
    | "skills",
    string[]
  >;
  changes: [number, ChangeInfo][];
  nextChange: number;
  attached: string[];
  topologyJourneys: string[];
  stepIndex: [string, number][];
}

/** BatchResult is what one batch produced. */
export interface BatchResult {
  outputs: CoreOutput[];
  /** Services first seen in this batch that the topology does not name. */
  unknownServices: string[];
}

/** TenantCore owns one tenant's WASM core instance and name tables. */
export class TenantCore {
  readonly core: WasmCore;
  readonly services = new Interner();
  private readonly journeys = new Interner();
  private readonly steps = new Interner();
  private readonly fingerprints = new Interner();
  private readonly customMetrics = new Interner();
  private readonly devices = new Interner();
  private readonly actors = new Interner();
  /** Content keys of fingerprints and actors, for ties between records of one time (tie-key.ts). */
  private readonly fingerprintKeys = new TieKeys();
  private readonly actorKeys = new TieKeys();
  private readonly teams = new Interner();
  /** Skill and service-kind names share one bit space; see SKILL_* in layout.ts. */
  private readonly skills = TenantCore.skillInterner();

  private static skillInterner(): Interner {
    const i = new Interner();
    i.id("deploy"); // bit 0 = SKILL_DEPLOY
    i.id("experience"); // bit 1 = SKILL_EXPERIENCE
    return i;
  }
  private readonly changes = new Map<number, ChangeInfo>();
  private nextChange = 1;
  private attached = new Set<string>();
  private topologyJourneys = new Set<string>();
  /** Step index within its journey, keyed "journey\0step", from the topology. */
  private readonly stepIndex = new Map<string, number>();

  private readonly incidentNumber: (id: string) => number | undefined;

  constructor(
    options: {
      debug?: boolean;
      params?: ReadonlyMap<number, number>;
      /** Maps an incident id to the core's incident number (for actions). */
      incidentNumber?: (id: string) => number | undefined;
    } = {},
  ) {
    this.core = new WasmCore({ debug: options.debug ?? false });
    this.incidentNumber = options.incidentNumber ?? (() => undefined);
    for (const [id, value] of options.params ?? []) this.core.setParam(id, value);
  }

  /** setTopology applies a topology live; ids of known services and journeys are kept. */
  setTopology(topology: Topology): void {
    for (const sv of topology.services) this.services.id(sv.name);
    for (const sv of topology.services) for (const d of sv.dependsOn) this.services.id(d.service);
    for (const j of topology.journeys) {
      this.journeys.id(j.name);
      for (const st of j.steps) for (const name of st.services) this.services.id(name);
    }
    const n = this.services.size;
    const byName = new Map(topology.services.map((sv) => [sv.name, sv]));
    const offsets = new Uint32Array(n + 1);
    const edges: number[] = [];
    const sloErr = new Float64Array(n);
    const sloLat = new Float64Array(n);
    const names = this.services.names();
    for (let id = 0; id < n; id++) {
      const spec = byName.get(names[id] as string);
      if (spec !== undefined) {
        for (const d of spec.dependsOn) {
          const to = this.services.id(d.service);
          edges.push(d.kind === DependencyKind.DEPENDENCY_KIND_SOFT ? (to | SOFT_BIT) >>> 0 : to);
        }
        sloErr[id] = spec.slo?.errorRate ?? 0;
        sloLat[id] = spec.slo?.latencyP99Ms ?? 0;
      }
      offsets[id + 1] = edges.length;
    }
    const jn = this.journeys.size;
    const jByName = new Map(topology.journeys.map((j) => [j.name, j]));
    const jOffsets = new Uint32Array(jn + 1);
    const jServices: number[] = [];
    const jDirect = new Uint32Array(jn);
    const cpm = new Float64Array(jn);
    const slo = new Float64Array(jn);
    this.stepIndex.clear();
    const jnames = this.journeys.names();
    for (let id = 0; id < jn; id++) {
      const spec = jByName.get(jnames[id] as string);
      if (spec !== undefined) {
        const seen = new Set<number>();
        spec.steps.forEach((st, k) => {
          this.stepIndex.set(`${spec.name}\u0000${st.name}`, k);
          for (const name of st.services) {
            const sid = this.services.id(name);
            if (!seen.has(sid)) {
              seen.add(sid);
              jServices.push(sid);
            }
          }
        });
        jDirect[id] = seen.size;
        // Then what those services need in turn (hard edges), breadth first.
        let frontier = jServices.slice(jServices.length - seen.size);
        for (let depth = 0; depth < JOURNEY_DEPTH && frontier.length > 0; depth++) {
          const next: number[] = [];
          for (const sid of frontier) {
            for (let k = offsets[sid] as number; k < (offsets[sid + 1] as number); k++) {
              const raw = edges[k] as number;
              if (raw & SOFT_BIT || seen.has(raw) || seen.size >= JOURNEY_MAX_SERVICES) continue;
              seen.add(raw);
              jServices.push(raw);
              next.push(raw);
            }
          }
          frontier = next;
        }
        cpm[id] = spec.customersPerMin;
        slo[id] = spec.sloTarget;
      }
      jOffsets[id + 1] = jServices.length;
    }
    this.core.setTopology({
      depOffsets: offsets,
      deps: Uint32Array.from(edges),
      sloErrorRate: sloErr,
      sloLatencyMs: sloLat,
      journeyOffsets: jOffsets,
      journeyServices: Uint32Array.from(jServices),
      journeyDirect: jDirect,
      customersPerMin: cpm,
      sloTarget: slo,
    });
    this.attached = new Set(byName.keys());
    this.topologyJourneys = new Set(jByName.keys());
    this.setRouting(topology);
  }

  // Teams keep their ids across topology changes (incidents refer to them);
  // a team that left the topology keeps an empty record.
  private setRouting(topology: Topology): void {
    for (const t of topology.teams) this.teams.id(t.name);
    const byName = new Map(topology.teams.map((t) => [t.name, t]));
    const teams = this.teams.names().map((name) => {
      const t = byName.get(name);
      return {
        skills: t === undefined ? 0 : this.skillBits(t.skills),
        fallback: t?.fallback ?? false,
        tierDelaysMs: (t?.escalation ?? []).map((x) => x.delayMinutes * 60_000),
        pageTier2AboveCpm: t?.pageTier2AboveCpm ?? 0,
      };
    });
    const owners = new Uint32Array(this.services.size);
    const kinds = new Uint32Array(this.services.size);
    for (const t of topology.teams) {
      for (const s of t.services) {
        const id = this.services.lookup(s);
        if (id !== undefined) owners[id] = (this.teams.lookup(t.name) ?? -1) + 1;
      }
    }
    for (const s of topology.services) {
      const id = this.services.id(s.name);
      if (s.team !== "") owners[id] = (this.teams.lookup(s.team) ?? -1) + 1;
      kinds[id] = this.skillBits(s.kinds);
    }
    this.core.setRouting(teams, owners, kinds);
  }

  /** skillBits maps skill and kind names to the core's bits ("deploy", "experience" reserved). */
  private skillBits(names: readonly string[]): number {
    let bits = 0;
    for (const n of names) {
      const id = this.skills.id(n);
      if (id < 32) bits |= 1 << id;
    }
    return bits >>> 0;
  }

  /** teamName maps the core's team id + 1 to the team's name ("" for none). */
  teamName(teamPlus1: number): string {
    return teamPlus1 === 0 ? "" : this.teams.name(teamPlus1 - 1);
  }

  private rememberChange(
    ev: Event,
    service: string,
    kind: number,
    version: string,
    description: string,
  ): number {
    const id = this.nextChange++;
    this.changes.set(id, {
      service,
      kind,
      version,
      description,
      tsUnixMs: ev.tsUnixMs,
      eventId: ev.id,
    });
    this.changes.delete(id - DEFAULT_CHANGE_MEMORY);
    return id;
  }

  /**
   * process encodes `events` (already validated) into one batch, runs the
   * core and returns its decisions.
   */
  process(events: readonly Event[]): BatchResult {
    const core = this.core;
    const before = this.services.size;
    core.input(events.length);
    for (let i = 0; i < events.length; i++) {
      const ev = events[i] as Event;
      const k = ev.kind;
      const ts = ev.tsUnixMs;
      switch (k?.$case) {
        case "healthCheck":
          core.setRecord(
            i,
            ts,
            K_HEALTH,
            k.value.status,
            0,
            this.services.id(k.value.service),
            0,
            0,
            0,
          );
          break;
        case "metric": {
          const m = k.value;
          const custom = m.metric === 5 ? this.customMetrics.id(m.customName) : 0;
          core.setRecord(
            i,
            ts,
            K_METRIC,
            m.metric,
            0,
            this.services.id(m.service),
            m.value,
            0,
            custom,
          );
          break;
        }
        case "alert": {
          const a = k.value;
          const name =
            a.fingerprint !== "" ? a.fingerprint : alertFingerprint(a.service, a.name, a.labels);
          const fp = this.fingerprints.id(name);
          core.setRecord(
            i,
            ts,
            K_ALERT,
            a.state,
            a.severity,
            this.services.id(a.service),
            this.fingerprintKeys.of(fp, name),
            fp,
            0,
          );
          break;
        }
        case "change": {
          const c = k.value;
          const id = this.rememberChange(ev, c.service, c.kind, c.version, c.description);
          const key = changeTieKey(c.kind, c.version, c.description, ev.id);
          core.setRecord(i, ts, K_CHANGE, c.kind, 0, this.services.id(c.service), key, id, 0);
          break;
        }
        case "journeySignal": {
          const j = k.value;
          const key = `${j.journey}\u0000${j.step}`;
          // Step index 0 marks customers entering the journey; a journey
          // the topology does not describe counts every STARTED (0xffff).
          const index = this.topologyJourneys.has(j.journey)
            ? (this.stepIndex.get(key) ?? 1)
            : 0xffff;
          const count = j.count === 0 ? 1 : j.count;
          core.setRecord(
            i,
            ts,
            K_JOURNEY,
            j.outcome,
            index,
            this.journeys.id(j.journey),
            count,
            this.steps.id(key),
            0,
          );
          break;
        }
        case "feedback": {
          const f = k.value;
          core.setRecord(i, ts, K_FEEDBACK, f.scale, 0, this.journeys.id(f.journey), f.score, 0, 0);
          break;
        }
        case "deviceTelemetry": {
          const d = k.value;
          const custom = d.metric === 5 ? this.customMetrics.id(d.customName) : 0;
          core.setRecord(
            i,
            ts,
            K_DEVICE,
            d.metric,
            0,
            this.services.id(d.service),
            d.value,
            this.devices.id(d.deviceId),
            custom,
          );
          break;
        }
        case "incidentAction": {
          const a = k.value;
          const n = this.incidentNumber(a.incidentId) ?? 0;
          const actor = this.actors.id(a.actor);
          const key = this.actorKeys.of(actor, a.actor);
          core.setRecord(i, ts, K_ACTION, a.action, 0, n, key, actor, 0);
          break;
        }
        default:
          throw new TypeError(`event ${i} has no kind; validate before process`);
      }
    }
    const unknownServices: string[] = [];
    for (let id = before; id < this.services.size; id++) {
      const name = this.services.name(id);
      if (!this.attached.has(name)) unknownServices.push(name);
    }
    if (this.services.size > before) core.reserveServices(this.services.size);
    const n = core.process(events.length);
    return { outputs: this.decode(n), unknownServices };
  }

  /** snapshot captures the core's memory and every name table, to restore later. */
  snapshot(): TenantCoreSnapshot {
    return {
      buildId: this.core.buildId,
      memory: this.core.snapshot(),
      names: {
        services: [...this.services.names()],
        journeys: [...this.journeys.names()],
        steps: [...this.steps.names()],
        fingerprints: [...this.fingerprints.names()],
        customMetrics: [...this.customMetrics.names()],
        devices: [...this.devices.names()],
        actors: [...this.actors.names()],
        teams: [...this.teams.names()],
        skills: [...this.skills.names()],
      },
      changes: [...this.changes.entries()],
      nextChange: this.nextChange,
      attached: [...this.attached],
      topologyJourneys: [...this.topologyJourneys],
      stepIndex: [...this.stepIndex.entries()],
    };
  }

  /** restore loads a snapshot taken from a core of the same build. */
  restore(s: TenantCoreSnapshot): void {
    if (s.buildId !== this.core.buildId) {
      throw new CoreError(
        `checkpoint was taken by core build ${s.buildId}, this is ${this.core.buildId}`,
      );
    }
    this.core.restoreSnapshot(s.memory);
    const fill = (i: Interner, names: readonly string[]) => {
      for (const n of names) i.id(n);
    };
    fill(this.services, s.names.services);
    fill(this.journeys, s.names.journeys);
    fill(this.steps, s.names.steps);
    fill(this.fingerprints, s.names.fingerprints);
    fill(this.customMetrics, s.names.customMetrics);
    fill(this.devices, s.names.devices);
    fill(this.actors, s.names.actors);
    fill(this.teams, s.names.teams);
    fill(this.skills, s.names.skills);
    this.changes.clear();
    for (const [k, v] of s.changes) this.changes.set(k, v);
    this.nextChange = s.nextChange;
    this.attached = new Set(s.attached);
    this.topologyJourneys = new Set(s.topologyJourneys);
    this.stepIndex.clear();
    for (const [k, v] of s.stepIndex) this.stepIndex.set(k, v);
  }

  /** watermark is the event time up to which everything has been applied. */
  watermark(): number {
    return this.core.stats().watermark;
  }

  /** advance moves event time forward without events (fires due timers). */
  advance(watermark: number): CoreOutput[] {
    return this.decode(this.core.advance(watermark));
  }

  /** flush applies everything still waiting for the watermark. */
  flush(): CoreOutput[] {
    return this.decode(this.core.flush());
  }

  private skillNames(bits: number): string[] {
    const names: string[] = [];
    this.skills.names().forEach((n, i) => {
      if (i < 32 && (bits >>> i) & 1) names.push(n);
    });
    return names;
  }

  private actor(id: number): string {
    return id === 0 ? "" : this.actors.name(id - 1);
  }

  private target(kind: number, id: number): { targetKind: "service" | "journey"; target: string } {
    return kind === 1
      ? { targetKind: "journey", target: this.journeys.name(id) }
      : { targetKind: "service", target: this.services.name(id) };
  }

  private decode(n: number): CoreOutput[] {
    const c = this.core;
    const out: CoreOutput[] = [];
    for (let i = 0; i < n; i++) {
      const type = c.outU32(i, OUT_TYPE);
      const ts = c.outF64(i, OUT_TS);
      const incident = c.outU32(i, OUT_INCIDENT);
      const version = c.outU32(i, OUT_VERSION);
      const entity = c.outU32(i, OUT_ENTITY);
      const a = c.outU32(i, OUT_A);
      switch (type) {
        case O_OPENED: {
          const experience = a === IK_EXPERIENCE;
          out.push({
            type: "opened",
            ts,
            incident,
            version,
            kind: a,
            service: experience ? "" : this.services.name(entity),
            journey: experience ? this.journeys.name(entity) : "",
          });
          break;
        }
        case O_MEMBER:
          out.push({
            type: "member",
            ts,
            incident,
            version,
            service: this.services.name(entity),
            health: a,
            anomaly: c.outF64(i, OUT_V0),
            left: c.outU32(i, OUT_C) === 1,
          });
          break;
        case O_ROOT_CAUSE: {
          const changeId = c.outU32(i, OUT_C);
          out.push({
            type: "root_cause",
            ts,
            incident,
            version,
            service: this.services.name(entity),
            rank: a,
            count: c.outU32(i, OUT_B),
            score: c.outF64(i, OUT_V0),
            reasons: c.outU32(i, OUT_D),
            change: changeId === 0 ? undefined : this.changes.get(changeId),
          });
          break;
        }
        case O_RESOLVED:
          out.push({
            type: "resolved",
            ts,
            incident,
            version,
            openedTs: c.outF64(i, OUT_V0),
            actor: this.actor(c.outU32(i, OUT_B)),
          });
          break;
        case O_STATUS:
          out.push({
            type: "status",
            ts,
            incident,
            version,
            status: a,
            actor: this.actor(c.outU32(i, OUT_B)),
            reopened: c.outU32(i, OUT_C) === 1,
          });
          break;
        case O_HEALTH:
          out.push({
            type: "health",
            ts,
            service: this.services.name(entity),
            health: a,
            previous: c.outU32(i, OUT_B),
            errorRate: c.outF64(i, OUT_V0),
            latencyMs: c.outF64(i, OUT_V1),
            anomaly: c.outF64(i, OUT_V2),
          });
          break;
        case O_STATS:
          out.push({
            type: "stats",
            ts,
            incident,
            version,
            alerts: a,
            members: c.outU32(i, OUT_B),
            unhealthy: c.outU32(i, OUT_C),
          });
          break;
        case O_LATE:
          out.push({ type: "late", ts, index: a, watermark: c.outF64(i, OUT_V0) });
          break;
        case O_MERGED:
          out.push({ type: "merged", ts, incident, version, into: a });
          break;
        case O_IMPACT:
          out.push({
            type: "impact",
            ts,
            incident,
            version,
            journey: this.journeys.name(entity),
            successRatio: c.outF64(i, OUT_V0),
            customersAffectedPerMin: c.outF64(i, OUT_V1),
            burnRateShort: c.outF64(i, OUT_V2),
            burnRateLong: c.outF64(i, OUT_V3),
            customersPerMin: c.outF64(i, OUT_V4),
            measured: a === 1,
          });
          break;
        case O_SEVERITY:
          out.push({
            type: "severity",
            ts,
            incident,
            version,
            severity: a,
            customersAffectedPerMin: c.outF64(i, OUT_V0),
          });
          break;
        case O_PREDICTION:
          out.push({
            type: "prediction",
            ts,
            id: c.outU32(i, OUT_B),
            ...this.target(a, entity),
            breachAt: c.outF64(i, OUT_V0),
            forecast: c.outF64(i, OUT_V1),
            level: c.outF64(i, OUT_V2),
            threshold: c.outF64(i, OUT_V3),
            customersAffectedPerMin: c.outF64(i, OUT_V4),
          });
          break;
        case O_PREDICTION_OUTCOME:
          out.push({
            type: "prediction_outcome",
            ts,
            id: c.outU32(i, OUT_B),
            ...this.target(a, entity),
            hit: c.outU32(i, OUT_C) === 1,
            breachAt: c.outF64(i, OUT_V0),
            issuedAt: c.outF64(i, OUT_V1),
          });
          break;
        case O_ROUTED:
          out.push({
            type: "routed",
            ts,
            incident,
            version,
            team: this.teamName(a),
            reason: c.outU32(i, OUT_B),
            previous: this.teamName(c.outU32(i, OUT_C)),
            failureKinds: this.skillNames(c.outU32(i, OUT_D)),
          });
          break;
        case O_PAGE:
          out.push({
            type: "page",
            ts,
            incident,
            version,
            team: this.teamName(a),
            tier: c.outU32(i, OUT_B),
            cause: c.outU32(i, OUT_C),
          });
          break;
        case O_EXPERIENCE:
          out.push({
            type: "experience",
            ts,
            incident,
            version,
            journey: this.journeys.name(entity),
            drop: a,
            feedback: c.outF64(i, OUT_V0),
            feedbackBaseline: c.outF64(i, OUT_V1),
            abandonment: c.outF64(i, OUT_V2),
            abandonmentBaseline: c.outF64(i, OUT_V3),
          });
          break;
        default:
          throw new RangeError(`core emitted unknown output type ${type}`);
      }
    }
    return out;
  }
}

/** alertFingerprint derives a stable identity for an alert without one. */
export function alertFingerprint(
  service: string,
  name: string,
  labels: Record<string, string>,
): string {
  const keys = Object.keys(labels).sort();
  let s = `${service}\u0000${name}`;
  for (const k of keys) s += `\u0000${k}=${labels[k]}`;
  return s;
}
