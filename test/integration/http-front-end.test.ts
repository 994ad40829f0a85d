// The HTTP front end over real HTTP in front of the runtime and embedded
// ClickHouse: Alertmanager API v2 and webhook payloads, PagerDuty Events v2
// (trigger, acknowledge, resolve, routing keys, restart), bad input with
// stable JSON error codes and stored rejections, 503 under overload,
// /metrics and /healthz.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/config.js";
import { IncidentStatus } from "../../src/gen/impactd/v1/incident.js";
import { Pipeline } from "../../src/pipeline/pipeline.js";
import { lookupAlert, type Runtime, startRuntime } from "../../src/server/runtime.js";
import { type HttpServer, startHttpServer } from "../../src/sources/http/index.js";

let dir: string;
let rt: Runtime;
let base: string;
const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "impactd-http-"));
  rt = await startRuntime({
    ...defaultConfig(),
    dataDir: dir,
    grpc: { host: "127.0.0.1", port: 0 },
    otlp: { ...defaultConfig().otlp, enabled: false },
    http: { ...defaultConfig().http, port: 0, maxBodyBytes: 64 * 1024 },
    core: {
      ...defaultConfig().core,
      latenessMs: 2_000,
      heartbeatLagMs: 0,
      checkpointIntervalMs: 0,
    },
  });
  base = rt.http?.url ?? "";
});

afterAll(async () => {
  await rt?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}, url = base) {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text === "" ? undefined : JSON.parse(text),
  };
}

async function rejections(code: string) {
  await rt.sink.flush();
  return rt.sink.conn.query<{ front_end: string; reason: string; payload: string; tenant: string }>(
    "SELECT front_end, reason, payload, tenant FROM rejected_events WHERE code = {c:String} ORDER BY received_at",
    { c: code },
  );
}

