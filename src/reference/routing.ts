// Routing and escalation policy (mirrors assembly/routing.ts): which team an
// incident goes to, and when each tier of that team's escalation policy is
// paged. An incident goes to the team that owns its top root-cause
// candidate; when nobody owns it, to the first team whose skills match the
// failure's kind bits, else to the first fallback team. Tier 1 is paged at
// once, each next tier when the one before did not acknowledge within its
// delay, and tier 2 at once when the incident costs more customers a minute
// than the team's threshold. Acknowledgement stops escalation.
import {
  IK_EXPERIENCE,
  O_PAGE,
  O_ROUTED,
  P_PAGE_TIER2_CPM,
  PG_ROUTED,
  PG_SEVERITY,
  PG_TIMEOUT,
  RT_FALLBACK,
  RT_NONE,
  RT_OWNER,
  RT_SKILL,
  RT_SKILL_MATCH,
  SKILL_EXPERIENCE,
} from "../core/layout.js";
import type { Model } from "./model.js";
import { T_ESCALATE } from "./timers.js";

/** The core keeps at most this many escalation tiers per team. */
const MAX_TIERS = 8;

/** RoutingTeam is one team as the host hands it to the core. */
export interface RoutingTeam {
  /** Skill bits (SKILL_* and interned skill names). */
  skills: number;
  fallback: boolean;
  /** How long each tier has to acknowledge, ms. */
  tierDelaysMs: number[];
  /** Customers a minute above which tier 2 is paged at once; 0 = the default. */
  pageTier2AboveCpm: number;
}

/** Choice is a routing decision: team id + 1 (0 = nobody) and RT_* reason. */
export interface Choice {
  team: number;
  reason: number;
}

/** Routing holds the teams and answers policy questions about them. */
export class Routing {
  private teams: RoutingTeam[] = [];

  constructor(private readonly m: Model) {}

  /** setRouting replaces the teams and sets every listed service's owner and kind bits. */
  setRouting(
    teams: readonly RoutingTeam[],
    owners: readonly number[],
    kinds: readonly number[],
  ): void {
    this.teams = teams.map((t) => ({
      skills: t.skills >>> 0,
      fallback: t.fallback,
      tierDelaysMs: t.tierDelaysMs.slice(0, MAX_TIERS),
      pageTier2AboveCpm: t.pageTier2AboveCpm,
    }));
    owners.forEach((owner, s) => {
      const sp = this.m.tables.service(s);
      sp.owner = owner >>> 0;
      sp.kinds = (kinds[s] ?? 0) >>> 0;
    });
  }

  private team(teamPlus1: number): RoutingTeam | undefined {
    return teamPlus1 === 0 ? undefined : this.teams[teamPlus1 - 1];
  }

  // Picks the team for a failure of `service` (-1 = none) with kind bits `bits`.
  private chooseTeam(service: number, bits: number): Choice {
    const owner = service < 0 ? 0 : this.m.tables.service(service).owner;
    const owning = this.team(owner);
    if (owning !== undefined) {
      const match = (owning.skills & bits) !== 0 ? RT_SKILL_MATCH : 0;
      return { team: owner, reason: RT_OWNER | match };
    }
    const skilled = this.teams.findIndex((t) => (t.skills & bits) !== 0);
    if (skilled >= 0) return { team: skilled + 1, reason: RT_SKILL };
    const fallback = this.teams.findIndex((t) => t.fallback);
    if (fallback >= 0) return { team: fallback + 1, reason: RT_FALLBACK };
    return { team: 0, reason: RT_NONE };
  }

  // How many tiers a team pages; a team without a policy has one implicit tier.
  private tierCount(teamPlus1: number): number {
    const t = this.team(teamPlus1);
    if (t === undefined) return 0;
    return t.tierDelaysMs.length === 0 ? 1 : t.tierDelaysMs.length;
  }

  // How long tier `tier` has to acknowledge, or +Infinity.
  private tierDelay(teamPlus1: number, tier: number): number {
    return this.team(teamPlus1)?.tierDelaysMs[tier] ?? Number.POSITIVE_INFINITY;
  }

