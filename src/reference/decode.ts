// Decoding of the reference model's decision records into named
// CoreOutputs, field for field as TenantCore.decode reads the core's.
import * as L from "../core/layout.js";
import type { ChangeInfo, CoreOutput } from "../core/tenant-core.js";
import type { OutputRecord } from "./records.js";

/** Names resolves the ids in decision records to names. */
export interface Names {
  service(id: number): string;
  journey(id: number): string;
  /** Actor id + 1, 0 = nobody. */
  actor(idPlus1: number): string;
  /** Team id + 1, 0 = none. */
  team(idPlus1: number): string;
  /** Skill and kind names of a bit set. */
  skills(bits: number): string[];
  /** A remembered change (0 or forgotten: undefined). */
  change(id: number): ChangeInfo | undefined;
}

function target(
  kind: number,
  id: number,
  names: Names,
): { targetKind: "service" | "journey"; target: string } {
  return kind === 1
    ? { targetKind: "journey", target: names.journey(id) }
    : { targetKind: "service", target: names.service(id) };
}

/** decodeRecord names one decision record. */
export function decodeRecord(o: OutputRecord, names: Names): CoreOutput {
  const { ts, incident, version } = o;
  switch (o.type) {
    case L.O_OPENED: {
      const experience = o.a === L.IK_EXPERIENCE;
      return {
        type: "opened",
        ts,
        incident,
        version,
        kind: o.a,
        service: experience ? "" : names.service(o.entity),
        journey: experience ? names.journey(o.entity) : "",
      };
    }
    case L.O_MEMBER:
      return {
        type: "member",
        ts,
        incident,
        version,
        service: names.service(o.entity),
        health: o.a,
        anomaly: o.v0,
        left: o.c === 1,
      };
    case L.O_ROOT_CAUSE:
      return {
        type: "root_cause",
        ts,
        incident,
        version,
        service: names.service(o.entity),
        rank: o.a,
        count: o.b,
        score: o.v0,
        reasons: o.d,
        change: names.change(o.c),
      };
    case L.O_RESOLVED:
      return { type: "resolved", ts, incident, version, openedTs: o.v0, actor: names.actor(o.b) };
    case L.O_STATUS:
      return {
        type: "status",
        ts,
        incident,
        version,
        status: o.a,
        actor: names.actor(o.b),
        reopened: o.c === 1,
      };
    case L.O_HEALTH:
      return {
        type: "health",
        ts,
        service: names.service(o.entity),
        health: o.a,
        previous: o.b,
        errorRate: o.v0,
        latencyMs: o.v1,
        anomaly: o.v2,
      };
    case L.O_STATS:
      return { type: "stats", ts, incident, version, alerts: o.a, members: o.b, unhealthy: o.c };
    case L.O_LATE:
      return { type: "late", ts, index: o.a, watermark: o.v0 };
    case L.O_MERGED:
      return { type: "merged", ts, incident, version, into: o.a };
    case L.O_IMPACT:
      return {
        type: "impact",
        ts,
        incident,
        version,
        journey: names.journey(o.entity),
        successRatio: o.v0,
        customersAffectedPerMin: o.v1,
        burnRateShort: o.v2,
        burnRateLong: o.v3,
        customersPerMin: o.v4,
        measured: o.a === 1,
      };
    case L.O_SEVERITY:
      return {
        type: "severity",
        ts,
        incident,
        version,
        severity: o.a,
        customersAffectedPerMin: o.v0,
      };
    case L.O_PREDICTION:
      return {
        type: "prediction",
        ts,
        id: o.b,
        ...target(o.a, o.entity, names),
        breachAt: o.v0,
        forecast: o.v1,
        level: o.v2,
        threshold: o.v3,
        customersAffectedPerMin: o.v4,
      };
    case L.O_PREDICTION_OUTCOME:
      return {
        type: "prediction_outcome",
        ts,
        id: o.b,
        ...target(o.a, o.entity, names),
        hit: o.c === 1,
        breachAt: o.v0,
        issuedAt: o.v1,
      };
    case L.O_ROUTED:
      return {
        type: "routed",
        ts,
        incident,
        version,
        team: names.team(o.a),
        reason: o.b,
        previous: names.team(o.c),
        failureKinds: names.skills(o.d),
      };
    case L.O_PAGE:
      return {
        type: "page",
        ts,
        incident,
        version,
        team: names.team(o.a),
        tier: o.b,
        cause: o.c,
      };
    case L.O_EXPERIENCE:
      return {
        type: "experience",
        ts,
        incident,
        version,
        journey: names.journey(o.entity),
        drop: o.a,
        feedback: o.v0,
        feedbackBaseline: o.v1,
        abandonment: o.v2,
        abandonmentBaseline: o.v3,
      };
    default:
      throw new RangeError(`reference emitted unknown output type ${o.type}`);
  }
}
