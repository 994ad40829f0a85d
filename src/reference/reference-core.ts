// ReferenceCore is the reference model with the host's naming: the same
// surface and the same CoreOutput decisions as TenantCore
// (src/core/tenant-core.ts). Names are interned in the same first-seen order
// (topology services first) so ids, and every tie broken by id, line up.

import { Interner } from "../core/interner.js";
import * as L from "../core/layout.js";
import {
  alertFingerprint,
  type BatchResult,
  type ChangeInfo,
  type CoreOutput,
  DEFAULT_CHANGE_MEMORY,
  JOURNEY_DEPTH,
  JOURNEY_MAX_SERVICES,
} from "../core/tenant-core.js";
import { changeTieKey, TieKeys } from "../core/tie-key.js";
import type { Event } from "../gen/impactd/v1/event.js";
import { DependencyKind, type Topology } from "../gen/impactd/v1/topology.js";
import { decodeRecord, type Names } from "./decode.js";
import { ReferenceEngine, type ReferenceStats } from "./engine.js";
import { type InputRecord, inputRecord, type OutputRecord } from "./records.js";
import type { RoutingTeam } from "./routing.js";
import type { EncodedTopology, JourneySpec, ServiceSpec } from "./state.js";

/** ReferenceCoreOptions mirror TenantCore's options. */
export interface ReferenceCoreOptions {
  params?: ReadonlyMap<number, number>;
  /** Maps an incident id to the core's incident number (for actions). */
  incidentNumber?: (id: string) => number | undefined;
}

/** ReferenceCore is one tenant's reference model with its name tables. */
export class ReferenceCore {
  readonly engine: ReferenceEngine;
  readonly services = new Interner();
  private readonly journeys = new Interner();
  private readonly steps = new Interner();
  private readonly fingerprints = new Interner();
  private readonly customMetrics = new Interner();
  private readonly devices = new Interner();
  private readonly actors = new Interner();
  private readonly fingerprintKeys = new TieKeys();
  private readonly actorKeys = new TieKeys();
  private readonly teams = new Interner();
  /** Skill and service-kind names share one bit space; "deploy" and "experience" are bits 0 and 1. */
  private readonly skills = new Interner();
  private readonly changes = new Map<number, ChangeInfo>();
  private nextChange = 1;
  private attached = new Set<string>();
  private topologyJourneys = new Set<string>();
  /** Step index within its journey, keyed "journey\0step", from the topology. */
  private readonly stepIndex = new Map<string, number>();
  private readonly incidentNumber: (id: string) => number | undefined;
  /** The raw decision records of the last call (for byte-level comparison with the core). */
  lastRecords: readonly OutputRecord[] = [];

  constructor(options: ReferenceCoreOptions = {}) {
    this.engine = new ReferenceEngine(options.params);
    this.skills.id("deploy"); // SKILL_DEPLOY
    this.skills.id("experience"); // SKILL_EXPERIENCE
    this.incidentNumber = options.incidentNumber ?? (() => undefined);
  }

