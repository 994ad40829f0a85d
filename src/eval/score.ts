// Scoring one case: ground truth against what impactd produced. Every rule
// here is written up in docs/EVAL.md; the aggregate metrics are in
// aggregate.ts.
import type { Incident } from "../gen/impactd/v1/incident.js";
import { IncidentStatus } from "../gen/impactd/v1/incident.js";
import type { FaultKind, GroundTruth } from "../sim/faults.js";
import {
  type Detection,
  detections,
  groupIncidents,
  type IncidentGroup,
  rootCauseRank,
} from "./match.js";
import type { Observation } from "./observe.js";
import type { PredictionRecord } from "./predictions.js";

/** IMPACT_LAG_MS is how long after a minute the estimate for it is read (one journey report). */
export const IMPACT_LAG_MS = 60_000;
/** IMPACT_SETTLE_MS is how long after detection impact scoring starts. */
export const IMPACT_SETTLE_MS = 2 * 60_000;
/** MIN_SCORED_IMPACT is the least true impact (customer-minutes) worth scoring a fault's estimate on. */
export const MIN_SCORED_IMPACT = 1;
/** PREDICTION_HORIZON_MS is the longest lead a prediction may claim and still count as justified. */
export const PREDICTION_HORIZON_MS = 60 * 60_000;

/** CaseTruth is everything known for certain about a case. */
export interface CaseTruth {
  caseId: string;
  estate: string;
  kind: FaultKind;
  faults: GroundTruth[];
  /** FIRING alert notifications sent (repeats included, transport duplicates not). */
  alertsFiring: number;
  /** Times an alert started firing (repeats of a firing alert not counted). */
  alertEpisodes: number;
  /** Events the delivery put behind the watermark. */
  lateExpected: number;
  /** Extra copies the delivery sent. */
  duplicatesSent: number;
}

/** FaultScore is how impactd did on one fault. */
export interface FaultScore {
  kind: FaultKind;
  rootCause: string;
  rootKind: "service" | "journey";
  noise: boolean;
  detected: boolean;
  /** Id of the surviving incident that detected it first. */
  incident?: string;
  detectionLatencyMs?: number;
  /** Rank of the true root among candidates (service-rooted real faults only). */
  rank?: number;
  /** Whether the candidate for the root links the guilty deploy (deploy-regression only). */
  changeLinked?: boolean;
  /** Relative error of the customers-affected estimate (faults with customer impact). */
  impactError?: number;
  /** Customer-minutes the estimate was off by, and the true customer-minutes, summed over scored minutes. */
  impactDiff?: number;
  impactTruth?: number;
  /** The same against the customers who failed only (those who gave up left out of the truth). */
  impactErrorFailedOnly?: number;
  /** Seconds of warning before the breach (gradual-degradation with a breach). */
  leadTimeS?: number;
}

/** PredictionCounts summarise a case's predictions. */
export interface PredictionCounts {
  total: number;
  hit: number;
  falseAlarm: number;
  pending: number;
  /** Predictions no real fault's breach justifies (ground truth, not the core's verdict). */
  unjustified: number;
  /** Of those, predictions the core itself scored as hits. */
  unjustifiedHits: number;
}

/** CaseScore is the scored outcome of one case. */
export interface CaseScore {
  caseId: string;
  estate: string;
  kind: FaultKind;
  faults: FaultScore[];
  /** Surviving incidents (groups): what an SRE would have to look at. */
  incidents: number;
  /** Incidents explaining no injected fault at all. */
  spuriousIncidents: number;
  /** Incidents explaining only noise faults. */
  noiseIncidents: number;
  alertsFiring: number;
  alertEpisodes: number;
  predictions: PredictionCounts | null;
  lateExpected: number;
  lateCounted: number;
  duplicatesSent: number;
  duplicatesDropped: number;
  rejected: number;
  /** Faults an incident explains, how many went first to the root cause's owner, incidents never routed. */
  routingScored?: number;
  routingCorrect?: number;
  unrouted?: number;
}

