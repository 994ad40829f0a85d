// The determinism check: a replay of the same events in another arrival
// order (within the lateness bound) and another batching must reproduce every
// output. Batching changes which intermediate versions get published, so the
// comparison is over what both runs must agree on: every incident's final
// snapshot, every (incident, version) snapshot both runs published, the
// predictions and the late-event count.
import { Incident } from "../gen/impactd/v1/incident.js";
import type { Observation } from "./observe.js";

/** MAX_REPORTED_DIFFERENCES bounds the differences listed per case. */
export const MAX_REPORTED_DIFFERENCES = 5;

/** Difference is one output two runs disagree on. */
export interface Difference {
  what: string;
  first: string;
  second: string;
}

function text(inc: Incident | undefined): string {
  return inc === undefined ? "(absent)" : JSON.stringify(Incident.toJSON(inc));
}

// firstField names the first top-level field two snapshots differ in, to keep reports short.
function firstField(a: Incident, b: Incident): string {
  const x = Incident.toJSON(a) as Record<string, unknown>;
  const y = Incident.toJSON(b) as Record<string, unknown>;
  for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
    if (JSON.stringify(x[k]) !== JSON.stringify(y[k])) return k;
  }
  return "";
}

/** compareRuns lists how two observations of the same events differ (empty when identical). */
export function compareRuns(a: Observation, b: Observation): Difference[] {
  const out: Difference[] = [];
  const add = (d: Difference) => {
    if (out.length < MAX_REPORTED_DIFFERENCES) out.push(d);
  };
  if (a.late !== b.late) add({ what: "late events", first: `${a.late}`, second: `${b.late}` });
  const fa = new Map(a.final.map((i) => [i.id, i]));
  const fb = new Map(b.final.map((i) => [i.id, i]));
  for (const id of [...new Set([...fa.keys(), ...fb.keys()])].sort()) {
    const x = fa.get(id);
    const y = fb.get(id);
    if (text(x) === text(y)) continue;
    const field = x !== undefined && y !== undefined ? `.${firstField(x, y)}` : "";
    add({
      what: `incident ${id}${field}`,
      first: x === undefined ? "(absent)" : `v${x.version}`,
      second: y === undefined ? "(absent)" : `v${y.version}`,
    });
  }
  const key = (i: Incident) => `${i.id}@${i.version}`;
  const vb = new Map(b.versions.map((i) => [key(i), i]));
  for (const x of a.versions) {
    const y = vb.get(key(x));
    if (y === undefined || text(x) === text(y)) continue;
    add({
      what: `incident ${x.id} version ${x.version}.${firstField(x, y)}`,
      first: "",
      second: "",
    });
  }
  const pa = JSON.stringify([...(a.predictions ?? [])].sort((p, q) => (p.id < q.id ? -1 : 1)));
  const pb = JSON.stringify([...(b.predictions ?? [])].sort((p, q) => (p.id < q.id ? -1 : 1)));
  if (pa !== pb)
    add({
      what: "predictions",
      first: `${a.predictions?.length ?? 0}`,
      second: `${b.predictions?.length ?? 0}`,
    });
  return out;
}
