// Ground truth of a simulation: for each injected fault, evaluated on its own
// (so overlapping faults do not claim each other's footprint), which services
// and journeys it breaches and when, and how many customers it costs each
// journey a minute. Everything comes from the same model the events are drawn
// from, without the sampling noise.
import { HealthStatus } from "../gen/impactd/v1/event.js";
import { type GroundTruth, isExperienceOnly, isNoise, type JourneyImpactTruth } from "./faults.js";
import { badShare, failedShare, journeyOutcomes, type SimJourney } from "./journeys.js";
import type { EstateModel, ModelFault } from "./model.js";
import { DEFAULT_STATE_STEP_MS, faultChangeId } from "./run.js";

/** DEFAULT_JOURNEY_BREACH_STEP_MS is the resolution of journey breach times. */
export const DEFAULT_JOURNEY_BREACH_STEP_MS = 10_000;
/** DEFAULT_IMPACT_STEP_MS is the spacing of the impact points of a fault. */
export const DEFAULT_IMPACT_STEP_MS = 60_000;
/** DEFAULT_MIN_IMPACT_PER_MIN is the peak impact below which a journey does not count as hit. */
export const DEFAULT_MIN_IMPACT_PER_MIN = 0.1; // soft dependencies leak tiny latency effects

/** TruthInput is what ground truth needs from a resolved simulation. */
export interface TruthInput {
  seed: number;
  startMs: number;
  model: EstateModel;
  faults: readonly ModelFault[];
  journeys: readonly SimJourney[];
}

/** computeGroundTruth lists each fault of `sim` with its root cause and footprint. */
export function computeGroundTruth(sim: TruthInput): GroundTruth[] {
  const baseline = shares(sim, [], sim.startMs);
  return sim.faults.map((f, index) => {
    const journeyRoot = isExperienceOnly(f.kind);
    const truth: GroundTruth = {
      kind: f.kind,
      rootCause: journeyRoot ? (sim.journeys[f.journeyIdx]?.name ?? "") : f.service,
      rootKind: journeyRoot ? "journey" : "service",
      startMs: f.absStartMs,
      endMs: f.absStartMs + f.durationMs,
      affected: journeyRoot ? [] : [f.service],
      noise: isNoise(f.kind),
      serviceBreachMs: {},
      journeyBreachMs: {},
      journeys: [],
      impact: [],
    };
    if (f.kind === "deploy-regression") truth.changeEventId = faultChangeId(sim.seed, index);
    if (truth.noise) return truth;
    if (!journeyRoot) {
      truth.serviceBreachMs = serviceBreaches(sim, f);
      const rootBreach = truth.serviceBreachMs[f.service];
      if (rootBreach !== undefined) truth.breachMs = rootBreach;
      const others = Object.entries(truth.serviceBreachMs)
        .filter(([name]) => name !== f.service)
        .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
      for (const [name] of others) truth.affected.push(name);
    }
    truth.journeyBreachMs = journeyBreaches(sim, f);
    truth.impact = journeyImpact(sim, f, baseline);
    truth.journeys = truth.impact.map((j) => j.journey);
    return truth;
  });
}

// serviceBreaches scans the fault on the state grid and records the first
// step each service is unhealthy with this fault alone.
function serviceBreaches(sim: TruthInput, f: ModelFault): Record<string, number> {
  const { model, startMs } = sim;
  const state = model.newState();
  const out: Record<string, number> = {};
  const step = DEFAULT_STATE_STEP_MS;
  const first = startMs + Math.ceil((f.absStartMs - startMs) / step) * step;
  const n = model.services.length;
  const breached = new Uint8Array(n);
  for (let t = first; t < f.absStartMs + f.durationMs; t += step) {
    model.evaluate(t, [f], state);
    for (let i = 0; i < n; i++) {
      if (breached[i] === 1 || model.health(i, state) === HealthStatus.HEALTH_STATUS_OK) continue;
      breached[i] = 1;
      out[model.services[i]?.name ?? ""] = t;
    }
  }
  return out;
}

interface Shares {
  bad: Float64Array;
  failed: Float64Array;
}

// shares evaluates every journey's bad and failed shares at `t` with `faults`.
function shares(sim: TruthInput, faults: readonly ModelFault[], t: number): Shares {
  const state = sim.model.newState();
  sim.model.evaluate(t, faults, state);
  const out: Shares = {
    bad: new Float64Array(sim.journeys.length),
    failed: new Float64Array(sim.journeys.length),
  };
  sim.journeys.forEach((j, ji) => {
    const o = journeyOutcomes(j, ji, sim.model, state, faults, t);
    out.bad[ji] = badShare(o);
    out.failed[ji] = failedShare(o);
  });
  return out;
}

function journeyBreaches(sim: TruthInput, f: ModelFault): Record<string, number> {
  const out: Record<string, number> = {};
  const end = f.absStartMs + f.durationMs;
  for (let t = f.absStartMs; t < end; t += DEFAULT_JOURNEY_BREACH_STEP_MS) {
    const { bad } = shares(sim, [f], t);
    sim.journeys.forEach((j, ji) => {
      if (out[j.name] !== undefined || !(j.sloTarget > 0)) return;
      if ((bad[ji] ?? 0) > 1 - j.sloTarget) out[j.name] = t;
    });
  }
  return out;
}

function journeyImpact(sim: TruthInput, f: ModelFault, baseline: Shares): JourneyImpactTruth[] {
  const series: JourneyImpactTruth[] = sim.journeys.map((j) => ({ journey: j.name, points: [] }));
  const end = f.absStartMs + f.durationMs;
  for (let t = f.absStartMs; t < end; t += DEFAULT_IMPACT_STEP_MS) {
    const now = shares(sim, [f], t);
    sim.journeys.forEach((j, ji) => {
      const excess = Math.max(0, (now.bad[ji] ?? 0) - (baseline.bad[ji] ?? 0));
      const failed = Math.max(0, (now.failed[ji] ?? 0) - (baseline.failed[ji] ?? 0));
      series[ji]?.points.push([
        t,
        round2(j.customersPerMin * excess),
        round2(j.customersPerMin * failed),
      ]);
    });
  }
  const peak = (s: JourneyImpactTruth) => Math.max(0, ...s.points.map((p) => p[1]));
  return series
    .filter((s) => peak(s) >= DEFAULT_MIN_IMPACT_PER_MIN)
    .sort((a, b) => peak(b) - peak(a) || (a.journey < b.journey ? -1 : 1));
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
