// Routing and escalation: an incident goes to the team that owns its top
// root-cause candidate; when nobody owns it, to a team whose skills match the
// kind of failure (the service's kinds, "deploy" when a change came shortly
// before, "experience" for experience-only incidents), else to the fallback
// team. Re-ranking that changes the top candidate re-routes, with the reason.
// The routed team's escalation tiers are paged on event time: tier 1 at once,
// each next tier when the one before did not acknowledge within its delay,
// and tier 2 at once when the incident costs more customers a minute than
// the team's threshold. Acknowledgement stops escalation.
import { allocBlock, freeBlock } from "./arena";
import { get, getF, put, putF } from "./state";
import {
  O_PAGE,
  O_ROUTED,
  P_PAGE_TIER2_CPM,
  RT_FALLBACK,
  RT_NONE,
  RT_OWNER,
  RT_SKILL,
  RT_SKILL_MATCH,
} from "./layout";
import { emit, setA, setB, setC, setD, setVersion } from "./output";
import { param } from "./params";
import { S_KINDS, S_OWNER, svc } from "./services";
import { schedule, T_ESCALATE } from "./timers";

// Team record: skills u32, fallback u8, tiers u8, (pad), threshold f64,
// delays f64[MAX_TIERS].
const MAX_TIERS: u32 = 8;
const T_BYTES: usize = 16 + <usize>MAX_TIERS * 8;
const T_SKILLS: usize = 0;
const T_FALLBACK: usize = 4;
const T_TIERS: usize = 5;
const T_THRESHOLD: usize = 8;
const T_DELAYS: usize = 16;

let teamBase: usize = 0;
let teamBytes: usize = 0;
export let teamCount: u32 = 0;

// @ts-ignore: decorator
@inline
function team(id: u32): usize {
  return teamBase + <usize>id * T_BYTES;
}

/**
 * teamsStage reserves room for `n` teams; the host then writes each team's
 * record (skills, fallback, tiers, threshold, delays in ms) at the address
 * returned, T_BYTES apart, and service owners and kinds with setServiceRouting.
 */
export function teamsStage(n: u32): usize {
  freeBlock(teamBase, teamBytes);
  teamBytes = <usize>max<u32>(n, 1) * T_BYTES;
  teamBase = allocBlock(teamBytes);
  teamCount = n;
  return teamBase;
}

/** teamRecordBytes is the size of one staged team record. */
export function teamRecordBytes(): u32 {
  return <u32>T_BYTES;
}

/** setServiceRouting records service s's owner (team id + 1, 0 = none) and kind bits. */
export function setServiceRouting(s: u32, owner: u32, kinds: u32): void {
  const p = svc(s);
  store<u32>(p + S_OWNER, owner);
  store<u32>(p + S_KINDS, kinds);
}

/** chooseTeam picks the team for a failure of `service` with kind bits `bits`; returns (team + 1) | reason << 24. */
export function chooseTeam(service: u32, bits: u32): u32 {
  const owner: u32 = service == 0xffffffff ? 0 : load<u32>(svc(service) + S_OWNER);
  if (owner != 0 && owner <= teamCount) {
    const match = (load<u32>(team(owner - 1) + T_SKILLS) & bits) != 0 ? RT_SKILL_MATCH : 0;
    return owner | ((RT_OWNER | match) << 24);
  }
  for (let t: u32 = 0; t < teamCount; t++) {
    if ((load<u32>(team(t) + T_SKILLS) & bits) != 0) return (t + 1) | (RT_SKILL << 24);
  }
  for (let t: u32 = 0; t < teamCount; t++) {
    if (load<u8>(team(t) + T_FALLBACK) != 0) return (t + 1) | (RT_FALLBACK << 24);
  }
  return RT_NONE << 24;
}

/** serviceKinds is the failure-kind bits of service s. */
export function serviceKinds(s: u32): u32 {
  return load<u32>(svc(s) + S_KINDS);
}

/** emitRouted writes an O_ROUTED record; the caller bumps the version through `bump`. */
export function emitRouted(ts: f64, n: u32, teamPlus1: u32, reason: u32, previous: u32, bits: u32, version: u32): void {
  const o = emit(ts, O_ROUTED, n, 0);
  setA(o, teamPlus1);
  setB(o, reason);
  setC(o, previous);
  setD(o, bits);
  setVersion(o, version);
}

/** tierCount is how many tiers team (id + 1) pages; a team without a policy has one implicit tier. */
export function tierCount(teamPlus1: u32): u32 {
  if (teamPlus1 == 0 || teamPlus1 > teamCount) return 0;
  const t = <u32>load<u8>(team(teamPlus1 - 1) + T_TIERS);
  return t == 0 ? 1 : t;
}

/** tierDelay is how long tier `tier` of team (id + 1) has to acknowledge, or +inf. */
export function tierDelay(teamPlus1: u32, tier: u32): f64 {
  if (teamPlus1 == 0 || teamPlus1 > teamCount) return Infinity;
  const p = team(teamPlus1 - 1);
  if (tier >= <u32>load<u8>(p + T_TIERS)) return Infinity;
  return load<f64>(p + T_DELAYS + <usize>tier * 8);
}

/** pageThreshold is the customers-per-minute above which tier 2 is paged at once. */
export function pageThreshold(teamPlus1: u32): f64 {
  if (teamPlus1 == 0 || teamPlus1 > teamCount) return Infinity;
  const v = load<f64>(team(teamPlus1 - 1) + T_THRESHOLD);
  return v > 0 ? v : param(P_PAGE_TIER2_CPM);
}

/** emitPage writes an O_PAGE record and schedules the next tier's timer. */
export function emitPage(ts: f64, n: u32, teamPlus1: u32, tier: u32, cause: u32, version: u32): f64 {
  const o = emit(ts, O_PAGE, n, 0);
  setA(o, teamPlus1);
  setB(o, tier);
  setC(o, cause);
  setVersion(o, version);
  const delay = tierDelay(teamPlus1, tier);
  if (delay == Infinity || tier + 1 >= tierCount(teamPlus1)) return 0;
  const due = ts + delay;
  schedule(due, T_ESCALATE, n);
  return due;
}

/** saveState writes this module's globals for a checkpoint (see state.ts). */
export function saveState(): void {
  put(<u64>teamBase);
  put(<u64>teamBytes);
  put(<u64>teamCount);
}

/** loadState reads them back in the same order. */
export function loadState(): void {
  teamBase = <usize>get();
  teamBytes = <usize>get();
  teamCount = <u32>get();
}
