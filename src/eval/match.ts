// Which incident explains which fault. The rules (docs/EVAL.md, "Matching"):
//
// 1. Incidents merged into another (status MERGED, mergedInto) form one
//    group with the incident they were merged into, following chains to the
//    surviving incident. A group is what an SRE ends up with: one incident.
// 2. A group explains a fault when, at some published version with event
//    time in [fault start, fault end + DETECTION_GRACE_MS], one of its
//    incidents lists the fault's root service among its services (for an
//    experience-only fault: its journey among the incident's journeys with
//    customers affected above zero; merely listing every journey a member
//    service serves is not a claim of impact).
// 3. The fault's detection time is the earliest such version's time, or the
//    incident's opening time when the root was there from its first version
//    and it opened after the fault began.
import { type Incident, IncidentStatus } from "../gen/impactd/v1/incident.js";
import type { GroundTruth } from "../sim/faults.js";

/** DETECTION_GRACE_MS is how long after a fault ends an incident may still show it. */
export const DETECTION_GRACE_MS = 5 * 60_000; // smoothing delays recovery as well as onset

/** IncidentGroup is one surviving incident with every incident merged into it. */
export interface IncidentGroup {
  /** Id of the surviving incident. */
  id: string;
  /** Ids of every incident in the group, the survivor included. */
  members: string[];
  /** Earliest opening among the members. */
  openedMs: number;
  /** Every published version of every member, in publication order. */
  versions: Incident[];
  /** Latest version of the surviving incident. */
  final: Incident;
}

/** Detection says which group found a fault, and when. */
export interface Detection {
  group: IncidentGroup;
  atMs: number;
}

/**
 * groupIncidents folds published versions (and, optionally, the final list,
 * which may hold versions the watcher did not see) into groups.
 */
export function groupIncidents(
  versions: readonly Incident[],
  final: readonly Incident[] = [],
): IncidentGroup[] {
  const latest = new Map<string, Incident>();
  const history = new Map<string, Incident[]>();
  for (const v of [...versions, ...final]) {
    const seen = latest.get(v.id);
    if (seen === undefined || v.version >= seen.version) latest.set(v.id, v);
  }
  for (const v of versions) {
    const list = history.get(v.id) ?? [];
    list.push(v);
    history.set(v.id, list);
  }
  for (const v of final) if (!history.has(v.id)) history.set(v.id, [v]);
  const survivor = (id: string): string => {
    const path = new Set<string>();
    let at = id;
    for (;;) {
      const inc = latest.get(at);
      if (inc === undefined || inc.status !== IncidentStatus.INCIDENT_STATUS_MERGED) return at;
      if (inc.mergedInto === "" || !latest.has(inc.mergedInto) || path.has(at)) return at;
      path.add(at);
      at = inc.mergedInto;
    }
  };
  const groups = new Map<string, IncidentGroup>();
  const order = [...latest.keys()];
  for (const id of order) {
    const root = survivor(id);
    let g = groups.get(root);
    if (g === undefined) {
      g = {
        id: root,
        members: [],
        openedMs: Number.POSITIVE_INFINITY,
        versions: [],
        final: latest.get(root) as Incident,
      };
      groups.set(root, g);
    }
    g.members.push(id);
    g.openedMs = Math.min(g.openedMs, (latest.get(id) as Incident).openedUnixMs);
  }
  // Versions in publication order across members.
  versions.forEach((v) => {
    groups.get(survivor(v.id))?.versions.push(v);
  });
  for (const g of groups.values()) {
    if (g.versions.length === 0) g.versions.push(g.final);
  }
  return [...groups.values()].sort((a, b) => a.openedMs - b.openedMs || (a.id < b.id ? -1 : 1));
}

function shows(v: Incident, f: GroundTruth): boolean {
  return f.rootKind === "journey"
    ? v.journeys.some((j) => j.journey === f.rootCause && j.customersAffectedPerMin > 0)
    : v.services.includes(f.rootCause);
}

/** detectionTime is when `g` first showed fault `f` inside its window, or undefined. */
export function detectionTime(g: IncidentGroup, f: GroundTruth): number | undefined {
  const until = f.endMs + DETECTION_GRACE_MS;
  const firstVersion = new Map<string, Incident>();
  let best: number | undefined;
  for (const v of g.versions) {
    if (!firstVersion.has(v.id)) firstVersion.set(v.id, v);
    const t = v.updatedUnixMs;
    if (t < f.startMs || t > until || !shows(v, f)) continue;
    const first = firstVersion.get(v.id) as Incident;
    // Root there from the start: the opening is the detection.
    const at = shows(first, f) && v.openedUnixMs >= f.startMs ? Math.min(t, v.openedUnixMs) : t;
    if (best === undefined || at < best) best = at;
  }
  return best;
}

/** detections lists every group that explains `f`, earliest first. */
export function detections(groups: readonly IncidentGroup[], f: GroundTruth): Detection[] {
  const out: Detection[] = [];
  for (const group of groups) {
    const atMs = detectionTime(group, f);
    if (atMs !== undefined) out.push({ group, atMs });
  }
  return out.sort((a, b) => a.atMs - b.atMs || (a.group.id < b.group.id ? -1 : 1));
}

/**
 * rootCauseRank is the 1-based rank of `f`'s root among the group's final
 * candidates, after removing the roots of the other real faults the group
 * also explains (one incident holding two faults may rank both first and
 * second and be right about both); undefined when it is not a candidate.
 */
export function rootCauseRank(
  g: IncidentGroup,
  f: GroundTruth,
  otherRoots: ReadonlySet<string>,
): number | undefined {
  const ranked = [...g.final.rootCauses]
    .sort((a, b) => a.rank - b.rank)
    .filter((c) => c.service === f.rootCause || !otherRoots.has(c.service));
  const i = ranked.findIndex((c) => c.service === f.rootCause);
  return i < 0 ? undefined : i + 1;
}
