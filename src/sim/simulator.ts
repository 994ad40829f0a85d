// The seeded scenario simulator: given a topology and injected faults it
// streams the events an estate's monitoring would send (metrics, probes,
// Prometheus alerts, deploys, journey counts, feedback) and reports the
// ground truth impactd is scored against. Same seed, same events.

import { InvalidArgumentError } from "../errors.js";
import type { Event } from "../gen/impactd/v1/event.js";
import type { Topology } from "../gen/impactd/v1/topology.js";
import {
  defaultSeverity,
  type Fault,
  type GroundTruth,
  isExperienceOnly,
  validateFault,
} from "./faults.js";
import { resolveJourneys, type SimJourney } from "./journeys.js";
import { EstateModel, type ModelFault } from "./model.js";
import { Rng } from "./rng.js";
import { type SimConfig, SimRun } from "./run.js";
import { computeGroundTruth } from "./truth.js";

/** DEFAULT_METRIC_INTERVAL_MS is how often each service reports its metrics. */
export const DEFAULT_METRIC_INTERVAL_MS = 10_000; // a typical Prometheus scrape interval
/** DEFAULT_HEALTH_INTERVAL_MS is how often each service is probed. */
export const DEFAULT_HEALTH_INTERVAL_MS = 30_000;
/** DEFAULT_SIM_TENANT is the tenant simulated events belong to. */
export const DEFAULT_SIM_TENANT = "default";
/** DEFAULT_SIM_SOURCE is the `source` of simulated events. */
export const DEFAULT_SIM_SOURCE = "simulator";
/** DEFAULT_ROUTINE_DEPLOYS_PER_SERVICE_PER_DAY is the rate of harmless deploys. */
export const DEFAULT_ROUTINE_DEPLOYS_PER_SERVICE_PER_DAY = 3; // about 4 an hour for 33 services

/** SimulatorOptions configure one simulation. */
export interface SimulatorOptions {
  /** Seed of every random draw; the same seed replays the same events. */
  seed: number;
  /** Event time of the simulation start, ms since the epoch. */
  startMs: number;
  /** Simulated time span, ms; events have tsUnixMs in [startMs, startMs + durationMs). */
  durationMs: number;
  /** Faults to inject; each service must be in the topology. */
  faults: readonly Fault[];
  /** @default DEFAULT_SIM_TENANT */
  tenant?: string;
  /** @default DEFAULT_SIM_SOURCE */
  source?: string;
  /** @default DEFAULT_METRIC_INTERVAL_MS */
  metricIntervalMs?: number;
  /** @default DEFAULT_HEALTH_INTERVAL_MS */
  healthIntervalMs?: number;
  /** Harmless deploys per service per day (0 for none). @default DEFAULT_ROUTINE_DEPLOYS_PER_SERVICE_PER_DAY */
  routineDeploysPerServicePerDay?: number;
  /** Send each service's request rate (METRIC_KIND_THROUGHPUT) with its metrics. @default false */
  throughput?: boolean;
}

/** Simulator generates a seeded event stream for a topology with injected faults. */
export class Simulator {
  private readonly cfg: SimConfig;

  constructor(topology: Topology, opts: SimulatorOptions) {
    const { seed, startMs, durationMs } = opts;
    if (!Number.isSafeInteger(seed)) {
      throw new InvalidArgumentError(`simulator: seed must be a safe integer, got ${seed}`);
    }
    if (!Number.isSafeInteger(startMs) || startMs <= 0) {
      throw new InvalidArgumentError(
        `simulator: startMs must be a positive integer of ms, got ${startMs}`,
      );
    }
    if (!Number.isSafeInteger(durationMs) || durationMs < 0) {
      throw new InvalidArgumentError(
        `simulator: durationMs must be a non-negative integer, got ${durationMs}`,
      );
    }
    const metricIntervalMs = positiveInt(
      "metricIntervalMs",
      opts.metricIntervalMs,
      DEFAULT_METRIC_INTERVAL_MS,
    );
    const healthIntervalMs = positiveInt(
      "healthIntervalMs",
      opts.healthIntervalMs,
      DEFAULT_HEALTH_INTERVAL_MS,
    );
    const deploys =
      opts.routineDeploysPerServicePerDay ?? DEFAULT_ROUTINE_DEPLOYS_PER_SERVICE_PER_DAY;
    if (!(Number.isFinite(deploys) && deploys >= 0)) {
      throw new InvalidArgumentError(
        `simulator: routineDeploysPerServicePerDay must be a non-negative number, got ${deploys}`,
      );
    }
    const tenant = opts.tenant ?? DEFAULT_SIM_TENANT;
    if (tenant === "") throw new InvalidArgumentError("simulator: tenant is empty");

    const root = new Rng(seed);
    const model = new EstateModel(topology, root.fork("estate"));
    const severities = root.fork("severity");
    const journeys = resolveJourneys(topology, model);
    const faults = opts.faults.map((f, i): ModelFault => {
      validateFault(f, i, durationMs);
      if (isExperienceOnly(f.kind)) return experienceFault(f, i, journeys, startMs, severities);
      const svc = model.indexOf(f.service);
      if (svc === undefined) {
        throw new InvalidArgumentError(
          `simulator: faults[${i}].service ${JSON.stringify(f.service)} is not in the topology`,
        );
      }
      const target = model.services[svc];
      const severity = f.severity ?? defaultSeverity(f.kind, target, () => severities.next());
      return {
        ...f,
        severity,
        svc,
        absStartMs: startMs + f.startMs,
        journeyIdx: -1,
        stepIdx: -1,
      };
    });
    this.cfg = {
      seed,
      startMs,
      durationMs,
      tenant,
      source: opts.source ?? DEFAULT_SIM_SOURCE,
      metricIntervalMs,
      healthIntervalMs,
      routineDeploysPerServicePerDay: deploys,
      model,
      faults,
      journeys,
      throughput: opts.throughput ?? false,
    };
  }

  /**
   * events yields the simulation's events lazily in non-decreasing event time;
   * every call replays the same sequence from the start.
   */
  *events(): Generator<Event> {
    yield* new SimRun(this.cfg).events();
  }

  /** groundTruth lists each injected fault with its root cause and footprint. */
  groundTruth(): GroundTruth[] {
    return computeGroundTruth(this.cfg);
  }
}

// experienceFault resolves an experience-only fault's journey and step.
function experienceFault(
  f: Fault,
  i: number,
  journeys: readonly SimJourney[],
  startMs: number,
  severities: Rng,
): ModelFault {
  const journeyIdx = journeys.findIndex((j) => j.name === f.journey);
  const journey = journeys[journeyIdx];
  if (journey === undefined) {
    throw new InvalidArgumentError(
      `simulator: faults[${i}].journey ${JSON.stringify(f.journey)} is not in the topology`,
    );
  }
  const stepIdx =
    f.step === undefined
      ? journey.steps.length - 1
      : journey.steps.findIndex((s) => s.name === f.step);
  if (stepIdx < 0) {
    throw new InvalidArgumentError(
      `simulator: faults[${i}].step ${JSON.stringify(f.step)} is not a step of journey ${journey.name}`,
    );
  }
  const severity = f.severity ?? defaultSeverity(f.kind, undefined, () => severities.next());
  return { ...f, severity, svc: -1, absStartMs: startMs + f.startMs, journeyIdx, stepIdx };
}

function positiveInt(key: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new InvalidArgumentError(`simulator: ${key} must be a positive integer of ms, got ${v}`);
  }
  return v;
}
