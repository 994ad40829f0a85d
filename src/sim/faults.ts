// Fault specifications the simulator injects, the ground truth it reports for
// them, and what each fault does to its own service's signals over time.
// Propagation to other services lives in model.ts: a fault here only says how
// the root service itself misbehaves.
import { InvalidArgumentError } from "../errors.js";
import { DEFAULT_ABANDON_PER_SLO_EXCESS } from "./journeys.js";

/** FaultKind names the failure patterns the simulator can inject. */
export type FaultKind =
  | "hard-failure"
  | "cascade"
  | "deploy-regression"
  | "gradual-degradation"
  | "flapping"
  | "noisy-alert"
  | "feedback-drop"
  | "experience-only";

/** FAULT_KINDS lists every FaultKind, for validation and for random scenarios. */
export const FAULT_KINDS: readonly FaultKind[] = [
  "hard-failure",
  "cascade",
  "deploy-regression",
  "gradual-degradation",
  "flapping",
  "noisy-alert",
  "feedback-drop",
  "experience-only",
];

/** Fault is one injected failure, timed relative to the simulation start. */
export interface Fault {
  kind: FaultKind;
  /**
   * The root-cause service; must exist in the topology. Empty for
   * experience-only faults, which have no backend cause.
   */
  service: string;
  /** experience-only: the journey whose customers give up. */
  journey?: string;
  /** experience-only: the step they give up at. @default the journey's last step */
  step?: string;
  /** Onset, in ms after the simulation start. */
  startMs: number;
  durationMs: number;
  /**
   * Peak fault-induced error rate of the root service, in (0, 1]. Ignored by
   * flapping and noisy-alert. For feedback-drop and experience-only it is the
   * share of a step's customers who give up at the peak. @default 1 for
   * hard-failure and cascade, a seeded draw in [0.15, 0.3) for
   * deploy-regression, twice the service's error-rate SLO for
   * gradual-degradation, a seeded draw in [0.15, 0.35) for feedback-drop and
   * experience-only.
   */
  severity?: number;
}

/**
 * ImpactPoint is the true customers affected per minute of one journey at
 * one instant: all of them (failed or gave up), and those who failed.
 */
export type ImpactPoint = [tsUnixMs: number, customersPerMin: number, failedPerMin: number];

/** JourneyImpactTruth is one journey's true impact over a fault, a point a minute. */
export interface JourneyImpactTruth {
  journey: string;
  /**
   * Customers per minute who fail or give up because of this fault alone
   * (expected value: bad share with the fault minus bad share without it,
   * times the journey's traffic), at each minute from onset to end.
   */
  points: ImpactPoint[];
}

/** GroundTruth is what really happened for one fault, for scoring impactd. */
export interface GroundTruth {
  kind: FaultKind;
  /** The root cause: a service, or a journey for experience-only faults. */
  rootCause: string;
  /** What rootCause names. */
  rootKind: "service" | "journey";
  /** Fault onset, absolute event time (ms since the epoch). */
  startMs: number;
  /** Fault end, absolute event time; may lie past the simulation end. */
  endMs: number;
  /** Services whose signals go bad because of this fault, root cause first. */
  affected: string[];
  /**
   * True when the fault is noise (a flaky probe, an unrelated alert) that
   * should not become a customer-impacting incident.
   */
  noise: boolean;
  /**
   * First moment the root service breaches its SLO (absolute), for scoring
   * prediction lead time; undefined for noise or when it never breaches.
   */
  breachMs?: number;
  /** First SLO breach of each service this fault alone breaches (absolute ms). */
  serviceBreachMs: Record<string, number>;
  /**
   * First moment each journey's true success ratio falls below its SLO
   * target because of this fault alone (absolute ms).
   */
  journeyBreachMs: Record<string, number>;
  /** Journeys that lose customers because of this fault, most hit first. */
  journeys: string[];
  /** True customers affected per minute, per journey, over the fault. */
  impact: JourneyImpactTruth[];
  /** deploy-regression: the id of the deploy event that brought the bad version. */
  changeEventId?: string;
}

