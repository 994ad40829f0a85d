// The built CLI as an operator uses it: `impactd serve --config` with auth
// on reports what it listens on; `impactd incidents`, `incidents get`,
// `incidents watch`, `ack` and `resolve` work against it with a token; bad
// usage exits 2 and a bad config names the key; acknowledgements and
// resolutions land in incident_events with who did them.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImpactdClient } from "../../src/client/client.js";
import { cascade } from "../helpers/events.js";

const run = promisify(execFile);
const ONCALL = "oncall-token-0123456789abcdef";
const FEEDER = "feeder-token-0123456789abcdef";
const T0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;

let dir: string;
let serve: ChildProcess;
let out = "";
let address = "";

function cli(args: string[], token = ONCALL) {
  return run("node", ["bin/impactd.js", ...args, "--server", address, "--token", token]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "impactd-cli-"));
  const cfg = join(dir, "impactd.yaml");
  writeFileSync(
    cfg,
    `data_dir: ${join(dir, "data")}
topology: examples/shop.yaml
grpc:
  port: 0
otlp:
  port: 0
http:
  port: 0
core:
  heartbeat_lag_ms: 0
auth:
  enabled: true
  tokens:
    - { name: oncall, token: ${ONCALL}, tenant: default, roles: [read, respond] }
    - { name: feeder, token: ${FEEDER}, tenant: default, roles: [ingest] }
`,
  );
  serve = spawn("node", ["bin/impactd.js", "serve", "--config", cfg], {
    env: { ...process.env, IMPACTD_LIMITS_MAX_BATCH_EVENTS: "1234" },
  });
  serve.stdout?.on("data", (b: Buffer) => {
    out += b.toString();
  });
  address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 30_000);
    const poll = setInterval(() => {
      const m = /^impactd: gRPC listening on (\S+)/m.exec(out);
      if (m?.[1] !== undefined && /topology/.test(out)) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(m[1]);
      }
    }, 20);
  });
  const feeder = new ImpactdClient(address, { token: FEEDER });
  const stream = feeder.ingest();
  await stream.send(cascade(T0, "cli"));
  await stream.end();
  feeder.close();
});

afterAll(async () => {
  if (serve !== undefined && serve.exitCode === null) {
    serve.kill("SIGTERM");
    await new Promise((r) => serve.once("exit", r));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("impactd serve", () => {
  it("reports each front end with TLS and auth, the sink and the limits (env overrides applied)", () => {
    expect(out).toMatch(/gRPC listening on 127\.0\.0\.1:\d+ .*plaintext, auth on \(2 tokens/);
    expect(out).toMatch(/OTLP\/gRPC listening on 127\.0\.0\.1:\d+ .*plaintext, auth on/);
    expect(out).toMatch(/HTTP listening on http:\/\/127\.0\.0\.1:\d+ .*plaintext, auth on/);
    expect(out).toMatch(/sink chdb in .*data/);
    expect(out).toContain("1234 events per batch");
    expect(out).toMatch(/topology examples\/shop\.yaml: 33 services/);
  });

  it("refuses a config with an unknown key, naming it", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "grpc:\n  prot: 7070\n");
    await expect(run("node", ["bin/impactd.js", "serve", "--config", bad])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("grpc.prot: unknown key"),
    });
  });
});

describe("impactd incidents / ack / resolve", () => {
  let id = "";

  it("lists incidents with filters", async () => {
    const { stdout } = await cli(["incidents", "--status", "open", "--format", "json"]);
    const list = JSON.parse(stdout) as { id: string; rootCauses: { service: string }[] }[];
    expect(list).toHaveLength(1);
    id = list[0]?.id ?? "";
    expect(list[0]?.rootCauses[0]?.service).toBe("payments-db");
    const table = await cli(["incidents", "--service", "payments-db"]);
    expect(table.stdout).toContain(id);
    expect(table.stdout).toContain("(1 row)");
    const none = await cli(["incidents", "--status", "resolved"]);
    expect(none.stdout).toContain("(0 rows)");
    const got = await cli(["incidents", "get", id]);
    expect(got.stdout).toMatch(/#1 payments-db/);
  });

  it("acknowledges while a watcher follows, then resolves", async () => {
    // Acknowledge only once the watcher has shown the open incident: a
    // watcher started after the ack would never see the change.
    const watcher = spawn("node", [
      "bin/impactd.js",
      "incidents",
      "watch",
      "--include-open",
      "--count",
      "2",
      "--server",
      address,
      "--token",
      ONCALL,
    ]);
    let stdout = "";
    const seen = (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (pattern.test(stdout)) resolve();
        };
        watcher.stdout.on("data", (b: Buffer) => {
          stdout += b.toString();
          check();
        });
        check();
      });
    const exited = new Promise((r) => watcher.once("exit", r));
    await seen(/\[current\]/);
    const ack = await cli(["ack", id, "--actor", "alice"]);
    expect(ack.stdout).toMatch(new RegExp(`${id}\\s+acknowledged`));
    await exited;
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^#\\d+ ${id} open .*\\[current\\]`));
    expect(lines[1]).toMatch(new RegExp(`^#\\d+ ${id} acknowledged`));

    const res = await cli([
      "resolve",
      id,
      "--actor",
      "bob",
      "--note",
      "rolled back",
      "--format",
      "json",
    ]);
    const inc = JSON.parse(res.stdout) as {
      status: string;
      resolvedBy: string;
      acknowledgedBy: string;
    };
    expect(inc.status).toBe("INCIDENT_STATUS_RESOLVED");
    expect(inc.acknowledgedBy).toBe("alice (via oncall)");
    expect(inc.resolvedBy).toBe("bob (via oncall)");
  });

  it("fails clearly: no token, wrong role, unknown incident, bad usage", async () => {
    await expect(
      run("node", ["bin/impactd.js", "incidents", "--server", address]),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/token.*IMPACTD_TOKEN/) });
    await expect(cli(["ack", id], FEEDER)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("PERMISSION_DENIED"),
    });
    await expect(cli(["ack", "inc-nope"])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("NOT_FOUND"),
    });
    await expect(cli(["ack"])).rejects.toMatchObject({ code: 2 });
    await expect(cli(["incidents", "--status", "bogus"])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("open, acknowledged"),
    });
    for (const cmd of ["incidents", "ack", "resolve"]) {
      const { stdout } = await run("node", ["bin/impactd.js", cmd, "--help"]);
      expect(stdout).toContain(`impactd ${cmd}`);
      expect(stdout).toContain("--token");
    }
  });

  it("records who acknowledged and resolved in incident_events", async () => {
    // The embedded store belongs to the server: stop it, then query.
    serve.kill("SIGTERM");
    await new Promise((r) => serve.once("exit", r));
    const { stdout } = await run("node", [
      "bin/impactd.js",
      "query",
      "--data-dir",
      join(dir, "data"),
      "--format",
      "json",
      `SELECT type, actor, status FROM incident_events WHERE incident_id = '${id}' AND type IN ('acknowledged', 'resolved') ORDER BY ts, version`,
    ]);
    const rows = JSON.parse(stdout) as { type: string; actor: string; status: string }[];
    expect(rows.map((r) => [r.type, r.actor])).toEqual([
      ["acknowledged", "alice (via oncall)"],
      ["resolved", "bob (via oncall)"],
    ]);
  });
});
