// Incidents (mirrors assembly/incidents.ts): correlation of unhealthy
// services through the dependency graph, merging, rehoming, root-cause
// ranking, impact and severity, experience-only incidents, and the lifecycle
// OPEN -> (ACKNOWLEDGED) -> MITIGATED -> RESOLVED with reopening.
import {
  H_DEGRADED,
  H_OK,
  IK_EXPERIENCE,
  IK_SERVICE,
  O_EXPERIENCE,
  O_IMPACT,
  O_MEMBER,
  O_MERGED,
  O_OPENED,
  O_RESOLVED,
  O_ROOT_CAUSE,
  O_SEVERITY,
  O_STATS,
  O_STATUS,
  P_CORRELATION_WINDOW_MS,
  P_MAX_HOPS,
  P_PROPAGATION_MS,
  P_QUIET_MS,
  P_REOPEN_MS,
  P_SEV_CRITICAL_CPM,
  P_SEV_HIGH_CPM,
  R_RECENT_CHANGE,
  SEV_I_CRITICAL,
  SEV_I_HIGH,
  SEV_I_LOW,
  SEV_I_MEDIUM,
  SKILL_DEPLOY,
  ST_ACKNOWLEDGED,
  ST_MERGED,
  ST_MITIGATED,
  ST_OPEN,
  ST_RESOLVED,
} from "../core/layout.js";
import { anomaly, failExcess, riseStart, slowExcess } from "./health.js";
import type { Model } from "./model.js";
import { type Candidate, rankMembers, rankSuspects } from "./root-cause.js";
import { Incident, type ServiceState } from "./state.js";
import { T_RESOLVE } from "./timers.js";

// Smallest change of a top candidate's score worth re-emitting (as the core).
const SCORE_STEP = 0.01;

// The core collects at most this many incidents per correlation search, and
// rehomes at most this many members per recovery (one fixed scratch array).
const MAX_FOUND = 16;
// Burn rate that pages on its own (the SRE workbook's 14.4x).
const FAST_BURN = 14.4;

/** Incidents owns incident records and every decision about them. */
export class Incidents {
  constructor(private readonly m: Model) {}

  /** live tells whether incident n is open, acknowledged or mitigated. */
  live(n: number): boolean {
    if (n === 0 || n > this.m.tables.incidentCount) return false;
    const st = this.m.tables.incident(n).status;
    return st === ST_OPEN || st === ST_ACKNOWLEDGED || st === ST_MITIGATED;
  }

  private newIncident(ts: number, kind: number): number {
    const tables = this.m.tables;
    tables.incidents[tables.incidentCount + 1] = new Incident(kind, ts);
    tables.openIncidents++;
    return tables.incidentCount;
  }

  /** bump advances incident n's version: every record about it carries the version after it. */
  bump(n: number): number {
    const inc = this.m.tables.incident(n);
    inc.version = (inc.version + 1) >>> 0;
    return inc.version;
  }

  private emitStats(ts: number, n: number): void {
    const inc = this.m.tables.incident(n);
    const o = this.m.out.emit(ts, O_STATS, n, 0);
    o.a = inc.alerts;
    o.b = inc.memberCount;
    o.c = inc.unhealthy;
    o.version = this.bump(n);
  }

  private setStatus(n: number, st: number, ts: number, actor: number, reopened: number): void {
    const inc = this.m.tables.incident(n);
    if (inc.status === st) return;
    inc.status = st;
    const o = this.m.out.emit(ts, O_STATUS, n, 0);
    o.a = st;
    o.b = actor;
    o.c = reopened;
    o.version = this.bump(n);
  }

  // Back to OPEN (or ACKNOWLEDGED when someone had acknowledged it) after
  // being MITIGATED: a member failed again.
  private unmitigate(n: number, ts: number): void {
    const inc = this.m.tables.incident(n);
    if (inc.status !== ST_MITIGATED) return;
    this.setStatus(n, inc.acked ? ST_ACKNOWLEDGED : ST_OPEN, ts, 0, 0);
  }