describe("Alertmanager API v2 and webhook", () => {
  it("accepts good alerts, refuses bad ones one by one, and stores each refusal", async () => {
    const res = await post("/api/v2/alerts", [
      {
        labels: { alertname: "HighLatency", job: "search", severity: "page" },
        startsAt: iso(NOW - 5_000),
      },
      { labels: { job: "search" } },
      { labels: { alertname: "X", service: "search" }, startsAt: "yesterday" },
      { labels: { alertname: "Y", service: "search", n: 3 } },
      {
        labels: { alertname: "Z", instance: "10.0.0.7:9100" },
        startsAt: iso(NOW - 60_000),
        endsAt: iso(NOW - 1_000),
      },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("REJECTED");
    expect(res.body.accepted).toBe(2);
    expect(
      res.body.rejected.map((r: { index: number; code: string }) => [r.index, r.code]),
    ).toEqual([
      [1, "MISSING_FIELD"],
      [2, "INVALID_TIMESTAMP"],
      [3, "MALFORMED"],
    ]);
    await rt.sink.flush();
    const rows = await rt.sink.conn.query<Record<string, string | number>>(
      "SELECT service, name, severity, status, toUnixTimestamp64Milli(ts) AS t FROM events WHERE source = 'prometheus' ORDER BY name",
    );
    expect(rows).toEqual([
      {
        service: "search",
        name: "HighLatency",
        severity: "critical",
        status: "firing",
        t: String(NOW - 5_000),
      },
      {
        service: "10.0.0.7",
        name: "Z",
        severity: "unspecified",
        status: "resolved",
        t: String(NOW - 1_000),
      },
    ]);
    expect((await rejections("MISSING_FIELD")).map((r) => r.front_end)).toEqual(["http"]);
  });

  it("takes an Alertmanager webhook notification (version 4)", async () => {
    const alert = (status: string, name: string) => ({
      status,
      labels: { alertname: name, service: "cart" },
      annotations: { summary: `${name} on cart` },
      startsAt: iso(NOW - 20_000),
      endsAt: status === "resolved" ? iso(NOW - 2_000) : "0001-01-01T00:00:00Z",
      fingerprint: `fp-${name}`,
    });
    const ok = await post("/api/v1/alertmanager/webhook", {
      version: "4",
      status: "firing",
      receiver: "impactd",
      alerts: [alert("firing", "CartSlow"), alert("resolved", "CartErrors")],
    });
    expect(ok.status).toBe(200);
    await rt.sink.flush();
    const rows = await rt.sink.conn.query<Record<string, string>>(
      "SELECT name, status, fingerprint, text FROM events WHERE service = 'cart' ORDER BY name",
    );
    expect(rows).toEqual([
      {
        name: "CartErrors",
        status: "resolved",
        fingerprint: "fp-CartErrors",
        text: "CartErrors on cart",
      },
      { name: "CartSlow", status: "firing", fingerprint: "fp-CartSlow", text: "CartSlow on cart" },
    ]);
    const v3 = await post("/api/v1/alertmanager/webhook", { version: "3", alerts: [] });
    expect(v3.status).toBe(400);
    expect(v3.body.error.code).toBe("INVALID_PAYLOAD");
  });
});

describe("bad HTTP input", () => {
  it("answers stable JSON errors and records refused payloads", async () => {
    const bad = await post("/api/v2/alerts", '[{"labels": {"alertname": "oops"');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("MALFORMED");
    const stored = (await rejections("MALFORMED")).filter((r) =>
      r.reason.includes("not valid JSON"),
    );
    expect(stored.map((r) => r.payload)).toEqual(['[{"labels": {"alertname": "oops"']);

    const big = await post(
      "/api/v2/alerts",
      JSON.stringify([{ labels: { alertname: "a".repeat(70_000) } }]),
    );
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(await rejections("PAYLOAD_TOO_LARGE")).toHaveLength(1);

    const bomb = gzipSync(Buffer.alloc(1024 * 1024, 0x20));
    const zipped = await post("/api/v2/alerts", bomb, { "content-encoding": "gzip" });
    expect(zipped.status).toBe(413);

    const gz = await post(
      "/api/v2/alerts",
      gzipSync(JSON.stringify([{ labels: { alertname: "Zipped", service: "zip" } }])),
      { "content-encoding": "gzip" },
    );
    expect(gz.status).toBe(200);

    const br = await post("/api/v2/alerts", "[]", { "content-encoding": "br" });
    expect([br.status, br.body.error.code]).toEqual([415, "UNSUPPORTED_ENCODING"]);
    const shape = await post("/api/v2/alerts", { labels: {} });
    expect([shape.status, shape.body.error.code]).toEqual([400, "INVALID_PAYLOAD"]);
    const tenant = await post("/api/v2/alerts", [], { "x-scope-orgid": "no spaces allowed" });
    expect([tenant.status, tenant.body.error.code]).toEqual([400, "INVALID_TENANT"]);

    const get = await fetch(`${base}/api/v2/alerts`);
    expect([
      get.status,
      get.headers.get("allow"),
      ((await get.json()) as { error: { code: string } }).error.code,
    ]).toEqual([405, "POST", "METHOD_NOT_ALLOWED"]);
    const missing = await fetch(`${base}/nope`);
    expect([
      missing.status,
      ((await missing.json()) as { error: { code: string } }).error.code,
    ]).toEqual([404, "NOT_FOUND"]);
  });
});

describe("PagerDuty Events v2", () => {
  const trigger = (dedup: string, severity = "critical") => ({
    routing_key: "R0UT1NGKEY0000000000000000000001",
    event_action: "trigger",
    dedup_key: dedup,
    payload: {
      summary: "ledger-db replication broken",
      source: "db-7.prod",
      component: "ledger-db",
      severity,
    },
  });

  it("triggers an alert, acknowledges the incident holding it, and resolves the alert", async () => {
    const t = await post("/v2/enqueue", trigger("ledger-1"));
    expect(t).toMatchObject({ status: 202, body: { status: "success", dedup_key: "ledger-1" } });
    const noKey = await post("/v2/enqueue", { ...trigger("x"), dedup_key: undefined });
    expect(noKey.body.dedup_key).toMatch(/^[0-9a-f]{40}$/);

    await rt.pipeline.advance(Date.now());
    const inc = rt.pipeline.incidents("default").find((i) => i.services.includes("ledger-db"));
    expect(inc?.status).toBe(IncidentStatus.INCIDENT_STATUS_OPEN);

    const ack = await post("/v2/enqueue", {
      routing_key: "R0UT1NGKEY0000000000000000000001",
      event_action: "acknowledge",
      dedup_key: "ledger-1",
    });
    expect(ack.status).toBe(202);
    expect(rt.pipeline.incident("default", inc?.id ?? "")?.status).toBe(
      IncidentStatus.INCIDENT_STATUS_ACKNOWLEDGED,
    );

    const res = await post("/v2/enqueue", {
      routing_key: "R0UT1NGKEY0000000000000000000001",
      event_action: "resolve",
      dedup_key: "ledger-1",
    });
    expect(res.status).toBe(202);
    await rt.sink.flush();
    const rows = await rt.sink.conn.query<Record<string, string>>(
      "SELECT status, name, fingerprint FROM events WHERE source = 'pagerduty' AND fingerprint = 'ledger-1' ORDER BY ts, status",
    );
    expect(rows).toEqual([
      { status: "firing", name: "ledger-db replication broken", fingerprint: "ledger-1" },
      { status: "resolved", name: "ledger-db replication broken", fingerprint: "ledger-1" },
    ]);
  });

  it("resolves by dedup_key after a restart, from the events table", async () => {
    await post("/v2/enqueue", trigger("ledger-2", "warning"));
    // A second front end with an empty memory stands for a restarted process.
    const fresh = await startHttpServer({
      pipeline: rt.pipeline,
      port: 0,
      lookupAlert: (tenant, key) => lookupAlert(rt.sink, tenant, key),
    });
    try {
      const res = await post(
        "/v2/enqueue",
        { routing_key: "k", event_action: "resolve", dedup_key: "ledger-2" },
        {},
        fresh.url,
      );
      expect(res.status).toBe(202);
      const unknown = await post(
        "/v2/enqueue",
        { routing_key: "k", event_action: "resolve", dedup_key: "never" },
        {},
        fresh.url,
      );
      expect([unknown.status, unknown.body.error.code, unknown.body.status]).toEqual([
        400,
        "UNKNOWN_DEDUP_KEY",
        "invalid event",
      ]);
    } finally {
      await fresh.close();
    }
  });

  it("refuses invalid events and maps routing keys to tenants", async () => {
    const bad = await post("/v2/enqueue", {
      ...trigger("z"),
      payload: { summary: "s", source: "h", severity: "meh" },
    });
    expect([bad.status, bad.body.error.code]).toEqual([400, "INVALID_ENUM"]);
    expect((await rejections("INVALID_ENUM")).some((r) => r.reason.includes('"meh"'))).toBe(true);
    const keyed = await startHttpServer({
      pipeline: rt.pipeline,
      port: 0,
      routingKeys: { "key-a": "team-a" },
    });
    try {
      const wrong = await post(
        "/v2/enqueue",
        { ...trigger("k1"), routing_key: "key-b" },
        {},
        keyed.url,
      );
      expect([wrong.status, wrong.body.error.code]).toEqual([400, "INVALID_ROUTING_KEY"]);
      const right = await post(
        "/v2/enqueue",
        { ...trigger("k1"), routing_key: "key-a" },
        {},
        keyed.url,
      );
      expect(right.status).toBe(202);
      await rt.sink.flush();
      const rows = await rt.sink.conn.query<{ tenant: string }>(
        "SELECT tenant FROM events WHERE fingerprint = 'k1'",
      );
      expect(rows).toEqual([{ tenant: "team-a" }]);
    } finally {
      await keyed.close();
    }
  });
});

describe("overload, health and metrics", () => {
  it("answers 503 with Retry-After while the sink is backed up", async () => {
    let busy = true;
    const pipeline = new Pipeline({
      sink: {
        writeEvents: async () => {},
        writeRejections: async () => {},
        writeIncidents: async () => {},
        overloaded: () => busy,
      },
    });
    let server: HttpServer | undefined;
    try {
      server = await startHttpServer({ pipeline, port: 0 });
      const res = await post("/api/v2/alerts", [], {}, server.url);
      expect([res.status, res.headers.get("retry-after"), res.body.error.code]).toEqual([
        503,
        "1",
        "OVERLOADED",
      ]);
      const health = await (await fetch(`${server.url}/healthz`)).json();
      expect(health).toEqual({ status: "ok", overloaded: true });
      busy = false;
      expect((await post("/api/v2/alerts", [], {}, server.url)).status).toBe(200);
    } finally {
      await server?.close();
    }
  });

  it("serves Prometheus metrics about the front ends and the sink", async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(
      /impactd_events_rejected_total\{front_end="http",code="MALFORMED"\} [1-9]/,
    );
    expect(text).toMatch(/impactd_events_accepted_total\{front_end="http"\} [1-9]/);
    expect(text).toMatch(/impactd_sink_buffered_rows\{table="events"\} \d/);
    expect(text).toMatch(/impactd_batch_duration_seconds_count\{front_end="http"\} [1-9]/);
    expect(text).toMatch(/impactd_http_requests_total\{route="pagerduty",status="202"\} [1-9]/);
    expect(text).toMatch(/impactd_process_resident_memory_bytes \d/);
  });
});
