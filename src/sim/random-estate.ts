// Seeded random estates: a layered call graph (entry services on top, data
// stores at the bottom) with configurable size and fan-out, shared databases
// and caches, a few edges that skip layers, journeys that follow call paths
// down from the entry services, and teams that own connected clusters. Same
// options, same topology.
import { InvalidArgumentError } from "../errors.js";
import {
  type Dependency,
  DependencyKind,
  type Journey,
  type Service,
  Team,
  type Topology,
} from "../gen/impactd/v1/topology.js";
import { assertValidTopology } from "../topology/index.js";
import { Rng } from "./rng.js";

/** RandomEstateOptions shape a random estate. */
export interface RandomEstateOptions {
  seed: number;
  /** Total services, data stores included; 5 to 100,000. */
  services: number;
  /** Layers of application services below the entry layer. @default from the size, 2 to 7 */
  layers?: number;
  /** Mean dependencies per application service. @default DEFAULT_RANDOM_FAN_OUT */
  fanOut?: number;
  /** Share of services that are data stores (databases, caches, queues). @default 0.2 */
  storeShare?: number;
  /** Chance that a service also uses a store of another team. @default 0.3 */
  sharedStoreChance?: number;
  /** Chance that a dependency skips a layer. @default 0.1 */
  crossLayerChance?: number;
  /** Share of dependencies that are soft. @default 0.15 */
  softShare?: number;
  /** Number of journeys. @default from the size, 2 to 200 */
  journeys?: number;
}

/** DEFAULT_RANDOM_FAN_OUT is the mean number of dependencies of a random application service. */
export const DEFAULT_RANDOM_FAN_OUT = 2;
/** MAX_RANDOM_SERVICES bounds a random estate (the spec's largest topology). */
export const MAX_RANDOM_SERVICES = 100_000;

const STORE_KINDS = [
  ["db", "database", 0.01, 300],
  ["cache", "cache", 0.02, 100],
  ["queue", "queue", 0.02, 300],
] as const;
const SLO_TARGETS = [0.99, 0.995, 0.999] as const;

interface Node {
  name: string;
  layer: number;
  team: number;
  deps: Dependency[];
  callers: number;
  kind: string;
  slo: { errorRate: number; latencyP99Ms: number };
}

function checkOptions(o: RandomEstateOptions): void {
  if (!Number.isSafeInteger(o.seed)) {
    throw new InvalidArgumentError(`randomEstate: seed must be a safe integer, got ${o.seed}`);
  }
  if (!Number.isSafeInteger(o.services) || o.services < 5 || o.services > MAX_RANDOM_SERVICES) {
    throw new InvalidArgumentError(
      `randomEstate: services must be an integer from 5 to ${MAX_RANDOM_SERVICES}, got ${o.services}`,
    );
  }
  for (const [k, v] of Object.entries(o)) {
    if (k === "seed" || k === "services" || v === undefined) continue;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new InvalidArgumentError(`randomEstate: ${k} must be a non-negative number, got ${v}`);
    }
  }
}