  // ---- Correlation ----

  /**
   * neighbourIncidents lists (in discovery order, at most MAX_FOUND) the live
   * incidents that service s, turning unhealthy at ts, belongs to. Two
   * breadth-first walks over hard edges, up to P_MAX_HOPS, through services
   * not known to be healthy:
   *  - downstream (what s calls): an unhealthy member there may be what s
   *    suffers from;
   *  - upstream (what calls s): a member there may be a symptom of s detected
   *    first, if it turned unhealthy at most P_PROPAGATION_MS before s, or
   *    if nothing else explains it (no other unhealthy hard dependency) and
   *    it failed after s's metrics began to rise; never when another failing
   *    dependency in its incident already explains it (two faults that meet
   *    in a shared caller stay two incidents).
   * An incident qualifies while it has unhealthy members, or within
   * P_CORRELATION_WINDOW_MS of its last change.
   */
  private neighbourIncidents(s: number, ts: number): number[] {
    const { params, tables, graph } = this.m;
    const maxHops = params.getU32(P_MAX_HOPS);
    const window = params.get(P_CORRELATION_WINDOW_MS);
    const propagation = params.get(P_PROPAGATION_MS);
    // A caller that failed well before s began to rise is not its symptom.
    const rise = riseStart(tables.service(s), ts);
    const found: number[] = [];
    for (const downstream of [true, false]) {
      const depth = new Map<number, number>([[s, 0]]);
      const queue = [s];
      for (let head = 0; head < queue.length; head++) {
        const cur = queue[head] as number;
        const cp = tables.service(cur);
        const d = depth.get(cur) as number;
        if (cur !== s) {
          const n = cp.incident;
          if (n !== 0 && cp.health >= H_DEGRADED) {
            const timely =
              downstream ||
              ((ts - cp.onset <= propagation ||
                (!this.hasUnhealthyDep(cur, s) && cp.onset >= rise - propagation)) &&
                !this.explainedByOther(cur, s, n, propagation, rise));
            if (timely && this.live(n)) {
              const inc = tables.incident(n);
              const recent = inc.unhealthy > 0 || ts - inc.activity <= window;
              if (recent && !found.includes(n) && found.length < MAX_FOUND) found.push(n);
            }
          }
          // Only a service not known to be healthy carries the failure on.
          if (cp.health === H_OK) continue;
        }
        if (d >= maxHops) continue;
        const edges = downstream ? graph.dependencies(cur) : graph.callersOf(cur);
        for (const e of edges) {
          if (e.soft || depth.has(e.service)) continue; // callers survive a soft dependency
          depth.set(e.service, d + 1);
          queue.push(e.service);
        }
      }
    }
    return found;
  }

  // Is member id of incident n already explained by an unhealthy hard
  // dependency other than `except` in n that failed before it (or within
  // the propagation window after), while `except` began to rise (at `rise`)
  // only after id failed? Then the later failure of `except` is not what
  // id suffers from.
  private explainedByOther(
    id: number,
    except: number,
    n: number,
    propagation: number,
    rise: number,
  ): boolean {
    const tables = this.m.tables;
    const onset = tables.service(id).onset;
    // A dependency that began to rise no later than id failed may be its
    // cause, whichever was processed first.
    if (rise <= onset) return false;
    for (const e of this.m.graph.dependencies(id)) {
      if (e.soft || e.service === except) continue;
      const dp = tables.service(e.service);
      if (dp.incident === n && dp.health >= H_DEGRADED && dp.onset <= onset + propagation)
        return true;
    }
    return false;
  }

