// What each system made of the same injected faults: Alertmanager's
// notifications and impactd's incidents, matched against the workload's
// ground truth. An output "covers" a fault when it names the fault's root
// service; it is noise when it names no service any fault touched.
import type { InjectedFault } from "../../src/load/index.js";

/** NotificationLike is the part of an Alertmanager webhook payload counted here. */
export interface NotificationLike {
  status: string;
  groupKey: string;
  alerts: readonly { status: string; labels: Readonly<Record<string, string>> }[];
}

/** IncidentLike is the part of an impactd incident counted here. */
export interface IncidentLike {
  id: string;
  merged: boolean;
  services: readonly string[];
}

/** OutputCounts summarises one system's outputs for a storm. */
export interface OutputCounts {
  /** Notifications sent (Alertmanager) or incidents opened, merged ones included (impactd). */
  outputs: number;
  /** Outputs a person would be paged for: firing notifications, incidents not merged away. */
  pages: number;
  /** Resolved notifications (Alertmanager); 0 for impactd. */
  resolved: number;
  /** Distinct alert groups (Alertmanager) or surviving incidents (impactd). */
  groups: number;
  /** Faults with at least one page naming their root service. */
  faultsCovered: number;
  /** Faults with a page of their own: naming their root and no other fault's root. */
  faultsIsolated: number;
  /** Pages naming no service a fault touched. */
  noisePages: number;
}

function touched(faults: readonly InjectedFault[], names: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const f of faults) {
    out.add(f.rootName);
    for (const s of f.symptoms) out.add(names[s] as string);
  }
  return out;
}

// Which faults a page names by root, and whether it names only one of them.
function mark(
  services: readonly string[],
  faults: readonly InjectedFault[],
  covered: Set<number>,
  isolated: Set<number>,
): void {
  const named = faults.filter((f) => services.includes(f.rootName));
  for (const f of named) covered.add(f.id);
  const roots = new Set(named.map((f) => f.rootName));
  if (roots.size === 1) for (const f of named) isolated.add(f.id);
}

/** countNotifications counts Alertmanager's webhook notifications against the faults. */
export function countNotifications(
  notes: readonly NotificationLike[],
  faults: readonly InjectedFault[],
  names: readonly string[],
): OutputCounts {
  const hit = touched(faults, names);
  const covered = new Set<number>();
  const isolated = new Set<number>();
  let pages = 0;
  let noise = 0;
  for (const n of notes) {
    if (n.status !== "firing") continue;
    pages++;
    const services = n.alerts
      .filter((a) => a.status === "firing")
      .map((a) => a.labels.service ?? "");
    if (!services.some((s) => hit.has(s))) noise++;
    mark(services, faults, covered, isolated);
  }
  return {
    outputs: notes.length,
    pages,
    resolved: notes.length - pages,
    groups: new Set(notes.map((n) => n.groupKey)).size,
    faultsCovered: covered.size,
    faultsIsolated: isolated.size,
    noisePages: noise,
  };
}

/** countIncidents counts impactd's incidents against the faults. */
export function countIncidents(
  incidents: readonly IncidentLike[],
  faults: readonly InjectedFault[],
  names: readonly string[],
): OutputCounts {
  const hit = touched(faults, names);
  const covered = new Set<number>();
  const isolated = new Set<number>();
  let noise = 0;
  const live = incidents.filter((i) => !i.merged);
  for (const i of live) {
    if (!i.services.some((s) => hit.has(s))) noise++;
    mark(i.services, faults, covered, isolated);
  }
  return {
    outputs: incidents.length,
    pages: live.length,
    resolved: 0,
    groups: live.length,
    faultsCovered: covered.size,
    faultsIsolated: isolated.size,
    noisePages: noise,
  };
}

/** ratio divides, giving null when the divisor is 0. */
export function ratio(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}