/** DEFAULT_DOWN_LATENCY_FACTOR multiplies the p99 of a service that is down (timeouts). */
export const DEFAULT_DOWN_LATENCY_FACTOR = 4;
/** DEFAULT_REGRESSION_RAMP_MS is how long a bad deploy takes to reach full effect. */
export const DEFAULT_REGRESSION_RAMP_MS = 3 * 60_000; // traffic shifts to the new version
/** DEFAULT_REGRESSION_LATENCY_FACTOR is the p99 multiplier a bad deploy reaches. */
export const DEFAULT_REGRESSION_LATENCY_FACTOR = 3;
/** DEFAULT_REGRESSION_SEVERITY_RANGE bounds the drawn peak error rate of a bad deploy. */
export const DEFAULT_REGRESSION_SEVERITY_RANGE: readonly [number, number] = [0.15, 0.3];
/** DEFAULT_GRADUAL_SLO_MULTIPLE is the peak of a gradual degradation, as a multiple of its SLO. */
export const DEFAULT_GRADUAL_SLO_MULTIPLE = 2; // breaches about half way through the fault
/** DEFAULT_ABANDON_SEVERITY_RANGE bounds the drawn give-up share of feedback-drop and experience-only faults. */
export const DEFAULT_ABANDON_SEVERITY_RANGE: readonly [number, number] = [0.15, 0.35];
/** DEFAULT_SLOWDOWN_RAMP_MS is how long a feedback-drop slowdown takes to reach full effect. */
export const DEFAULT_SLOWDOWN_RAMP_MS = 2 * 60_000;

/** FaultTarget is what a fault needs to know about its service to scale its effect. */
export interface FaultTarget {
  baseLatencyMs: number;
  sloErrorRate: number;
  sloLatencyMs: number;
}

/** FaultEffect is a fault's effect on its own service at one instant. */
export interface FaultEffect {
  /** Fault-induced error rate, combined with the baseline by the model. */
  errorRate: number;
  /** Multiplier on the service's baseline p99 latency. */
  latencyFactor: number;
  /** True when the service is down outright (health DOWN whatever the numbers). */
  down: boolean;
}

/** isExperienceOnly reports whether faults of `kind` have no backend cause at all. */
export function isExperienceOnly(kind: FaultKind): boolean {
  return kind === "experience-only";
}

/** isNoise reports whether faults of `kind` should not open an incident. */
export function isNoise(kind: FaultKind): boolean {
  return kind === "flapping" || kind === "noisy-alert";
}

/**
 * faultEffect returns the effect of `fault` (with its severity resolved) on
 * its service `sinceStartMs` after onset, or undefined when it does not touch
 * the service's metrics at that instant.
 */