  // Does service id have an unhealthy hard dependency other than `except`?
  private hasUnhealthyDep(id: number, except: number): boolean {
    const tables = this.m.tables;
    for (const e of this.m.graph.dependencies(id)) {
      if (e.soft || e.service === except) continue;
      if (tables.service(e.service).health >= H_DEGRADED) return true;
    }
    return false;
  }

  /** merge folds incident `from` into `into`: members, counters, activity. */
  private merge(from: number, into: number, ts: number): void {
    const tables = this.m.tables;
    const f = tables.incident(from);
    const t = tables.incident(into);
    // The core moves members one by one to the head of into's list, so they
    // end up in reverse order, before into's own members.
    const movedList = [...f.members].reverse();
    for (const id of movedList) {
      const sp = tables.service(id);
      sp.incident = into;
      sp.lastIncident = into;
    }
    t.members = [...movedList, ...t.members];
    const moved = f.memberCount;
    t.memberCount = (t.memberCount + moved) >>> 0;
    t.unhealthy = (t.unhealthy + f.unhealthy) >>> 0;
    t.alerts = (t.alerts + f.alerts) >>> 0;
    t.activity = ts;
    t.resolveDue = 0;
    f.status = ST_MERGED;
    f.escalationDue = 0;
    f.members = [];
    f.resolveDue = 0;
    tables.openIncidents--;
    const o = this.m.out.emit(ts, O_MERGED, from, 0);
    o.a = into;
    o.version = this.bump(from);
    // Re-announce the moved members under `into`: the first `moved` of its list.
    for (const id of t.members.slice(0, moved)) this.emitMember(into, id, ts);
    this.emitStats(ts, into);
  }

  // Reopens the incident s was last part of, when it resolved recently.
  private reopenable(s: number, ts: number): number {
    const tables = this.m.tables;
    const r = tables.service(s).lastIncident;
    if (r === 0) return 0;
    const inc = tables.incident(r);
    if (inc.status !== ST_RESOLVED || inc.kind !== IK_SERVICE) return 0;
    if (ts - inc.resolvedTs > this.m.params.get(P_REOPEN_MS)) return 0;
    tables.openIncidents++;
    inc.resolvedTs = 0;
    this.setStatus(r, ST_OPEN, ts, 0, 1);
    this.m.routing.resumeEscalation(r, ts);
    return r;
  }

  /** onUnhealthy is called when service s turns unhealthy at ts. */
  onUnhealthy(s: number, ts: number): void {
    const tables = this.m.tables;
    const sp = tables.service(s);
    let n = sp.incident;
    if (n !== 0) {
      // Already a member (it had recovered): count it unhealthy again. Its
      // onset stays the first one, which is what ranking compares.
      if (sp.health > sp.peak) sp.peak = sp.health;
      const inc = tables.incident(n);
      inc.unhealthy = (inc.unhealthy + 1) >>> 0;
      inc.resolveDue = 0;
      inc.activity = ts;
      this.unmitigate(n, ts);
      this.emitMember(n, s, ts);
      this.rank(n, ts);
      return;
    }
    // The oldest incident found absorbs the others: detection order need not
    // follow the order in which the failure spread.
    const found = this.neighbourIncidents(s, ts);
    n = found.length === 0 ? 0 : Math.min(...found);
    for (const c of found) if (c !== n) this.merge(c, n, ts);
    if (n === 0) n = this.reopenable(s, ts);
    if (n === 0) {
      n = this.newIncident(ts, IK_SERVICE);
      const o = this.m.out.emit(ts, O_OPENED, n, s);
      o.a = IK_SERVICE;
      o.v0 = ts;
      o.version = this.bump(n);
    }
    // Its onset is when its metrics began to rise, if they did before now.
    this.join(n, s, ts, riseStart(this.m.tables.service(s), ts));
    this.rank(n, ts);
    this.updateSeverity(n, ts);
  }

