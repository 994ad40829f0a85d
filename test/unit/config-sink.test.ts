// The sink section of the config: defaults, environment overrides (the key
// path in capitals, as for every section), and validation messages that name
// the key.
import { describe, expect, test } from "vitest";
import { parseConfig } from "../../src/config/config.js";
import { parseSinkConfig, sinkOptions } from "../../src/config/sink.js";
import { InvalidArgumentError } from "../../src/errors.js";

describe("sink config", () => {
  test("defaults to the embedded engine, keeping rows forever", () => {
    const c = parseConfig({});
    expect(c.sink).toMatchObject({
      kind: "chdb",
      url: undefined,
      user: "default",
      password: "",
      maxBufferedRows: 400_000,
      batch: { maxRows: 100_000, maxBytes: 16 * 2 ** 20, lingerMs: 50 },
    });
    expect(Object.values(c.sink.retentionDays).every((d) => d === 0)).toBe(true);
    expect(sinkOptions(c.sink, c.dataDir)).toMatchObject({
      kind: "chdb",
      dataDir: c.dataDir,
      writer: { maxRows: 100_000, maxBufferedRows: 400_000 },
    });
  });

  test("a server with TLS, cluster, retention by query name and batching", () => {
    const s = parseSinkConfig({
      kind: "clickhouse",
      url: "https://ch.example:8443",
      user: "impactd",
      password: "secret",
      database: "prod_impactd",
      tls: { ca_file: "/etc/ca.pem", cert_file: "/etc/c.pem", key_file: "/etc/k.pem" },
      cluster: "main",
      retention_days: { default: 90, events: 14, incidents: 0 },
      batch: { max_rows: 20000, max_bytes: "8MiB", linger_ms: "100ms" },
    });
    expect(s).toMatchObject({
      kind: "clickhouse",
      url: "https://ch.example:8443",
      database: "prod_impactd",
      cluster: "main",
      tls: { caFile: "/etc/ca.pem", certFile: "/etc/c.pem", keyFile: "/etc/k.pem" },
    });
    expect(s.retentionDays).toMatchObject({
      events_data: 14,
      incident_versions: 0,
      service_health_data: 90,
    });
    expect(sinkOptions(s, "./d").writer).toMatchObject({
      maxRows: 20000,
      maxBatchBytes: 8388608,
      lingerMs: 100,
    });
  });

  test("a buffer smaller than a default batch shrinks the batch; a larger batch is refused", () => {
    const c = parseConfig({ sink: { max_buffered_rows: 5000 } });
    expect(sinkOptions(c.sink, "./d").writer).toMatchObject({
      maxRows: 5000,
      maxBufferedRows: 5000,
    });
    expect(() =>
      parseConfig({ sink: { max_buffered_rows: 5000, batch: { max_rows: 6000 } } }),
    ).toThrow(/sink.batch.max_rows: 6000 is more than sink.max_buffered_rows \(5000\)/);
  });

  test("environment variables override the file; the password never needs to be in it", () => {
    const s = parseSinkConfig(
      { kind: "chdb" },
      {
        IMPACTD_SINK_KIND: "clickhouse",
        IMPACTD_SINK_URL: "http://127.0.0.1:8123",
        IMPACTD_SINK_PASSWORD: "from-env",
        IMPACTD_SINK_DATABASE: "x",
        IMPACTD_SINK_RETENTION_DAYS_DEFAULT: "7",
        IMPACTD_SINK_RETENTION_DAYS_INCIDENTS: "30",
        IMPACTD_SINK_BATCH_LINGER_MS: "2s",
      },
    );
    expect(s).toMatchObject({
      kind: "clickhouse",
      url: "http://127.0.0.1:8123",
      password: "from-env",
      database: "x",
    });
    expect(s.retentionDays.events_data).toBe(7);
    expect(s.retentionDays.incident_versions).toBe(30);
    expect(s.batch.lingerMs).toBe(2000);
  });

  test.each([
    [{ kind: "postgres" }, /sink.kind: expected one of chdb, clickhouse/],
    [{ kind: "clickhouse" }, /sink.url: required when sink.kind is clickhouse/],
    [{ kind: "clickhouse", url: "tcp://x:9000" }, /sink.url: expected an http:\/\/ or https:\/\//],
    [{ kind: "clickhouse", url: "http://u:p@x:8123" }, /credentials in sink.user/],
    [
      { kind: "clickhouse", url: "http://x:8123", tls: { ca_file: "a" } },
      /only with an https:\/\/ sink.url/,
    ],
    [{ kind: "clickhouse", url: "https://x", tls: { cert_file: "c" } }, /tls.ca_file: required/],
    [
      { kind: "clickhouse", url: "https://x", tls: { ca_file: "a", cert_file: "c" } },
      /cert_file and key_file go together/,
    ],
    [
      { kind: "clickhouse", url: "http://x", database: "bad-name" },
      /sink.database: "bad-name" is not a valid name/,
    ],
    [{ cluster: "c" }, /apply only to sink.kind clickhouse/],
    [{ retention_days: { evnts: 3 } }, /sink.retention_days.evnts: unknown key/],
    [{ retention_days: { events: -1 } }, /sink.retention_days.events: expected an integer/],
    [{ batch: { max_rows: 0 } }, /sink.batch.max_rows/],
    [{ batch: { linger_ms: "soon" } }, /sink.batch.linger_ms/],
    [{ nope: 1 }, /sink.nope: unknown key/],
  ])("%j is refused", (raw, message) => {
    expect(() => parseSinkConfig(raw)).toThrow(InvalidArgumentError);
    expect(() => parseSinkConfig(raw)).toThrow(message);
  });
});
