// Routing accuracy against ground truth: for each injected fault, was the
// incident that explains it routed first to the team that owns the true root
// cause? "First" is when the first notification goes out: the core pages
// tier 1 the moment it routes, but nobody hears of an incident before its
// group wait ends, and a symptom detected before its cause is often
// re-routed to the cause's owner within seconds. Pure functions, so
// `impactd eval` and tests score the same way.
import { type Incident, IncidentStatus } from "../gen/impactd/v1/incident.js";
import type { Topology } from "../gen/impactd/v1/topology.js";
import { DEFAULT_GROUP_WAIT_MS } from "./options.js";

/** RoutingTruth is one fault's true root cause and the team that owns it. */
export interface RoutingTruth {
  rootCause: string;
  ownerTeam: string;
}

/** RoutingCase is how one fault was routed. */
export interface RoutingCase extends RoutingTruth {
  /** The incident that explains the fault, or undefined when none does. */
  incident: string | undefined;
  /** The team routed to when the first notification went out ("" = nobody), the first team paged at all, and the team at the end. */
  firstTeam: string;
  firstPageTeam: string;
  finalTeam: string;
  /** firstTeam is the owner. */
  correct: boolean;
}

/** RoutingReport is routing accuracy with its details. */
export interface RoutingReport {
  /** Share of matched faults whose incident was routed to the owner of the root cause when first notified (NaN with none matched). */
  accuracy: number;
  /** The same for the first team paged by the core, before the group wait. */
  firstPageAccuracy: number;
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

/**
 * firstTeam is the team an incident was routed to when its first
 * notification went out: the last routing (a tier 1 page) at or before the
 * end of its group wait, else its first routing after it, else its team.
 */
export function firstTeam(inc: Incident, groupWaitMs: number = DEFAULT_GROUP_WAIT_MS): string {
  const due = inc.openedUnixMs + groupWaitMs;
  const routings = inc.pages.filter((p) => p.tier === 0);
  return (
    routings.filter((p) => p.atUnixMs <= due).at(-1)?.team ??
    routings[0]?.team ??
    inc.pages[0]?.team ??
    inc.team
  );
}

/** ownerOf is the team owning a service in a topology ("" when none). */
export function ownerOf(topology: Topology, service: string): string {
  const s = topology.services.find((x) => x.name === service);
  if (s !== undefined && s.team !== "") return s.team;
  return topology.teams.find((t) => t.services.includes(service))?.name ?? "";
}

// Failing services first: an experience incident merely suspects services.
const holds = (inc: Incident, rootCause: string) => inc.services.includes(rootCause);
const suspects = (inc: Incident, rootCause: string) =>
  inc.rootCauses.some((c) => c.service === rootCause);

// An experience-only fault's root is a journey.
function feels(inc: Incident, journey: string): boolean {
  return (
    inc.experience.some((e) => e.journey === journey) ||
    inc.journeys.some((j) => j.journey === journey && j.customersAffectedPerMin > 0)
  );
}

// The incident that explains a fault: one holding the root among its
// services, else naming it a candidate, else (experience faults) feeling its
// journey; among those a surviving incident before one merged away, the
// earliest opened first.
function match(incidents: readonly Incident[], rootCause: string): Incident | undefined {
  const live = (i: Incident) => i.status !== IncidentStatus.INCIDENT_STATUS_MERGED;
  const byOpening = (a: Incident, b: Incident) =>
    a.openedUnixMs - b.openedUnixMs || (a.id < b.id ? -1 : 1);
  for (const test of [holds, suspects, feels]) {
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
  groupWaitMs: number = DEFAULT_GROUP_WAIT_MS,
): RoutingReport {
  const cases: RoutingCase[] = truth.map((t) => {
    const inc = match(incidents, t.rootCause);
    const first = inc === undefined ? "" : firstTeam(inc, groupWaitMs);
    return {
      ...t,
      incident: inc?.id,
      firstTeam: first,
      firstPageTeam: inc === undefined ? "" : (inc.pages[0]?.team ?? inc.team),
      finalTeam: inc?.team ?? "",
      correct: inc !== undefined && first !== "" && first === t.ownerTeam,
    };
  });
  const scored = cases.filter((c) => c.incident !== undefined);
  const share = (ok: (c: RoutingCase) => boolean) =>
    scored.length === 0 ? Number.NaN : scored.filter(ok).length / scored.length;
  const owns = (team: string, c: RoutingCase) => team !== "" && team === c.ownerTeam;
  return {
    accuracy: share((c) => c.correct),
    firstPageAccuracy: share((c) => owns(c.firstPageTeam, c)),
    finalAccuracy: share((c) => owns(c.finalTeam, c)),
    scored: scored.length,
    correct: scored.filter((c) => c.correct).length,
    unmatched: cases.length - scored.length,
    unrouted: incidents
      .filter(
        (i) =>
          i.status !== IncidentStatus.INCIDENT_STATUS_MERGED && firstTeam(i, groupWaitMs) === "",
      )
      .map((i) => i.id),
    cases,
  };
}

/**
 * routingAccuracy is the share of faults whose incident was routed to the
 * team owning the true root cause when it was first notified, over the faults
 * some incident explains (NaN when none does).
 */
export function routingAccuracy(
  truth: readonly RoutingTruth[],
  incidents: readonly Incident[],
  groupWaitMs: number = DEFAULT_GROUP_WAIT_MS,
): number {
  return routingReport(truth, incidents, groupWaitMs).accuracy;
}
