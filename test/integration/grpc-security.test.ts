// Acceptance 5 of issue 4 for gRPC: with TLS on, a plaintext client (or one
// that does not trust the server's CA) cannot connect; with mTLS, a client
// without a certificate cannot; with auth on, a call without a valid token is
// UNAUTHENTICATED on every impactd.v1 method, a token without the role is
// PERMISSION_DENIED, and a token bound to a tenant only ever sees that
// tenant, whatever its requests and events say. Health stays open.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, loadPackageDefinition, type ServiceError, status } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { protoPath as healthProtoPath } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImpactdClient } from "../../src/client/client.js";
import { parseConfig } from "../../src/config/config.js";
import { IncidentStatus } from "../../src/gen/impactd/v1/incident.js";
import { loadTls } from "../../src/security/tls.js";
import { type Runtime, startRuntime } from "../../src/server/runtime.js";
import { type GrpcServer, startGrpcServer } from "../../src/sources/grpc/server.js";
import { loadTopologyFile } from "../../src/topology/index.js";
import { makeCerts, type TestCerts } from "../helpers/certs.js";
import { cascade } from "../helpers/events.js";

const T0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;
const TOKENS = {
  ingest: "ingest-token-acme-0123456789",
  reader: "reader-token-acme-0123456789",
  globex: "reader-token-globex-0123456789",
  admin: "admin-token-0123456789abcdef",
};

let dir: string;
let certs: TestCerts;
let rt: Runtime;
let mtls: GrpcServer;
const clients: ImpactdClient[] = [];

function client(token?: string, tls: "ca" | "none" | "other-ca" = "ca", address?: string) {
  const c = new ImpactdClient(address ?? rt.grpc.address, {
    ...(token === undefined ? {} : { token }),
    ...(tls === "none"
      ? {}
      : {
          tls: {
            ca: readFileSync(tls === "ca" ? certs.caCert : certs.otherCaCert),
            serverName: "localhost",
          },
        }),
  });
  clients.push(c);
  return c;
}

async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return status.OK;
  } catch (err) {
    return (err as ServiceError).code;
  }
}

// A watch that fails reports its status through onError.
function watchCode(c: ImpactdClient): Promise<number> {
  return new Promise((resolve) => {
    const cancel = c.watchIncidents(() => {}, {
      onError: (e) => {
        cancel();
        resolve(e.code);
      },
    });
  });
}

beforeAll(async () => {
  certs = makeCerts();
  dir = mkdtempSync(join(tmpdir(), "impactd-sec-"));
  const config = parseConfig({
    data_dir: dir,
    grpc: { port: 0, tls: { cert_file: certs.serverCert, key_file: certs.serverKey } },
    otlp: { enabled: false },
    http: { enabled: false },
    core: { heartbeat_lag_ms: 0 },
    auth: {
      enabled: true,
      tokens: [
        { name: "ingester", token: TOKENS.ingest, tenant: "acme", roles: ["ingest"] },
        { name: "acme-reader", token: TOKENS.reader, tenant: "acme", roles: ["read"] },
        {
          name: "globex-oncall",
          token: TOKENS.globex,
          tenant: "globex",
          roles: ["read", "respond"],
        },
        { name: "ops", token: TOKENS.admin, tenant: "*", roles: ["admin"] },
      ],
    },
  });
  rt = await startRuntime(config);
  const tls = loadTls({
    certFile: certs.serverCert,
    keyFile: certs.serverKey,
    clientCaFile: certs.caCert,
    key: "grpc.tls",
  });
  mtls = await startGrpcServer({ pipeline: rt.pipeline, port: 0, tls });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await mtls?.close();
  await rt?.stop();
  rmSync(dir, { recursive: true, force: true });
  if (certs !== undefined) rmSync(certs.dir, { recursive: true, force: true });
});

describe("TLS", () => {
  it("refuses plaintext clients and clients that do not trust the server's CA", async () => {
    expect(await code(client(TOKENS.admin, "none").getTopology())).toBe(status.UNAVAILABLE);
    expect(await code(client(TOKENS.admin, "other-ca").getTopology())).toBe(status.UNAVAILABLE);
    expect(await code(client(TOKENS.admin, "ca").getTopology())).toBe(status.OK);
  });

  it("with a client CA, refuses clients without a certificate it signed", async () => {
    const ca = readFileSync(certs.caCert);
    const noCert = new ImpactdClient(mtls.address, { tls: { ca, serverName: "localhost" } });
    const withCert = new ImpactdClient(mtls.address, {
      tls: {
        ca,
        cert: readFileSync(certs.clientCert),
        key: readFileSync(certs.clientKey),
        serverName: "localhost",
      },
    });
    clients.push(noCert, withCert);
    expect(await code(noCert.getTopology())).toBe(status.UNAVAILABLE);
    expect(await code(withCert.getTopology())).toBe(status.OK);
  });
});

