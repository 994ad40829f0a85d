// What to tell whom. The planner compares each new incident version with
// what the receivers were last told about that incident and turns the
// meaningful differences into drafts, one per target: opened (after a group
// wait), routed / re-routed, escalated (a new page), root cause changed,
// severity raised, acknowledged, reopened, resolved, merged. A version that
// changes none of these (impact figures moving, a member's health flapping,
// alert counts) produces nothing, so unchanged state is never re-sent.
import {
  type Incident,
  IncidentSeverity,
  IncidentStatus,
  type Page,
} from "../gen/impactd/v1/incident.js";
import type { NotificationTarget, Team } from "../gen/impactd/v1/topology.js";
import {
  impactText,
  isWorse,
  minutes,
  pageText,
  severityFromName,
  severityName,
  statusFromName,
} from "./describe.js";
import type { NotificationAction, NotificationRow } from "./rows.js";

/** ChangeName is what a notification reports. */
export type ChangeName =
  | "opened"
  | "routed"
  | "rerouted"
  | "escalated"
  | "root_cause_changed"
  | "severity_raised"
  | "acknowledged"
  | "reopened"
  | "resolved"
  | "merged";

/** Draft is one notification to one target, before it is rendered and stored. */
export interface Draft {
  incident: Incident;
  team: string;
  target: NotificationTarget;
  /** The main change; `changes` lists every change, the main one first. */
  change: ChangeName;
  changes: ChangeName[];
  action: NotificationAction;
  /** One sentence per change. */
  what: string[];
  /** Pages this notification delivers. */
  paged: Page[];
}

/** TeamLookup returns a tenant's teams as the topology has them now. */
export type TeamLookup = (tenant: string) => readonly Team[];

// What the receivers of one incident were last told.
interface Told {
  team: string;
  /** Names of `team`'s targets that know about the incident. */
  targets: Set<string>;
  /** Pages already notified, as "team#tier". */
  pages: Set<string>;
  rootCause: string;
  severity: IncidentSeverity;
  status: IncidentStatus;
  /** Routed to some team at least once (so a later team is a re-route). */
  routed: boolean;
}

interface Waiting {
  snapshot: Incident;
  dueAt: number;
}

/** MAX_TOLD_CLOSED is how many resolved incidents the planner remembers (to notice a reopening). */
const MAX_TOLD_CLOSED = 10_000;

const key = (tenant: string, id: string) => `${tenant}\u0000${id}`;
const pageKey = (team: string, tier: number) => `${team}#${tier}`;

function closed(s: IncidentStatus): boolean {
  return (
    s === IncidentStatus.INCIDENT_STATUS_RESOLVED || s === IncidentStatus.INCIDENT_STATUS_MERGED
  );
}

/** targetsOf resolves a page channel (a target name, or "" for all) to a team's targets. */
export function targetsOf(
  teams: readonly Team[],
  team: string,
  channel: string,
): NotificationTarget[] {
  const t = teams.find((x) => x.name === team);
  if (t === undefined) return [];
  return channel === "" ? [...t.notify] : t.notify.filter((n) => n.name === channel);
}

// Drafts of one incident version, merged per target: trigger-type changes to
// one target travel together; acknowledge and resolve stay separate, so a
// PagerDuty receiver sees the trigger before the acknowledgement.
class Drafts {
  readonly list: Draft[] = [];
  constructor(private readonly inc: Incident) {}

  add(
    team: string,
    target: NotificationTarget,
    change: ChangeName,
    action: NotificationAction,
    what: string,
    page?: Page,
  ): void {
    const same =
      action === "trigger"
        ? this.list.find(
            (d) => d.action === "trigger" && d.team === team && d.target.name === target.name,
          )
        : undefined;
    if (same !== undefined) {
      if (!same.changes.includes(change)) same.changes.push(change);
      if (!same.what.includes(what)) same.what.push(what);
      if (page !== undefined) same.paged.push(page);
      return;
    }
    this.list.push({
      incident: this.inc,
      team,
      target,
      change,
      changes: [change],
      action,
      what: [what],
      paged: page === undefined ? [] : [page],
    });
  }
}

/** Planner keeps, per incident, what receivers were told, and drafts what they must be told next. */
export class Planner {
  private readonly told = new Map<string, Told>();
  private readonly closedOrder: string[] = [];
  private readonly waiting = new Map<string, Waiting>();
  private readonly clock = new Map<string, number>();

  constructor(
    private readonly groupWaitMs: number,
    private readonly teams: TeamLookup,
  ) {}

