// `impactd load` against a real in-process server (gRPC, OTLP and the
// Alertmanager API on free loopback ports, embedded ClickHouse in a temp
// dir): what it reports is what the server accepted, it puts the estate
// first, it stops at its count or its time, and it refuses remote targets.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadCommand } from "../../src/cli/commands/load.js";
import { InvalidArgumentError } from "../../src/errors.js";
import { type Runtime, startRuntime } from "../../src/server/runtime.js";
import { testConfig } from "../helpers/config.js";

let dir: string;
let rt: Runtime;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "impactd-load-cmd-"));
  const c = testConfig(join(dir, "data"));
  rt = await startRuntime(
    {
      ...c,
      otlp: { ...c.otlp, enabled: true, host: "127.0.0.1", port: 0 },
      http: { ...c.http, enabled: true, host: "127.0.0.1", port: 0 },
    },
    { checkpoints: false },
  );
});

afterAll(async () => {
  await rt?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** load runs the command and returns its exit code and what it printed. */
async function load(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi
    .spyOn(console, "log")
    .mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  const error = vi
    .spyOn(console, "error")
    .mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  try {
    const code = await loadCommand.run(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe("impactd load", () => {
  it("sends over gRPC, puts the estate first, and reports what the server accepted", async () => {
    const before = rt.pipeline.stats.accepted;
    const topoFile = join(dir, "estate.json");
    const r = await load([
      "--target",
      rt.grpc.address,
      "--count",
      "3000",
      "--rate",
      "0",
      "--batch",
      "500",
      "--services",
      "120",
      "--producers",
      "2",
      "--write-topology",
      topoFile,
      "--seed",
      "4",
    ]);
    expect(r.code).toBe(0);
    expect(rt.pipeline.stats.accepted - before).toBe(3_000);
    expect(rt.pipeline.topology("default").services).toHaveLength(120);
    expect(JSON.parse(readFileSync(topoFile, "utf8")).services).toHaveLength(120);
    expect(r.out).toContain("sent 3,000 events in 6 batches over grpc");
    expect(r.out).toContain("acked 3,000: accepted 3,000, rejected 0, duplicates 0; failed 0");
    expect(r.out).toMatch(/ack latency p50 [\d.]+ ms, p99 [\d.]+ ms/);
    expect(r.err).toContain("sent the estate (120 services, 10 journeys)");
  });

  it("prints the summary as JSON; a second run with the same seed is new data", async () => {
    const args = [
      "--target",
      rt.grpc.address,
      "--count",
      "1000",
      "--rate",
      "0",
      "--seed",
      "77",
      "--json",
      "--no-topology",
    ];
    const first = await load(args);
    expect(JSON.parse(first.out)).toMatchObject({
      via: "grpc",
      sent: 1_000,
      accepted: 1_000,
      duplicates: 0,
    });
    // Event ids name the run (seed and start time): not mistaken for retries.
    const again = await load(args);
    expect(JSON.parse(again.out)).toMatchObject({ sent: 1_000, accepted: 1_000, duplicates: 0 });
  });

  it("sends OTLP exports the receiver accepts item for item", async () => {
    const before = rt.pipeline.stats.accepted;
    const r = await load([
      "--via",
      "otlp",
      "--target",
      rt.otlp?.address ?? "",
      "--count",
      "2000",
      "--rate",
      "0",
      "--topology-to",
      rt.grpc.address,
      "--seed",
      "5",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({ via: "otlp", sent: 2_000, acked: 2_000, rejected: 0, failed: 0 });
    expect(rt.pipeline.stats.accepted - before).toBe(2_000);
  });

  it("posts alerts to the Alertmanager API", async () => {
    const before = rt.pipeline.stats.accepted + rt.pipeline.stats.duplicates;
    const r = await load([
      "--via",
      "alertmanager",
      "--target",
      rt.http?.url ?? "",
      "--count",
      "640",
      "--batch",
      "64",
      "--rate",
      "0",
      "--seed",
      "6",
      "--json",
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      via: "alertmanager",
      sent: 640,
      accepted: 640,
      batches: 10,
    });
    // The API answers 200 for repeats too; impactd counts an alert re-sent with
    // the same labels, state and time as a duplicate.
    expect(rt.pipeline.stats.accepted + rt.pipeline.stats.duplicates - before).toBe(640);
  });

  it("stops at its time bound", async () => {
    const r = await load([
      "--target",
      rt.grpc.address,
      "--count",
      "10000000",
      "--rate",
      "2000",
      "--duration",
      "1s",
      "--batch",
      "100",
      "--seed",
      "8",
      "--json",
      "--no-topology",
    ]);
    const s = JSON.parse(r.out);
    expect(s.stoppedBy).toBe("time");
    expect(s.sent).toBeGreaterThan(0);
    expect(s.sent).toBeLessThan(4_000);
    expect(s.acked).toBe(s.sent);
  });

  it("refuses non-loopback targets and bad options", async () => {
    await expect(load(["--target", "192.0.2.1:7070"])).rejects.toThrow(
      /not a loopback address.*--allow-remote/,
    );
    await expect(load(["--via", "smtp"])).rejects.toThrow(InvalidArgumentError);
    await expect(load(["--count=-5"])).rejects.toThrow(/--count "-5": expected an integer >= 1/);
    await expect(load(["--mix", "metric=1,spans=2"])).rejects.toThrow(/unknown kind "spans"/);
    await expect(load(["--target", "nats://127.0.0.1:4222"])).rejects.toThrow(/scheme nats:\/\//);
  });

  it("fails with exit 1 and the reason when the target is not there", async () => {
    const r = await load(["--target", "127.0.0.1:1", "--count", "100", "--no-topology", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ failed: 100, acked: 0 });
    expect(JSON.parse(r.out).error).toMatch(/127\.0\.0\.1:1/);
  });
});