/** scoreCase matches incidents to faults and scores each fault and the case. */
export function scoreCase(truth: CaseTruth, obs: Observation): CaseScore {
  const groups = groupIncidents(obs.versions, obs.final);
  const found = truth.faults.map((f) => detections(groups, f));
  const realRoots = (g: IncidentGroup, except: GroundTruth) =>
    new Set(
      truth.faults
        .filter((f, i) => f !== except && !f.noise && found[i]?.some((d) => d.group === g))
        .map((f) => f.rootCause),
    );
  const faults = truth.faults.map((f, i) =>
    scoreFault(f, found[i] ?? [], realRoots, truth.faults, obs.predictions),
  );
  let spurious = 0;
  let noisy = 0;
  for (const g of groups) {
    const explained = truth.faults.filter((_, i) => found[i]?.some((d) => d.group === g));
    if (explained.length === 0) spurious++;
    else if (explained.every((f) => f.noise)) noisy++;
  }
  return {
    caseId: truth.caseId,
    estate: truth.estate,
    kind: truth.kind,
    faults,
    incidents: groups.length,
    spuriousIncidents: spurious,
    noiseIncidents: noisy,
    alertsFiring: truth.alertsFiring,
    alertEpisodes: truth.alertEpisodes,
    predictions: obs.predictions === undefined ? null : countPredictions(obs.predictions, truth),
    lateExpected: truth.lateExpected,
    lateCounted: obs.late,
    duplicatesSent: truth.duplicatesSent,
    duplicatesDropped: obs.duplicates,
    rejected: Object.values(obs.rejected).reduce((a, b) => a + b, 0),
  };
}

function scoreFault(
  f: GroundTruth,
  found: readonly Detection[],
  realRoots: (g: IncidentGroup, except: GroundTruth) => Set<string>,
  all: readonly GroundTruth[],
  predictions: readonly PredictionRecord[] | undefined,
): FaultScore {
  const first = found[0];
  const s: FaultScore = {
    kind: f.kind,
    rootCause: f.rootCause,
    rootKind: f.rootKind,
    noise: f.noise,
    detected: first !== undefined,
  };
  if (first !== undefined) {
    s.incident = first.group.id;
    s.detectionLatencyMs = Math.max(0, first.atMs - f.startMs);
  }
  if (f.noise) return s;
  if (first !== undefined && f.rootKind === "service") {
    const rank = rootCauseRank(first.group, f, realRoots(first.group, f));
    if (rank !== undefined) s.rank = rank;
    if (f.changeEventId !== undefined) {
      const c = first.group.final.rootCauses.find((x) => x.service === f.rootCause);
      s.changeLinked = c?.change.includes(f.changeEventId) === true;
    }
  }
  const sums = impactSums(f, found, all);
  if (sums !== undefined) {
    s.impactError = sums.diff / sums.truth;
    s.impactDiff = sums.diff;
    s.impactTruth = sums.truth;
  }
  const failedOnly = impactError(f, found, all, "failed");
  if (failedOnly !== undefined) s.impactErrorFailedOnly = failedOnly;
  if (f.kind === "gradual-degradation" && predictions !== undefined) {
    const lead = leadTime(f, predictions);
    if (lead !== undefined) s.leadTimeS = lead;
  }
  return s;
}

/**
 * estimateAt is what the groups claimed for `journey` at event time `t`: per
 * incident its latest version at or before `t` (nothing once resolved or
 * merged), the largest claim over the incidents.
 */
export function estimateAt(groups: readonly IncidentGroup[], journey: string, t: number): number {
  let best = 0;
  for (const g of groups) {
    const latest = new Map<string, Incident>();
    for (const v of g.versions) {
      if (v.updatedUnixMs > t) continue;
      const seen = latest.get(v.id);
      if (seen === undefined || v.version >= seen.version) latest.set(v.id, v);
    }
    for (const v of latest.values()) {
      if (
        v.status === IncidentStatus.INCIDENT_STATUS_RESOLVED ||
        v.status === IncidentStatus.INCIDENT_STATUS_MERGED
      )
        continue;
      const j = v.journeys.find((x) => x.journey === journey);
      if (j !== undefined) best = Math.max(best, j.customersAffectedPerMin);
    }
  }
  return best;
}

/** ImpactTruth picks which customers count: all who failed or gave up, or those who failed. */
export type ImpactTruth = "all" | "failed";

// valueAt is a fault's true impact on a journey at `t` (the minute point at or before it).
function valueAt(f: GroundTruth, journey: string, t: number, which: ImpactTruth = "all"): number {
  if (t < f.startMs || t >= f.endMs) return 0;
  const series = f.impact.find((x) => x.journey === journey);
  let v = 0;
  for (const [at, all, failed] of series?.points ?? []) {
    if (at > t) break;
    v = which === "all" ? all : failed;
  }
  return v;
}

