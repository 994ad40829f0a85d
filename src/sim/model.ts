// The estate model behind the simulator: each service's baseline, and how
// fault effects propagate along dependency edges to give every service's true
// (noise-free) error rate, p99 latency and health at an instant. Noise is added
// later, per sample, so the truth stays a pure function of time and faults.

import { InvalidArgumentError } from "../errors.js";
import { HealthStatus } from "../gen/impactd/v1/event.js";
import { DependencyKind, type Topology } from "../gen/impactd/v1/topology.js";
import { type Fault, faultEffect } from "./faults.js";
import type { Rng } from "./rng.js";

/** DEFAULT_SLO_ERROR_RATE applies when a service sets none (the core's default too). */
export const DEFAULT_SLO_ERROR_RATE = 0.05;
/** DEFAULT_SLO_LATENCY_MS applies when a service sets none (the core's default too). */
export const DEFAULT_SLO_LATENCY_MS = 1_000;
/** DEFAULT_BASE_ERROR_RANGE bounds a service's drawn baseline error rate. */
export const DEFAULT_BASE_ERROR_RANGE: readonly [number, number] = [0.001, 0.005];
/** DEFAULT_BASE_LATENCY_RANGE bounds a service's drawn baseline p99, in ms. */
export const DEFAULT_BASE_LATENCY_RANGE: readonly [number, number] = [50, 400];
/** DEFAULT_BASE_LATENCY_SLO_SHARE caps the baseline p99 as a share of the latency SLO. */
export const DEFAULT_BASE_LATENCY_SLO_SHARE = 0.6; // a healthy service is well inside its SLO
/** DEFAULT_HARD_ERROR_ATTENUATION is the share of a hard dependency's excess errors its caller sees. */
export const DEFAULT_HARD_ERROR_ATTENUATION = 0.6; // retries, caches and partial paths absorb the rest
/** DEFAULT_HARD_LATENCY_ATTENUATION is the share of a hard dependency's excess p99 its caller sees. */
export const DEFAULT_HARD_LATENCY_ATTENUATION = 0.8;
/** DEFAULT_SOFT_LATENCY_ATTENUATION is the share of a soft dependency's excess p99 its caller sees. */
export const DEFAULT_SOFT_LATENCY_ATTENUATION = 0.5;
/** DEFAULT_SOFT_FALLBACK_MS is the p99 a caller adds per unit of soft-dependency errors (timeout, then fallback). */
export const DEFAULT_SOFT_FALLBACK_MS = 200;
/** DEFAULT_DOWN_ERROR_RATE is the error rate at which a service's probe reports DOWN. */
export const DEFAULT_DOWN_ERROR_RATE = 0.5;
/** DEFAULT_ENTRY_RPS_RANGE is the requests per second a service nobody calls receives from outside. */
export const DEFAULT_ENTRY_RPS_RANGE: readonly [number, number] = [20, 400];
/** DEFAULT_INTERNAL_RPS bounds the requests per second a called service gets from outside the estate. */
export const DEFAULT_INTERNAL_RPS = 5;
/** DEFAULT_MAX_FANOUT bounds the calls one request makes to one dependency. */
export const DEFAULT_MAX_FANOUT = 3;

/** SimService is one service of the modelled estate. */
export interface SimService {
  name: string;
  baseErrorRate: number;
  baseLatencyMs: number;
  sloErrorRate: number;
  sloLatencyMs: number;
  /** Indices of hard dependencies present in the topology (cycle edges dropped). */
  hard: number[];
  /** Indices of soft dependencies present in the topology (cycle edges dropped). */
  soft: number[];
  /**
   * Requests per second it serves: its own entry traffic plus every
   * caller's rate times the calls each request of that caller makes to it.
   */
  rps: number;
}

/** EstateState is every service's true signals at one instant, indexed like `services`. */
export interface EstateState {
  /** Effective error rate: own baseline and faults plus what dependencies pass up. */
  errorRate: Float64Array;
  /** Effective p99 latency, ms. */
  latencyMs: Float64Array;
  down: Uint8Array;
  /** The service's own fault-induced error rate, before its baseline and dependencies. */
  faultErrorRate: Float64Array;
  /** The service's own fault multiplier on its baseline p99. */
  latencyFactor: Float64Array;
}

/** Signals is one service's error rate and p99 latency. */
export interface Signals {
  errorRate: number;
  latencyMs: number;
}

/** ModelFault is a fault resolved against the model: absolute onset, service index, severity. */
export interface ModelFault extends Fault {
  severity: number;
  /** Model id of the root service; -1 for experience-only faults. */
  svc: number;
  absStartMs: number;
  /** experience-only: index of the journey and of its step; -1 otherwise. */
  journeyIdx: number;
  stepIdx: number;
}

