// Pure pieces of the OTLP and HTTP front ends: quantile estimates, times,
// fingerprints, message templates, callee naming, config and the collector
// snippet in docs/INGEST.md.
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { defaultConfig, parseConfig } from "../../src/config/config.js";
import {
  labelsFingerprint,
  parsePagerDuty,
  parseTime,
  serviceOf,
} from "../../src/sources/http/index.js";
import {
  Attributes,
  calleeOf,
  explicitQuantile,
  exponentialQuantile,
  messageTemplate,
  nanosToMs,
  nanosToMsExact,
} from "../../src/sources/otlp/index.js";
import { docBlock } from "../helpers/doc-snippets.js";

describe("quantiles from buckets", () => {
  it("interpolates inside the bucket holding the rank", () => {
    // 100 observations: 50 in (0, 10], 50 in (10, 20].
    expect(explicitQuantile(0.5, [10, 20], [50, 50, 0])).toBe(10);
    expect(explicitQuantile(0.99, [10, 20], [50, 50, 0])).toBeCloseTo(19.8, 9);
    // The open last bucket is capped by max, else by the last bound.
    expect(explicitQuantile(0.99, [10], [0, 4], 35)).toBeCloseTo(10 + 25 * 0.99, 9);
    expect(explicitQuantile(0.99, [10], [0, 4])).toBe(10);
    expect(explicitQuantile(0.99, [10], [0, 0])).toBeUndefined();
  });

  it("reads base-2 exponential buckets", () => {
    // scale 0: bucket i covers (2^i, 2^(i+1)]; 10 observations in (4, 8].
    expect(exponentialQuantile(0.5, 0, 0, 2, [10])).toBe(6);
    expect(exponentialQuantile(0.5, 0, 10, 2, [0])).toBe(0);
  });
});

describe("OTLP times", () => {
  it("floors nanoseconds to milliseconds without losing precision", () => {
    expect(nanosToMs("1795440479080999999")).toBe(1795440479080);
    expect(nanosToMs("999999")).toBe(0);
    expect(nanosToMs("0")).toBe(0);
    expect(nanosToMs("-5")).toBe(0);
    expect(nanosToMsExact("1500000")).toBe(1.5);
  });
});

describe("fingerprints and templates", () => {
  it("fingerprints label sets as Prometheus does, independent of label order", () => {
    // FNV-1a 64 offset basis: the fingerprint of the empty label set.
    expect(labelsFingerprint({})).toBe("cbf29ce484222325");
    const a = labelsFingerprint({ alertname: "Down", job: "api" });
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(labelsFingerprint({ job: "api", alertname: "Down" })).toBe(a);
    expect(labelsFingerprint({ alertname: "Down", job: "apj" })).not.toBe(a);
  });

  it("folds log messages that differ only in values", () => {
    const t = messageTemplate(
      'order 81723 for "alice" failed after 3.5s (id 3f2a9c1e-1b2c-4d5e-8f90-123456789abc)',
    );
    expect(t).toBe("order <n> for <str> failed after <n>s (id <uuid>)");
    expect(
      messageTemplate(
        "order 1 for 'bob' failed after 12s (id 00000000-0000-0000-0000-000000000000)",
      ),
    ).toBe("order <n> for <str> failed after <n>s (id <uuid>)");
  });
});

describe("naming services", () => {
  it("takes the alert's service, job or instance host", () => {
    expect(serviceOf({ service: "a", job: "b" })).toBe("a");
    expect(serviceOf({ job: "b", instance: "h:1" })).toBe("b");
    expect(serviceOf({ instance: "host-1:9100" })).toBe("host-1");
    expect(serviceOf({ instance: "[::1]:9100" })).toBe("::1");
    expect(serviceOf({ alertname: "x" })).toBeUndefined();
  });

  it("names a span's callee from peer.service or a known server.address", () => {
    const kv = (key: string, v: string) => ({
      key,
      value: { value: { $case: "stringValue" as const, value: v } },
    });
    const known = (n: string) => n === "payments";
    expect(calleeOf(new Attributes([kv("peer.service", "ledger")]), known)).toBe("ledger");
    expect(calleeOf(new Attributes([kv("server.address", "payments.svc")]), known)).toBe(
      "payments",
    );
    expect(calleeOf(new Attributes([kv("server.address", "10.0.0.1")]), known)).toBeUndefined();
    expect(calleeOf(new Attributes([kv("net.peer.name", "payments")]), known)).toBe("payments");
  });

  it("reads Go's zero time as unset and refuses non-RFC 3339 times", () => {
    expect(parseTime("0001-01-01T00:00:00Z")).toBeUndefined();
    expect(parseTime("2024-05-01T12:00:00.5+02:00")).toBe(Date.parse("2024-05-01T10:00:00.5Z"));
    expect(parseTime("May 1")).toBeNaN();
  });

  it("validates PagerDuty events and says what is wrong", () => {
    expect(parsePagerDuty({ routing_key: "k", event_action: "trigger" }, 1, "")).toEqual({
      code: "MISSING_FIELD",
      reason: "payload is required to trigger",
    });
    expect(parsePagerDuty({ routing_key: "k", event_action: "resolve" }, 1, "")).toEqual({
      code: "MISSING_FIELD",
      reason: "dedup_key is required to resolve",
    });
    expect(parsePagerDuty({ routing_key: "k", event_action: "boom" }, 1, "")).toMatchObject({
      code: "INVALID_ENUM",
    });
  });
});

describe("front end config", () => {
  it("has documented defaults and validates overrides, naming the bad key", () => {
    const d = defaultConfig();
    expect([d.otlp.port, d.http.port, d.otlp.enabled, d.http.enabled]).toEqual([
      4317,
      7071,
      true,
      true,
    ]);
    const c = parseConfig(
      { otlp: { port: 14317 }, http: { enabled: false, pagerduty_routing_keys: { k: "t" } } },
      { IMPACTD_OTLP_HOST: "0.0.0.0" },
    );
    expect(c.otlp).toEqual({ enabled: true, host: "0.0.0.0", port: 14317 });
    expect(c.http.enabled).toBe(false);
    expect(c.http.pagerdutyRoutingKeys).toEqual({ k: "t" });
    expect(() => parseConfig({ http: { enabled: "sometimes" } })).toThrow(
      /http.enabled: expected true or false/,
    );
    expect(() => parseConfig({ otlp: { prot: 1 } })).toThrow(/otlp.prot: unknown key/);
    expect(() => parseConfig({ http: { pagerduty_routing_keys: { k: 1 } } })).toThrow(
      /http.pagerduty_routing_keys.k: expected a non-empty string/,
    );
  });

  it("documents an OpenTelemetry Collector config that exports all signals to impactd's OTLP port", () => {
    const c = parseYaml(docBlock("docs/INGEST.md", "otelcol.yaml")) as {
      exporters: Record<string, { endpoint: string }>;
      service: { pipelines: Record<string, { exporters: string[] }> };
    };
    expect(c.exporters["otlp/impactd"]?.endpoint).toBe(`127.0.0.1:${defaultConfig().otlp.port}`);
    expect(Object.keys(c.service.pipelines).sort()).toEqual(["logs", "metrics", "traces"]);
    for (const p of Object.values(c.service.pipelines))
      expect(p.exporters).toContain("otlp/impactd");
  });
});
