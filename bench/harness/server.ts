// An `impactd serve` child process for end-to-end benchmarks: its own temp
// data directory and config, every front end on a free loopback port, and
// /proc readings of its CPU and memory, so the server's cost is measured
// apart from the load generator running in the benchmark process.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/util/package-root.js";
import { type ProcUsage, procUsage } from "./proc.js";

/** ServerOptions configure a benchmark server. */
export interface ServerOptions {
  /** core.lateness_ms. @default 2000 */
  latenessMs?: number;
  /** Extra node flags, e.g. ["--cpu-prof", "--cpu-prof-dir", dir]. */
  nodeArgs?: string[];
  /** Enable the OTLP receiver. @default false */
  otlp?: boolean;
  /** Enable the HTTP front end. @default false */
  http?: boolean;
  /** How long to wait for the server to listen. @default 60000 */
  startTimeoutMs?: number;
}

/** BenchServer is a running impactd serve. */
export interface BenchServer {
  readonly pid: number;
  readonly grpc: string;
  readonly otlp: string | undefined;
  readonly http: string | undefined;
  readonly dataDir: string;
  /** usage reads the server's CPU and memory now. */
  usage(): ProcUsage;
  /** output is what the server printed (for error messages). */
  output(): string;
  /** stop ends the server (SIGTERM, then SIGKILL after a grace period) and removes its directory. */
  stop(): Promise<void>;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** startServer starts `impactd serve` on loopback with a fresh data directory. */
export async function startServer(opts: ServerOptions = {}): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), "impactd-bench-server-"));
  const config = join(dir, "impactd.yaml");
  writeFileSync(
    config,
    [
      `data_dir: ${JSON.stringify(join(dir, "data"))}`,
      "grpc: { host: 127.0.0.1, port: 0 }",
      `otlp: { enabled: ${opts.otlp ?? false}, host: 127.0.0.1, port: 0 }`,
      `http: { enabled: ${opts.http ?? false}, host: 127.0.0.1, port: 0 }`,
      // Benchmarks replay event time: no wall-clock heartbeat, no periodic checkpoints.
      `core: { lateness_ms: ${opts.latenessMs ?? 2000}, heartbeat_lag_ms: 0, checkpoint_interval_ms: 0 }`,
      "",
    ].join("\n"),
  );
  const child = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), join(packageRoot(), "bin/impactd.js"), "serve", "--config", config],
    { stdio: ["ignore", "pipe", "pipe"], cwd: dir },
  );
  let out = "";
  child.stdout?.on("data", (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on("data", (b: Buffer) => {
    out += b.toString();
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      if (!(await waitExit(child, 60_000))) {
        child.kill("SIGKILL");
        await waitExit(child, 10_000);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const find = (re: RegExp) => re.exec(out)?.[1];
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  while (!/impactd: topology /.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`impactd serve did not start:\n${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const grpc = find(/gRPC listening on (\S+)/);
  if (grpc === undefined) {
    await stop();
    throw new Error(`impactd serve printed no gRPC address:\n${out}`);
  }
  const pid = child.pid as number;
  return {
    pid,
    grpc,
    otlp: find(/OTLP\/gRPC listening on (\S+)/),
    http: find(/HTTP listening on (\S+)/),
    dataDir: join(dir, "data"),
    usage: () =>
      procUsage(pid) ?? { cpuSec: Number.NaN, mainCpuSec: Number.NaN, rssMb: 0, hwmMb: 0 },
    output: () => out,
    stop,
  };
}