/**
 * impactError is sum |estimate - truth| / sum truth over the fault's minutes
 * from IMPACT_SETTLE_MS after detection to its end, over the journeys it hits
 * and those the detecting incidents claim, reading each estimate
 * IMPACT_LAG_MS after its minute, and skipping journey-minutes another real
 * fault also hits. A missed fault scores 1 (it estimated nothing). `which`
 * picks the truth compared with: everyone who failed or gave up (the
 * default), or only those who failed.
 */
export function impactSums(
  f: GroundTruth,
  found: readonly Detection[],
  all: readonly GroundTruth[],
  which: ImpactTruth = "all",
): { diff: number; truth: number } | undefined {
  if (f.noise || f.impact.length === 0) return undefined;
  const groups = found.map((d) => d.group);
  const from = found.length === 0 ? f.startMs : (found[0] as Detection).atMs + IMPACT_SETTLE_MS;
  const journeys = new Set(f.impact.map((x) => x.journey));
  for (const g of groups)
    for (const v of g.versions)
      for (const j of v.journeys) if (j.customersAffectedPerMin > 0) journeys.add(j.journey);
  const others = all.filter((o) => o !== f && !o.noise);
  let diff = 0;
  let total = 0;
  // Every series of a fault has the same minute points.
  const minutes = f.impact[0]?.points.map((p) => p[0]) ?? [];
  for (const t of minutes) {
    if (t < from || t + IMPACT_LAG_MS > f.endMs) continue;
    for (const j of journeys) {
      if (others.some((o) => valueAt(o, j, t) > 0)) continue;
      const truth = valueAt(f, j, t, which);
      diff += Math.abs(estimateAt(groups, j, t + IMPACT_LAG_MS) - truth);
      total += truth;
    }
  }
  return total < MIN_SCORED_IMPACT ? undefined : { diff, truth: total };
}

/** impactError is impactSums as one ratio: sum |estimate - truth| / sum truth. */
export function impactError(
  f: GroundTruth,
  found: readonly Detection[],
  all: readonly GroundTruth[],
  which: ImpactTruth = "all",
): number | undefined {
  const sums = impactSums(f, found, all, which);
  return sums === undefined ? undefined : sums.diff / sums.truth;
}

function targetBreach(f: GroundTruth, p: PredictionRecord): number | undefined {
  if (p.targetKind === "service") {
    return p.target === f.rootCause ? f.serviceBreachMs[p.target] : undefined;
  }
  return f.journeyBreachMs[p.target];
}

/**
 * leadTime is the warning a gradual fault got: the largest breach time minus
 * issue time over predictions issued after onset and before the breach of
 * their target (the root service, or a journey the fault breaches). No such
 * prediction scores 0; a fault that never breaches is not scored.
 */
export function leadTime(
  f: GroundTruth,
  predictions: readonly PredictionRecord[],
): number | undefined {
  const breaches = [
    ...(f.breachMs === undefined ? [] : [f.breachMs]),
    ...Object.values(f.journeyBreachMs),
  ];
  if (breaches.length === 0) return undefined;
  let best = 0;
  for (const p of predictions) {
    const breach = targetBreach(f, p);
    if (breach === undefined || p.issuedMs < f.startMs || p.issuedMs >= breach) continue;
    best = Math.max(best, (breach - p.issuedMs) / 1000);
  }
  return best;
}

// justified: some real fault breaches the prediction's target (any affected
// service, or a journey) within the horizon after the prediction was issued.
function justified(p: PredictionRecord, faults: readonly GroundTruth[]): boolean {
  return faults.some((f) => {
    if (f.noise || p.issuedMs < f.startMs) return false;
    const breach =
      p.targetKind === "service" ? f.serviceBreachMs[p.target] : f.journeyBreachMs[p.target];
    return (
      breach !== undefined && breach >= p.issuedMs && breach - p.issuedMs <= PREDICTION_HORIZON_MS
    );
  });
}

function countPredictions(ps: readonly PredictionRecord[], truth: CaseTruth): PredictionCounts {
  const c: PredictionCounts = {
    total: ps.length,
    hit: 0,
    falseAlarm: 0,
    pending: 0,
    unjustified: 0,
    unjustifiedHits: 0,
  };
  for (const p of ps) {
    if (p.outcome === "hit") c.hit++;
    else if (p.outcome === "false_alarm") c.falseAlarm++;
    else c.pending++;
    if (!justified(p, truth.faults)) {
      c.unjustified++;
      if (p.outcome === "hit") c.unjustifiedHits++;
    }
  }
  return c;
}
