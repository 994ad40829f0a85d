// The host's view of incidents: built only from the core's decision records,
// so it is as deterministic as the core. It turns them into impactd.v1
// Incident messages for the API, the watchers and the sink.
import {
  H_DOWN,
  IK_EXPERIENCE,
  PG_SEVERITY,
  PG_TIMEOUT,
  R_ANOMALOUS,
  R_DOWN,
  R_EARLIEST,
  R_EXPLAINS_OTHERS,
  R_NO_UNHEALTHY_DEPS,
  R_RECENT_CHANGE,
  R_RISING,
  R_SUSPECT,
  R_TRAFFIC,
  RT_FALLBACK,
  RT_OWNER,
  RT_SKILL,
  RT_SKILL_MATCH,
} from "../core/layout.js";
import type { ChangeInfo, CoreOutput } from "../core/tenant-core.js";
import {
  type ExperienceSignal,
  type Incident,
  IncidentKind,
  IncidentSeverity,
  IncidentStatus,
  type JourneyImpact,
  type Page,
  type RootCauseCandidate,
} from "../gen/impactd/v1/incident.js";

/** How many closed (resolved or merged) incidents each tenant keeps in memory. */
export const DEFAULT_RESOLVED_KEPT = 1_000;

/** IncidentState is the live, mutable state of one incident. */
export interface IncidentState {
  num: number;
  id: string;
  tenant: string;
  kind: IncidentKind;
  status: IncidentStatus;
  severity: IncidentSeverity;
  openedMs: number;
  updatedMs: number;
  resolvedMs: number;
  acknowledgedMs: number;
  mitigatedMs: number;
  acknowledgedBy: string;
  resolvedBy: string;
  reopened: boolean;
  /** Id of the incident this one was merged into, if any. */
  mergedInto: string;
  services: string[];
  health: Map<string, number>;
  candidates: RootCauseCandidate[];
  journeys: Map<string, JourneyImpact>;
  /** Highest customers affected per minute seen, per journey and in total. */
  peakByJourney: Map<string, number>;
  peakTotal: number;
  experience: Map<string, ExperienceSignal>;
  alertCount: number;
  version: number;
  team: string;
  routingReason: string;
  failureKinds: string[];
  pages: Page[];
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
export function incidentId(openedMs: number, subject: string): string {
  return `inc-${openedMs.toString(36)}-${subject}`;
}

/** reasonText renders root-cause reason bits as a short justification. */
export function reasonText(bits: number, change: ChangeInfo | undefined): string {
  const parts: string[] = [];
  if (bits & R_SUSPECT) parts.push("suspect: the journey needs it");
  if (bits & R_DOWN) parts.push("down");
  if (bits & R_RISING) parts.push("its metrics are rising, not yet past its thresholds");
  if (bits & R_NO_UNHEALTHY_DEPS) parts.push("its own dependencies are healthy");
  if (bits & R_EXPLAINS_OTHERS) parts.push("unhealthy services depend on it");
  if (bits & R_EARLIEST) parts.push("failed first");
  if (bits & R_ANOMALOUS) parts.push("metrics far from baseline");
  if (bits & R_TRAFFIC) parts.push("its failure touches at least 1% of all calls");
  if (bits & R_RECENT_CHANGE && change !== undefined)
    parts.push(`changed (${change.version || "change"}) shortly before`);
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
  private readonly byId = new Map<string, IncidentState>();
  private readonly closedOrder: number[] = [];

  constructor(
    readonly tenant: string,
    /** Who tier `tier` of `team` pages, and through which channel. */
    private readonly tierOf: (team: string, tier: number) => { target: string; channel: string } = (
      team,
    ) => ({
      target: team,
      channel: "",
    }),
  ) {}

  /** apply folds outputs in and returns the incidents they touched. */
  apply(outputs: readonly CoreOutput[]): IncidentState[] {
    const touched = new Map<number, IncidentState>();
    for (const o of outputs) {
      if (!("incident" in o) || !("version" in o)) continue; // not incident records
      let st = this.byNum.get(o.incident);
      if (o.type === "opened") {
        const experience = o.kind === IK_EXPERIENCE;
        st = {
          num: o.incident,
          id: incidentId(o.ts, experience ? `experience-${o.journey}` : o.service),
          tenant: this.tenant,
          kind: experience
            ? IncidentKind.INCIDENT_KIND_EXPERIENCE
            : IncidentKind.INCIDENT_KIND_SERVICE,
          status: IncidentStatus.INCIDENT_STATUS_OPEN,
          severity: IncidentSeverity.INCIDENT_SEVERITY_UNSPECIFIED,
          openedMs: o.ts,
          updatedMs: o.ts,
          resolvedMs: 0,
          acknowledgedMs: 0,
          mitigatedMs: 0,
          acknowledgedBy: "",
          resolvedBy: "",
          reopened: false,
          mergedInto: "",
          services: [],
          health: new Map(),
          candidates: [],
          journeys: new Map(),
          peakByJourney: new Map(),
          peakTotal: 0,
          experience: new Map(),
          alertCount: 0,
          version: 0,
          team: "",
          routingReason: "",
          failureKinds: [],
          pages: [],
          changes: new Set(["opened"]),
        };
        this.byNum.set(o.incident, st);
        this.byId.set(st.id, st);
      }
      if (st === undefined) continue; // an incident from before a restart
      st.updatedMs = Math.max(st.updatedMs, o.ts);
      st.version = Math.max(st.version, o.version);
      touched.set(st.num, st);
      this.applyOne(st, o);
    }
    this.evict();
    return [...touched.values()];
  }

  private applyOne(st: IncidentState, o: CoreOutput): void {
    switch (o.type) {
      case "member":
        if (o.left) {
          st.services = st.services.filter((s) => s !== o.service);
          st.health.delete(o.service);
          st.changes.add("member_left");
          break;
        }
        if (st.health.has(o.service)) {
          st.changes.add("member_health");
        } else {
          st.services.push(o.service);
          st.changes.add("member_added");
        }
        st.health.set(o.service, o.health);
        break;
      case "root_cause":
        if (o.rank === 1) {
          if (st.candidates.length > 0 && st.candidates[0]?.service !== o.service)
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
      case "stats":
        st.alertCount = o.alerts;
        break;
      case "impact":
        st.journeys.set(o.journey, {
          journey: o.journey,
          successRatio: o.successRatio,
          customersAffectedPerMin: o.customersAffectedPerMin,
          burnRateShort: o.burnRateShort,
          burnRateLong: o.burnRateLong,
          customersPerMin: o.customersPerMin,
          measured: o.measured,
        });
        st.peakByJourney.set(
          o.journey,
          Math.max(st.peakByJourney.get(o.journey) ?? 0, o.customersAffectedPerMin),
        );
        st.peakTotal = Math.max(
          st.peakTotal,
          [...st.journeys.values()].reduce((s, j) => s + j.customersAffectedPerMin, 0),
        );
        st.changes.add("impact");
        break;
      case "severity":
        // The incident keeps the worst severity it reached (lower is worse).
        if (
          st.severity === IncidentSeverity.INCIDENT_SEVERITY_UNSPECIFIED ||
          o.severity < st.severity
        ) {
          if (st.severity !== IncidentSeverity.INCIDENT_SEVERITY_UNSPECIFIED)
            st.changes.add("severity_raised");
          st.severity = o.severity as IncidentSeverity;
        }
        break;
      case "experience":
        st.experience.set(o.journey, {
          journey: o.journey,
          feedbackScore: o.feedback,
          feedbackBaseline: o.feedbackBaseline,
          abandonment: o.abandonment,
          abandonmentBaseline: o.abandonmentBaseline,
          atUnixMs: o.ts,
        });
        st.changes.add("experience");
        break;
      case "status":
        st.status = o.status as IncidentStatus;
        if (o.status === IncidentStatus.INCIDENT_STATUS_ACKNOWLEDGED && st.acknowledgedMs === 0) {
          st.acknowledgedMs = o.ts;
          st.acknowledgedBy = o.actor;
          st.changes.add("acknowledged");
        } else if (o.status === IncidentStatus.INCIDENT_STATUS_MITIGATED) {
          st.mitigatedMs = o.ts;
          st.changes.add("mitigated");
        } else if (o.reopened) {
          st.reopened = true;
          st.resolvedMs = 0;
          st.resolvedBy = "";
          // The core wants a new acknowledgement for what came back.
          st.acknowledgedMs = 0;
          st.acknowledgedBy = "";
          st.changes.add("reopened");
          const at = this.closedOrder.indexOf(st.num);
          if (at >= 0) this.closedOrder.splice(at, 1);
        } else {
          st.changes.add("reactivated");
        }
        break;
      case "routed": {
        const top = st.candidates[0]?.service ?? "";
        const match =
          o.reason & RT_SKILL_MATCH ? ` (skill match: ${o.failureKinds.join(", ")})` : "";
        const base = o.reason & 7;
        st.routingReason =
          base === RT_OWNER
            ? `owns ${top}${match}`
            : base === RT_SKILL
              ? `nobody owns ${top || "the suspects"}; has the skill for ${o.failureKinds.join(", ")}`
              : base === RT_FALLBACK
                ? `nobody owns ${top || "the suspects"} or has the skill: fallback team`
                : "no team can take it: add an owner or a fallback team to the topology";
        st.failureKinds = o.failureKinds;
        if (st.team !== "" && st.team !== o.team) st.changes.add("rerouted");
        else st.changes.add("routed");
        st.team = o.team;
        break;
      }
      case "page": {
        const tier = this.tierOf(o.team, o.tier);
        const cause =
          o.cause === PG_TIMEOUT
            ? "not acknowledged in time"
            : o.cause === PG_SEVERITY
              ? "customer impact"
              : "routed";
        st.pages.push({
          team: o.team,
          tier: o.tier,
          target: tier.target,
          channel: tier.channel,
          cause,
          atUnixMs: o.ts,
        });
        st.changes.add(o.tier === 0 ? "paged" : "escalated");
        break;
      }
      case "merged":
        st.status = IncidentStatus.INCIDENT_STATUS_MERGED;
        st.mergedInto = this.byNum.get(o.into)?.id ?? "";
        st.changes.add("merged");
        this.closedOrder.push(st.num);
        break;
      case "resolved":
        st.status = IncidentStatus.INCIDENT_STATUS_RESOLVED;
        st.resolvedMs = o.ts;
        st.resolvedBy = o.actor;
        st.changes.add("resolved");
        this.closedOrder.push(st.num);
        break;
    }
  }

  private evict(): void {
    while (this.closedOrder.length > DEFAULT_RESOLVED_KEPT) {
      const num = this.closedOrder.shift() as number;
      const st = this.byNum.get(num);
      this.byNum.delete(num);
      if (st !== undefined) this.byId.delete(st.id);
    }
  }

  /** exportState returns the tracker's incidents as plain JSON-able data. */
  exportState(): unknown {
    return {
      closedOrder: this.closedOrder,
      incidents: [...this.byNum.values()].map((st) => ({
        ...st,
        health: [...st.health],
        journeys: [...st.journeys],
        peakByJourney: [...st.peakByJourney],
        experience: [...st.experience],
        changes: [...st.changes],
      })),
    };
  }

  /** importState loads what exportState returned (into an empty tracker). */
  importState(data: unknown): void {
    const d = data as { closedOrder: number[]; incidents: Record<string, unknown>[] };
    for (const raw of d.incidents) {
      const st = {
        ...raw,
        health: new Map(raw.health as [string, number][]),
        journeys: new Map(raw.journeys as [string, JourneyImpact][]),
        peakByJourney: new Map(raw.peakByJourney as [string, number][]),
        experience: new Map(raw.experience as [string, ExperienceSignal][]),
        changes: new Set(raw.changes as string[]),
      } as unknown as IncidentState;
      this.byNum.set(st.num, st);
      this.byId.set(st.id, st);
    }
    this.closedOrder.push(...d.closedOrder);
  }

  /** all returns every incident the tracker holds, newest first. */
  all(): IncidentState[] {
    return [...this.byNum.values()].sort((a, b) => b.openedMs - a.openedMs || b.num - a.num);
  }

  /** get finds an incident by id. */
  get(id: string): IncidentState | undefined {
    return this.byId.get(id);
  }

  /** byNumber finds an incident by the core's number. */
  byNumber(num: number): IncidentState | undefined {
    return this.byNum.get(num);
  }

  /** openCount is the number of incidents not resolved or merged. */
  openCount(): number {
    let n = 0;
    for (const st of this.byNum.values()) if (isOpen(st.status)) n++;
    return n;
  }

  /** snapshot renders the current version of an incident as an API message. */
  snapshot(st: IncidentState): Incident {
    const top = st.candidates[0];
    // Journeys it never really hurt (under one customer a minute) are left out.
    const journeys = [...st.journeys.values()]
      .filter((j) => (st.peakByJourney.get(j.journey) ?? 0) >= 1)
      .sort(
        (a, b) =>
          b.customersAffectedPerMin - a.customersAffectedPerMin ||
          a.journey.localeCompare(b.journey),
      );
    let title: string;
    if (st.kind === IncidentKind.INCIDENT_KIND_EXPERIENCE) {
      const j = [...st.experience.keys()].join(", ");
      title = `customer experience dropped on ${j}${top === undefined ? "" : `; suspect ${top.service}`}`;
    } else if (top === undefined) {
      title = `${st.services.length} services unhealthy`;
    } else {
      const state = st.health.get(top.service) === H_DOWN ? "down" : "degraded";
      const n = st.services.length;
      const hit = journeys.filter((j) => j.customersAffectedPerMin > 0);
      const impact =
        hit.length === 0
          ? ""
          : `; ${hit[0]?.journey} losing ${Math.round(hit.reduce((s, j) => s + j.customersAffectedPerMin, 0))} customers/min`;
      title = `${top.service} ${state}; ${n} service${n === 1 ? "" : "s"} affected${impact}`;
    }
    return {
      id: st.id,
      tenant: st.tenant,
      status: st.status,
      severity: st.severity,
      title,
      openedUnixMs: st.openedMs,
      updatedUnixMs: st.updatedMs,
      acknowledgedUnixMs: st.acknowledgedMs,
      mitigatedUnixMs: st.mitigatedMs,
      resolvedUnixMs: st.resolvedMs,
      services: [...st.services],
      rootCauses: st.candidates.map((c) => ({ ...c })),
      journeys: journeys.map((j) => ({ ...j })),
      alertCount: st.alertCount,
      version: st.version,
      team: st.team,
      mergedInto: st.mergedInto,
      acknowledgedBy: st.acknowledgedBy,
      resolvedBy: st.resolvedBy,
      kind: st.kind,
      experience: [...st.experience.values()].map((e) => ({ ...e })),
      reopened: st.reopened,
      peakCustomersAffectedPerMin: st.peakTotal,
      routingReason: st.routingReason,
      failureKinds: [...st.failureKinds],
      pages: st.pages.map((p) => ({ ...p })),
    };
  }
}