/** classifyHealth is the status a probe of `s` reports for these true signals. */
export function classifyHealth(
  s: SimService,
  errorRate: number,
  latencyMs: number,
  down: boolean,
): HealthStatus {
  if (down || errorRate >= DEFAULT_DOWN_ERROR_RATE) return HealthStatus.HEALTH_STATUS_DOWN;
  if (errorRate > s.sloErrorRate || latencyMs > s.sloLatencyMs) {
    return HealthStatus.HEALTH_STATUS_DEGRADED;
  }
  return HealthStatus.HEALTH_STATUS_OK;
}

/** EstateModel holds the estate's baselines and evaluates its true state at any time. */
export class EstateModel {
  /** services in topology order; indices are the model's service ids. */
  readonly services: SimService[] = [];
  private readonly byName = new Map<string, number>();
  // Dependencies before dependents, so one pass propagates everything.
  private readonly order: Int32Array;

  constructor(topology: Topology, rng: Rng) {
    const [e0, e1] = DEFAULT_BASE_ERROR_RANGE;
    const [l0, l1] = DEFAULT_BASE_LATENCY_RANGE;
    for (const s of topology.services) {
      if (this.byName.has(s.name)) {
        throw new InvalidArgumentError(
          `simulator: service ${JSON.stringify(s.name)} is listed twice`,
        );
      }
      const sloErrorRate =
        s.slo !== undefined && s.slo.errorRate > 0 ? s.slo.errorRate : DEFAULT_SLO_ERROR_RATE;
      const sloLatencyMs =
        s.slo !== undefined && s.slo.latencyP99Ms > 0 ? s.slo.latencyP99Ms : DEFAULT_SLO_LATENCY_MS;
      this.byName.set(s.name, this.services.length);
      this.services.push({
        name: s.name,
        baseErrorRate: Math.min(rng.range(e0, e1), sloErrorRate / 4),
        baseLatencyMs: Math.min(rng.range(l0, l1), DEFAULT_BASE_LATENCY_SLO_SHARE * sloLatencyMs),
        sloErrorRate,
        sloLatencyMs,
        hard: [],
        soft: [],
        rps: 0,
      });
    }
    this.order = this.linkDependencies(topology);
    this.assignTraffic(rng);
  }

  // Traffic flows from callers to callees: services nobody calls get entry
  // traffic, the rest a little of their own, and every call edge carries its
  // caller's rate times a per-edge fan-out, so a dependency always serves at
  // least the calls its callers make to it (drawn after every other draw of
  // `rng`, so the estate's other figures do not depend on it).
  private assignTraffic(rng: Rng): void {
    const [r0, r1] = DEFAULT_ENTRY_RPS_RANGE;
    const called = new Uint8Array(this.services.length);
    for (const s of this.services) for (const d of [...s.hard, ...s.soft]) called[d] = 1;
    this.services.forEach((s, i) => {
      s.rps = called[i] === 1 ? rng.range(0, DEFAULT_INTERNAL_RPS) : rng.range(r0, r1);
    });
    // `order` lists dependencies first: walked backwards, every caller's
    // rate is final before it flows into its dependencies.
    for (let k = this.order.length - 1; k >= 0; k--) {
      const s = this.services[this.order[k] as number] as SimService;
      for (const d of [...s.hard, ...s.soft]) {
        const ds = this.services[d] as SimService;
        ds.rps += s.rps * rng.range(1, DEFAULT_MAX_FANOUT);
      }
    }
  }

  /** indexOf returns the model id of the service `name`, if it is in the topology. */
  indexOf(name: string): number | undefined {
    return this.byName.get(name);
  }

  /** newState allocates a state sized for this estate. */
  newState(): EstateState {
    const n = this.services.length;
    return {
      errorRate: new Float64Array(n),
      latencyMs: new Float64Array(n),
      down: new Uint8Array(n),
      faultErrorRate: new Float64Array(n),
      latencyFactor: new Float64Array(n),
    };
  }

