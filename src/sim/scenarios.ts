// Ready-made fault scenarios. Times are fractions of the run, so a scenario
// keeps its shape at any duration (the fractions below read as minutes of a
// 30-minute demo).

import { InvalidArgumentError } from "../errors.js";
import type { Topology } from "../gen/impactd/v1/topology.js";
import type { Fault, FaultKind } from "./faults.js";

/** DEMO_DURATION_MS is the run length the demo scenario is laid out for. */
export const DEMO_DURATION_MS = 30 * 60_000;

// [kind, service, start minute, duration minutes] on the 30-minute layout.
const DEMO_LAYOUT: readonly [FaultKind, string, number, number][] = [
  ["cascade", "payments-db", 5, 6],
  ["deploy-regression", "search", 12, 8],
  // While the regression runs, on a service unconnected to search: must not join its incident.
  ["noisy-alert", "notifications", 16, 3],
  ["flapping", "recommendations", 20, 5],
];

/**
 * demoScenario returns the `impactd demo` faults for the shop estate scaled to
 * `durationMs`: a payments-db cascade, a bad search deploy, a noisy alert on
 * notifications and a flapping recommendations probe. With a topology, faults
 * on services it lacks are left out.
 */
export function demoScenario(durationMs: number, topology?: Topology): Fault[] {
  if (!Number.isSafeInteger(durationMs) || durationMs <= 0) {
    throw new InvalidArgumentError(
      `demoScenario: durationMs must be a positive integer, got ${durationMs}`,
    );
  }
  const known = topology === undefined ? undefined : new Set(topology.services.map((s) => s.name));
  const scale = durationMs / DEMO_DURATION_MS;
  return DEMO_LAYOUT.filter(([, service]) => known === undefined || known.has(service)).map(
    ([kind, service, startMin, lengthMin]) => {
      const startMs = Math.min(durationMs - 1, Math.round(startMin * 60_000 * scale));
      return {
        kind,
        service,
        startMs,
        durationMs: Math.max(
          1,
          Math.min(durationMs - startMs, Math.round(lengthMin * 60_000 * scale)),
        ),
      };
    },
  );
}
