// Seeded evaluation cases: each is one independent simulation with one or
// two (overlapping) faults on one estate, background noise (routine deploys,
// baseline error noise, unrelated noisy alerts) and an imperfect delivery
// (late, very late and duplicated events). Cases are spread evenly over
// estates and fault kinds; the same options give the same cases.
import { InvalidArgumentError } from "../errors.js";
import { DependencyKind, type Topology } from "../gen/impactd/v1/topology.js";
import { FAULT_KINDS, type Fault, type FaultKind } from "../sim/faults.js";
import { Rng } from "../sim/rng.js";
import { DEFAULT_SIM_TENANT } from "../sim/simulator.js";
import { ESTATE_NAMES, type EstateName, estateTopology, isEstateName } from "./estates.js";

/** EVAL_START_MS is the event time every case starts at (a Monday morning, UTC). */
export const EVAL_START_MS = Date.UTC(2025, 0, 6, 8, 0, 0);
/** DEFAULT_EVAL_CASES is how many cases `impactd eval` runs unless told otherwise. */
export const DEFAULT_EVAL_CASES = 200;
/** WARMUP_MS is the healthy time before the first fault, for baselines to settle. */
export const WARMUP_MS = 20 * 60_000;
/** COOLDOWN_MS is the healthy time after the last fault, for incidents to resolve. */
export const COOLDOWN_MS = 10 * 60_000;
/** SECOND_FAULT_CHANCE is the chance a case has a second, overlapping fault. */
export const SECOND_FAULT_CHANCE = 0.35;
/** BACKGROUND_NOISY_ALERTS is the mean number of unrelated noisy alerts per case. */
export const BACKGROUND_NOISY_ALERTS = 0.5;

const MIN = 60_000;
// [shortest, longest] fault duration in minutes, per kind.
const DURATION_MIN: Record<FaultKind, readonly [number, number]> = {
  "hard-failure": [8, 15],
  cascade: [8, 15],
  "deploy-regression": [10, 20],
  // Breaches about half way: tens of minutes after onset.
  "gradual-degradation": [40, 60],
  flapping: [5, 10],
  "noisy-alert": [3, 10],
  "feedback-drop": [10, 20],
  "experience-only": [10, 20],
};
const STORE_KINDS = new Set(["database", "cache", "queue", "storage", "search-engine"]);

/** CaseDelivery is how a case's events reach impactd (see src/sim/delivery.ts). */
export interface CaseDelivery {
  seed: number;
  /** Seed of which events arrive beyond the lateness bound: the same for a case and its replay. */
  beyondSeed: number;
  lateShare: number;
  beyondShare: number;
  duplicateShare: number;
  batchSize: number;
  lingerMs: number;
}

/** EvalCase is one independent scenario with its simulation and delivery settings. */
export interface EvalCase {
  /** Stable id such as `c007-shop-cascade`. */
  id: string;
  index: number;
  estate: EstateName;
  /** Kind of the case's main fault (a second fault may be of another kind). */
  kind: FaultKind;
  topology: Topology;
  tenant: string;
  seed: number;
  startMs: number;
  durationMs: number;
  faults: Fault[];
  /** Delivery of the scored run. */
  delivery: CaseDelivery;
  /** Delivery of the determinism replay: other order and batching, same very late events. */
  replay: CaseDelivery;
}

/** EvalCasesOptions select the cases. */
export interface EvalCasesOptions {
  cases: number;
  seed: number;
  /** Estates to spread the cases over. @default ESTATE_NAMES */
  estates?: readonly string[];
}

/** evalCases builds `cases` seeded cases spread over the estates and fault kinds. */
export function evalCases(opts: EvalCasesOptions): EvalCase[] {
  const { cases, seed } = opts;
  if (!Number.isSafeInteger(cases) || cases < 1) {
    throw new InvalidArgumentError(`cases must be a positive integer, got ${cases}`);
  }
  if (!Number.isSafeInteger(seed)) {
    throw new InvalidArgumentError(`seed must be a safe integer, got ${seed}`);
  }
  const estates = [...new Set(opts.estates ?? ESTATE_NAMES)];
  if (estates.length === 0) throw new InvalidArgumentError("no estates to evaluate on");
  for (const e of estates) {
    if (!isEstateName(e)) {
      throw new InvalidArgumentError(
        `unknown estate ${JSON.stringify(e)} (expected one of ${ESTATE_NAMES.join(", ")})`,
      );
    }
  }
  const root = new Rng(seed);
  const out: EvalCase[] = [];
  for (let i = 0; i < cases; i++) {
    const estate = estates[i % estates.length] as EstateName;
    const kind = FAULT_KINDS[Math.floor(i / estates.length) % FAULT_KINDS.length] as FaultKind;
    out.push(buildCase(i, estate, kind, root.fork(`case-${i}`)));
  }
  return out;
}

