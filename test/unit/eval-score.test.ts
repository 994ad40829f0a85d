// Scoring on hand-made ground truth and observations: each metric, the
// matching rules (membership and time window, merged incidents), missed
// faults, and the determinism comparison.
import { describe, expect, it } from "vitest";
import {
  aggregate,
  type CaseTruth,
  compareRuns,
  DETECTION_GRACE_MS,
  detectionTime,
  groupIncidents,
  impactError,
  leadTime,
  type Observation,
  type PredictionRecord,
  percentile,
  predictionRecord,
  scoreCase,
} from "../../src/eval/index.js";
import {
  Incident,
  IncidentStatus,
  JourneyImpact,
  Prediction,
  PredictionOutcome,
} from "../../src/gen/impactd/v1/incident.js";
import type { GroundTruth } from "../../src/sim/index.js";

const T0 = Date.UTC(2025, 0, 6, 8, 0, 0);
const MIN = 60_000;

function inc(p: Partial<Incident> & { id: string }): Incident {
  return Incident.fromPartial({
    status: IncidentStatus.INCIDENT_STATUS_OPEN,
    version: 1,
    updatedUnixMs: p.openedUnixMs ?? 0,
    ...p,
  });
}

function impact(journey: string, customersAffectedPerMin: number): JourneyImpact {
  return JourneyImpact.fromPartial({ journey, customersAffectedPerMin, successRatio: 0.9 });
}

function ranked(...services: string[]) {
  return services.map((service, i) => ({
    service,
    rank: i + 1,
    score: 1 / (i + 1),
    reason: "",
    change: "",
  }));
}

function fault(p: Partial<GroundTruth> & { rootCause: string }): GroundTruth {
  return {
    kind: "hard-failure",
    rootKind: "service",
    startMs: T0 + 10 * MIN,
    endMs: T0 + 20 * MIN,
    affected: [p.rootCause],
    noise: false,
    serviceBreachMs: {},
    journeyBreachMs: {},
    journeys: [],
    impact: [],
    ...p,
  };
}

function truth(faults: GroundTruth[], over: Partial<CaseTruth> = {}): CaseTruth {
  return {
    caseId: "c000-test",
    estate: "shop",
    kind: faults[0]?.kind ?? "hard-failure",
    faults,
    alertsFiring: 100,
    alertEpisodes: 10,
    lateExpected: 0,
    duplicatesSent: 0,
    ...over,
  };
}

function obs(versions: Incident[], over: Partial<Observation> = {}): Observation {
  const latest = new Map<string, Incident>();
  for (const v of versions) latest.set(v.id, v);
  return {
    versions,
    final: [...latest.values()],
    predictions: undefined,
    late: 0,
    duplicates: 0,
    rejected: {},
    batches: 1,
    ...over,
  };
}

