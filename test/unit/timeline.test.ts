// Rows the pipeline writes besides incidents: the timeline entries of a
// published incident version, service health changes and predictions.
import { describe, expect, test } from "vitest";
import {
  Incident,
  IncidentSeverity,
  IncidentStatus,
  Prediction,
  PredictionOutcome,
} from "../../src/gen/impactd/v1/incident.js";
import { incidentEventRows, predictionRow, serviceHealthRow } from "../../src/sinks/timeline.js";

const T = 1_746_100_800_000;
const inc = Incident.fromPartial({
  id: "inc-1",
  tenant: "acme",
  status: IncidentStatus.INCIDENT_STATUS_ACKNOWLEDGED,
  severity: IncidentSeverity.INCIDENT_SEVERITY_HIGH,
  title: "payments-db down; 2 services affected",
  openedUnixMs: T,
  updatedUnixMs: T + 60_000,
  acknowledgedUnixMs: T + 30_000,
  acknowledgedBy: "alice",
  services: ["payments-db", "payments"],
  rootCauses: [{ service: "payments-db", rank: 1, score: 0.9, reason: "down", change: "" }],
  version: 7,
  team: "payments",
  routingReason: "owns payments-db",
  pages: [
    {
      team: "payments",
      tier: 1,
      target: "oncall",
      channel: "webhook",
      cause: "not acknowledged in time",
      atUnixMs: T + 45_000,
    },
  ],
});

describe("incidentEventRows", () => {
  test("one row per change, with the time, service, actor and detail that change has", () => {
    const rows = incidentEventRows(
      inc,
      [
        "opened",
        "member_added",
        "root_cause_changed",
        "routed",
        "escalated",
        "acknowledged",
        "impact",
      ],
      T + 99,
    );
    expect(rows.map((r) => [r.type, r.ts - T, r.service, r.actor, r.detail])).toEqual([
      ["opened", 0, "payments-db", "", "payments-db down; 2 services affected"],
      ["member_added", 60_000, "payments", "", "members: payments-db, payments"],
      ["root_cause_changed", 60_000, "payments-db", "", "payments-db (score 0.900): down"],
      ["routed", 60_000, "", "", "to payments: owns payments-db"],
      [
        "escalated",
        45_000,
        "",
        "",
        "tier 1 of payments: oncall via webhook (not acknowledged in time)",
      ],
      ["acknowledged", 30_000, "", "alice", ""],
      ["impact", 60_000, "", "", ""],
    ]);
    expect(rows[0]).toMatchObject({
      tenant: "acme",
      incident_id: "inc-1",
      version: 7,
      status: "acknowledged",
      severity: "high",
      root_cause: "payments-db",
      written_at: T + 99,
    });
  });
});

describe("serviceHealthRow", () => {
  test("names the health states and keeps non-finite measurements out", () => {
    expect(
      serviceHealthRow(
        "acme",
        { ts: T, service: "db", health: 3, previous: 1, errorRate: 0.5, latencyMs: Number.NaN },
        T + 1,
      ),
    ).toEqual({
      tenant: "acme",
      service: "db",
      ts: T,
      health: "down",
      previous: "ok",
      error_rate: 0.5,
      latency_ms: 0,
      anomaly_score: 0,
      incident_id: "",
      written_at: T + 1,
    });
  });
});

describe("predictionRow", () => {
  const p = Prediction.fromPartial({
    id: "pred-1",
    tenant: "acme",
    target: "checkout",
    targetKind: "journey",
    issuedUnixMs: T,
    predictedBreachUnixMs: T + 600_000,
    level: 0.995,
    forecast: 0.97,
    threshold: 0.99,
    predictedCustomersAffectedPerMin: 120,
    outcome: PredictionOutcome.PREDICTION_OUTCOME_PENDING,
  });

  test("as made: version 1, pending", () => {
    expect(predictionRow(p, T + 5)).toMatchObject({
      prediction_id: "pred-1",
      version: 1,
      made_at: T,
      target_kind: "journey",
      target: "checkout",
      horizon_s: 600,
      predicted_breach_at: T + 600_000,
      level: 0.995,
      predicted_value: 0.97,
      threshold: 0.99,
      outcome: "pending",
      breached_at: null,
    });
  });

  test("as scored: version 2, breached with its time, or not breached", () => {
    const hit = {
      ...p,
      outcome: PredictionOutcome.PREDICTION_OUTCOME_HIT,
      actualBreachUnixMs: T + 540_000,
    };
    expect(predictionRow(hit, T)).toMatchObject({
      version: 2,
      outcome: "breached",
      breached_at: T + 540_000,
      scored_at: T + 540_000,
    });
    const miss = { ...p, outcome: PredictionOutcome.PREDICTION_OUTCOME_FALSE_ALARM };
    expect(predictionRow(miss, T)).toMatchObject({
      version: 2,
      outcome: "not_breached",
      breached_at: null,
    });
  });
});