export function faultEffect(
  fault: Fault & { severity: number },
  sinceStartMs: number,
  target: FaultTarget,
): FaultEffect | undefined {
  if (sinceStartMs < 0 || sinceStartMs >= fault.durationMs) return undefined;
  switch (fault.kind) {
    case "hard-failure":
    case "cascade":
      // Same effect on the root: a cascade differs in where impactd must look
      // (dependents light up first in alerts), not in what the root does.
      return {
        errorRate: fault.severity,
        latencyFactor: DEFAULT_DOWN_LATENCY_FACTOR,
        down: fault.severity >= 0.5,
      };
    case "deploy-regression": {
      const ramp = Math.min(
        1,
        sinceStartMs / Math.min(DEFAULT_REGRESSION_RAMP_MS, fault.durationMs / 2),
      );
      return {
        errorRate: fault.severity * ramp,
        latencyFactor: 1 + (DEFAULT_REGRESSION_LATENCY_FACTOR - 1) * ramp,
        down: false,
      };
    }
    case "gradual-degradation": {
      const k = sinceStartMs / fault.durationMs;
      // Latency heads for 1.5x the SLO, so it breaches a little after half way.
      const peakFactor = Math.max(1, (1.5 * target.sloLatencyMs) / target.baseLatencyMs);
      return {
        errorRate: fault.severity * k,
        latencyFactor: 1 + (peakFactor - 1) * k,
        down: false,
      };
    }
    case "feedback-drop": {
      // Slow, not failing: p99 climbs until `severity` of a step's customers
      // give up; errors stay at baseline, so no error alert fires.
      const ramp = Math.min(
        1,
        sinceStartMs / Math.min(DEFAULT_SLOWDOWN_RAMP_MS, fault.durationMs / 2),
      );
      const peakLatency =
        target.sloLatencyMs * (1 + fault.severity / DEFAULT_ABANDON_PER_SLO_EXCESS);
      const peakFactor = Math.max(1, peakLatency / target.baseLatencyMs);
      return { errorRate: 0, latencyFactor: 1 + (peakFactor - 1) * ramp, down: false };
    }
    case "flapping":
    case "noisy-alert":
    case "experience-only":
      // Metrics stay normal: noise by design, or a front-end bug no backend sees.
      return undefined;
  }
}

/** defaultSeverity is the severity a fault gets when it does not set one. */
export function defaultSeverity(
  kind: FaultKind,
  target: FaultTarget | undefined,
  draw: () => number,
): number {
  switch (kind) {
    case "hard-failure":
    case "cascade":
      return 1;
    case "deploy-regression": {
      const [lo, hi] = DEFAULT_REGRESSION_SEVERITY_RANGE;
      return lo + (hi - lo) * draw();
    }
    case "gradual-degradation":
      return Math.min(1, DEFAULT_GRADUAL_SLO_MULTIPLE * (target?.sloErrorRate ?? 0.5));
    case "feedback-drop":
    case "experience-only": {
      const [lo, hi] = DEFAULT_ABANDON_SEVERITY_RANGE;
      return lo + (hi - lo) * draw();
    }
    case "flapping":
    case "noisy-alert":
      return 0;
  }
}

/**
 * validateFault throws InvalidArgumentError naming the bad field of `fault`
 * (index `at` in the list) for a simulation lasting `simDurationMs`.
 */
export function validateFault(fault: Fault, at: number, simDurationMs: number): void {
  const where = `faults[${at}]`;
  if (!FAULT_KINDS.includes(fault.kind)) {
    throw new InvalidArgumentError(
      `${where}.kind ${JSON.stringify(fault.kind)} is not a FaultKind`,
    );
  }
  if (isExperienceOnly(fault.kind)) {
    if (typeof fault.journey !== "string" || fault.journey === "") {
      throw new InvalidArgumentError(`${where}.journey is empty (experience-only names a journey)`);
    }
    if (fault.service !== "") {
      throw new InvalidArgumentError(
        `${where}.service must be empty: experience-only faults have no backend cause`,
      );
    }
  } else if (typeof fault.service !== "string" || fault.service === "") {
    throw new InvalidArgumentError(`${where}.service is empty`);
  }
  if (!Number.isSafeInteger(fault.startMs) || fault.startMs < 0 || fault.startMs >= simDurationMs) {
    throw new InvalidArgumentError(
      `${where}.startMs ${fault.startMs} must be an integer in [0, ${simDurationMs}) (inside the simulation)`,
    );
  }
  if (!Number.isSafeInteger(fault.durationMs) || fault.durationMs <= 0) {
    throw new InvalidArgumentError(
      `${where}.durationMs ${fault.durationMs} must be a positive integer`,
    );
  }
  const sev = fault.severity;
  if (sev !== undefined && !(Number.isFinite(sev) && sev > 0 && sev <= 1)) {
    throw new InvalidArgumentError(`${where}.severity ${sev} must be in (0, 1]`);
  }
}