describe("matching", () => {
  const db = fault({ rootCause: "payments-db" });

  it("detects a fault when an incident lists its root inside the window, at the opening", () => {
    const opened = T0 + 10 * MIN + 7_000;
    const v1 = inc({
      id: "a",
      openedUnixMs: opened,
      updatedUnixMs: opened + 500,
      services: ["payments-db"],
    });
    const [g] = groupIncidents([v1]);
    expect(g && detectionTime(g, db)).toBe(opened);
  });

  it("takes the version time when the root joins an incident later", () => {
    const v1 = inc({ id: "a", openedUnixMs: T0 + 10 * MIN, services: ["payments"] });
    const v2 = inc({
      id: "a",
      version: 2,
      openedUnixMs: T0 + 10 * MIN,
      updatedUnixMs: T0 + 11 * MIN,
      services: ["payments", "payments-db"],
    });
    const [g] = groupIncidents([v1, v2]);
    expect(g && detectionTime(g, db)).toBe(T0 + 11 * MIN);
  });

  it("ignores incidents outside the window or without the root", () => {
    const before = inc({ id: "a", openedUnixMs: T0 + 5 * MIN, services: ["payments-db"] });
    const after = inc({
      id: "b",
      openedUnixMs: db.endMs + DETECTION_GRACE_MS + 1,
      services: ["payments-db"],
    });
    const other = inc({ id: "c", openedUnixMs: T0 + 12 * MIN, services: ["search"] });
    const s = scoreCase(truth([db]), obs([before, after, other]));
    expect(s.faults[0]?.detected).toBe(false);
    expect(s.spuriousIncidents).toBe(3);
    expect(aggregate([s], null).missed_faults).toBe(1);
  });

  it("follows mergedInto: one group, detected at the earliest member, ranked by the survivor", () => {
    const a1 = inc({ id: "a", openedUnixMs: T0 + 10 * MIN + 2_000, services: ["payments"] });
    const b1 = inc({ id: "b", openedUnixMs: T0 + 10 * MIN + 1_000, services: ["payments-db"] });
    const a2 = inc({
      id: "a",
      version: 5,
      openedUnixMs: a1.openedUnixMs,
      updatedUnixMs: T0 + 12 * MIN,
      services: ["payments", "payments-db"],
      rootCauses: ranked("payments-db", "payments"),
    });
    const b2 = inc({
      id: "b",
      version: 3,
      status: IncidentStatus.INCIDENT_STATUS_MERGED,
      mergedInto: "a",
      openedUnixMs: b1.openedUnixMs,
      updatedUnixMs: T0 + 12 * MIN,
      services: ["payments-db"],
      rootCauses: ranked("payments-db"),
    });
    const groups = groupIncidents([a1, b1, a2, b2]);
    expect(groups.map((g) => [g.id, g.members.sort()])).toEqual([["a", ["a", "b"]]]);
    const s = scoreCase(truth([db]), obs([a1, b1, a2, b2]));
    expect(s.incidents).toBe(1);
    expect(s.faults[0]).toMatchObject({
      detected: true,
      incident: "a",
      detectionLatencyMs: 1_000,
      rank: 1,
    });
  });

  it("follows merge chains and survives a merge into an unknown incident", () => {
    const a = inc({ id: "a", openedUnixMs: T0 });
    const b = inc({
      id: "b",
      openedUnixMs: T0,
      status: IncidentStatus.INCIDENT_STATUS_MERGED,
      mergedInto: "a",
    });
    const c = inc({
      id: "c",
      openedUnixMs: T0,
      status: IncidentStatus.INCIDENT_STATUS_MERGED,
      mergedInto: "b",
    });
    const d = inc({
      id: "d",
      openedUnixMs: T0,
      status: IncidentStatus.INCIDENT_STATUS_MERGED,
      mergedInto: "zz",
    });
    expect(groupIncidents([a, b, c, d]).map((g) => [g.id, g.members.sort()])).toEqual([
      ["a", ["a", "b", "c"]],
      ["d", ["d"]],
    ]);
  });

  it("matches an experience-only fault by a claimed impact on its journey", () => {
    const ux = fault({
      kind: "experience-only",
      rootKind: "journey",
      rootCause: "checkout",
      affected: [],
    });
    const listed = inc({
      id: "a",
      openedUnixMs: T0 + 11 * MIN,
      services: ["web-frontend"],
      journeys: [impact("checkout", 0)],
    });
    expect(scoreCase(truth([ux]), obs([listed])).faults[0]?.detected).toBe(false);
    const claimed = inc({
      ...listed,
      id: "b",
      journeys: [impact("checkout", 240)],
    });
    const s = scoreCase(truth([ux]), obs([claimed]));
    expect(s.faults[0]).toMatchObject({ detected: true, detectionLatencyMs: MIN });
    expect(s.faults[0]?.rank).toBeUndefined(); // no root service to rank
  });
});