  // Customers a minute above which tier 2 is paged at once.
  private pageThreshold(teamPlus1: number): number {
    const t = this.team(teamPlus1);
    if (t === undefined) return Number.POSITIVE_INFINITY;
    return t.pageTier2AboveCpm > 0 ? t.pageTier2AboveCpm : this.m.params.get(P_PAGE_TIER2_CPM);
  }

  private emitRouted(
    ts: number,
    n: number,
    choice: Choice,
    previous: number,
    bits: number,
    version: number,
  ): void {
    const o = this.m.out.emit(ts, O_ROUTED, n, 0);
    o.a = choice.team;
    o.b = choice.reason;
    o.c = previous;
    o.d = bits >>> 0;
    o.version = version;
  }

  // Writes an O_PAGE record and schedules the next tier; returns when it is
  // due, or 0 when this is the last tier.
  private emitPage(
    ts: number,
    n: number,
    teamPlus1: number,
    tier: number,
    cause: number,
    version: number,
  ): number {
    const o = this.m.out.emit(ts, O_PAGE, n, 0);
    o.a = teamPlus1;
    o.b = tier;
    o.c = cause;
    o.version = version;
    const delay = this.tierDelay(teamPlus1, tier);
    if (delay === Number.POSITIVE_INFINITY || tier + 1 >= this.tierCount(teamPlus1)) return 0;
    const due = ts + delay;
    this.m.timers.schedule(due, T_ESCALATE, n);
    return due;
  }

  // ---- Applying the policy to incidents ----

  /**
   * route sends incident n to the team for its top candidate `top` (-1 =
   * none) with extra failure bits, and pages the team's first tier when the
   * team changes. Called whenever the incident's ranking changes.
   */
  route(n: number, ts: number, top: number, extra: number): void {
    const { tables, incidents } = this.m;
    const inc = tables.incident(n);
    let bits = extra;
    if (top >= 0) bits |= tables.service(top).kinds;
    if (inc.kind === IK_EXPERIENCE) bits |= SKILL_EXPERIENCE;
    bits >>>= 0;
    const choice = this.chooseTeam(top, bits);
    const previous = inc.team;
    if (inc.routed && choice.team === previous) return;
    inc.routed = true;
    inc.team = choice.team;
    this.emitRouted(ts, n, choice, previous, bits, incidents.bump(n));
    inc.escalationDue = 0;
    if (choice.team === 0) return;
    inc.tier = 0;
    const due = this.emitPage(ts, n, choice.team, 0, PG_ROUTED, incidents.bump(n));
    if (!inc.acked) inc.escalationDue = due;
  }

  /** escalateTimer pages the next tier if incident n is still unacknowledged. */
  escalateTimer(n: number, due: number): void {
    const { tables, incidents } = this.m;
    if (!incidents.live(n)) return;
    const inc = tables.incident(n);
    if (inc.escalationDue !== due || inc.acked) return;
    inc.tier = (inc.tier + 1) >>> 0;
    inc.escalationDue = this.emitPage(due, n, inc.team, inc.tier, PG_TIMEOUT, incidents.bump(n));
  }

  /**
   * resumeEscalation re-arms the escalation of reopened incident n, which is
   * unacknowledged again: the tier last paged gets its delay once more.
   */
  resumeEscalation(n: number, ts: number): void {
    const inc = this.m.tables.incident(n);
    const delay = this.tierDelay(inc.team, inc.tier);
    if (delay === Number.POSITIVE_INFINITY || inc.tier + 1 >= this.tierCount(inc.team)) return;
    inc.escalationDue = ts + delay;
    this.m.timers.schedule(inc.escalationDue, T_ESCALATE, n);
  }

  /**
   * maybeSkipTier pages tier 2 at once when incident n costs more customers
   * a minute than its team's threshold, instead of waiting for tier 1's delay.
   */
  maybeSkipTier(n: number, customers: number, ts: number): void {
    const { tables, incidents } = this.m;
    const inc = tables.incident(n);
    if (inc.team === 0 || inc.acked || inc.tier !== 0) return;
    if (this.tierCount(inc.team) < 2 || customers < this.pageThreshold(inc.team)) return;
    inc.tier = 1;
    inc.escalationDue = this.emitPage(ts, n, inc.team, 1, PG_SEVERITY, incidents.bump(n));
  }
}
