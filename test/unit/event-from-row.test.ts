// Replay rebuilds events from stored rows: eventFromRow undoes eventRow for
// every kind of event.
import { describe, expect, test } from "vitest";
import {
  AlertSeverity,
  AlertState,
  ChangeKind,
  type Event,
  FeedbackScale,
  HealthStatus,
  IncidentActionKind,
  JourneyOutcome,
  MetricKind,
} from "../../src/gen/impactd/v1/event.js";
import { eventRow } from "../../src/pipeline/rows.js";
import { eventFromRow, ReplayError } from "../../src/replay/event-from-row.js";

const base = { tsUnixMs: 1_746_100_800_123, source: "src", tenant: "acme", id: "e-1" };
const kinds: Event["kind"][] = [
  {
    $case: "healthCheck",
    value: { service: "db", status: HealthStatus.HEALTH_STATUS_DOWN, message: "probe 'failed'" },
  },
  {
    $case: "metric",
    value: {
      service: "db",
      metric: MetricKind.METRIC_KIND_LATENCY_P99_MS,
      customName: "",
      value: 812.5,
    },
  },
  {
    $case: "metric",
    value: {
      service: "db",
      metric: MetricKind.METRIC_KIND_CUSTOM,
      customName: "queue_depth",
      value: 3,
    },
  },
  {
    $case: "alert",
    value: {
      service: "db",
      name: "HighErrorRate",
      severity: AlertSeverity.ALERT_SEVERITY_CRITICAL,
      labels: { region: "eu", "k'ey": "v\nw" },
      state: AlertState.ALERT_STATE_RESOLVED,
      fingerprint: "fp",
      summary: "errors ✗",
    },
  },
  {
    $case: "change",
    value: {
      service: "api",
      kind: ChangeKind.CHANGE_KIND_DEPLOY,
      version: "v1.2.3",
      description: "rollout",
    },
  },
  {
    $case: "journeySignal",
    value: {
      journey: "checkout",
      step: "pay",
      outcome: JourneyOutcome.JOURNEY_OUTCOME_ABANDONED,
      count: 12,
    },
  },
  {
    $case: "feedback",
    value: {
      journey: "checkout",
      score: 9,
      scale: FeedbackScale.FEEDBACK_SCALE_NPS,
      channel: "app",
      text: "great",
    },
  },
  {
    $case: "deviceTelemetry",
    value: {
      deviceId: "dev-1",
      service: "edge",
      metric: MetricKind.METRIC_KIND_CUSTOM,
      customName: "battery",
      value: 0.2,
    },
  },
  {
    $case: "incidentAction",
    value: {
      incidentId: "inc-x",
      action: IncidentActionKind.INCIDENT_ACTION_KIND_ACKNOWLEDGE,
      actor: "alice",
      note: "on it",
    },
  },
];

describe("eventFromRow", () => {
  test.each(kinds.map((k) => [k?.$case ?? "", k] as const))(
    "%s round-trips through eventRow",
    (_name, kind) => {
      const ev: Event = { ...base, kind };
      expect(eventFromRow(eventRow(ev, ev.tenant, 5, ev.id))).toEqual(ev);
    },
  );

  test("documented losses: a zero journey count comes back as 1", () => {
    const ev: Event = {
      ...base,
      kind: { $case: "journeySignal", value: { journey: "j", step: "s", outcome: 2, count: 0 } },
    };
    const back = eventFromRow(eventRow(ev, ev.tenant, 5, ev.id));
    expect(back.kind).toEqual({
      $case: "journeySignal",
      value: { journey: "j", step: "s", outcome: 2, count: 1 },
    });
  });

  test("an unknown kind is a ReplayError naming the event", () => {
    const row = eventRow({ ...base, kind: kinds[0] }, "acme", 5, "e-9");
    expect(() => eventFromRow({ ...row, kind: "telepathy" })).toThrow(ReplayError);
    expect(() => eventFromRow({ ...row, kind: "telepathy" })).toThrow(
      /event e-9 .* unknown kind "telepathy"/,
    );
  });
});
