// `impactd load --via nats` against a real nats-server with JetStream
// (Debian package nats-server, started here on a free loopback port with its
// store in a temp dir): batches land in the stream as IngestRequest messages
// on <prefix>.<tenant>, a re-run with the same seed is refused as duplicates
// by their Nats-Msg-Id, and a missing stream is a clear error.
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { connect, type NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadCommand } from "../../src/cli/commands/load.js";
import { IngestRequest } from "../../src/gen/impactd/v1/api.js";
import { NatsSender, Workload } from "../../src/load/index.js";

function natsServerBinary(): string {
  for (const d of [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/bin"]) {
    if (d === "") continue;
    try {
      accessSync(join(d, "nats-server"), constants.X_OK);
      return join(d, "nats-server");
    } catch {
      // not here
    }
  }
  throw new Error(
    "nats-server is not installed: install it with `apt-get install nats-server` (Debian/Ubuntu)",
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

let dir: string;
let server: ChildProcess;
let url: string;
let nc: NatsConnection;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "impactd-load-nats-"));
  const port = await freePort();
  url = `nats://127.0.0.1:${port}`;
  server = spawn(natsServerBinary(), ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", dir], {
    stdio: "ignore",
  });
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      nc = await connect({ servers: url });
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: "IMPACTD_EVENTS", subjects: ["impactd.events.>"] });
});

afterAll(async () => {
  await nc?.close();
  server?.kill("SIGTERM");
  await new Promise((r) => server?.once("exit", r));
  rmSync(dir, { recursive: true, force: true });
});

async function load(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const log = vi
    .spyOn(console, "log")
    .mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  const error = vi.spyOn(console, "error").mockImplementation(() => {});
  try {
    return { code: await loadCommand.run(args), out: out.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe("impactd load --via nats", () => {
  it("publishes IngestRequest batches to JetStream, once per Nats-Msg-Id", async () => {
    const args = [
      "--via",
      "nats",
      "--target",
      url,
      "--count",
      "2000",
      "--batch",
      "500",
      "--rate",
      "0",
      "--seed",
      "3",
      "--tenant",
      "shop",
      "--json",
    ];
    const r = await load(args);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      via: "nats",
      sent: 2_000,
      accepted: 2_000,
      batches: 4,
    });
    const jsm = await nc.jetstreamManager();
    expect((await jsm.streams.info("IMPACTD_EVENTS")).state.messages).toBe(4);
    const msg = await jsm.streams.getMessage("IMPACTD_EVENTS", { seq: 1 });
    expect(msg.subject).toBe("impactd.events.shop");
    expect(msg.header.get("Content-Type")).toBe(
      "application/x-protobuf; proto=impactd.v1.IngestRequest",
    );
    const req = IngestRequest.decode(msg.data);
    expect(req.events).toHaveLength(500);
    expect(req.events[0]?.tenant).toBe("shop");
  });

  it("a batch sent again (a retry) is refused by its Nats-Msg-Id", async () => {
    const w = new Workload({ services: 20, startMs: Date.now() - 10_000, tenant: "shop", seed: 9 });
    const sender = await NatsSender.connect(url, { tenant: "shop", idPrefix: w.runId });
    try {
      const batch = sender.prepare(w.nextBatch(100), 0);
      expect(await sender.send(batch)).toMatchObject({ accepted: 100, duplicates: 0 });
      expect(await sender.send(batch)).toMatchObject({ accepted: 0, duplicates: 100 });
    } finally {
      await sender.close();
    }
  });

  it("says which stream is missing", async () => {
    const r = await load([
      "--via",
      "nats",
      "--target",
      url,
      "--count",
      "10",
      "--nats-prefix",
      "nobody.here",
      "--json",
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error).toMatch(/no JetStream stream holds nobody\.here\.default/);
  });
});