/** randomEstate generates a valid topology from `opts`; the same options give the same estate. */
export function randomEstate(opts: RandomEstateOptions): Topology {
  checkOptions(opts);
  const rng = new Rng(opts.seed).fork("random-estate");
  const n = opts.services;
  const stores = Math.max(1, Math.round(n * Math.min(0.5, opts.storeShare ?? 0.2)));
  const apps = n - stores;
  const layers = Math.max(
    1,
    Math.round(opts.layers ?? Math.min(7, Math.max(2, Math.log2(apps) - 1))),
  );
  const entries = Math.max(1, Math.min(20, Math.round(apps * 0.05)));
  // Application layers 1..layers share the rest, wider in the middle.
  const perLayer = splitLayers(apps - entries, layers);
  const nodes: Node[] = [];
  const byLayer: number[][] = [];
  const add = (name: string, layer: number, kind: string, slo: Node["slo"]) => {
    const list = byLayer[layer] ?? [];
    list.push(nodes.length);
    byLayer[layer] = list;
    nodes.push({ name, layer, team: -1, deps: [], callers: 0, kind, slo });
  };
  const pad = (i: number) => String(i).padStart(String(n).length, "0");
  for (let i = 0; i < entries; i++) {
    add(`${i % 2 === 0 ? "web" : "gateway"}-${pad(i)}`, 0, "", {
      errorRate: 0.02,
      latencyP99Ms: 1500,
    });
  }
  let next = entries;
  perLayer.forEach((count, k) => {
    for (let i = 0; i < count; i++) {
      const latency = [1000, 800, 600, 500, 400, 400, 300, 300][k] ?? 300;
      add(`svc-${pad(next++)}`, k + 1, "", {
        errorRate: 0.02 + 0.01 * rng.int(3),
        latencyP99Ms: latency,
      });
    }
  });
  const storeLayer = perLayer.length + 1;
  for (let i = 0; i < stores; i++) {
    const [prefix, kind, err, lat] = STORE_KINDS[
      i % 5 === 4 ? 2 : i % 3 === 2 ? 1 : 0
    ] as (typeof STORE_KINDS)[number];
    add(`${prefix}-${pad(next++)}`, storeLayer, kind, { errorRate: err, latencyP99Ms: lat });
  }
  const layerIds = byLayer.filter((l) => l !== undefined && l.length > 0);
  const edge = edgeMaker(nodes, rng, opts.softShare ?? 0.15);
  link(nodes, layerIds, rng, edge, opts);
  assignTeams(nodes, layerIds, rng);
  shareStores(nodes, layerIds, rng, edge, opts.sharedStoreChance ?? 0.3);
  const topology: Topology = {
    services: nodes.map(toService),
    journeys: makeJourneys(nodes, layerIds[0] ?? [], rng, opts.journeys),
    teams: makeTeams(nodes),
  };
  assertValidTopology(topology);
  return topology;
}

function splitLayers(total: number, layers: number): number[] {
  const weights = Array.from({ length: layers }, (_, k) => 1 + Math.min(k, layers - 1 - k) * 0.5);
  const sum = weights.reduce((a, b) => a + b, 0);
  const out = weights.map((w) => Math.floor((total * w) / sum));
  let rest = total - out.reduce((a, b) => a + b, 0);
  for (let k = 0; rest > 0; k = (k + 1) % layers, rest--) out[k] = (out[k] ?? 0) + 1;
  return out;
}

type Edge = (from: number, to: number) => void;

// edgeMaker returns a function adding a dependency once; calls to data stores
// are always hard (no fallback for a missing database).
function edgeMaker(nodes: Node[], rng: Rng, soft: number): Edge {
  return (from, to) => {
    const a = nodes[from] as Node;
    const b = nodes[to] as Node;
    if (a.deps.some((d) => d.service === b.name)) return;
    const isSoft = b.kind === "" && rng.chance(soft);
    a.deps.push({
      service: b.name,
      kind: isSoft ? DependencyKind.DEPENDENCY_KIND_SOFT : DependencyKind.DEPENDENCY_KIND_HARD,
      discovered: false,
    });
    b.callers++;
  };
}

// link gives every service below the top at least one caller from the layer
// above (so nothing is orphaned), then adds dependencies up to the fan-out,
// some skipping a layer.
function link(
  nodes: Node[],
  layers: number[][],
  rng: Rng,
  edge: Edge,
  o: RandomEstateOptions,
): void {
  const fanOut = o.fanOut ?? DEFAULT_RANDOM_FAN_OUT;
  const cross = o.crossLayerChance ?? 0.1;
  for (let k = 1; k < layers.length; k++) {
    const above = layers[k - 1] as number[];
    for (const id of layers[k] as number[]) edge(rng.pick(above), id);
  }
  for (let k = 0; k < layers.length - 1; k++) {
    for (const id of layers[k] as number[]) {
      const want = Math.max(1, Math.round(fanOut * (0.5 + rng.next())));
      for (let tries = 0; (nodes[id] as Node).deps.length < want && tries < want * 3; tries++) {
        const skip = k + 2 < layers.length && rng.chance(cross);
        edge(id, rng.pick(layers[skip ? k + 2 : k + 1] as number[]));
      }
    }
  }
}

