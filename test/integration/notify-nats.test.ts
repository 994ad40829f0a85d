// NATS notifications against a real nats-server (Debian package) on a free
// loopback port: the message lands on the team's subject with the
// notification id as Nats-Msg-Id, so a JetStream stream capturing the
// subject drops a resend. Without a server configured, a nats target fails
// visibly instead of silently.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection, StringCodec } from "nats";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Topology } from "../../src/gen/impactd/v1/topology.js";
import { Notifier } from "../../src/notify/index.js";
import { NatsTransport } from "../../src/notify/transports/nats.js";
import type { IncidentUpdateListener } from "../../src/pipeline/pipeline.js";
import { incident, MemoryStore, target, team } from "../helpers/notify.js";

const dir = mkdtempSync(join(tmpdir(), "impactd-notify-nats-"));
let server: ChildProcess | undefined;
let url = "";

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

beforeAll(async () => {
  const port = await freePort();
  server = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  server.on("error", (err) => {
    throw new Error(`cannot start nats-server (apt-get install nats-server): ${err.message}`);
  });
  await new Promise<void>((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${log}`)), 10_000);
    server?.stderr?.on("data", (b: Buffer) => {
      log += b.toString();
      if (log.includes("Server is ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  url = `nats://127.0.0.1:${port}`;
});

afterAll(async () => {
  server?.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

function source(teams: Topology["teams"]) {
  let listener: IncidentUpdateListener | undefined;
  return {
    emit: (inc: ReturnType<typeof incident>) => listener?.(inc, []),
    watchAll(l: IncidentUpdateListener) {
      listener = l;
      return () => {};
    },
    tenantNames: () => [],
    incidents: () => [],
    topology: (): Topology => ({ services: [], journeys: [], teams }),
    watermark: () => undefined,
  };
}

describe("NATS notifications", () => {
  it("publishes the update on the team's subject with the notification id as Nats-Msg-Id", async () => {
    const sub: NatsConnection = await connect({ servers: url });
    const got: { subject: string; id: string | undefined; body: Record<string, unknown> }[] = [];
    const sc = StringCodec();
    const s = sub.subscribe("incidents.data.>");
    void (async () => {
      for await (const m of s)
        got.push({
          subject: m.subject,
          id: m.headers?.get("Nats-Msg-Id"),
          body: JSON.parse(sc.decode(m.data)) as Record<string, unknown>,
        });
    })();
    await sub.flush();
    const src = source([
      team(
        "data",
        [target("bus", "nats", "incidents.data.page")],
        [{ delayMinutes: 5, target: "@d1", channel: "" }],
      ),
    ]);
    const store = new MemoryStore();
    const notifier = await Notifier.start({
      source: src,
      store,
      options: { groupWaitMs: 0, nats: { servers: url } },
    });
    src.emit(incident());
    await vi.waitFor(() => expect(got).toHaveLength(1));
    const [row] = store.latest();
    expect(got[0]).toMatchObject({
      subject: "incidents.data.page",
      id: row?.notification_id,
      body: {
        notification_id: row?.notification_id,
        incident_id: "inc-1",
        change: "opened",
        team: "data",
        paged: [{ tier: 1, target: "@d1", channel: "", cause: "routed" }],
        root_cause: "db",
      },
    });
    expect((got[0]?.body.incident as { id: string } | undefined)?.id).toBe("inc-1");
    await vi.waitFor(() => expect(store.latest()[0]?.status).toBe("delivered"));
    await notifier.stop();
    await sub.close();
  });

  it("a JetStream stream on the subject drops a resend of the same notification", async () => {
    const nc = await connect({ servers: url });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: "NOTIFY", subjects: ["notify.>"] });
    const transport = new NatsTransport({ servers: url }, 5_000);
    const row = {
      notification_id: "n-1",
      dedup_key: "impactd/default/inc-1",
      address: "notify.data",
      payload: '{"change":"opened"}',
    } as Parameters<NatsTransport["send"]>[0];
    const signal = new AbortController().signal;
    await transport.send(row, signal);
    await transport.send(row, signal); // as after a restart mid-delivery
    await transport.send({ ...row, notification_id: "n-2" }, signal);
    const info = await jsm.streams.info("NOTIFY");
    expect(info.state.messages).toBe(2);
    await transport.close();
    await nc.close();
  });

  it("fails a nats target visibly when no NATS server is configured", async () => {
    const transport = new NatsTransport(undefined, 1_000);
    await expect(
      transport.send(
        { address: "x" } as Parameters<NatsTransport["send"]>[0],
        new AbortController().signal,
      ),
    ).rejects.toMatchObject({ code: "NATS_NOT_CONFIGURED", retryable: false });
  });
});
