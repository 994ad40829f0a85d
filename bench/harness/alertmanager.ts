// A real Prometheus Alertmanager (Debian package prometheus-alertmanager) for
// the side-by-side benchmark: started on a free loopback port with a temp
// config and storage directory, clustering off, one webhook receiver served
// here that records every notification. Stopped and removed after use.
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { type ProcUsage, procUsage } from "./proc.js";

/** AlertmanagerTimings are the route's timers (Alertmanager duration strings). */
export interface AlertmanagerTimings {
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
  resolveTimeout: string;
}

/** SHIPPED_TIMINGS are the timers of Debian's shipped /etc/prometheus/alertmanager.yml. */
export const SHIPPED_TIMINGS: AlertmanagerTimings = {
  groupWait: "30s",
  groupInterval: "5m",
  repeatInterval: "3h",
  resolveTimeout: "5m",
};

/** SHIPPED_GROUP_BY is the route's group_by in Debian's shipped config. */
export const SHIPPED_GROUP_BY = ["alertname", "cluster", "service"];

/** Notification is one webhook payload Alertmanager sent (version 4). */
export interface Notification {
  receivedAt: number;
  status: string;
  groupKey: string;
  alerts: { status: string; labels: Record<string, string> }[];
}

/** RunningAlertmanager is a started Alertmanager and its webhook receiver. */
export interface RunningAlertmanager {
  readonly url: string;
  readonly pid: number;
  readonly notifications: Notification[];
  usage(): ProcUsage;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  "prometheus-alertmanager is not installed: install it with `apt-get install prometheus-alertmanager` (Debian/Ubuntu)";

/** findAlertmanager returns the binary's path or throws naming the package. */
export function findAlertmanager(): string {
  for (const d of [...(process.env.PATH ?? "").split(delimiter), "/usr/bin", "/usr/local/bin"]) {
    for (const name of ["prometheus-alertmanager", "alertmanager"]) {
      if (d === "") continue;
      try {
        accessSync(join(d, name), constants.X_OK);
        return join(d, name);
      } catch {
        // not here
      }
    }
  }
  throw new Error(INSTALL_HINT);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** alertmanagerConfig renders the config: one webhook receiver, the shipped grouping and inhibition. */
export function alertmanagerConfig(
  webhookUrl: string,
  t: AlertmanagerTimings,
  groupBy: string[],
): string {
  return [
    "global:",
    `  resolve_timeout: ${t.resolveTimeout}`,
    "route:",
    "  receiver: webhook",
    `  group_by: [${groupBy.join(", ")}]`,
    `  group_wait: ${t.groupWait}`,
    `  group_interval: ${t.groupInterval}`,
    `  repeat_interval: ${t.repeatInterval}`,
    "receivers:",
    "  - name: webhook",
    "    webhook_configs:",
    `      - url: ${webhookUrl}`,
    "        send_resolved: true",
    "inhibit_rules:",
    "  - source_match: { severity: critical }",
    "    target_match: { severity: warning }",
    `    equal: [${SHIPPED_GROUP_BY.join(", ")}]`,
    "",
  ].join("\n");
}

function waitExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      resolve();
    }, ms);
    child.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** startAlertmanager starts Alertmanager with the given timers and grouping. */
export async function startAlertmanager(
  timings: AlertmanagerTimings = SHIPPED_TIMINGS,
  groupBy: string[] = SHIPPED_GROUP_BY,
): Promise<RunningAlertmanager> {
  const bin = findAlertmanager();
  const notifications: Notification[] = [];
  const hook: Server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        const b = JSON.parse(Buffer.concat(chunks).toString()) as Omit<Notification, "receivedAt">;
        notifications.push({
          receivedAt: performance.now(),
          status: b.status,
          groupKey: b.groupKey,
          alerts: b.alerts,
        });
      } catch {
        // Not a notification; counted as nothing.
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
  const hookPort = (hook.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), "impactd-bench-am-"));
  const config = join(dir, "alertmanager.yml");
  writeFileSync(
    config,
    alertmanagerConfig(`http://127.0.0.1:${hookPort}/notify`, timings, groupBy),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let out = "";
  const child = spawn(
    bin,
    [
      `--config.file=${config}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.on("data", (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on("data", (b: Buffer) => {
    out += b.toString();
  });
  const stop = async () => {
    child.kill("SIGTERM");
    await waitExit(child, 10_000);
    await new Promise<void>((r) => hook.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`alertmanager did not start:\n${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid as number;
  return {
    url,
    pid,
    notifications,
    usage: () =>
      procUsage(pid) ?? { cpuSec: Number.NaN, mainCpuSec: Number.NaN, rssMb: 0, hwmMb: 0 },
    stop,
  };
}