// assignTeams: each team owns a connected cluster, grown from a service in
// the first application layer down its call edges; stores go to the team of
// their first caller, then some are shared with other teams' services.
function assignTeams(nodes: Node[], layers: number[][], rng: Rng): void {
  const byName = new Map(nodes.map((nd, i) => [nd.name, i]));
  const top = layers[1] ?? layers[0] ?? [];
  const teams = Math.max(1, Math.min(top.length, Math.round(nodes.length / 8)));
  top.forEach((id, i) => {
    (nodes[id] as Node).team = i % teams;
  });
  for (let k = 1; k < layers.length; k++) {
    for (const id of layers[k] as number[]) {
      const nd = nodes[id] as Node;
      for (const d of nd.deps) {
        const dep = nodes[byName.get(d.service) as number] as Node;
        if (dep.team < 0) dep.team = nd.team;
      }
    }
  }
  for (const id of layers[0] ?? []) (nodes[id] as Node).team = teams; // the edge team
  for (const nd of nodes) if (nd.team < 0) nd.team = rng.int(teams);
}

// shareStores lets application services reach past their own team's stores:
// the shared database or cache that ties otherwise separate clusters together.
function shareStores(
  nodes: Node[],
  layers: number[][],
  rng: Rng,
  edge: Edge,
  chance: number,
): void {
  const stores = layers[layers.length - 1] ?? [];
  if (stores.length === 0 || layers.length < 3) return;
  for (let k = 1; k < layers.length - 1; k++) {
    for (const id of layers[k] as number[]) {
      if (!rng.chance(chance)) continue;
      const store = rng.pick(stores);
      if ((nodes[store] as Node).team !== (nodes[id] as Node).team) edge(id, store);
    }
  }
}

function makeJourneys(nodes: Node[], entries: number[], rng: Rng, wanted?: number): Journey[] {
  const byName = new Map(nodes.map((nd, i) => [nd.name, i]));
  const count = Math.max(2, Math.min(200, Math.round(wanted ?? 2 + nodes.length / 20)));
  const journeys: Journey[] = [];
  for (let j = 0; j < count && entries.length > 0; j++) {
    // A request path: down one hard dependency at a time to a leaf.
    const path: string[] = [];
    let at: number | undefined = rng.pick(entries);
    while (at !== undefined && path.length < 12) {
      const nd = nodes[at] as Node;
      path.push(nd.name);
      const hard = nd.deps.filter((d) => d.kind === DependencyKind.DEPENDENCY_KIND_HARD);
      at = hard.length === 0 ? undefined : byName.get(rng.pick(hard).service);
    }
    const steps: Journey["steps"] = [];
    for (let i = 0, s = 0; i < path.length; s++) {
      const len = 2 + rng.int(3);
      steps.push({ name: `step-${s + 1}`, services: path.slice(i, i + len) });
      i += len;
    }
    journeys.push({
      name: `journey-${String(j + 1).padStart(3, "0")}`,
      customersPerMin: Math.round(50 * 100 ** rng.next()), // 50 to 5,000, log-uniform
      sloTarget: rng.pick(SLO_TARGETS),
      sloWindowDays: 0,
      steps,
    });
  }
  return journeys;
}

// makeTeams gives every team the skills of what it owns and a two-tier
// escalation; the edge team (owner of the entry services) is the fallback.
function makeTeams(nodes: Node[]): Team[] {
  const ids = [...new Set(nodes.map((nd) => nd.team))].sort((a, b) => a - b);
  const edge = Math.max(...ids);
  return ids.map((t) => {
    const kinds = new Set(
      nodes.filter((nd) => nd.team === t && nd.kind !== "").map((nd) => nd.kind),
    );
    const name = teamName(t);
    return Team.fromPartial({
      name,
      skills: ["service", ...kinds],
      fallback: t === edge,
      escalation: [
        { delayMinutes: 10, target: `@${name}-primary` },
        { delayMinutes: 20, target: `@${name}-secondary` },
      ],
    });
  });
}

function teamName(t: number): string {
  return `team-${String(t + 1).padStart(2, "0")}`;
}

function toService(nd: Node): Service {
  return {
    name: nd.name,
    team: teamName(nd.team),
    tier: nd.layer === 0 ? 1 : Math.min(4, 1 + Math.ceil(nd.layer / 2)),
    dependsOn: nd.deps,
    slo: { ...nd.slo },
    kinds: nd.kind === "" ? [] : [nd.kind],
  };
}
