// TenantCore is one tenant's core with its name tables: it turns validated
// events into input records (interning names to ids), runs the WASM core once
// per batch and decodes the decision records back into named outputs.
import type { Event } from "../gen/impactd/v1/event.js";
import { DependencyKind, type Topology } from "../gen/impactd/v1/topology.js";
import { Interner } from "./interner.js";
import {
  K_ACTION,
  K_ALERT,
  K_CHANGE,
  K_DEVICE,
  K_FEEDBACK,
  K_HEALTH,
  K_JOURNEY,
  K_METRIC,
  O_HEALTH,
  O_LATE,
  O_MEMBER,
  O_MERGED,
  O_OPENED,
  O_RESOLVED,
  O_ROOT_CAUSE,
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
  OUT_VERSION,
} from "./layout.js";
import { WasmCore } from "./wasm-core.js";

const SOFT_BIT = 0x80000000;
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

/** CoreOutput is one decoded decision of the core. */
export type CoreOutput =
  | { type: "opened"; ts: number; incident: number; version: number; service: string }
  | {
      type: "member";
      ts: number;
      incident: number;
      version: number;
      service: string;
      health: number;
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
  | { type: "status"; ts: number; incident: number; version: number; status: number; actor: string }
  | {
      type: "health";
      ts: number;
      service: string;
      health: number;
      previous: number;
      errorRate: number;
      latencyMs: number;
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
  | { type: "merged"; ts: number; incident: number; version: number; into: number };

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
  private readonly changes = new Map<number, ChangeInfo>();
  private nextChange = 1;
  private attached = new Set<string>();

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

  /** setTopology applies a topology live; ids of known services are kept. */
  setTopology(topology: Topology): void {
    for (const s of topology.services) this.services.id(s.name);
    for (const s of topology.services) for (const d of s.dependsOn) this.services.id(d.service);
    const n = this.services.size;
    const byName = new Map(topology.services.map((s) => [s.name, s]));
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
    this.core.setTopology(offsets, Uint32Array.from(edges), sloErr, sloLat);
    this.attached = new Set(byName.keys());
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
          const fp = this.fingerprints.id(
            a.fingerprint !== "" ? a.fingerprint : alertFingerprint(a.service, a.name, a.labels),
          );
          core.setRecord(
            i,
            ts,
            K_ALERT,
            a.state,
            a.severity,
            this.services.id(a.service),
            0,
            fp,
            0,
          );
          break;
        }
        case "change": {
          const c = k.value;
          const id = this.rememberChange(ev, c.service, c.kind, c.version, c.description);
          core.setRecord(i, ts, K_CHANGE, c.kind, 0, this.services.id(c.service), 0, id, 0);
          break;
        }
        case "journeySignal": {
          const j = k.value;
          const step = this.steps.id(`${j.journey}\u0000${j.step}`);
          core.setRecord(
            i,
            ts,
            K_JOURNEY,
            j.outcome,
            0,
            this.journeys.id(j.journey),
            j.count === 0 ? 1 : j.count,
            step,
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
          core.setRecord(i, ts, K_ACTION, a.action, 0, n, 0, this.actors.id(a.actor), 0);
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

  private decode(n: number): CoreOutput[] {
    const c = this.core;
    const out: CoreOutput[] = [];
    for (let i = 0; i < n; i++) {
      const type = c.outU32(i, OUT_TYPE);
      const ts = c.outF64(i, OUT_TS);
      const incident = c.outU32(i, OUT_INCIDENT);
      const version = c.outU32(i, OUT_VERSION);
      const entity = c.outU32(i, OUT_ENTITY);
      switch (type) {
        case O_OPENED:
          out.push({ type: "opened", ts, incident, version, service: this.services.name(entity) });
          break;
        case O_MEMBER:
          out.push({
            type: "member",
            ts,
            incident,
            version,
            service: this.services.name(entity),
            health: c.outU32(i, OUT_A),
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
            rank: c.outU32(i, OUT_A),
            count: c.outU32(i, OUT_B),
            score: c.outF64(i, OUT_V0),
            reasons: c.outU32(i, OUT_D),
            change: changeId === 0 ? undefined : this.changes.get(changeId),
          });
          break;
        }
        case O_RESOLVED: {
          const actor = c.outU32(i, OUT_B);
          out.push({
            type: "resolved",
            ts,
            incident,
            version,
            openedTs: c.outF64(i, OUT_V0),
            actor: actor === 0 ? "" : this.actors.name(actor - 1),
          });
          break;
        }
        case O_STATUS:
          out.push({
            type: "status",
            ts,
            incident,
            version,
            status: c.outU32(i, OUT_A),
            actor: this.actors.name(c.outU32(i, OUT_B)),
          });
          break;
        case O_HEALTH:
          out.push({
            type: "health",
            ts,
            service: this.services.name(entity),
            health: c.outU32(i, OUT_A),
            previous: c.outU32(i, OUT_B),
            errorRate: c.outF64(i, OUT_V0),
            latencyMs: c.outF64(i, OUT_V1),
          });
          break;
        case O_STATS:
          out.push({
            type: "stats",
            ts,
            incident,
            version,
            alerts: c.outU32(i, OUT_A),
            members: c.outU32(i, OUT_B),
            unhealthy: c.outU32(i, OUT_C),
          });
          break;
        case O_MERGED:
          out.push({ type: "merged", ts, incident, version, into: c.outU32(i, OUT_A) });
          break;
        case O_LATE:
          out.push({ type: "late", ts, index: c.outU32(i, OUT_A), watermark: c.outF64(i, OUT_V0) });
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