function buildCase(index: number, estate: EstateName, kind: FaultKind, rng: Rng): EvalCase {
  const seed = rng.seed;
  const topology = estateTopology(estate, seed);
  const facts = estateFacts(topology);
  const primaryStart = WARMUP_MS + rng.int((5 * MIN) / 1000) * 1000;
  const primary = makeFault(kind, primaryStart, facts, rng, []);
  const faults = [primary];
  if (rng.chance(SECOND_FAULT_CHANCE)) {
    const k2 = rng.pick(FAULT_KINDS);
    const offset = -2 * MIN + rng.int(Math.floor((2 * MIN + primary.durationMs / 2) / 1000)) * 1000;
    faults.push(makeFault(k2, primaryStart + offset, facts, rng, [primary]));
  }
  let end = Math.max(...faults.map((f) => f.startMs + f.durationMs)) + COOLDOWN_MS;
  for (let n = rng.poisson(BACKGROUND_NOISY_ALERTS); n > 0; n--) {
    const start = WARMUP_MS / 2 + rng.int(Math.floor((end - WARMUP_MS) / 1000)) * 1000;
    faults.push(makeFault("noisy-alert", start, facts, rng, []));
  }
  end = Math.max(end, ...faults.map((f) => f.startMs + f.durationMs + MIN));
  const delivery: CaseDelivery = {
    seed,
    beyondSeed: seed,
    lateShare: rng.range(0.005, 0.03),
    beyondShare: rng.range(0, 0.002),
    duplicateShare: rng.range(0.002, 0.02),
    batchSize: rng.pick([200, 500, 1000]),
    lingerMs: 1_000,
  };
  const replay: CaseDelivery = {
    ...delivery,
    seed: rng.fork("replay").seed,
    batchSize: rng.pick([50, 137, 2000]),
    lingerMs: rng.pick([250, 5_000, 30_000]),
  };
  return {
    id: `c${String(index).padStart(3, "0")}-${estate}-${kind}`,
    index,
    estate,
    kind,
    topology,
    tenant: DEFAULT_SIM_TENANT,
    seed,
    startMs: EVAL_START_MS,
    durationMs: end,
    faults,
    delivery,
    replay,
  };
}

/** EstateFacts are the sets faults pick their roots from. */
interface EstateFacts {
  all: string[];
  /** Services whose failure reaches a journey through hard dependencies. */
  reach: string[];
  /** reach minus data stores: where code is deployed. */
  apps: string[];
  /** reach services with two or more direct dependents: where cascades start. */
  shared: string[];
  /** Application services listed on a journey step themselves. */
  onSteps: string[];
  journeys: { name: string; steps: string[] }[];
}

function estateFacts(t: Topology): EstateFacts {
  const dependents = new Map<string, string[]>();
  for (const s of t.services) {
    for (const d of s.dependsOn) {
      if (d.kind === DependencyKind.DEPENDENCY_KIND_SOFT) continue;
      const list = dependents.get(d.service) ?? [];
      list.push(s.name);
      dependents.set(d.service, list);
    }
  }
  const byName = new Map(t.services.map((s) => [s.name, s]));
  const onStep = new Set(t.journeys.flatMap((j) => j.steps.flatMap((s) => s.services)));
  // Walk hard dependencies down from every step service.
  const reach = new Set<string>();
  const stack = [...onStep];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (reach.has(name)) continue;
    reach.add(name);
    for (const d of byName.get(name)?.dependsOn ?? []) {
      if (d.kind !== DependencyKind.DEPENDENCY_KIND_SOFT) stack.push(d.service);
    }
  }
  const isStore = (name: string) =>
    byName.get(name)?.kinds.some((k) => STORE_KINDS.has(k)) === true;
  const all = t.services.map((s) => s.name);
  const reachList = all.filter((n) => reach.has(n));
  const apps = reachList.filter((n) => !isStore(n));
  return {
    all,
    reach: reachList,
    apps: apps.length > 0 ? apps : reachList,
    shared: reachList.filter((n) => (dependents.get(n)?.length ?? 0) >= 2),
    onSteps: apps.filter((n) => onStep.has(n)),
    journeys: t.journeys.map((j) => ({ name: j.name, steps: j.steps.map((s) => s.name) })),
  };
}

function pickRoot(
  from: readonly string[],
  fallback: readonly string[],
  avoid: Set<string>,
  rng: Rng,
) {
  const pool = from.filter((n) => !avoid.has(n));
  const alt = fallback.filter((n) => !avoid.has(n));
  return rng.pick(pool.length > 0 ? pool : alt.length > 0 ? alt : fallback);
}

function makeFault(
  kind: FaultKind,
  startMs: number,
  facts: EstateFacts,
  rng: Rng,
  others: readonly Fault[],
): Fault {
  const [lo, hi] = DURATION_MIN[kind];
  const durationMs = (lo + rng.int(hi - lo + 1)) * MIN;
  if (kind === "experience-only") {
    const j = rng.pick(facts.journeys);
    return { kind, service: "", journey: j.name, step: rng.pick(j.steps), startMs, durationMs };
  }
  const avoid = new Set(others.map((f) => f.service));
  const pools: Record<Exclude<FaultKind, "experience-only">, readonly string[]> = {
    "hard-failure": facts.reach,
    cascade: facts.shared,
    "deploy-regression": facts.apps,
    "gradual-degradation": facts.reach,
    flapping: facts.all,
    "noisy-alert": facts.all,
    "feedback-drop": facts.onSteps,
  };
  const service = pickRoot(
    pools[kind],
    facts.reach.length > 0 ? facts.reach : facts.all,
    avoid,
    rng,
  );
  return { kind, service, startMs, durationMs };
}