  // A member record carries the member's health; it is re-sent whenever that
  // health changes so every incident version is complete on its own.
  private emitMember(n: number, s: number, ts: number): void {
    const sp = this.m.tables.service(s);
    const a = anomaly(this.m.params, sp);
    this.notePeaks(sp, a);
    const o = this.m.out.emit(ts, O_MEMBER, n, s);
    o.a = sp.health;
    o.v0 = a;
    o.version = this.bump(n);
  }

  /**
   * onAnomaly records a member's anomaly score when it exceeds its peak in
   * the incident and re-ranks: symptom strength is the peak while a member,
   * not the score at the moment it joined.
   */
  onAnomaly(s: number, ts: number): void {
    const sp = this.m.tables.service(s);
    const n = sp.incident;
    if (n === 0 || sp.health < H_DEGRADED) return;
    if (this.notePeaks(sp, anomaly(this.m.params, sp))) this.rank(n, ts);
  }

  // Raises member sp's peaks (anomaly a, excess failures, excess requests
  // in flight) to what it shows now; true when one grew.
  private notePeaks(sp: ServiceState, a: number): boolean {
    let grew = false;
    if (a > sp.peakAnomaly) {
      sp.peakAnomaly = a;
      grew = true;
    }
    const fail = failExcess(this.m.params, sp);
    if (fail > sp.peakFail) {
      sp.peakFail = fail;
      grew = true;
    }
    const slow = slowExcess(this.m.params, sp);
    if (slow > sp.peakSlow) {
      sp.peakSlow = slow;
      grew = true;
    }
    return grew;
  }

  /** onHealthShift re-ranks when a member moves between DEGRADED and DOWN. */
  onHealthShift(s: number, ts: number): void {
    const sp = this.m.tables.service(s);
    const n = sp.incident;
    if (n === 0) return;
    if (sp.health > sp.peak) sp.peak = sp.health;
    this.emitMember(n, s, ts);
    this.rank(n, ts);
  }

  /** onRecovered is called when service s is healthy again. */
  onRecovered(s: number, ts: number): void {
    const tables = this.m.tables;
    const n = tables.service(s).incident;
    if (n === 0) return;
    const inc = tables.incident(n);
    inc.unhealthy = (inc.unhealthy - 1) >>> 0;
    inc.activity = ts;
    this.emitMember(n, s, ts);
    this.rehome(n, ts);
    if (inc.unhealthy === 0) this.mitigate(n, ts);
    this.rank(n, ts);
  }

  // Every member is healthy again: mitigated; resolved after a quiet period.
  private mitigate(n: number, ts: number): void {
    const inc = this.m.tables.incident(n);
    const due = ts + this.m.params.get(P_QUIET_MS);
    inc.resolveDue = due;
    this.m.timers.schedule(due, T_RESOLVE, n);
    this.setStatus(n, ST_MITIGATED, ts, 0, 0);
  }

  // Is service id unhealthy because of a hard dependency in incident n?
  private explainedWithin(id: number, n: number): boolean {
    const tables = this.m.tables;
    for (const e of this.m.graph.dependencies(id)) {
      if (e.soft) continue;
      const dp = tables.service(e.service);
      if (dp.incident === n && dp.health >= H_DEGRADED) return true;
    }
    return false;
  }

  // The lowest-numbered live incident, other than n, of an unhealthy hard
  // dependency of id (0 = none).
  private otherCause(id: number, n: number): number {
    const tables = this.m.tables;
    let best = 0;
    for (const e of this.m.graph.dependencies(id)) {
      if (e.soft) continue;
      const dp = tables.service(e.service);
      const b = dp.incident;
      if (b !== 0 && b !== n && dp.health >= H_DEGRADED && this.live(b) && (best === 0 || b < best))
        best = b;
    }
    return best;
  }

