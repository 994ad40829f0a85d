// End to end: the runtime on a free loopback port, a real gRPC client, and
// the embedded ClickHouse underneath. Checks what reaches the tables.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, makeGenericClientConstructor, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImpactdClient } from "../../src/client/client.js";
import { defaultConfig } from "../../src/config/config.js";
import { type Event, IncidentActionKind } from "../../src/gen/impactd/v1/event.js";
import { IncidentStatus } from "../../src/gen/impactd/v1/incident.js";
import { type Runtime, startRuntime } from "../../src/server/runtime.js";
import { loadTopologyFile } from "../../src/topology/index.js";

const NOW = Date.now();
const T0 = Math.floor((NOW - 3_600_000) / 1000) * 1000;

let dir: string;
let rt: Runtime;
let client: ImpactdClient;

function ev(ts: number, kind: Event["kind"], id = ""): Event {
  return { tsUnixMs: ts, source: "e2e", tenant: "", id, kind };
}
const health = (ts: number, service: string, s: number) =>
  ev(ts, { $case: "healthCheck", value: { service, status: s, message: "" } });
const errorRate = (ts: number, service: string, value: number) =>
  ev(ts, { $case: "metric", value: { service, metric: 1, customName: "", value } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "impactd-e2e-"));
  const config = {
    ...defaultConfig(),
    dataDir: dir,
    grpc: { host: "127.0.0.1", port: 0 },
    otlp: { ...defaultConfig().otlp, enabled: false },
    http: { ...defaultConfig().http, enabled: false },
    core: {
      ...defaultConfig().core,
      latenessMs: 2_000,
      heartbeatLagMs: 0,
      checkpointIntervalMs: 0,
    },
  };
  rt = await startRuntime(config);
  client = new ImpactdClient(rt.grpc.address);
  await client.putTopology(loadTopologyFile("examples/shop.yaml"));
});

