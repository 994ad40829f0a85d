import { describe, expect, it } from "vitest";
import { Interner } from "../../src/core/interner.js";
import type { Event } from "../../src/gen/impactd/v1/event.js";
import { RecentIds } from "../../src/pipeline/recent-ids.js";
import { DEFAULT_LIMITS, RejectCode, validateEvent } from "../../src/pipeline/validate.js";

const NOW = Date.UTC(2026, 10, 23, 12);

function metric(
  over: Partial<{ service: string; metric: number; value: number; customName: string }> = {},
  ts = NOW,
): Event {
  return {
    tsUnixMs: ts,
    source: "test",
    tenant: "",
    id: "",
    kind: {
      $case: "metric",
      value: { service: "cart", metric: 1, customName: "", value: 0.01, ...over },
    },
  };
}

describe("validateEvent", () => {
  it("accepts a well-formed event of every kind", () => {
    const base = { tsUnixMs: NOW, source: "s", tenant: "acme", id: "e1" };
    const events: Event[] = [
      {
        ...base,
        kind: {
          $case: "healthCheck",
          value: { service: "cart", status: 3, message: "probe failed" },
        },
      },
      metric(),
      {
        ...base,
        kind: {
          $case: "alert",
          value: {
            service: "cart",
            name: "HighErrorRate",
            severity: 3,
            labels: { env: "prod" },
            state: 1,
            fingerprint: "",
            summary: "",
          },
        },
      },
      {
        ...base,
        kind: {
          $case: "change",
          value: { service: "cart", kind: 1, version: "v2", description: "" },
        },
      },
      {
        ...base,
        kind: {
          $case: "journeySignal",
          value: { journey: "checkout", step: "payment", outcome: 4, count: 12 },
        },
      },
      {
        ...base,
        kind: {
          $case: "feedback",
          value: { journey: "checkout", score: 9, scale: 1, channel: "app", text: "" },
        },
      },
      {
        ...base,
        kind: {
          $case: "deviceTelemetry",
          value: { deviceId: "pos-17", service: "cart", metric: 2, customName: "", value: 120 },
        },
      },
    ];
    for (const ev of events) expect(validateEvent(ev, NOW)).toBeUndefined();
  });

  it.each([
    ["missing kind", { ...metric(), kind: undefined }, RejectCode.UnknownKind, "kind"],
    [
      "NaN value",
      metric({ value: Number.NaN }),
      RejectCode.InvalidValue,
      "(error_rate) is NaN, not a finite number",
    ],
    [
      "error rate above 1",
      metric({ value: 1.5 }),
      RejectCode.InvalidValue,
      "metric.value (error_rate) 1.5",
    ],
    [
      "negative latency",
      metric({ metric: 2, value: -1 }),
      RejectCode.InvalidValue,
      "latency_p99_ms",
    ],
    ["empty service", metric({ service: "" }), RejectCode.MissingField, "metric.service is empty"],
    [
      "bad service name",
      metric({ service: "has space" }),
      RejectCode.InvalidName,
      "metric.service",
    ],
    [
      "unknown enum",
      metric({ metric: 42 }),
      RejectCode.InvalidEnum,
      "metric.metric 42 is not a known MetricKind",
    ],
    [
      "unspecified enum",
      metric({ metric: 0 }),
      RejectCode.InvalidEnum,
      "metric.metric is unspecified",
    ],
    [
      "custom metric without name",
      metric({ metric: 5 }),
      RejectCode.MissingField,
      "metric.custom_name",
    ],
    [
      "a year in the future",
      metric({}, NOW + 365 * 86_400_000),
      RejectCode.TimestampInFuture,
      "ahead",
    ],
    [
      "far in the past",
      metric({}, NOW - 400 * 86_400_000),
      RejectCode.TimestampTooOld,
      "in the past",
    ],
    ["zero timestamp", metric({}, 0), RejectCode.InvalidTimestamp, "ts_unix_ms"],
    ["fractional timestamp", metric({}, NOW + 0.5), RejectCode.InvalidTimestamp, "ts_unix_ms"],
  ])("rejects %s", (_name, ev, code, reason) => {
    const p = validateEvent(ev as Event, NOW);
    expect(p?.code).toBe(code);
    expect(p?.reason).toContain(reason);
  });

  it("checks feedback against its scale", () => {
    const fb = (score: number, scale: number): Event => ({
      tsUnixMs: NOW,
      source: "",
      tenant: "",
      id: "",
      kind: { $case: "feedback", value: { journey: "login", score, scale, channel: "", text: "" } },
    });
    expect(validateEvent(fb(10, 1), NOW)).toBeUndefined();
    expect(validateEvent(fb(6, 2), NOW)?.reason).toContain("CSAT");
    expect(validateEvent(fb(0, 2), NOW)?.code).toBe(RejectCode.InvalidValue);
  });

  it("limits text and labels", () => {
    const big = "x".repeat(DEFAULT_LIMITS.maxTextLength + 1);
    const ev: Event = {
      tsUnixMs: NOW,
      source: "",
      tenant: "",
      id: "",
      kind: { $case: "healthCheck", value: { service: "cart", status: 1, message: big } },
    };
    expect(validateEvent(ev, NOW)?.code).toBe(RejectCode.FieldTooLong);
    const labels = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, "v"]));
    const alert: Event = {
      tsUnixMs: NOW,
      source: "",
      tenant: "",
      id: "",
      kind: {
        $case: "alert",
        value: {
          service: "cart",
          name: "A",
          severity: 2,
          labels,
          state: 1,
          fingerprint: "",
          summary: "",
        },
      },
    };
    expect(validateEvent(alert, NOW)?.reason).toContain("alert.labels has 65 entries");
  });

  it("rejects a bad tenant name", () => {
    expect(validateEvent({ ...metric(), tenant: "no spaces allowed" }, NOW)?.reason).toContain(
      "tenant",
    );
  });
});

describe("Interner", () => {
  it("hands out dense ids and maps them back", () => {
    const i = new Interner();
    expect(i.id("a")).toBe(0);
    expect(i.id("b")).toBe(1);
    expect(i.id("a")).toBe(0);
    expect(i.lookup("c")).toBeUndefined();
    expect(i.name(1)).toBe("b");
    expect(i.size).toBe(2);
    expect(() => i.name(7)).toThrow(RangeError);
  });
});

describe("RecentIds", () => {
  it("recognises repeats and forgets the oldest beyond capacity", () => {
    const r = new RecentIds(2);
    expect(r.add("x")).toBe(true);
    expect(r.add("x")).toBe(false);
    expect(r.add("y")).toBe(true);
    expect(r.add("z")).toBe(true); // evicts x
    expect(r.add("x")).toBe(true);
    expect(r.size).toBe(2);
  });
});