  /**
   * rehome moves symptoms of incident n whose cause there has recovered but
   * which stay unhealthy because a dependency fails in another live
   * incident. A moved member starts a new onset in its new incident.
   */
  private rehome(n: number, ts: number): void {
    const tables = this.m.tables;
    const inc = tables.incident(n);
    if (inc.memberCount < 2) return;
    const movers = inc.members
      .filter(
        (id) =>
          tables.service(id).health >= H_DEGRADED &&
          !this.explainedWithin(id, n) &&
          this.otherCause(id, n) !== 0,
      )
      .slice(0, MAX_FOUND);
    for (const id of movers) {
      // Asked again now: earlier moves may have changed the answer.
      const to = this.otherCause(id, n);
      this.unlink(n, id);
      inc.memberCount = (inc.memberCount - 1) >>> 0;
      inc.unhealthy = (inc.unhealthy - 1) >>> 0;
      const o = this.m.out.emit(ts, O_MEMBER, n, id);
      o.a = tables.service(id).health;
      o.c = 1; // left this incident (v0, its anomaly, is not set on this record)
      o.version = this.bump(n);
      this.join(to, id, ts, ts);
      this.rank(to, ts);
      this.updateSeverity(to, ts);
    }
  }

  // Removes service id from incident n's member list.
  private unlink(n: number, id: number): void {
    const inc = this.m.tables.incident(n);
    const at = inc.members.indexOf(id);
    if (at >= 0) inc.members.splice(at, 1);
    const sp = this.m.tables.service(id);
    sp.incident = 0;
  }

  // Adds unhealthy service s to live incident n at ts, its failure there
  // having begun at `onset`.
  private join(n: number, s: number, ts: number, onset: number): void {
    const sp = this.m.tables.service(s);
    const inc = this.m.tables.incident(n);
    this.unmitigate(n, ts);
    sp.onset = onset;
    sp.joined = ts;
    sp.linkTs = sp.changeTs;
    sp.linkId = sp.changeId;
    sp.peak = sp.health;
    sp.peakAnomaly = anomaly(this.m.params, sp);
    sp.peakFail = failExcess(this.m.params, sp);
    sp.peakSlow = slowExcess(this.m.params, sp);
    sp.incident = n;
    sp.lastIncident = n;
    inc.members.unshift(s);
    inc.memberCount = (inc.memberCount + 1) >>> 0;
    inc.unhealthy = (inc.unhealthy + 1) >>> 0;
    inc.resolveDue = 0;
    inc.activity = ts;
    this.emitMember(n, s, ts);
  }

  /** onAlert folds an alert on service s into its live incident, if any. */
  onAlert(s: number, ts: number): void {
    const n = this.m.tables.service(s).incident;
    if (n === 0) return;
    const inc = this.m.tables.incident(n);
    inc.alerts = (inc.alerts + 1) >>> 0;
    this.emitStats(ts, n);
  }

  /** resolveTimer resolves incident n if its quiet period passed untouched. */
  resolveTimer(n: number, due: number): void {
    if (!this.live(n)) return;
    const inc = this.m.tables.incident(n);
    if (inc.resolveDue !== due || inc.unhealthy !== 0) return;
    this.close(n, due, 0);
  }

  // Resolves incident n at ts; `actor` is the actor id + 1 for a manual
  // resolution, 0 when the signals resolved it. Members leave (their peaks
  // reset), recovered or not, and the member counters with them: counters
  // that outlived them would hold a reopened incident unhealthy for ever.
  private close(n: number, ts: number, actor: number): void {
    const tables = this.m.tables;
    const inc = tables.incident(n);
    inc.status = ST_RESOLVED;
    inc.resolveDue = 0;
    inc.escalationDue = 0;
    inc.resolvedTs = ts;
    tables.openIncidents--;
    for (const id of inc.members) {
      const sp = tables.service(id);
      sp.incident = 0;
      sp.peak = 0;
    }
    inc.members = [];
    inc.memberCount = 0;
    inc.unhealthy = 0;
    // An acknowledgement covers this episode only: a reopened incident
    // needs a new one, and escalates until it gets it.
    inc.acked = false;
    const o = this.m.out.emit(ts, O_RESOLVED, n, 0);
    o.v0 = inc.opened;
    o.b = actor;
    o.version = this.bump(n);
  }