  /** setTopology applies a topology live; ids of known services and journeys are kept. */
  setTopology(topology: Topology): void {
    const services = this.services;
    for (const sv of topology.services) services.id(sv.name);
    for (const sv of topology.services) for (const d of sv.dependsOn) services.id(d.service);
    for (const j of topology.journeys) {
      this.journeys.id(j.name);
      for (const st of j.steps) for (const name of st.services) services.id(name);
    }
    // Later declarations of a name win, as with TenantCore's Map.
    const byName = new Map(topology.services.map((sv) => [sv.name, sv]));
    const serviceSpecs: ServiceSpec[] = services.names().map((name) => {
      const spec = byName.get(name);
      return {
        deps: (spec?.dependsOn ?? []).map((d) => ({
          service: services.id(d.service),
          soft: d.kind === DependencyKind.DEPENDENCY_KIND_SOFT,
        })),
        sloErr: spec?.slo?.errorRate ?? 0,
        sloLat: spec?.slo?.latencyP99Ms ?? 0,
      };
    });
    const jByName = new Map(topology.journeys.map((j) => [j.name, j]));
    this.stepIndex.clear();
    const journeySpecs: JourneySpec[] = this.journeys.names().map((name) => {
      const spec = jByName.get(name);
      if (spec === undefined) return { services: [], direct: 0, cpm: 0, slo: 0 };
      // The services the steps name, in step order, each once...
      const needed: number[] = [];
      spec.steps.forEach((st, k) => {
        this.stepIndex.set(`${spec.name}\u0000${st.name}`, k);
        for (const s of st.services) {
          const id = services.id(s);
          if (!needed.includes(id)) needed.push(id);
        }
      });
      const direct = needed.length;
      // ...then what they need in turn over hard edges, breadth first, up
      // to JOURNEY_DEPTH hops and JOURNEY_MAX_SERVICES services in all.
      let frontier = [...needed];
      for (let depth = 0; depth < JOURNEY_DEPTH && frontier.length > 0; depth++) {
        const next: number[] = [];
        for (const s of frontier) {
          for (const e of serviceSpecs[s]?.deps ?? []) {
            if (e.soft || needed.includes(e.service) || needed.length >= JOURNEY_MAX_SERVICES)
              continue;
            needed.push(e.service);
            next.push(e.service);
          }
        }
        frontier = next;
      }
      return { services: needed, direct, cpm: spec.customersPerMin, slo: spec.sloTarget };
    });
    const encoded: EncodedTopology = { services: serviceSpecs, journeys: journeySpecs };
    this.engine.setTopology(encoded);
    this.attached = new Set(byName.keys());
    this.topologyJourneys = new Set(jByName.keys());
    this.setRouting(topology);
  }

  // Teams keep their ids across topologies (incidents refer to them); a team
  // that left keeps an empty record. A service's own `team` overrides the
  // team that lists it.
  private setRouting(topology: Topology): void {
    for (const t of topology.teams) this.teams.id(t.name);
    const byName = new Map(topology.teams.map((t) => [t.name, t]));
    const teams: RoutingTeam[] = this.teams.names().map((name) => {
      const t = byName.get(name);
      return {
        skills: t === undefined ? 0 : this.skillBits(t.skills),
        fallback: t?.fallback ?? false,
        tierDelaysMs: (t?.escalation ?? []).map((x) => x.delayMinutes * 60_000),
        pageTier2AboveCpm: t?.pageTier2AboveCpm ?? 0,
      };
    });
    const owners: number[] = this.services.names().map(() => 0);
    const kinds: number[] = this.services.names().map(() => 0);
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
    this.engine.setRouting(teams, owners, kinds);
  }

  // Skill and kind names to bits; names beyond the 32nd have no bit.
  private skillBits(names: readonly string[]): number {
    let bits = 0;
    for (const n of names) {
      const id = this.skills.id(n);
      if (id < 32) bits |= 1 << id;
    }
    return bits >>> 0;
  }

  private rememberChange(ev: Event, info: Omit<ChangeInfo, "tsUnixMs" | "eventId">): number {
    const id = this.nextChange++;
    this.changes.set(id, { ...info, tsUnixMs: ev.tsUnixMs, eventId: ev.id });
    this.changes.delete(id - DEFAULT_CHANGE_MEMORY);
    return id;
  }