  /** grouping is how many incidents are inside their group wait. */
  grouping(): number {
    return this.waiting.size;
  }

  /** tenants lists tenants with incidents inside their group wait. */
  tenants(): string[] {
    return [...new Set([...this.waiting.values()].map((w) => w.snapshot.tenant))];
  }

  /** update takes a new incident version and returns the notifications it calls for. */
  update(inc: Incident): Draft[] {
    const out = this.advance(inc.tenant, inc.updatedUnixMs);
    const k = key(inc.tenant, inc.id);
    const told = this.told.get(k);
    if (told !== undefined) return out.concat(this.diff(told, inc, false));
    const w = this.waiting.get(k);
    if (w !== undefined) {
      // Merged or resolved before anyone was told: nobody needs to hear of it.
      if (closed(inc.status)) this.waiting.delete(k);
      else w.snapshot = inc;
      return out;
    }
    if (closed(inc.status)) return out;
    this.waiting.set(k, { snapshot: inc, dueAt: inc.openedUnixMs + this.groupWaitMs });
    return out.concat(this.advance(inc.tenant, inc.updatedUnixMs));
  }

  /** advance moves a tenant's event time to `eventMs` and releases the group waits that ended. */
  advance(tenant: string, eventMs: number): Draft[] {
    const now = Math.max(this.clock.get(tenant) ?? Number.NEGATIVE_INFINITY, eventMs);
    this.clock.set(tenant, now);
    const due = [...this.waiting.entries()]
      .filter(([, w]) => w.snapshot.tenant === tenant && w.dueAt <= now)
      .sort((a, b) => a[1].dueAt - b[1].dueAt || (a[0] < b[0] ? -1 : 1));
    const out: Draft[] = [];
    for (const [k, w] of due) {
      this.waiting.delete(k);
      const told: Told = {
        team: "",
        targets: new Set(),
        pages: new Set(),
        rootCause: "",
        severity: IncidentSeverity.INCIDENT_SEVERITY_UNSPECIFIED,
        status: IncidentStatus.INCIDENT_STATUS_OPEN,
        routed: false,
      };
      this.told.set(k, told);
      out.push(...this.diff(told, w.snapshot, true));
    }
    return out;
  }

  /**
   * reconcile is called at start for each incident the pipeline restored: one
   * that is open and that no outbox row mentions was inside its group wait
   * when the process stopped, so it waits again (and is told once it ends).
   */
  reconcile(inc: Incident): void {
    const k = key(inc.tenant, inc.id);
    if (this.told.has(k) || this.waiting.has(k) || closed(inc.status)) return;
    this.waiting.set(k, { snapshot: inc, dueAt: inc.openedUnixMs + this.groupWaitMs });
  }

  /**
   * restore rebuilds what receivers were told from outbox rows (any status:
   * a pending row will still be sent), oldest first per incident.
   */
  restore(rows: readonly NotificationRow[]): void {
    const sorted = [...rows].sort(
      (a, b) =>
        (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0) ||
        (a.incident_id < b.incident_id ? -1 : a.incident_id > b.incident_id ? 1 : 0) ||
        a.incident_version - b.incident_version ||
        a.created_at - b.created_at,
    );
    for (const r of sorted) {
      const k = key(r.tenant, r.incident_id);
      let t = this.told.get(k);
      if (t === undefined) {
        t = {
          team: "",
          targets: new Set(),
          pages: new Set(),
          rootCause: "",
          severity: IncidentSeverity.INCIDENT_SEVERITY_UNSPECIFIED,
          status: IncidentStatus.INCIDENT_STATUS_OPEN,
          routed: false,
        };
        this.told.set(k, t);
      }
      if (r.change === "rerouted" && r.action === "resolve") {
        t.targets.delete(r.target); // the old team's target, told it is no longer theirs
        continue;
      }
      if (r.team !== t.team) {
        t.team = r.team;
        t.targets = new Set();
        t.pages = new Set();
      }
      t.targets.add(r.target);
      t.routed = true;
      for (const tier of r.tiers) t.pages.add(pageKey(r.team, tier));
      t.rootCause = r.root_cause;
      const sev = severityFromName(r.severity);
      if (isWorse(sev, t.severity)) t.severity = sev;
      t.status = statusFromName(r.incident_status);
    }
  }

  private remember(k: string, t: Told, inc: Incident): void {
    t.status = inc.status;
    if (inc.status === IncidentStatus.INCIDENT_STATUS_MERGED) {
      this.told.delete(k);
      return;
    }
    if (inc.status === IncidentStatus.INCIDENT_STATUS_RESOLVED) {
      this.closedOrder.push(k);
      while (this.closedOrder.length > MAX_TOLD_CLOSED) {
        const old = this.closedOrder.shift() as string;
        if (closed(this.told.get(old)?.status ?? IncidentStatus.INCIDENT_STATUS_RESOLVED))
          this.told.delete(old);
      }
    }
  }

