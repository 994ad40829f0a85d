// The generated estate: a layered service graph (edge -> api -> backend ->
// data) where each service calls `fanout` services of the next layer, chosen
// near its own position so that a failure's blast radius stays a local
// subgraph as in real estates; journeys whose steps need edge and api
// services; teams that own contiguous slices. Built in O(services x fanout),
// so 100,000 services take well under a second.
import { DependencyKind, type Topology } from "../gen/impactd/v1/topology.js";
import { Rng } from "../sim/rng.js";

/** LAYERS names the estate's layers, callers first. */
export const LAYERS = ["edge", "api", "backend", "data"] as const;
/** LAYER_SHARES is the fraction of services in each layer. */
export const LAYER_SHARES = [0.05, 0.25, 0.45, 0.25] as const;
/** SERVICES_PER_TEAM is how many services one generated team owns. */
export const SERVICES_PER_TEAM = 25;
/** One dependency in SOFT_EVERY is soft (the caller degrades gracefully). */
export const SOFT_EVERY = 8;

/** EstateIndex is the generated estate as integer adjacency, for fault propagation. */
export interface EstateIndex {
  /** Service names by id. */
  readonly names: readonly string[];
  /** Layer (index into LAYERS) of each service. */
  readonly layer: Uint8Array;
  /** Hard dependencies of each service (what it calls and cannot do without). */
  readonly deps: readonly (readonly number[])[];
  /** Hard callers of each service (the reverse of deps). */
  readonly callers: readonly (readonly number[])[];
  /** Journey names, and the names of each journey's steps. */
  readonly journeys: readonly { name: string; steps: readonly string[] }[];
  /** Journeys that need each service directly (a step names it). */
  readonly journeysOf: readonly (readonly number[])[];
}

/** GeneratedEstate is a topology and its index. */
export interface GeneratedEstate {
  readonly topology: Topology;
  readonly index: EstateIndex;
}

/** layerSizes splits `services` over the layers; every layer gets one before any gets two. */
export function layerSizes(services: number): number[] {
  if (services < LAYERS.length) {
    return LAYERS.map((_, i) => (i < services ? 1 : 0));
  }
  const sizes = LAYER_SHARES.map((s) => Math.max(1, Math.floor(services * s)));
  // Rounding leftovers go to the backend layer (the largest).
  sizes[2] = (sizes[2] as number) + services - sizes.reduce((a, b) => a + b, 0);
  return sizes;
}