describe("bearer tokens", () => {
  it("answers UNAUTHENTICATED on every impactd.v1 method without a valid token", async () => {
    for (const c of [client(), client("not-a-token-of-this-server")]) {
      const calls: Promise<unknown>[] = [
        c.listIncidents(),
        c.getIncident("inc-x"),
        c.journeyImpact(),
        c.acknowledge("inc-x"),
        c.resolve("inc-x"),
        c.getTopology(),
        c.putTopology({ services: [], journeys: [], teams: [] }),
      ];
      for (const p of calls) expect(await code(p)).toBe(status.UNAUTHENTICATED);
      expect(await watchCode(c)).toBe(status.UNAUTHENTICATED);
      const stream = c.ingest();
      expect(await code(stream.send(cascade(T0, "anon")))).toBe(status.UNAUTHENTICATED);
    }
  });

  it("keeps health checking open", async () => {
    const pkg = loadPackageDefinition(loadSync(healthProtoPath, { enums: String })) as unknown as {
      grpc: { health: { v1: { Health: new (a: string, c: unknown, o: object) => HealthClient } } };
    };
    interface HealthClient {
      check(req: object, cb: (e: Error | null, r: { status: string }) => void): void;
      close(): void;
    }
    const h = new pkg.grpc.health.v1.Health(
      rt.grpc.address,
      credentials.createSsl(readFileSync(certs.caCert)),
      { "grpc.ssl_target_name_override": "localhost" },
    );
    const res = await new Promise<{ status: string }>((resolve, reject) =>
      h.check({ service: "impactd.v1.IngestService" }, (e, r) => (e ? reject(e) : resolve(r))),
    );
    h.close();
    expect(res.status).toBe("SERVING");
  });

  it("answers PERMISSION_DENIED when the token lacks the role", async () => {
    const reader = client(TOKENS.reader);
    expect(await code(reader.ingest().send(cascade(T0, "r")))).toBe(status.PERMISSION_DENIED);
    expect(await code(reader.putTopology(loadTopologyFile("examples/shop.yaml")))).toBe(
      status.PERMISSION_DENIED,
    );
    expect(await code(reader.acknowledge("inc-x"))).toBe(status.PERMISSION_DENIED);
    expect(await code(client(TOKENS.ingest).listIncidents())).toBe(status.PERMISSION_DENIED);
  });

  it("binds a token to its tenant: events, reads and actions never cross tenants", async () => {
    const admin = client(TOKENS.admin);
    const topology = loadTopologyFile("examples/shop.yaml");
    await admin.putTopology(topology, "acme");
    await admin.putTopology(topology, "globex");
    // The events claim tenant globex; the token says acme, and wins.
    const events = cascade(T0, "acme").map((e) => ({ ...e, tenant: "globex" }));
    const stream = client(TOKENS.ingest).ingest();
    const ack = await stream.send(events);
    await stream.end();
    expect(ack.rejections).toEqual([]);
    expect(ack.accepted).toBe(events.length);

    const acme = await client(TOKENS.reader).listIncidents({ tenant: "globex" });
    expect(acme).toHaveLength(1);
    const inc = acme[0];
    expect(inc?.tenant).toBe("acme");
    expect(inc?.rootCauses[0]?.service).toBe("payments-db");

    const globex = client(TOKENS.globex);
    expect(await globex.listIncidents({ tenant: "acme" })).toEqual([]);
    expect(await code(globex.getIncident(inc?.id ?? "", "acme"))).toBe(status.NOT_FOUND);
    expect(await code(globex.acknowledge(inc?.id ?? "", { tenant: "acme" }))).toBe(
      status.NOT_FOUND,
    );
    // An operator token may name the tenant.
    expect((await admin.getIncident(inc?.id ?? "", "acme")).id).toBe(inc?.id);
    const acked = await admin.acknowledge(inc?.id ?? "", { tenant: "acme", actor: "alice" });
    expect(acked.status).toBe(IncidentStatus.INCIDENT_STATUS_ACKNOWLEDGED);
    expect(acked.acknowledgedBy).toBe("alice (via ops)");
  });
});