describe("root-cause rank", () => {
  it("ranks the true root, leaving out the roots of other real faults in the same incident", () => {
    const db = fault({ rootCause: "payments-db" });
    const search = fault({ kind: "deploy-regression", rootCause: "search" });
    const v = inc({
      id: "a",
      openedUnixMs: T0 + 10 * MIN + 1_000,
      services: ["search", "payments-db", "api-gateway"],
      rootCauses: ranked("search", "api-gateway", "payments-db"),
    });
    const s = scoreCase(truth([db, search]), obs([v]));
    expect(s.faults.map((f) => f.rank)).toEqual([2, 1]);
    const m = aggregate([s], null);
    expect(m.rca_top1).toBe(0.5);
    expect(m.rca_top3).toBe(1);
  });

  it("scores a root outside the candidates, and a missed fault, as wrong", () => {
    const db = fault({ rootCause: "payments-db" });
    const missed = fault({ rootCause: "search", startMs: T0 + 30 * MIN, endMs: T0 + 40 * MIN });
    const v = inc({
      id: "a",
      openedUnixMs: T0 + 10 * MIN,
      services: ["payments-db", "payments", "checkout", "api-gateway", "web-frontend"],
      rootCauses: ranked("payments", "checkout", "api-gateway", "web-frontend"),
    });
    const s = scoreCase(truth([db, missed]), obs([v]));
    expect(s.faults[0]).toMatchObject({ detected: true });
    expect(s.faults[0]?.rank).toBeUndefined();
    const m = aggregate([s], null);
    expect(m).toMatchObject({ rca_faults: 2, rca_top1: 0, rca_top3: 0, missed_faults: 1 });
  });

  it("checks that the candidate links the guilty deploy", () => {
    const f = fault({
      kind: "deploy-regression",
      rootCause: "search",
      changeEventId: "sim-1-fault-0-deploy",
    });
    const linked = inc({
      id: "a",
      openedUnixMs: T0 + 11 * MIN,
      services: ["search"],
      rootCauses: [
        {
          service: "search",
          rank: 1,
          score: 1,
          reason: "",
          change: "deploy 1.4.0 at ... (event sim-1-fault-0-deploy)",
        },
      ],
    });
    expect(scoreCase(truth([f]), obs([linked])).faults[0]?.changeLinked).toBe(true);
    const wrong = inc({ ...linked, rootCauses: ranked("search") });
    const s = scoreCase(truth([f]), obs([wrong]));
    expect(s.faults[0]?.changeLinked).toBe(false);
    expect(aggregate([s], null).change_link_rate).toBe(0);
  });
});

describe("noise", () => {
  it("is 1 - incidents / alert notifications, pooled over cases, with noise incidents counted", () => {
    const db = fault({ rootCause: "payments-db" });
    const flap = fault({ kind: "flapping", rootCause: "recommendations", noise: true });
    const real = inc({ id: "a", openedUnixMs: T0 + 10 * MIN, services: ["payments-db"] });
    const noisy = inc({ id: "b", openedUnixMs: T0 + 12 * MIN, services: ["recommendations"] });
    const s1 = scoreCase(
      truth([db, flap], { alertsFiring: 40, alertEpisodes: 8 }),
      obs([real, noisy]),
    );
    const s2 = scoreCase(truth([db], { alertsFiring: 60, alertEpisodes: 2 }), obs([real]));
    expect(s1).toMatchObject({ incidents: 2, noiseIncidents: 1, spuriousIncidents: 0 });
    const m = aggregate([s1, s2], null);
    expect(m.noise_reduction).toBeCloseTo(1 - 3 / 100);
    expect(m.noise_reduction_episodes).toBeCloseTo(1 - 3 / 10);
    expect(m.noise_faults_in_incidents).toBe(1);
    expect(m.missed_faults).toBe(0); // noise is never "missed"
    expect(
      aggregate([scoreCase(truth([db], { alertsFiring: 0 }), obs([]))], null).noise_reduction,
    ).toBeNull();
  });
});

describe("detection latency", () => {
  it("takes nearest-rank p50 and p95 over detected real faults", () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([5, 1, 3], 0.5)).toBe(3);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(
      percentile(
        Array.from({ length: 20 }, (_, i) => i + 1),
        0.95,
      ),
    ).toBe(19);
    const cases = [1_000, 2_000, 30_000].map((lat, i) => {
      const f = fault({ rootCause: `s${i}` });
      return scoreCase(
        truth([f]),
        obs([inc({ id: `i${i}`, openedUnixMs: f.startMs + lat, services: [`s${i}`] })]),
      );
    });
    const m = aggregate(cases, null);
    expect(m.detection_latency_p50_ms).toBe(2_000);
    expect(m.detection_latency_p95_ms).toBe(30_000);
  });
});