  /**
   * applyAction applies an acknowledgement (code 1) or a manual resolution
   * (code 2) of incident n by `actor`. Actions on unknown or closed
   * incidents change nothing.
   */
  applyAction(n: number, ts: number, code: number, actor: number): void {
    if (!this.live(n)) return;
    const inc = this.m.tables.incident(n);
    if (code === 1) {
      if (inc.acked) return;
      inc.acked = true;
      inc.escalationDue = 0; // acknowledged: no further tiers
      if (inc.status === ST_OPEN) this.setStatus(n, ST_ACKNOWLEDGED, ts, (actor + 1) >>> 0, 0);
    } else if (code === 2) {
      this.close(n, ts, (actor + 1) >>> 0);
    }
  }

  // ---- Impact and severity ----

  /** impactChanged records journey j's impact on incident n and updates severity. */
  impactChanged(
    n: number,
    j: number,
    ts: number,
    success: number,
    affected: number,
    burnShort: number,
    burnLong: number,
    cpm: number,
    measured: number,
  ): void {
    const o = this.m.out.emit(ts, O_IMPACT, n, j);
    o.a = measured;
    o.v0 = success;
    o.v1 = affected;
    o.v2 = burnShort;
    o.v3 = burnLong;
    o.v4 = cpm;
    o.version = this.bump(n);
    this.updateSeverity(n, ts);
  }

  // Severity from customer impact: customers affected per minute over the
  // incident's journeys (each counted once, in member order), raised to HIGH
  // by a fast error-budget burn even when few customers are counted.
  private updateSeverity(n: number, ts: number): void {
    const { tables, graph, journeys, params } = this.m;
    const inc = tables.incident(n);
    const seen = new Set<number>();
    let total = 0;
    let burn = 0;
    let unhealthy = 0;
    for (const id of inc.members) {
      if (tables.service(id).health >= H_DEGRADED) unhealthy++;
      for (const j of graph.journeysOf(id)) {
        if (seen.has(j)) continue;
        seen.add(j);
        total += journeys.affectedFor(j, n);
        burn = Math.max(burn, journeys.burnShort(j));
      }
    }
    this.m.routing.maybeSkipTier(n, total, ts);
    // An experience incident's impact is its journey's (counted after the
    // tier-2 check, as in the core).
    const ej = inc.journey;
    if (ej !== 0 && !seen.has(ej - 1)) total += journeys.affectedFor(ej - 1, n);
    let sev = SEV_I_LOW;
    if (total >= params.get(P_SEV_CRITICAL_CPM)) sev = SEV_I_CRITICAL;
    else if (total >= params.get(P_SEV_HIGH_CPM) || burn >= FAST_BURN) sev = SEV_I_HIGH;
    else if (total > 0 || unhealthy > 1 || inc.kind === IK_EXPERIENCE) sev = SEV_I_MEDIUM;
    if (inc.severity === sev) return;
    inc.severity = sev;
    const o = this.m.out.emit(ts, O_SEVERITY, n, 0);
    o.a = sev;
    o.v0 = total;
    o.version = this.bump(n);
  }

  // ---- Experience ----

  /**
   * emitExperience attaches journey j's experience drop to incident n;
   * `absorbed` is an experience-only incident that n now explains (merged).
   */
  emitExperience(n: number, j: number, ts: number, bits: number, absorbed: number): void {
    if (absorbed !== 0 && this.live(absorbed)) this.merge(absorbed, n, ts);
    const p = this.m.tables.journey(j);
    const o = this.m.out.emit(ts, O_EXPERIENCE, n, j);
    o.a = bits;
    o.v0 = p.feedback.fast;
    o.v1 = p.feedback.base;
    o.v2 = p.abandon.fast;
    o.v3 = p.abandon.base;
    o.version = this.bump(n);
  }