afterAll(async () => {
  client?.close();
  await rt?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("gRPC ingest to ClickHouse", () => {
  it("rejects bad events individually, accepts the rest and records every rejection", async () => {
    const stream = client.ingest();
    const batch: Event[] = [
      health(T0, "cart", 1),
      { ...health(T0, "cart", 1), kind: undefined }, // unknown kind
      errorRate(T0, "cart", Number.NaN),
      errorRate(NOW + 365 * 86_400_000, "cart", 0.01), // a year ahead
      health(T0, "", 1), // empty service
      errorRate(T0 + 1, "cart", 0.01),
    ];
    const ack = await stream.send(batch);
    await stream.end();
    expect(ack.accepted).toBe(2);
    expect(ack.rejections.map((r) => [r.index, r.code])).toEqual([
      [1, "UNKNOWN_KIND"],
      [2, "INVALID_VALUE"],
      [3, "TIMESTAMP_IN_FUTURE"],
      [4, "MISSING_FIELD"],
    ]);
    for (const r of ack.rejections) expect(r.reason.length).toBeGreaterThan(10);
    const rows = await rt.sink.conn.query<{ code: string; reason: string; front_end: string }>(
      "SELECT code, reason, front_end FROM rejected_events ORDER BY code",
    );
    expect(rows.map((r) => r.code)).toEqual([
      "INVALID_VALUE",
      "MISSING_FIELD",
      "TIMESTAMP_IN_FUTURE",
      "UNKNOWN_KIND",
    ]);
    expect(rows.every((r) => r.front_end === "grpc")).toBe(true);
  });

  it("folds a database cascade into one incident rooted at the database, stored in ClickHouse", async () => {
    const seen: string[] = [];
    const stop = client.watchIncidents((u) => seen.push(u.incident?.id ?? ""));
    const events: Event[] = [];
    const t = T0 + 60_000;
    for (const s of ["payments-db", "payments", "checkout", "api-gateway", "web-frontend"])
      events.push(health(t, s, 1));
    // Detection order is not propagation order: the gateway is seen first.
    events.push(errorRate(t + 10_000, "api-gateway", 0.3));
    events.push(health(t + 12_000, "payments-db", 3));
    events.push(errorRate(t + 14_000, "payments", 0.9));
    events.push(errorRate(t + 16_000, "checkout", 0.6));
    events.push(errorRate(t + 18_000, "web-frontend", 0.2));
    events.push(health(t + 40_000, "search", 1)); // moves the watermark on
    let id = 0;
    const stream = client.ingest();
    for (let i = 0; i < events.length; i += 3) {
      const ack = await stream.send(
        events.slice(i, i + 3).map((e) => ({ ...e, id: `cascade-${id++}` })),
      );
      expect(ack.rejections).toEqual([]);
    }
    // A retried batch with the same ids is recognised, not applied twice.
    const again = await stream.send(
      events.slice(0, 3).map((e, i) => ({ ...e, id: `cascade-${i}` })),
    );
    expect(again.duplicates).toBe(3);
    await stream.end();
    await rt.sink.flush();

    const open = await client.listIncidents({ statuses: [IncidentStatus.INCIDENT_STATUS_OPEN] });
    expect(open).toHaveLength(1);
    const inc = open[0];
    expect(inc?.rootCauses[0]?.service).toBe("payments-db");
    expect(new Set(inc?.services)).toEqual(
      new Set(["api-gateway", "payments-db", "payments", "checkout", "web-frontend"]),
    );
    expect((await client.getIncident(inc?.id ?? "")).id).toBe(inc?.id);
    stop();
    expect(seen).toContain(inc?.id);

    const stored = await rt.sink.conn.query<{
      incident_id: string;
      status: string;
      root_cause: string;
      n: number;
    }>(
      "SELECT incident_id, status, root_cause, toUInt8(length(services)) AS n FROM incidents WHERE status = 'open'",
    );
    expect(stored).toEqual([
      { incident_id: inc?.id, status: "open", root_cause: "payments-db", n: 5 },
    ]);
    const count = await rt.sink.conn.query<{ c: string }>(
      "SELECT count() AS c FROM events WHERE source = 'e2e' AND event_id LIKE 'cascade-%'",
    );
    expect(Number(count[0]?.c)).toBe(events.length);
  });

  it("acknowledges and resolves an incident by hand, recording who did it", async () => {
    const [inc] = await client.listIncidents({ statuses: [IncidentStatus.INCIDENT_STATUS_OPEN] });
    const id = inc?.id ?? "";
    const acked = await rt.pipeline.act(
      "default",
      id,
      IncidentActionKind.INCIDENT_ACTION_KIND_ACKNOWLEDGE,
      "alice",
    );
    expect(acked.status).toBe(IncidentStatus.INCIDENT_STATUS_ACKNOWLEDGED);
    expect(acked.acknowledgedBy).toBe("alice");
    const resolved = await rt.pipeline.act(
      "default",
      id,
      IncidentActionKind.INCIDENT_ACTION_KIND_RESOLVE,
      "bob",
      "rolled back",
    );
    expect(resolved.status).toBe(IncidentStatus.INCIDENT_STATUS_RESOLVED);
    expect(resolved.resolvedBy).toBe("bob");
    await expect(
      rt.pipeline.act(
        "default",
        "inc-missing",
        IncidentActionKind.INCIDENT_ACTION_KIND_ACKNOWLEDGE,
        "x",
      ),
    ).rejects.toThrow(/not found/);
    await rt.sink.flush();
    const row = await rt.sink.conn.query<{ status: string; acked: number }>(
      "SELECT status, toUInt8(acknowledged_at IS NOT NULL) AS acked FROM incidents WHERE incident_id = {id:String}",
      { id },
    );
    expect(row).toEqual([{ status: "resolved", acked: 1 }]);
    const actions = await rt.sink.conn.query<{ status: string; channel: string }>(
      "SELECT status, channel FROM events WHERE kind = 'incident_action' ORDER BY ts, status",
    );
    expect(actions).toEqual([
      { status: "acknowledge", channel: "alice" },
      { status: "resolve", channel: "bob" },
    ]);
  });

  it("answers NOT_FOUND for an unknown incident and serves the topology back", async () => {
    await expect(client.getIncident("inc-nope")).rejects.toMatchObject({ code: status.NOT_FOUND });
    const topo = await client.getTopology();
    expect(topo.services).toHaveLength(33);
    expect(topo.journeys.map((j) => j.name).sort()).toEqual([
      "browse",
      "checkout",
      "login",
      "returns",
      "search",
    ]);
  });

  it("rejects an invalid topology naming the bad key", async () => {
    const topo = loadTopologyFile("examples/shop.yaml");
    topo.services[0]?.dependsOn.push({ service: "nowhere", kind: 1, discovered: false });
    await expect(client.putTopology(topo)).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining("nowhere"),
    });
  });

  it("records undecodable bytes as a MALFORMED rejection without ending the server", async () => {
    const Raw = makeGenericClientConstructor(
      {
        ingest: {
          path: "/impactd.v1.IngestService/Ingest",
          requestStream: true,
          responseStream: true,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (b: Buffer) => b,
          responseDeserialize: (b: Buffer) => b,
        },
      },
      "IngestService",
    );
    const raw = new Raw(rt.grpc.address, credentials.createInsecure()) as unknown as {
      ingest(): NodeJS.ReadWriteStream & { end(): void };
      close(): void;
    };
    const call = raw.ingest();
    const got = new Promise<Buffer>((resolve) => call.on("data", resolve));
    call.write(Buffer.from([0x12, 0xff, 0xff, 0xff, 0x0f, 0x01])); // field 2, absurd length
    expect((await got).length).toBeGreaterThan(0);
    call.end();
    raw.close();
    await rt.sink.flush();
    const rows = await rt.sink.conn.query<{ c: string }>(
      "SELECT count() AS c FROM rejected_events WHERE code = 'MALFORMED'",
    );
    expect(Number(rows[0]?.c)).toBe(1);
    // The server still serves.
    expect((await client.getTopology()).services.length).toBe(33);
  });
});
