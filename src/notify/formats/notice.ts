// What every format renders: a draft plus its stable identities.
import type { Draft } from "../planner.js";

/** Notice is one notification ready to render. */
export interface Notice {
  /** Stable notification id (see ids.ts). */
  id: string;
  /** Per-incident key receivers group on. */
  dedupKey: string;
  /** Alertmanager-style fingerprint of the incident. */
  fingerprint: string;
  draft: Draft;
  /** Link back to impactd, or "". */
  externalUrl: string;
}

/** incidentUrl links to an incident under the external URL, or "" without one. */
export function incidentUrl(n: Notice): string {
  if (n.externalUrl === "") return "";
  const inc = n.draft.incident;
  return `${n.externalUrl.replace(/\/+$/, "")}/incidents/${encodeURIComponent(inc.id)}?tenant=${encodeURIComponent(inc.tenant)}`;
}

/** rootCauseOf is the incident's top root-cause service, or its first service. */
export function rootCauseOf(n: Notice): string {
  const inc = n.draft.incident;
  return inc.rootCauses[0]?.service ?? inc.services[0] ?? "";
}
