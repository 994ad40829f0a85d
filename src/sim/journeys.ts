// Customer journeys in the simulator: how the true state of a step's services
// turns into failed and abandoned customers, and how that shows in feedback.
import type { Topology } from "../gen/impactd/v1/topology.js";
import type { EstateModel, EstateState, ModelFault } from "./model.js";
import type { Rng } from "./rng.js";

/** DEFAULT_CUSTOMERS_PER_MIN is the traffic of a journey whose topology sets none. */
export const DEFAULT_CUSTOMERS_PER_MIN = 100;
/** DEFAULT_ABANDON_PER_SLO_EXCESS is the share of customers abandoning per unit of p99 above the SLO. */
export const DEFAULT_ABANDON_PER_SLO_EXCESS = 0.2; // p99 at 2x the SLO loses a fifth of a step
/** DEFAULT_MAX_ABANDON caps the abandoning share of a step. */
export const DEFAULT_MAX_ABANDON = 0.5;
/** DEFAULT_FEEDBACK_RESPONSE_RATE is the share of customers per minute who leave feedback. */
export const DEFAULT_FEEDBACK_RESPONSE_RATE = 0.002; // enough answers a minute to see a drop
/** DEFAULT_MAX_FEEDBACK_PER_MIN caps feedback per journey per minute. */
export const DEFAULT_MAX_FEEDBACK_PER_MIN = 5;
/** DEFAULT_FEEDBACK_SENSITIVITY over-weights unhappy customers among respondents. */
export const DEFAULT_FEEDBACK_SENSITIVITY = 3; // people who hit a failure are likelier to answer

/** StepService is one service on a journey step's request path. */
export interface StepService {
  svc: number;
  /**
   * Dependencies whose calls are not part of this step's requests: those the
   * step lists itself (counted at their own place on the path) and those some
   * step lists together with this service (another request's route, e.g. a
   * gateway's route to checkout is not part of browsing).
   */
  exclude: ReadonlySet<number>;
}

/** SimJourney is a journey resolved against the estate model. */
export interface SimJourney {
  name: string;
  customersPerMin: number;
  /** Target success ratio (the topology's slo_target). */
  sloTarget: number;
  /** Steps with their services' model ids (unknown services left out). */
  steps: { name: string; services: StepService[] }[];
}

/** StepOutcome is the share of a step's customers who fail or give up. */
export interface StepOutcome {
  failed: number;
  abandoned: number;
}

/** resolveJourneys maps the topology's journeys onto model service ids and request paths. */
export function resolveJourneys(topology: Topology, model: EstateModel): SimJourney[] {
  const ids = (names: readonly string[]) =>
    names.flatMap((name) => {
      const i = model.indexOf(name);
      return i === undefined ? [] : [i];
    });
  // listedWith[s] = every service that shares a step with s, in any journey.
  const listedWith = new Map<number, Set<number>>();
  for (const j of topology.journeys) {
    for (const step of j.steps) {
      const members = ids(step.services);
      for (const s of members) {
        const set = listedWith.get(s) ?? new Set<number>();
        for (const m of members) set.add(m);
        listedWith.set(s, set);
      }
    }
  }
  return topology.journeys.map((j) => ({
    name: j.name,
    customersPerMin: j.customersPerMin > 0 ? j.customersPerMin : DEFAULT_CUSTOMERS_PER_MIN,
    sloTarget: j.sloTarget,
    steps: j.steps.map((step) => ({
      name: step.name,
      services: ids(step.services).map((svc) => {
        const spec = model.services[svc];
        const routes = listedWith.get(svc);
        const deps = spec === undefined ? [] : [...spec.hard, ...spec.soft];
        return { svc, exclude: new Set(deps.filter((d) => routes?.has(d) === true)) };
      }),
    })),
  }));
}

/**
 * stepOutcome derives a step's failure and abandonment shares from the true
 * state: a customer fails when any service on the step's path fails their
 * request, so failed = 1 - prod(1 - p) over the step's services, each p from
 * the service's own faults and the dependencies it calls for this request.
 * Baseline errors are transient and one client retry hides most of them
 * (p = base^2) while fault-induced errors persist through retries; without
 * that, a five-service step at 0.3% each would breach a 99.5% journey SLO on
 * a perfectly healthy day.
 */
