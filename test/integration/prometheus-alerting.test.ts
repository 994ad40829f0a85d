// Acceptance: real Prometheus tooling posts alerts to impactd's Alertmanager
// API. `amtool alert add` (Debian's prometheus-alertmanager) and a real
// Prometheus server (Debian's prometheus, started here on free loopback
// ports in a temp dir, configured from the snippet in docs/INGEST.md) each
// create alert events and an incident.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { defaultConfig } from "../../src/config/config.js";
import { IncidentStatus } from "../../src/gen/impactd/v1/incident.js";
import { type Runtime, startRuntime } from "../../src/server/runtime.js";
import { docBlock } from "../helpers/doc-snippets.js";
import { requireBinary } from "../helpers/prometheus-tools.js";

const run = promisify(execFile);

let dir: string;
let rt: Runtime;
let prometheus: ChildProcess | undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a !== null ? a.port : 0));
    });
  });
}

async function waitFor<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until an alert of `service` is stored, then moves event time on so the core applies it. */
async function incidentFor(service: string) {
  await waitFor(`an alert event for ${service}`, 30_000, async () => {
    const rows = await rt.sink.conn.query<{ n: string }>(
      "SELECT count() AS n FROM events WHERE kind = 'alert' AND service = {s:String} AND status = 'firing'",
      { s: service },
    );
    return Number(rows[0]?.n) > 0 ? true : undefined;
  });
  await rt.pipeline.advance(Date.now());
  await rt.sink.flush();
  const open = rt.pipeline
    .incidents("default")
    .filter(
      (i) => i.status === IncidentStatus.INCIDENT_STATUS_OPEN && i.services.includes(service),
    );
  return open;
}

beforeAll(async () => {
  requireBinary("amtool", "prometheus-alertmanager");
  requireBinary("prometheus", "prometheus");
  dir = mkdtempSync(join(tmpdir(), "impactd-prom-"));
  rt = await startRuntime({
    ...defaultConfig(),
    dataDir: join(dir, "data"),
    grpc: { host: "127.0.0.1", port: 0 },
    otlp: { ...defaultConfig().otlp, enabled: false },
    http: { ...defaultConfig().http, host: "127.0.0.1", port: 0 },
    core: {
      ...defaultConfig().core,
      latenessMs: 2_000,
      heartbeatLagMs: 0,
      checkpointIntervalMs: 0,
    },
  });
});

afterAll(async () => {
  if (prometheus !== undefined && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus?.once("exit", r));
    prometheus.kill("SIGTERM");
    await exited;
  }
  await rt?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("Prometheus tooling posting to impactd's Alertmanager API", () => {
  it("amtool alert add creates an alert event and an incident", async () => {
    const { stdout, stderr } = await run("amtool", [
      "alert",
      "add",
      "alertname=DatabaseDown",
      "service=payments-db",
      "severity=critical",
      "--annotation=summary=payments-db is not answering",
      `--alertmanager.url=${rt.http?.url}/`,
    ]);
    expect(`${stdout}${stderr}`).not.toMatch(/error/i);
    const open = await incidentFor("payments-db");
    expect(open).toHaveLength(1);
    const rows = await rt.sink.conn.query<Record<string, string>>(
      "SELECT source, name, severity, status, fingerprint, text FROM events WHERE service = 'payments-db'",
    );
    expect(rows).toEqual([
      {
        source: "prometheus",
        name: "DatabaseDown",
        severity: "critical",
        status: "firing",
        fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
        text: "payments-db is not answering",
      },
    ]);
  });

  it("a real Prometheus, configured as docs/INGEST.md shows, fires a rule at impactd", async () => {
    // The documented config, with test intervals, this test's ports and rule file.
    const config = parseYaml(docBlock("docs/INGEST.md", "prometheus.yml")) as {
      global?: Record<string, unknown>;
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      rule_files: string[];
    };
    expect(config.alerting.alertmanagers[0]?.static_configs[0]?.targets).toEqual([
      `127.0.0.1:${defaultConfig().http.port}`,
    ]);
    config.global = { ...config.global, scrape_interval: "1s", evaluation_interval: "1s" };
    config.alerting.alertmanagers[0] = {
      static_configs: [{ targets: [`127.0.0.1:${rt.http?.port}`] }],
    };
    const rules = join(dir, "rules.yml");
    config.rule_files = [rules];
    writeFileSync(join(dir, "prometheus.yml"), stringify(config));
    writeFileSync(
      rules,
      stringify({
        groups: [
          {
            name: "impactd-test",
            rules: [
              {
                alert: "CheckoutErrors",
                expr: "vector(1)",
                labels: { job: "checkout", severity: "warning" },
                annotations: { summary: "checkout is failing" },
              },
            ],
          },
        ],
      }),
    );
    const webPort = await freePort();
    const log: string[] = [];
    prometheus = spawn(
      "prometheus",
      [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "tsdb")}`,
        `--web.listen-address=127.0.0.1:${webPort}`,
        // Prometheus learns its alertmanagers through a discovery step that
        // takes ~5 s, and re-sends only after this delay (1 m by default).
        "--rules.alert.resend-delay=1s",
        "--log.level=warn",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    prometheus.stdout?.on("data", (b: Buffer) => log.push(b.toString()));
    prometheus.stderr?.on("data", (b: Buffer) => log.push(b.toString()));
    let open: ReturnType<typeof rt.pipeline.incidents>;
    try {
      open = await incidentFor("checkout");
    } catch (err) {
      throw new Error(`${(err as Error).message}\nprometheus log:\n${log.join("").slice(-4000)}`);
    }
    expect(open).toHaveLength(1);
    const rows = await rt.sink.conn.query<Record<string, string>>(
      "SELECT DISTINCT name, severity, status, labels['job'] AS job FROM events WHERE service = 'checkout'",
    );
    expect(rows).toEqual([
      { name: "CheckoutErrors", severity: "warning", status: "firing", job: "checkout" },
    ]);

    const metrics = await (await fetch(`${rt.http?.url}/metrics`)).text();
    expect(metrics).toMatch(/impactd_events_accepted_total\{front_end="http"\} [1-9]/);
    expect(metrics).toMatch(/impactd_open_incidents 2/);
    expect(readFileSync(join(dir, "prometheus.yml"), "utf8")).toContain("alertmanagers");
  });
});
