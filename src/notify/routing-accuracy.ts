// Routing accuracy against ground truth: for each injected fault, was the
// incident that explains it routed first to the team that owns the true root
// cause? Pure functions, so `impactd eval` and tests score the same way.
import { type Incident, IncidentStatus } from "../gen/impactd/v1/incident.js";
import type { Topology } from "../gen/impactd/v1/topology.js";

/** RoutingTruth is one fault's true root cause and the team that owns it. */
export interface RoutingTruth {
  rootCause: string;
  ownerTeam: string;
}

/** RoutingCase is how one fault was routed. */
export interface RoutingCase extends RoutingTruth {
  /** The incident that explains the fault, or undefined when none does. */
  incident: string | undefined;
  /** The team first routed to ("" = nobody) and the team at the end. */
  firstTeam: string;
  finalTeam: string;
  /** firstTeam is the owner. */
  correct: boolean;
}

/** RoutingReport is routing accuracy with its details. */
export interface RoutingReport {
  /** Share of matched faults routed first to the owner of the root cause (NaN with none matched). */
  accuracy: number;
  /** The same for the team the incident ended with. */
  finalAccuracy: number;
  /** Faults an incident explains (the denominator). */
  scored: number;
  correct: number;
  /** Faults no incident explains (scored by detection, not here). */
  unmatched: number;
  /** Ids of incidents (merged ones aside) never routed to any team. */
  unrouted: string[];
  cases: RoutingCase[];
}

/** firstTeam is the first team an incident was routed to: the team of its first page, else its team. */
export function firstTeam(inc: Incident): string {
  return inc.pages[0]?.team ?? inc.team;
}

/** ownerOf is the team owning a service in a topology ("" when none). */
export function ownerOf(topology: Topology, service: string): string {
  const s = topology.services.find((x) => x.name === service);
  if (s !== undefined && s.team !== "") return s.team;
  return topology.teams.find((t) => t.services.includes(service))?.name ?? "";
}

function explains(inc: Incident, rootCause: string): boolean {
  return inc.services.includes(rootCause) || inc.rootCauses.some((c) => c.service === rootCause);
}

// An experience-only fault's root is a journey.
function feels(inc: Incident, journey: string): boolean {
  return (
    inc.experience.some((e) => e.journey === journey) ||
    inc.journeys.some((j) => j.journey === journey && j.customersAffectedPerMin > 0)
  );
}

// The incident that explains a fault: a surviving incident holding the root
// (else one merged away), the earliest opened; journeys only when no service matches.
function match(incidents: readonly Incident[], rootCause: string): Incident | undefined {
  const live = (i: Incident) => i.status !== IncidentStatus.INCIDENT_STATUS_MERGED;
  const byOpening = (a: Incident, b: Incident) =>
    a.openedUnixMs - b.openedUnixMs || (a.id < b.id ? -1 : 1);
  for (const test of [explains, feels]) {
    const hits = incidents.filter((i) => test(i, rootCause)).sort(byOpening);
    const found = hits.find(live) ?? hits[0];
    if (found !== undefined) return found;
  }
  return undefined;
}

/** routingReport scores routing of `incidents` against `truth`, fault by fault. */
export function routingReport(
  truth: readonly RoutingTruth[],
  incidents: readonly Incident[],
): RoutingReport {
  const cases: RoutingCase[] = truth.map((t) => {
    const inc = match(incidents, t.rootCause);
    const first = inc === undefined ? "" : firstTeam(inc);
    return {
      ...t,
      incident: inc?.id,
      firstTeam: first,
      finalTeam: inc?.team ?? "",
      correct: inc !== undefined && first !== "" && first === t.ownerTeam,
    };
  });
  const scored = cases.filter((c) => c.incident !== undefined);
  const correct = scored.filter((c) => c.correct).length;
  const finalCorrect = scored.filter(
    (c) => c.finalTeam !== "" && c.finalTeam === c.ownerTeam,
  ).length;
  return {
    accuracy: scored.length === 0 ? Number.NaN : correct / scored.length,
    finalAccuracy: scored.length === 0 ? Number.NaN : finalCorrect / scored.length,
    scored: scored.length,
    correct,
    unmatched: cases.length - scored.length,
    unrouted: incidents
      .filter((i) => i.status !== IncidentStatus.INCIDENT_STATUS_MERGED && firstTeam(i) === "")
      .map((i) => i.id),
    cases,
  };
}

/**
 * routingAccuracy is the share of faults whose incident was routed first to
 * the team owning the true root cause, over the faults some incident
 * explains (NaN when none does).
 */
export function routingAccuracy(
  truth: readonly RoutingTruth[],
  incidents: readonly Incident[],
): number {
  return routingReport(truth, incidents).accuracy;
}
