// The incident and topology API over real gRPC: WatchIncidents resumes from
// a cursor across a reconnect without losing or repeating updates,
// GetJourneyImpact reports the open incidents per journey, PutTopology
// applies live while an incident stays open, Acknowledge/Resolve record who
// acted, and a bad topology is refused and recorded.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ServiceError, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImpactdClient } from "../../src/client/client.js";
import { defaultConfig } from "../../src/config/config.js";
import type { IncidentUpdate } from "../../src/gen/impactd/v1/api.js";
import { IncidentStatus } from "../../src/gen/impactd/v1/incident.js";
import { type Runtime, startRuntime } from "../../src/server/runtime.js";
import { loadTopologyFile } from "../../src/topology/index.js";
import { cascade, errorRate, health } from "../helpers/events.js";

const T0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;

let dir: string;
let rt: Runtime;
let client: ImpactdClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "impactd-api-"));
  rt = await startRuntime({
    ...defaultConfig(),
    dataDir: dir,
    grpc: { host: "127.0.0.1", port: 0 },
    otlp: { ...defaultConfig().otlp, enabled: false },
    http: { ...defaultConfig().http, enabled: false },
    core: { latenessMs: 2_000, heartbeatLagMs: 0, checkpointIntervalMs: 0 },
  });
  client = new ImpactdClient(rt.grpc.address);
  await client.putTopology(loadTopologyFile("examples/shop.yaml"));
});

afterAll(async () => {
  client?.close();
  await rt?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function until<T>(list: T[], n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const poll = () => {
      if (list.length >= n) resolve();
      else if (Date.now() > deadline) reject(new Error(`saw ${list.length} of ${n} updates`));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

describe("incident API", () => {
  let incidentId = "";

  it("resumes a watch from its cursor after a reconnect, missing and repeating nothing", async () => {
    const first: IncidentUpdate[] = [];
    const cancel = client.watchIncidents((u) => first.push(u));
    // The server has the watch once a probe update reaches it.
    await new Promise((r) => setTimeout(r, 100));
    const stream = client.ingest();
    const ack = await stream.send(cascade(T0, "w"));
    expect(ack.rejections).toEqual([]);
    await until(first, 1);
    cancel();
    const last = first[first.length - 1] as IncidentUpdate;
    incidentId = last.incident?.id ?? "";
    expect(first.map((u) => u.sequence)).toEqual(
      first.map((_, i) => (first[0]?.sequence ?? 0) + i),
    );

    // While nobody watches, the incident changes twice more.
    await client.acknowledge(incidentId, { actor: "alice" });
    await stream.send([errorRate(T0 + 45_000, "api-gateway", 0.4, "w-late")]);
    await stream.send([health(T0 + 90_000, "search", 1, "w-late-2")]);
    await stream.end();
    const missed = rt.grpc.updates.sequence("default") - last.sequence;
    expect(missed).toBeGreaterThanOrEqual(1);

    const resumed: IncidentUpdate[] = [];
    const cancel2 = client.watchIncidents((u) => resumed.push(u), { cursor: last.sequence });
    await until(resumed, missed);
    cancel2();
    expect(resumed.map((u) => u.sequence)).toEqual(
      Array.from({ length: missed }, (_, i) => last.sequence + 1 + i),
    );
    expect(resumed.every((u) => !u.resync)).toBe(true);
    expect(resumed.some((u) => u.incident?.acknowledgedBy === "alice")).toBe(true);
  });

  it("says so when the cursor cannot be honoured, and restates the open incidents", async () => {
    const got: IncidentUpdate[] = [];
    const cancel = client.watchIncidents((u) => got.push(u), { cursor: 1_000_000 });
    await until(got, 2);
    cancel();
    expect(got[0]?.resync).toBe(true);
    expect(got[0]?.incident).toBeUndefined();
    expect(got[1]?.resync).toBe(true);
    expect(got[1]?.incident?.id).toBe(incidentId);
  });

  it("reports journey impact of the open incidents", async () => {
    const journeys = await client.journeyImpact();
    expect(journeys.map((j) => j.journey).sort()).toEqual([
      "browse",
      "checkout",
      "login",
      "returns",
      "search",
    ]);
    // Exactly the journeys with a step needing one of the incident's services.
    const inc = await client.getIncident(incidentId);
    const topo = await client.getTopology();
    const hit = topo.journeys
      .filter((j) => j.steps.some((st) => st.services.some((x) => inc.services.includes(x))))
      .map((j) => j.name);
    expect(hit).toContain("checkout");
    for (const j of journeys) {
      const expected = hit.includes(j.journey) ? [incidentId] : [];
      expect(
        j.incidents.map((i) => i.incidentId),
        j.journey,
      ).toEqual(expected);
      const ratios = j.incidents.map((i) => i.impact?.successRatio ?? 1);
      expect(j.successRatio).toBe(Math.min(1, ...ratios));
    }
    expect((await client.journeyImpact("checkout")).length).toBe(1);
    await expect(client.journeyImpact("nowhere")).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
  });

  it("applies a new topology live and keeps the open incident", async () => {
    const topo = loadTopologyFile("examples/shop.yaml");
    topo.services.push({
      name: "ledger",
      team: "",
      tier: 2,
      dependsOn: [],
      slo: undefined,
      kinds: [],
    });
    const res = await client.putTopology(topo);
    expect(res.services).toBe(34);
    expect((await client.getTopology()).services.map((s) => s.name)).toContain("ledger");
    const inc = await client.getIncident(incidentId);
    expect(inc.status).toBe(IncidentStatus.INCIDENT_STATUS_ACKNOWLEDGED);
    // The core still knows the incident: a new symptom joins it.
    const stream = client.ingest();
    await stream.send([errorRate(T0 + 100_000, "web-frontend", 0.5, "live-1")]);
    await stream.send([health(T0 + 140_000, "search", 1, "live-2")]);
    await stream.end();
    const open = await client.listIncidents({
      statuses: [IncidentStatus.INCIDENT_STATUS_OPEN, IncidentStatus.INCIDENT_STATUS_ACKNOWLEDGED],
    });
    expect(open.map((i) => i.id)).toEqual([incidentId]);
    expect(open[0]?.services).toContain("web-frontend");
  });

  it("resolves by hand and answers NOT_FOUND for unknown incidents", async () => {
    const resolved = await client.resolve(incidentId, { actor: "bob", note: "rolled back" });
    expect(resolved.status).toBe(IncidentStatus.INCIDENT_STATUS_RESOLVED);
    expect(resolved.resolvedBy).toBe("bob");
    await expect(client.acknowledge("inc-nope")).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
  });

  it("refuses an invalid topology with the bad key and records it", async () => {
    const topo = loadTopologyFile("examples/shop.yaml");
    topo.services[0]?.dependsOn.push({ service: "nowhere", kind: 1, discovered: false });
    const err = (await client.putTopology(topo).catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toContain("nowhere");
    await rt.sink.flush();
    const rows = await rt.sink.conn.query<{ reason: string }>(
      "SELECT reason FROM rejected_events WHERE code = 'INVALID_TOPOLOGY'",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.reason).toContain("nowhere");
    // The topology in force is unchanged.
    expect((await client.getTopology()).services).toHaveLength(34);
  });
});