  /**
   * openExperienceIncident opens an incident for a journey whose customers
   * are unhappy while no live incident explains it, naming the journey's
   * three most suspicious services: anomaly (even below the unhealthy
   * threshold), degraded health, and a change shortly before.
   */
  openExperienceIncident(j: number, ts: number, bits: number): number {
    const n = this.newIncident(ts, IK_EXPERIENCE);
    this.m.tables.incident(n).journey = j + 1;
    const o = this.m.out.emit(ts, O_OPENED, n, j);
    o.a = IK_EXPERIENCE;
    o.v0 = ts;
    o.version = this.bump(n);
    const top = rankSuspects(this.m, j, ts).slice(0, 3);
    for (const [r, c] of top.entries()) this.emitCandidate(n, ts, c, r + 1, top.length);
    this.emitExperience(n, j, ts, bits, 0);
    this.m.routing.route(n, ts, top[0]?.service ?? -1, 0);
    this.updateSeverity(n, ts);
    return n;
  }

  /** experienceCleared starts the quiet period of an experience-only incident. */
  experienceCleared(n: number, ts: number): void {
    if (!this.live(n)) return;
    const inc = this.m.tables.incident(n);
    if (inc.memberCount !== 0) return;
    const due = ts + this.m.params.get(P_QUIET_MS);
    inc.resolveDue = due;
    this.m.timers.schedule(due, T_RESOLVE, n);
    this.setStatus(n, ST_MITIGATED, ts, 0, 0);
  }

  // ---- Root cause ----

  // Ranks incident n's members (see root-cause.ts) and emits the top three
  // when the ranking changed: its ids, or a score by SCORE_STEP or more.
  /**
   * While records (not timers) apply, the incidents ranked are listed to be
   * ranked again once their instant is complete (settle; assembly/
   * incidents.ts, "Settling an instant").
   */
  tracking = false;
  private readonly toSettle: number[] = [];

  /** unsettled is how many incidents wait to be ranked again. */
  get unsettled(): number {
    return this.toSettle.length;
  }

  /** settle ranks again, at ts, every live service incident ranked during the instant ts. */
  settle(ts: number): void {
    for (const n of this.toSettle) {
      if (this.live(n) && this.m.tables.incident(n).kind === IK_SERVICE) this.rank(n, ts);
    }
    this.toSettle.length = 0;
  }

  private rank(n: number, ts: number): void {
    if (this.tracking && !this.toSettle.includes(n)) this.toSettle.push(n);
    const inc = this.m.tables.incident(n);
    const top = rankMembers(this.m, n, ts).slice(0, 3);
    const same =
      top.length === inc.top.length &&
      top.every(
        (c, i) =>
          c.service === inc.top[i] && Math.abs((inc.topScores[i] ?? 0) - c.score) < SCORE_STEP,
      );
    if (same) return;
    inc.top = top.map((c) => c.service);
    inc.topScores = top.map((c) => Math.fround(c.score));
    for (const [i, c] of top.entries()) this.emitCandidate(n, ts, c, i + 1, top.length);
    // A new ranking may change who should handle it. (rank always has at
    // least one member to rank: the one that just changed.)
    const lead = top[0] as Candidate;
    this.m.routing.route(
      n,
      ts,
      lead.service,
      (lead.reasons & R_RECENT_CHANGE) !== 0 ? SKILL_DEPLOY : 0,
    );
  }

  private emitCandidate(n: number, ts: number, c: Candidate, rank: number, count: number): void {
    const o = this.m.out.emit(ts, O_ROOT_CAUSE, n, c.service);
    o.a = rank;
    o.b = count;
    o.v0 = c.score;
    o.c = c.change;
    o.d = c.reasons;
    o.version = this.bump(n);
  }
}