export function stepOutcome(
  services: readonly StepService[],
  model: EstateModel,
  state: EstateState,
): StepOutcome {
  let ok = 1;
  let worstLatency = 0;
  for (const { svc, exclude } of services) {
    const s = model.services[svc];
    if (s === undefined) continue;
    const sig = model.combine(svc, state, exclude);
    const excess = Math.max(0, sig.errorRate - s.baseErrorRate);
    ok *= 1 - Math.min(1, excess + s.baseErrorRate * s.baseErrorRate);
    worstLatency = Math.max(worstLatency, sig.latencyMs / s.sloLatencyMs);
  }
  return {
    failed: 1 - ok,
    abandoned: Math.min(
      DEFAULT_MAX_ABANDON,
      DEFAULT_ABANDON_PER_SLO_EXCESS * Math.max(0, worstLatency - 1),
    ),
  };
}

/**
 * journeyOutcomes gives each step's outcome for journey `ji` at time `t`:
 * what the services' true state does to it (stepOutcome) plus the customers
 * experience-only faults make give up at their step.
 */
export function journeyOutcomes(
  journey: SimJourney,
  ji: number,
  model: EstateModel,
  state: EstateState,
  faults: readonly ModelFault[],
  t: number,
): StepOutcome[] {
  return journey.steps.map((step, si) => {
    const o = stepOutcome(step.services, model, state);
    for (const f of faults) {
      if (f.kind !== "experience-only" || f.journeyIdx !== ji || f.stepIdx !== si) continue;
      const since = t - f.absStartMs;
      if (since < 0 || since >= f.durationMs) continue;
      // Those who gave up because it was slow cannot give up again.
      o.abandoned = 1 - (1 - o.abandoned) * (1 - f.severity);
    }
    o.abandoned = Math.min(o.abandoned, 1 - o.failed);
    return o;
  });
}

/** badShare is the share of a journey's customers who fail or give up at some step. */
export function badShare(outcomes: readonly StepOutcome[]): number {
  let good = 1;
  for (const o of outcomes) good *= 1 - Math.min(1, o.failed + o.abandoned);
  return 1 - good;
}

/** failedShare is the share of a journey's customers who fail at some step (give-ups left out). */
export function failedShare(outcomes: readonly StepOutcome[]): number {
  let ok = 1;
  for (const o of outcomes) ok *= 1 - Math.min(1, o.failed);
  return 1 - ok;
}

const CHANNELS = ["app", "web", "email", "support"] as const;
const COMPLAINTS = [
  "it kept failing",
  "error page, tried three times",
  "way too slow",
  "could not finish, gave up",
  "spinner forever",
] as const;
const PRAISE = ["quick and easy", "works great", ""] as const;

/** SimFeedback is one customer's answer, decided when its minute closes. */
export interface SimFeedback {
  score: number;
  channel: string;
  text: string;
}

/**
 * feedbackFor draws one NPS answer (0-10) for a journey in which `badShare` of
 * customers failed or abandoned: unhappy customers score 0-4, the rest follow
 * a typical mix of promoters, passives and detractors.
 */
export function feedbackFor(rng: Rng, badShare: number): SimFeedback {
  const channel = rng.pick(CHANNELS);
  if (rng.chance(Math.min(1, badShare * DEFAULT_FEEDBACK_SENSITIVITY))) {
    return { score: rng.int(5), channel, text: rng.pick(COMPLAINTS) };
  }
  const u = rng.next();
  if (u < 0.55) return { score: 9 + rng.int(2), channel, text: rng.pick(PRAISE) };
  if (u < 0.85) return { score: 7 + rng.int(2), channel, text: "" };
  return { score: rng.int(7), channel, text: "" };
}

/** feedbackPerMinute is the mean number of feedback answers per minute for a journey. */
export function feedbackPerMinute(journey: SimJourney): number {
  return Math.min(
    DEFAULT_MAX_FEEDBACK_PER_MIN,
    journey.customersPerMin * DEFAULT_FEEDBACK_RESPONSE_RATE,
  );
}