describe("impact error", () => {
  // checkout loses 100 customers a minute for the whole fault, 80 of whom fail
  // (the other 20 give up).
  const f = fault({
    rootCause: "payments-db",
    journeys: ["checkout"],
    impact: [
      {
        journey: "checkout",
        points: Array.from(
          { length: 10 },
          (_, k) => [T0 + 10 * MIN + k * MIN, 100, 80] as [number, number, number],
        ),
      },
    ],
  });
  const claim = (perMin: number, at: number, version: number, extra: Partial<Incident> = {}) =>
    inc({
      id: "a",
      version,
      openedUnixMs: T0 + 10 * MIN,
      updatedUnixMs: at,
      services: ["payments-db"],
      journeys: [impact("checkout", perMin)],
      ...extra,
    });

  it("is 0 for an exact estimate and the relative error otherwise", () => {
    const exact = scoreCase(truth([f]), obs([claim(100, T0 + 10 * MIN, 1)]));
    expect(exact.faults[0]?.impactError).toBe(0);
    const over = scoreCase(truth([f]), obs([claim(120, T0 + 10 * MIN, 1)]));
    expect(over.faults[0]?.impactError).toBeCloseTo(0.2);
    // Against those who failed only, 100 is 25% over and 120 is 50% over.
    expect(exact.faults[0]?.impactErrorFailedOnly).toBeCloseTo(0.25);
    expect(aggregate([exact, over], null).impact_error_failed_only).toBeCloseTo(0.375);
    expect(aggregate([exact, over], null)).toMatchObject({ impact_faults: 2 });
    expect(aggregate([exact, over], null).impact_error).toBeCloseTo(0.1);
  });

  it("reads the estimate in force a minute after each minute, from detection plus settling", () => {
    // Wrong until 14:00, right after: the minutes scored are 12..19 (two
    // minutes after the opening at 10, to the end at 20), their estimates
    // read at 13..20, so one of eight is off by 100%.
    const versions = [claim(0, T0 + 10 * MIN, 1), claim(100, T0 + 14 * MIN, 2)];
    const s = scoreCase(truth([f]), obs(versions));
    expect(s.faults[0]?.impactError).toBeCloseTo(1 / 8);
  });

  it("counts a resolved incident as claiming nothing and a missed fault as error 1", () => {
    const resolved = claim(100, T0 + 12 * MIN, 2, {
      status: IncidentStatus.INCIDENT_STATUS_RESOLVED,
    });
    const s = scoreCase(truth([f]), obs([claim(100, T0 + 10 * MIN, 1), resolved]));
    // Estimates read at 13..20 all see the resolved version: nothing claimed.
    expect(s.faults[0]?.impactError).toBe(1);
    expect(impactError(f, [], [f])).toBe(1);
  });

  it("skips journey-minutes another real fault also hits", () => {
    const other = fault({
      rootCause: "checkout",
      startMs: T0 + 15 * MIN,
      endMs: T0 + 30 * MIN,
      impact: [{ journey: "checkout", points: [[T0 + 15 * MIN, 50, 50]] }],
    });
    // Just after 15 the incident claims both faults' customers (150): those
    // minutes are not this fault's alone and are left out; 12..14 (read at
    // 13..15) are clean and right.
    const versions = [claim(100, T0 + 10 * MIN, 1), claim(150, T0 + 15 * MIN + 1_000, 2)];
    const s = scoreCase(truth([f, other]), obs(versions));
    expect(s.faults[0]?.impactError).toBe(0);
    expect(scoreCase(truth([f]), obs(versions)).faults[0]?.impactError).toBeGreaterThan(0);
  });
});

