// Acceptance 5 of issue 4 for the OTLP and HTTP front ends: with TLS on, a
// plaintext client cannot connect; with auth on, a request without a token
// is refused (401 / UNAUTHENTICATED), one without the ingest role too (403 /
// PERMISSION_DENIED), and an accepted one lands in the token's tenant,
// whatever tenant header it sends. /healthz stays open.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/config.js";
import { TraceServiceClient } from "../../src/gen/opentelemetry/proto/collector/trace/v1/trace_service.js";
import { type Runtime, startRuntime } from "../../src/server/runtime.js";
import { makeCerts, type TestCerts } from "../helpers/certs.js";

const FEEDER = "feeder-token-acme-0123456789";
const READER = "reader-token-acme-0123456789";

let dir: string;
let certs: TestCerts;
let rt: Runtime;

beforeAll(async () => {
  certs = makeCerts();
  dir = mkdtempSync(join(tmpdir(), "impactd-fesec-"));
  const tls = { cert_file: certs.serverCert, key_file: certs.serverKey };
  rt = await startRuntime(
    parseConfig({
      data_dir: dir,
      grpc: { port: 0, tls },
      otlp: { port: 0, tls },
      http: { port: 0, tls },
      core: { heartbeat_lag_ms: 0, checkpoint_interval_ms: 0 },
      auth: {
        enabled: true,
        tokens: [
          { name: "feeder", token: FEEDER, tenant: "acme", roles: ["ingest"] },
          { name: "reader", token: READER, tenant: "acme", roles: ["read"] },
        ],
      },
    }),
    { checkpoints: false },
  );
});

afterAll(async () => {
  await rt?.stop();
  rmSync(dir, { recursive: true, force: true });
  if (certs !== undefined) rmSync(certs.dir, { recursive: true, force: true });
});

function http(
  method: string,
  path: string,
  opts: { tls: boolean; token?: string; body?: unknown; headers?: Record<string, string> },
): Promise<{ status: number; body: string }> {
  const url = new URL(rt.http?.url ?? "");
  return new Promise((resolve, reject) => {
    const req = (opts.tls ? httpsRequest : httpRequest)(
      {
        host: url.hostname,
        port: url.port,
        path,
        method,
        servername: "localhost",
        ca: readFileSync(certs.caCert),
        headers: {
          "content-type": "application/json",
          ...(opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` }),
          ...opts.headers,
        },
      },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => {
          body += c.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(opts.body === undefined ? undefined : JSON.stringify(opts.body));
  });
}

const ALERTS = [
  {
    labels: { alertname: "HighErrorRate", service: "cart", severity: "critical" },
    annotations: { summary: "errors" },
    startsAt: new Date(Date.now() - 60_000).toISOString(),
  },
];

describe("HTTP front end", () => {
  it("serves HTTPS only", async () => {
    expect(rt.http?.url).toMatch(/^https:/);
    await expect(http("GET", "/healthz", { tls: false })).rejects.toThrow();
    expect((await http("GET", "/healthz", { tls: true })).status).toBe(200);
  });

  it("answers 401 without a valid token and 403 without the ingest role", async () => {
    for (const token of [undefined, "not-a-token-of-this-server"]) {
      const res = await http("POST", "/api/v2/alerts", {
        tls: true,
        body: ALERTS,
        ...(token === undefined ? {} : { token }),
      });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body).error.code).toBe("UNAUTHENTICATED");
    }
    const denied = await http("POST", "/api/v2/alerts", { tls: true, token: READER, body: ALERTS });
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body).error.code).toBe("PERMISSION_DENIED");
  });

  it("puts what a token sends in its tenant, whatever the tenant header says", async () => {
    const res = await http("POST", "/api/v2/alerts", {
      tls: true,
      token: FEEDER,
      body: ALERTS,
      headers: { "x-scope-orgid": "globex" },
    });
    expect(res.status).toBe(200);
    await rt.sink.flush();
    const rows = await rt.sink.conn.query<{ tenant: string }>(
      "SELECT DISTINCT tenant FROM events WHERE kind = 'alert'",
    );
    expect(rows).toEqual([{ tenant: "acme" }]);
  });
});

describe("OTLP receiver", () => {
  function exportSpans(token: string | undefined, secure: boolean): Promise<number> {
    const creds = secure
      ? credentials.createSsl(readFileSync(certs.caCert))
      : credentials.createInsecure();
    const client = new TraceServiceClient(rt.otlp?.address ?? "", creds, {
      "grpc.ssl_target_name_override": "localhost",
    });
    const md = new Metadata();
    if (token !== undefined) md.set("authorization", `Bearer ${token}`);
    return new Promise((resolve) => {
      client.export({ resourceSpans: [] }, md, (err: ServiceError | null) => {
        client.close();
        resolve(err === null ? status.OK : err.code);
      });
    });
  }

  it("refuses plaintext, missing tokens and tokens without the ingest role", async () => {
    expect(await exportSpans(FEEDER, false)).toBe(status.UNAVAILABLE);
    expect(await exportSpans(undefined, true)).toBe(status.UNAUTHENTICATED);
    expect(await exportSpans("not-a-token-of-this-server", true)).toBe(status.UNAUTHENTICATED);
    expect(await exportSpans(READER, true)).toBe(status.PERMISSION_DENIED);
    expect(await exportSpans(FEEDER, true)).toBe(status.OK);
  });
});