  /** evaluate writes into `out` the true state at time `t` with `faults` active. */
  evaluate(t: number, faults: readonly ModelFault[], out: EstateState): void {
    const { faultErrorRate: ownErr, latencyFactor: ownLat } = out;
    ownErr.fill(0);
    ownLat.fill(1);
    out.down.fill(0);
    for (const f of faults) {
      const s = this.services[f.svc];
      if (s === undefined) continue;
      const eff = faultEffect(f, t - f.absStartMs, s);
      if (eff === undefined) continue;
      // Several faults on one service fail requests independently.
      ownErr[f.svc] = 1 - (1 - (ownErr[f.svc] ?? 0)) * (1 - eff.errorRate);
      ownLat[f.svc] = Math.max(ownLat[f.svc] ?? 1, eff.latencyFactor);
      if (eff.down) out.down[f.svc] = 1;
    }
    for (const i of this.order) {
      const sig = this.combine(i, out);
      out.errorRate[i] = sig.errorRate;
      out.latencyMs[i] = sig.latencyMs;
    }
  }

  /**
   * combine computes service i's signals from its own fault effect and its
   * dependencies' effective signals in `state`, leaving out `exclude` (calls
   * that do not belong to the request being looked at).
   */
  combine(i: number, state: EstateState, exclude?: ReadonlySet<number>): Signals {
    const s = this.services[i];
    if (s === undefined) return { errorRate: 0, latencyMs: 0 };
    const { services } = this;
    const err = state.errorRate;
    const lat = state.latencyMs;
    const own = 1 - (1 - s.baseErrorRate) * (1 - (state.faultErrorRate[i] ?? 0));
    // Only errors above a dependency's baseline travel upstream: its
    // baseline is already part of the caller's own baseline.
    let pass = 1;
    let depLat = 0;
    for (const d of s.hard) {
      if (exclude?.has(d)) continue;
      const ds = services[d] as SimService;
      const excess = Math.max(0, (err[d] ?? 0) - ds.baseErrorRate);
      pass *= 1 - DEFAULT_HARD_ERROR_ATTENUATION * excess;
      depLat = Math.max(
        depLat,
        DEFAULT_HARD_LATENCY_ATTENUATION * ((lat[d] ?? 0) - ds.baseLatencyMs),
      );
    }
    for (const d of s.soft) {
      if (exclude?.has(d)) continue;
      const ds = services[d] as SimService;
      const excessErr = Math.max(0, (err[d] ?? 0) - ds.baseErrorRate);
      const excessLat = Math.max(0, (lat[d] ?? 0) - ds.baseLatencyMs);
      depLat = Math.max(
        depLat,
        DEFAULT_SOFT_LATENCY_ATTENUATION * excessLat + DEFAULT_SOFT_FALLBACK_MS * excessErr,
      );
    }
    return {
      errorRate: 1 - (1 - own) * pass,
      latencyMs: s.baseLatencyMs * (state.latencyFactor[i] ?? 1) + depLat,
    };
  }

  /** health classifies service `i` in `state` as a probe would see it. */
  health(i: number, state: EstateState): HealthStatus {
    const s = this.services[i];
    if (s === undefined) return HealthStatus.HEALTH_STATUS_OK;
    return classifyHealth(s, state.errorRate[i] ?? 0, state.latencyMs[i] ?? 0, state.down[i] === 1);
  }

  // linkDependencies resolves edges to indices and returns a dependencies-first
  // order. Edges that close a cycle (possible with discovered edges) are
  // dropped, else propagation would have no first service to start from.
  private linkDependencies(topology: Topology): Int32Array {
    const n = this.services.length;
    const deps: { to: number; hard: boolean }[][] = topology.services.map((s) =>
      s.dependsOn.flatMap((d) => {
        const to = this.byName.get(d.service);
        return to === undefined
          ? []
          : [{ to, hard: d.kind !== DependencyKind.DEPENDENCY_KIND_SOFT }];
      }),
    );
    const mark = new Uint8Array(n); // 0 new, 1 on the DFS stack, 2 done
    const order = new Int32Array(n);
    let filled = 0;
    // Iterative DFS: random estates can have dependency chains deeper than the call stack.
    const stack: { node: number; edge: number }[] = [];
    for (let root = 0; root < n; root++) {
      if (mark[root] !== 0) continue;
      stack.push({ node: root, edge: 0 });
      mark[root] = 1;
      while (stack.length > 0) {
        const top = stack[stack.length - 1] as { node: number; edge: number };
        const edges = deps[top.node] ?? [];
        const e = edges[top.edge++];
        if (e === undefined) {
          stack.pop();
          mark[top.node] = 2;
          order[filled++] = top.node;
          continue;
        }
        if (mark[e.to] === 1) continue; // closes a cycle: drop
        const s = this.services[top.node] as SimService;
        (e.hard ? s.hard : s.soft).push(e.to);
        if (mark[e.to] === 0) {
          mark[e.to] = 1;
          stack.push({ node: e.to, edge: 0 });
        }
      }
    }
    return order;
  }
}
