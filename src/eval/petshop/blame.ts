// Reading impactd's answer for a symptom out of the incidents of a replay:
// which incident explains the target node around the target time, and
// whether anything at all was blamed during a window.
import { type Incident, IncidentStatus } from "../../gen/impactd/v1/incident.js";
import type { CallGraph } from "./csv.js";

/** Window is a span of event time [startMs, endMs). */
export interface Window {
  startMs: number;
  endMs: number;
}

/** liveIn tells whether an incident was open at some point of the window. */
export function liveIn(inc: Incident, w: Window): boolean {
  if (inc.status === IncidentStatus.INCIDENT_STATUS_MERGED) return false;
  const closed = inc.resolvedUnixMs > 0 ? inc.resolvedUnixMs : Number.POSITIVE_INFINITY;
  return inc.openedUnixMs < w.endMs && closed >= w.startMs;
}

/** blamedIn lists the incidents open at some point of the window. */
export function blamedIn(incidents: readonly Incident[], w: Window): Incident[] {
  return incidents.filter((i) => liveIn(i, w));
}

/** hops returns the undirected call-graph distance from `from` to every component. */
export function hops(graph: CallGraph, from: string): Map<string, number> {
  const adj = new Map<string, Set<string>>(graph.nodes.map((n) => [n, new Set<string>()]));
  for (const [r, cs] of graph.calls) {
    for (const c of cs) {
      adj.get(r)?.add(c);
      adj.get(c)?.add(r);
    }
  }
  const dist = new Map<string, number>([[from, 0]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const cur = queue[i] as string;
    const d = dist.get(cur) as number;
    for (const n of adj.get(cur) ?? []) {
      if (dist.has(n)) continue;
      dist.set(n, d + 1);
      queue.push(n);
    }
  }
  return dist;
}

function timeDistance(inc: Incident, tsMs: number): number {
  const closed = inc.resolvedUnixMs > 0 ? inc.resolvedUnixMs : Number.POSITIVE_INFINITY;
  if (tsMs < inc.openedUnixMs) return inc.openedUnixMs - tsMs;
  if (tsMs > closed) return tsMs - closed;
  return 0;
}

/** Explanation is impactd's answer for one symptom. */
export interface Explanation {
  /** The incidents the answer comes from: the nearest ones, tied. */
  incidents: Incident[];
  /** Call-graph hops from the target to them (0: they contain the target). */
  hops: number;
  /** Their root-cause candidates as components, best score first. */
  ranked: string[];
  /** How many candidates share the best score: above 1, first place is a tie. */
  tiedFirst: number;
}

/**
 * explain reads impactd's answer for a symptom on `target` at `tsMs`:
 * among the incidents open during the window, those whose members are
 * nearest to the target in the call graph (0 hops: they contain it), then
 * nearest in time. When several tie, none is preferred: their root-cause
 * candidates are merged by score. Undefined when no incident connected to
 * the target was open: nothing was blamed. `component` maps a service name
 * back to its component.
 */
export function explain(
  incidents: readonly Incident[],
  graph: CallGraph,
  target: string,
  tsMs: number,
  w: Window,
  component: (service: string) => string,
): Explanation | undefined {
  const dist = hops(graph, target);
  let best: Incident[] = [];
  let bestHops = Number.POSITIVE_INFINITY;
  let bestDt = Number.POSITIVE_INFINITY;
  for (const inc of blamedIn(incidents, w)) {
    let h = Number.POSITIVE_INFINITY;
    for (const s of inc.services) h = Math.min(h, dist.get(component(s)) ?? h);
    if (!Number.isFinite(h)) continue;
    const dt = timeDistance(inc, tsMs);
    if (h < bestHops || (h === bestHops && dt < bestDt)) {
      best = [inc];
      bestHops = h;
      bestDt = dt;
    } else if (h === bestHops && dt === bestDt) {
      best.push(inc);
    }
  }
  if (best.length === 0) return undefined;
  const candidates = best
    .flatMap((inc) => inc.rootCauses)
    .sort((a, b) => b.score - a.score || a.rank - b.rank || (a.service < b.service ? -1 : 1));
  const ranked: string[] = [];
  let tiedFirst = 0;
  for (const c of candidates) {
    const name = component(c.service);
    if (ranked.includes(name)) continue;
    ranked.push(name);
    if (c.score === candidates[0]?.score) tiedFirst++;
  }
  return { incidents: best, hops: bestHops, ranked, tiedFirst };
}
