// The host's view of incidents: built only from the core's decision records,
// so it is as deterministic as the core. It turns them into impactd.v1
// Incident messages for the API, the watchers and the sink.

import {
  H_DEGRADED,
  H_DOWN,
  R_DOWN,
  R_EARLIEST,
  R_EXPLAINS_OTHERS,
  R_NO_UNHEALTHY_DEPS,
  R_RECENT_CHANGE,
} from "../core/layout.js";
import type { ChangeInfo, CoreOutput } from "../core/tenant-core.js";
import {
  type Incident,
  IncidentSeverity,
  IncidentStatus,
  type JourneyImpact,
  type RootCauseCandidate,
} from "../gen/impactd/v1/incident.js";

/** How many resolved incidents each tenant keeps in memory for List/Get. */
export const DEFAULT_RESOLVED_KEPT = 1_000;

/** JourneyRef is what the tracker needs to know about a journey. */
export interface JourneyRef {
  name: string;
  customersPerMin: number;
}

/** IncidentState is the live, mutable state of one incident. */
export interface IncidentState {
  num: number;
  id: string;
  tenant: string;
  status: IncidentStatus;
  openedMs: number;
  updatedMs: number;
  resolvedMs: number;
  acknowledgedMs: number;
  mitigatedMs: number;
  services: string[];
  health: Map<string, number>;
  candidates: RootCauseCandidate[];
  alertCount: number;
  version: number;
  /** Worst severity so far: severity does not drop while members recover. */
  severity: IncidentSeverity;
  /** Id of the incident this one was merged into, if any. */
  mergedInto: string;
  acknowledgedBy: string;
  resolvedBy: string;
  /** What changed since the last snapshot ("opened", "member_added", ...). */
  changes: Set<string>;
}

/** isOpen tells whether an incident status still needs attention. */
export function isOpen(s: IncidentStatus): boolean {
  return (
    s !== IncidentStatus.INCIDENT_STATUS_RESOLVED && s !== IncidentStatus.INCIDENT_STATUS_MERGED
  );
}

/** incidentId derives a stable, readable id from the opening event. */
export function incidentId(openedMs: number, service: string): string {
  return `inc-${openedMs.toString(36)}-${service}`;
}

/** reasonText renders root-cause reason bits as a short justification. */
export function reasonText(bits: number, change: ChangeInfo | undefined, onsetMs?: number): string {
  const parts: string[] = [];
  if (bits & R_DOWN) parts.push("down");
  if (bits & R_NO_UNHEALTHY_DEPS) parts.push("its own dependencies are healthy");
  if (bits & R_EXPLAINS_OTHERS) parts.push("unhealthy services depend on it");
  if (bits & R_EARLIEST) parts.push("failed first");
  if (bits & R_RECENT_CHANGE && change !== undefined) {
    const ago =
      onsetMs === undefined
        ? ""
        : ` ${Math.round((onsetMs - change.tsUnixMs) / 1000)}s before onset`;
    parts.push(`changed (${change.version || "change"})${ago}`);
  }
  return parts.join("; ");
}

function changeText(c: ChangeInfo | undefined): string {
  if (c === undefined) return "";
  const kinds = ["", "deploy", "config", "scale", "flag"];
  return `${kinds[c.kind] ?? "change"} ${c.version} at ${new Date(c.tsUnixMs).toISOString()}${c.eventId ? ` (event ${c.eventId})` : ""}`;
}

/** IncidentTracker applies core outputs for one tenant. */
export class IncidentTracker {
  private readonly byNum = new Map<number, IncidentState>();
  private readonly resolvedOrder: number[] = [];

  constructor(
    readonly tenant: string,
    private readonly journeysOf: (service: string) => readonly JourneyRef[] = () => [],
  ) {}