  // The drafts that bring `t` (what was told) up to `inc`, and `t` with it.
  private diff(t: Told, inc: Incident, opening: boolean): Draft[] {
    const teams = this.teams(inc.tenant);
    const out = new Drafts(inc);
    const k = key(inc.tenant, inc.id);
    const told = (change: ChangeName, action: NotificationAction, what: string) => {
      for (const target of targetsOf(teams, t.team, "")) {
        if (t.targets.has(target.name)) out.add(t.team, target, change, action, what);
      }
    };
    if (closed(inc.status)) {
      if (!closed(t.status)) {
        if (inc.status === IncidentStatus.INCIDENT_STATUS_MERGED) {
          told("merged", "resolve", `merged into ${inc.mergedInto}: it is part of that incident`);
        } else {
          const by = inc.resolvedBy === "" ? "" : ` by ${inc.resolvedBy}`;
          told(
            "resolved",
            "resolve",
            `resolved${by} after ${minutes(inc.resolvedUnixMs - inc.openedUnixMs)}`,
          );
        }
      }
      this.remember(k, t, inc);
      return out.list;
    }
    if (closed(t.status)) {
      told("reopened", "trigger", "reopened: a service it held failed again");
    }
    const top = inc.rootCauses[0]?.service ?? "";
    if (inc.team !== t.team) {
      if (t.team !== "")
        told("rerouted", "resolve", `re-routed to ${inc.team || "nobody"}: ${inc.routingReason}`);
      const from = t.team;
      t.team = inc.team;
      t.targets = new Set();
      t.pages = new Set(); // a new team's policy starts again from tier 1
      if (inc.team !== "") {
        const change: ChangeName = opening ? "opened" : t.routed ? "rerouted" : "routed";
        const what = opening
          ? `opened: ${inc.title}; routed to ${inc.team} (${inc.routingReason})`
          : t.routed
            ? `re-routed from ${from} to ${inc.team}: ${inc.routingReason}`
            : `routed to ${inc.team}: ${inc.routingReason}`;
        const pages = inc.pages.filter(
          (p) => p.team === inc.team && !t.pages.has(pageKey(p.team, p.tier)),
        );
        const first = pages.length === 0 ? [undefined] : pages;
        const tier1 = teams.find((x) => x.name === inc.team)?.escalation[0]?.channel ?? "";
        for (const p of first) {
          const targets = targetsOf(teams, inc.team, p?.channel ?? tier1);
          for (const target of targets) {
            out.add(inc.team, target, change, "trigger", what, p);
            if (p !== undefined && p.tier > 0)
              out.add(inc.team, target, "escalated", "trigger", `paged ${pageText(p)}`, undefined);
            t.targets.add(target.name);
          }
          if (p !== undefined) t.pages.add(pageKey(p.team, p.tier));
        }
        t.routed = true;
      }
    }
    for (const p of inc.pages) {
      if (p.team !== t.team || t.pages.has(pageKey(p.team, p.tier))) continue;
      t.pages.add(pageKey(p.team, p.tier));
      for (const target of targetsOf(teams, p.team, p.channel)) {
        out.add(p.team, target, "escalated", "trigger", `escalated to ${pageText(p)}`, p);
        t.targets.add(target.name);
      }
    }
    if (!opening && top !== t.rootCause && t.rootCause !== "")
      told(
        "root_cause_changed",
        "trigger",
        `root cause changed from ${t.rootCause} to ${top || "unknown"}`,
      );
    t.rootCause = top;
    if (!opening && isWorse(inc.severity, t.severity))
      told(
        "severity_raised",
        "trigger",
        `severity raised from ${severityName(t.severity)} to ${severityName(inc.severity)}: ${impactText(inc)}`,
      );
    if (isWorse(inc.severity, t.severity)) t.severity = inc.severity;
    if (
      inc.status === IncidentStatus.INCIDENT_STATUS_ACKNOWLEDGED &&
      t.status !== IncidentStatus.INCIDENT_STATUS_ACKNOWLEDGED
    ) {
      const by = inc.acknowledgedBy === "" ? "" : ` by ${inc.acknowledgedBy}`;
      told("acknowledged", "acknowledge", `acknowledged${by}: escalation stops`);
    }
    this.remember(k, t, inc);
    return out.list;
  }
}