/** generateEstate builds the estate for the given knobs (same seed, same estate). */
export function generateEstate(opts: {
  seed: number;
  services: number;
  fanout: number;
  journeys: number;
}): GeneratedEstate {
  const rng = new Rng(opts.seed).fork("estate");
  const sizes = layerSizes(opts.services);
  const starts: number[] = [];
  const names: string[] = [];
  const layer = new Uint8Array(opts.services);
  let id = 0;
  sizes.forEach((size, l) => {
    starts.push(id);
    for (let k = 0; k < size; k++) {
      names.push(`${LAYERS[l]}-${id}`);
      layer[id] = l;
      id++;
    }
  });
  const deps: number[][] = names.map(() => []);
  const soft: number[][] = names.map(() => []);
  const callers: number[][] = names.map(() => []);
  let edgeCount = 0;
  for (let s = 0; s < names.length; s++) {
    const l = layer[s] as number;
    const nextSize = sizes[l + 1] ?? 0;
    if (nextSize === 0) continue;
    const nextStart = starts[l + 1] as number;
    // Near the same relative position in the next layer, within a window.
    const pos = Math.floor(((s - (starts[l] as number)) / (sizes[l] as number)) * nextSize);
    const window = Math.min(nextSize, Math.max(8, 4 * opts.fanout));
    const lo = Math.max(0, Math.min(nextSize - window, pos - (window >> 1)));
    const want = Math.min(opts.fanout, window);
    const chosen = new Set<number>();
    while (chosen.size < want) chosen.add(nextStart + lo + rng.int(window));
    for (const d of chosen) {
      if (++edgeCount % SOFT_EVERY === 0) {
        soft[s]?.push(d);
      } else {
        deps[s]?.push(d);
        callers[d]?.push(s);
      }
    }
  }
  const teamCount = Math.max(1, Math.ceil(names.length / SERVICES_PER_TEAM));
  const teamOf = (s: number) => `team-${Math.floor(s / SERVICES_PER_TEAM)}`;
  // Journeys need edge and api services (api first when there is no edge layer).
  const front = names.map((_, i) => i).filter((i) => (layer[i] as number) <= 1);
  const journeys: { name: string; steps: string[] }[] = [];
  const journeysOf: number[][] = names.map(() => []);
  const journeyDefs = [];
  for (let j = 0; j < opts.journeys; j++) {
    const name = `journey-${j}`;
    const steps: { name: string; services: string[] }[] = [];
    for (let k = 1; k <= 3; k++) {
      const picked = new Set<number>();
      const want = Math.min(front.length, 2);
      while (picked.size < want) picked.add(rng.pick(front));
      for (const p of picked) {
        const of = journeysOf[p] as number[];
        if (of[of.length - 1] !== j) of.push(j);
      }
      steps.push({ name: `step-${k}`, services: [...picked].map((p) => names[p] as string) });
    }
    journeys.push({ name, steps: steps.map((s) => s.name) });
    journeyDefs.push({
      name,
      steps,
      customersPerMin: 100 + rng.int(900),
      sloTarget: 0.99,
      sloWindowDays: 0,
    });
  }
  const topology: Topology = {
    services: names.map((name, s) => ({
      name,
      team: teamOf(s),
      tier: (layer[s] as number) + 1,
      dependsOn: [
        ...(deps[s] as number[]).map((d) => ({
          service: names[d] as string,
          kind: DependencyKind.DEPENDENCY_KIND_HARD,
          discovered: false,
        })),
        ...(soft[s] as number[]).map((d) => ({
          service: names[d] as string,
          kind: DependencyKind.DEPENDENCY_KIND_SOFT,
          discovered: false,
        })),
      ],
      slo: undefined,
      kinds: layer[s] === 3 ? ["database"] : layer[s] === 0 ? ["network"] : [],
    })),
    journeys: journeyDefs,
    teams: Array.from({ length: teamCount }, (_, t) => ({
      name: `team-${t}`,
      skills: ["deploy"],
      services: [],
      escalation: [{ delayMinutes: 15, target: `@oncall-${t}`, channel: "" }],
      notify: [],
      fallback: t === 0,
      pageTier2AboveCpm: 0,
      quietHours: undefined,
    })),
  };
  return { topology, index: { names, layer, deps, callers, journeys, journeysOf } };
}

/**
 * topologyFileText renders a topology in the file format `impactd serve
 * --topology` reads (JSON with snake_case keys), so a load run's estate can
 * be served as is.
 */
export function topologyFileText(t: Topology): string {
  const out = {
    services: t.services.map((s) => ({
      name: s.name,
      ...(s.team === "" ? {} : { team: s.team }),
      ...(s.tier === 0 ? {} : { tier: s.tier }),
      ...(s.kinds.length === 0 ? {} : { kinds: s.kinds }),
      depends_on: s.dependsOn.map((d) =>
        d.kind === DependencyKind.DEPENDENCY_KIND_SOFT
          ? { service: d.service, kind: "soft" }
          : d.service,
      ),
    })),
    journeys: t.journeys.map((j) => ({
      name: j.name,
      customers_per_min: j.customersPerMin,
      slo_target: j.sloTarget,
      steps: j.steps.map((s) => ({ name: s.name, services: s.services })),
    })),
    teams: t.teams.map((m) => ({
      name: m.name,
      skills: m.skills,
      ...(m.fallback ? { fallback: true } : {}),
      escalation: m.escalation.map((e) => ({ delay_minutes: e.delayMinutes, target: e.target })),
    })),
  };
  return `${JSON.stringify(out, null, 1)}\n`;
}