  /** apply folds outputs in and returns the incidents they touched. */
  apply(outputs: readonly CoreOutput[]): IncidentState[] {
    const touched = new Map<number, IncidentState>();
    for (const o of outputs) {
      if (o.type === "health" || o.type === "late") continue; // not incident records
      let st = this.byNum.get(o.incident);
      if (o.type === "opened") {
        st = {
          num: o.incident,
          id: incidentId(o.ts, o.service),
          tenant: this.tenant,
          status: IncidentStatus.INCIDENT_STATUS_OPEN,
          openedMs: o.ts,
          updatedMs: o.ts,
          resolvedMs: 0,
          acknowledgedMs: 0,
          mitigatedMs: 0,
          services: [],
          health: new Map(),
          candidates: [],
          alertCount: 0,
          version: 0,
          severity: IncidentSeverity.INCIDENT_SEVERITY_UNSPECIFIED,
          mergedInto: "",
          acknowledgedBy: "",
          resolvedBy: "",
          changes: new Set(["opened"]),
        };
        this.byNum.set(o.incident, st);
      }
      if (st === undefined) continue; // an incident from before a restart
      st.updatedMs = Math.max(st.updatedMs, o.ts);
      st.version = Math.max(st.version, o.version);
      touched.set(st.num, st);
      switch (o.type) {
        case "member":
          if (st.health.has(o.service)) {
            st.changes.add("member_health");
          } else {
            st.services.push(o.service);
            st.changes.add("member_added");
          }
          st.health.set(o.service, o.health);
          break;
        case "root_cause": {
          if (o.rank === 1) {
            if (st.candidates[0]?.service !== o.service && st.candidates.length > 0)
              st.changes.add("root_cause_changed");
            st.candidates = [];
          }
          st.candidates.push({
            service: o.service,
            rank: o.rank,
            score: o.score,
            reason: reasonText(o.reasons, o.change),
            change: changeText(o.change),
          });
          break;
        }
        case "stats":
          st.alertCount = o.alerts;
          break;
        case "merged":
          st.status = IncidentStatus.INCIDENT_STATUS_MERGED;
          st.mergedInto = this.byNum.get(o.into)?.id ?? "";
          st.changes.add("merged");
          this.resolvedOrder.push(st.num);
          break;
        case "status":
          if (o.status === IncidentStatus.INCIDENT_STATUS_ACKNOWLEDGED) {
            st.status = IncidentStatus.INCIDENT_STATUS_ACKNOWLEDGED;
            st.acknowledgedMs = o.ts;
            st.acknowledgedBy = o.actor;
            st.changes.add("acknowledged");
          }
          break;
        case "resolved":
          st.status = IncidentStatus.INCIDENT_STATUS_RESOLVED;
          st.resolvedMs = o.ts;
          st.resolvedBy = o.actor;
          st.changes.add("resolved");
          this.resolvedOrder.push(st.num);
          break;
      }
    }
    this.evict();
    return [...touched.values()];
  }

  private evict(): void {
    while (this.resolvedOrder.length > DEFAULT_RESOLVED_KEPT) {
      const num = this.resolvedOrder.shift() as number;
      this.byNum.delete(num);
    }
  }

  /** all returns every incident the tracker holds, newest first. */
  all(): IncidentState[] {
    return [...this.byNum.values()].sort((a, b) => b.openedMs - a.openedMs || b.num - a.num);
  }

  /** get finds an incident by id. */
  get(id: string): IncidentState | undefined {
    for (const st of this.byNum.values()) if (st.id === id) return st;
    return undefined;
  }

  /** openCount is the number of incidents not resolved. */
  openCount(): number {
    let n = 0;
    for (const st of this.byNum.values()) if (isOpen(st.status)) n++;
    return n;
  }

  /** snapshot renders the current version of an incident as an API message. */
  snapshot(st: IncidentState): Incident {
    const journeys = new Map<string, JourneyImpact>();
    let exposed = 0;
    for (const [service, h] of st.health) {
      if (h < H_DEGRADED && isOpen(st.status)) continue;
      for (const j of this.journeysOf(service)) {
        if (journeys.has(j.name)) continue;
        journeys.set(j.name, {
          journey: j.name,
          successRatio: 0,
          customersAffectedPerMin: 0,
          burnRateShort: 0,
          burnRateLong: 0,
        });
        exposed += j.customersPerMin;
      }
    }
    const top = st.candidates[0];
    const down = [...st.health.values()].filter((h) => h === H_DOWN).length;
    const unhealthy = [...st.health.values()].filter((h) => h >= H_DEGRADED).length;
    const title =
      top === undefined
        ? `${st.services.length} services unhealthy`
        : `${top.service} ${st.health.get(top.service) === H_DOWN ? "down" : "degraded"}; ${st.services.length} service${st.services.length === 1 ? "" : "s"} affected`;
    let severity = IncidentSeverity.INCIDENT_SEVERITY_LOW;
    if (exposed >= 1000 && down > 0) severity = IncidentSeverity.INCIDENT_SEVERITY_CRITICAL;
    else if (exposed >= 100) severity = IncidentSeverity.INCIDENT_SEVERITY_HIGH;
    else if (exposed > 0 || unhealthy > 1) severity = IncidentSeverity.INCIDENT_SEVERITY_MEDIUM;
    // Lower enum values are more severe; keep the worst seen.
    if (st.severity !== IncidentSeverity.INCIDENT_SEVERITY_UNSPECIFIED && st.severity < severity)
      severity = st.severity;
    st.severity = severity;
    return {
      id: st.id,
      tenant: st.tenant,
      status: st.status,
      severity,
      title,
      openedUnixMs: st.openedMs,
      updatedUnixMs: st.updatedMs,
      acknowledgedUnixMs: st.acknowledgedMs,
      mitigatedUnixMs: st.mitigatedMs,
      resolvedUnixMs: st.resolvedMs,
      services: [...st.services],
      rootCauses: st.candidates.map((c) => ({ ...c })),
      journeys: [...journeys.values()],
      alertCount: st.alertCount,
      version: st.version,
      team: "",
      mergedInto: st.mergedInto,
      acknowledgedBy: st.acknowledgedBy,
      resolvedBy: st.resolvedBy,
    };
  }
}