describe("predictions", () => {
  const gradual = fault({
    kind: "gradual-degradation",
    rootCause: "catalog-db",
    startMs: T0,
    endMs: T0 + 40 * MIN,
    breachMs: T0 + 20 * MIN,
    serviceBreachMs: { "catalog-db": T0 + 20 * MIN, catalog: T0 + 25 * MIN },
    journeyBreachMs: { browse: T0 + 22 * MIN },
  });
  const p = (over: Partial<PredictionRecord>): PredictionRecord => ({
    id: "p",
    target: "catalog-db",
    targetKind: "service",
    issuedMs: T0 + 8 * MIN,
    predictedBreachMs: T0 + 21 * MIN,
    outcome: "hit",
    ...over,
  });

  it("takes the longest warning before the breach of the root or a breached journey", () => {
    expect(leadTime(gradual, [])).toBe(0);
    expect(leadTime(gradual, [p({})])).toBe(12 * 60);
    expect(
      leadTime(gradual, [p({ target: "browse", targetKind: "journey", issuedMs: T0 + 5 * MIN })]),
    ).toBe(17 * 60);
    // After the breach, before the onset, or about another service: no warning.
    expect(leadTime(gradual, [p({ issuedMs: T0 + 21 * MIN })])).toBe(0);
    expect(leadTime(gradual, [p({ issuedMs: T0 - MIN })])).toBe(0);
    expect(leadTime(gradual, [p({ target: "catalog" })])).toBe(0);
    expect(leadTime(fault({ rootCause: "x" }), [p({})])).toBeUndefined();
  });

  it("reports null prediction metrics when the pipeline has no predictions", () => {
    const s = scoreCase(truth([gradual]), obs([]));
    expect(s.predictions).toBeNull();
    const m = aggregate([s], null);
    expect(m.prediction_lead_time_median_s).toBeNull();
    expect(m.prediction_false_alarm_rate).toBeNull();
    expect(m.predictions).toBeNull();
  });

  it("scores false alarms by the core's verdicts and against ground truth", () => {
    const predictions = [
      p({ id: "1" }),
      p({ id: "2", outcome: "false_alarm", target: "search" }),
      p({ id: "3", outcome: "pending", target: "catalog" }),
      p({ id: "4", outcome: "hit", target: "payments" }),
    ];
    const s = scoreCase(truth([gradual]), obs([], { predictions }));
    expect(s.predictions).toEqual({
      total: 4,
      hit: 2,
      falseAlarm: 1,
      pending: 1,
      unjustified: 2,
      unjustifiedHits: 1,
    });
    expect(aggregate([s], null).prediction_unjustified_hits).toBe(1);
    const m = aggregate([s], null);
    expect(m.prediction_false_alarm_rate).toBeCloseTo(1 / 3);
    expect(m.prediction_false_alarm_rate_truth).toBe(0.5);
    expect(m.prediction_lead_time_median_s).toBe(12 * 60);
    expect(m.prediction_coverage).toBe(1);
  });
});

describe("prediction adapter", () => {
  it("reads impactd.v1.Prediction into records, outcome and breach included", () => {
    const base = Prediction.fromPartial({
      id: "pred-1",
      target: "checkout",
      targetKind: "journey",
      issuedUnixMs: T0,
      predictedBreachUnixMs: T0 + 10 * MIN,
      outcome: PredictionOutcome.PREDICTION_OUTCOME_PENDING,
    });
    expect(predictionRecord(base)).toEqual({
      id: "pred-1",
      target: "checkout",
      targetKind: "journey",
      issuedMs: T0,
      predictedBreachMs: T0 + 10 * MIN,
      outcome: "pending",
    });
    const hit = predictionRecord({
      ...base,
      outcome: PredictionOutcome.PREDICTION_OUTCOME_HIT,
      actualBreachUnixMs: T0 + 9 * MIN,
    });
    expect(hit).toMatchObject({ outcome: "hit", actualBreachMs: T0 + 9 * MIN });
    expect(
      predictionRecord({ ...base, outcome: PredictionOutcome.PREDICTION_OUTCOME_FALSE_ALARM })
        .outcome,
    ).toBe("false_alarm");
    expect(() => predictionRecord({ ...base, targetKind: "device" })).toThrow(/target kind/);
  });
});

describe("determinism comparison", () => {
  const a = inc({ id: "a", openedUnixMs: T0, services: ["x"], version: 3 });

  it("finds nothing to report for the same outputs", () => {
    expect(compareRuns(obs([a]), obs([{ ...a }]))).toEqual([]);
  });

  it("names the first differing field, missing incidents, versions and late counts", () => {
    const b = { ...a, services: ["x", "y"] };
    expect(compareRuns(obs([a]), obs([b]))[0]?.what).toContain("incident a");
    expect(compareRuns(obs([a]), obs([b])).map((d) => d.what)).toContain("incident a.services");
    expect(compareRuns(obs([a]), obs([a, inc({ id: "z", openedUnixMs: T0 })]))[0]).toMatchObject({
      what: "incident z",
      first: "(absent)",
    });
    expect(compareRuns(obs([a], { late: 1 }), obs([a], { late: 2 }))[0]?.what).toBe("late events");
    const p: PredictionRecord = {
      id: "p",
      target: "x",
      targetKind: "service",
      issuedMs: T0,
      predictedBreachMs: T0 + MIN,
      outcome: "pending",
    };
    expect(
      compareRuns(obs([a], { predictions: [p] }), obs([a], { predictions: [] }))[0]?.what,
    ).toBe("predictions");
  });
});