  /** encode turns one validated event into the core's input record. */
  encode(ev: Event): InputRecord {
    const k = ev.kind;
    const ts = ev.tsUnixMs;
    switch (k?.$case) {
      case "healthCheck":
        return inputRecord(
          ts,
          L.K_HEALTH,
          k.value.status,
          0,
          this.services.id(k.value.service),
          0,
          0,
          0,
        );
      case "metric": {
        const m = k.value;
        const custom = m.metric === L.M_CUSTOM ? this.customMetrics.id(m.customName) : 0;
        return inputRecord(
          ts,
          L.K_METRIC,
          m.metric,
          0,
          this.services.id(m.service),
          m.value,
          0,
          custom,
        );
      }
      case "alert": {
        const a = k.value;
        const name =
          a.fingerprint !== "" ? a.fingerprint : alertFingerprint(a.service, a.name, a.labels);
        const fp = this.fingerprints.id(name);
        return inputRecord(
          ts,
          L.K_ALERT,
          a.state,
          a.severity,
          this.services.id(a.service),
          this.fingerprintKeys.of(fp, name),
          fp,
          0,
        );
      }
      case "change": {
        const c = k.value;
        const { service, kind, version, description } = c;
        const id = this.rememberChange(ev, { service, kind, version, description });
        const key = changeTieKey(kind, version, description, ev.id);
        return inputRecord(ts, L.K_CHANGE, c.kind, 0, this.services.id(c.service), key, id, 0);
      }
      case "journeySignal": {
        const j = k.value;
        const key = `${j.journey}\u0000${j.step}`;
        // Step index 0 marks customers entering the journey; a journey the
        // topology does not describe counts every STARTED (0xffff).
        const index = this.topologyJourneys.has(j.journey)
          ? (this.stepIndex.get(key) ?? 1)
          : 0xffff;
        const count = j.count === 0 ? 1 : j.count;
        const journey = this.journeys.id(j.journey);
        return inputRecord(
          ts,
          L.K_JOURNEY,
          j.outcome,
          index,
          journey,
          count,
          this.steps.id(key),
          0,
        );
      }
      case "feedback": {
        const f = k.value;
        return inputRecord(
          ts,
          L.K_FEEDBACK,
          f.scale,
          0,
          this.journeys.id(f.journey),
          f.score,
          0,
          0,
        );
      }
      case "deviceTelemetry": {
        const d = k.value;
        const custom = d.metric === L.M_CUSTOM ? this.customMetrics.id(d.customName) : 0;
        const device = this.devices.id(d.deviceId);
        return inputRecord(
          ts,
          L.K_DEVICE,
          d.metric,
          0,
          this.services.id(d.service),
          d.value,
          device,
          custom,
        );
      }
      case "incidentAction": {
        const a = k.value;
        const n = this.incidentNumber(a.incidentId) ?? 0;
        const actor = this.actors.id(a.actor);
        return inputRecord(
          ts,
          L.K_ACTION,
          a.action,
          0,
          n,
          this.actorKeys.of(actor, a.actor),
          actor,
          0,
        );
      }
      default:
        throw new TypeError("event has no kind; validate before process");
    }
  }

  /** process encodes `events` (already validated) into one batch and applies it. */
  process(events: readonly Event[]): BatchResult {
    const before = this.services.size;
    const records = events.map((ev) => this.encode(ev));
    const unknownServices = this.services
      .names()
      .slice(before)
      .filter((name) => !this.attached.has(name));
    return { outputs: this.decode(this.engine.process(records)), unknownServices };
  }

  /** watermark is the event time up to which everything has been applied. */
  watermark(): number {
    return this.engine.stats().watermark;
  }

  /** stats reads the reference model's counters. */
  stats(): ReferenceStats {
    return this.engine.stats();
  }

  /** advance moves event time forward without events (fires due timers). */
  advance(watermark: number): CoreOutput[] {
    return this.decode(this.engine.advance(watermark));
  }

  /** flush applies everything still waiting for the watermark. */
  flush(): CoreOutput[] {
    return this.decode(this.engine.flush());
  }

  /** decode names the decisions, field for field as TenantCore decodes the core's records. */
  private decode(records: readonly OutputRecord[]): CoreOutput[] {
    this.lastRecords = records;
    const names: Names = {
      service: (id) => this.services.name(id),
      journey: (id) => this.journeys.name(id),
      actor: (idPlus1) => (idPlus1 === 0 ? "" : this.actors.name(idPlus1 - 1)),
      team: (idPlus1) => (idPlus1 === 0 ? "" : this.teams.name(idPlus1 - 1)),
      skills: (bits) => this.skills.names().filter((_, i) => i < 32 && ((bits >>> i) & 1) === 1),
      change: (id) => (id === 0 ? undefined : this.changes.get(id)),
    };
    return records.map((o) => decodeRecord(o, names));
  }
}
