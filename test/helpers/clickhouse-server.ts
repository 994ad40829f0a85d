// Starts a real clickhouse-server (Debian's 18.16 here) for integration tests:
// on free loopback ports, in a temp directory with a generated minimal config,
// never touching /etc or /var/lib. It can be SIGKILLed and restarted on the
// same data and ports, to test what survives a crash.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** INSTALL_HINT says how to get the server when it is missing. */
export const INSTALL_HINT =
  "clickhouse-server not found: install it with `apt-get install clickhouse-server clickhouse-client`";

/** DEFAULT_READY_TIMEOUT_MS bounds the wait for the server to answer /ping. */
export const DEFAULT_READY_TIMEOUT_MS = 60_000;

/** ClickHouseServer is a running test server. */
export interface ClickHouseServer {
  /** http://127.0.0.1:<port> of the HTTP interface. */
  readonly url: string;
  readonly httpPort: number;
  readonly dir: string;
  /** The server's process id (changes on restart). */
  pid(): number | undefined;
  /** kill sends SIGKILL and waits for the process to be gone. */
  kill(): Promise<void>;
  /** restart starts the server again on the same data and ports and waits until it answers. */
  restart(): Promise<void>;
  /** stop ends the server and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/** findServerBinary locates clickhouse-server or throws naming the package to install. */
export function findServerBinary(): string {
  for (const p of ["/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"]) {
    if (existsSync(p)) return p;
  }
  try {
    return execFileSync("sh", ["-c", "command -v clickhouse-server"]).toString().trim();
  } catch {
    throw new Error(INSTALL_HINT);
  }
}

/** freePort asks the OS for an unused loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function config(dir: string, httpPort: number, tcpPort: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>${dir}/server.log</log>
    <errorlog>${dir}/server.err.log</errorlog>
    <size>10M</size>
    <count>1</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
</yandex>
`;
}

const USERS = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
  </interval></default></quotas>
</yandex>
`;

async function ping(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
    return res.ok && (await res.text()).startsWith("Ok");
  } catch {
    return false;
  }
}

/** startClickHouseServer starts a fresh server and resolves once it answers queries. */
export async function startClickHouseServer(
  opts: { readyTimeoutMs?: number } = {},
): Promise<ClickHouseServer> {
  const bin = findServerBinary();
  const dir = mkdtempSync(join(tmpdir(), "impactd-clickhouse-"));
  const httpPort = await freePort();
  const tcpPort = await freePort();
  const url = `http://127.0.0.1:${httpPort}`;
  writeFileSync(join(dir, "config.xml"), config(dir, httpPort, tcpPort));
  writeFileSync(join(dir, "users.xml"), USERS);
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stopped = false;

  const launch = async () => {
    const out = openSync(join(dir, "stdout.log"), "a");
    const proc = spawn(bin, [`--config-file=${join(dir, "config.xml")}`], {
      cwd: dir,
      stdio: ["ignore", out, out],
    });
    child = proc;
    exited = new Promise((resolve) => proc.once("exit", () => resolve()));
    const deadline = Date.now() + (opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
    while (!(await ping(url))) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`clickhouse-server exited during start-up; see ${dir}/server.err.log`);
      }
      if (Date.now() > deadline) {
        proc.kill("SIGKILL");
        throw new Error(`clickhouse-server did not answer within the timeout; see ${dir}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const kill = async () => {
    child?.kill("SIGKILL");
    await exited;
    child = undefined;
  };
  const cleanup = () => {
    child?.kill("SIGKILL");
  };
  process.once("exit", cleanup);
  try {
    await launch();
  } catch (err) {
    await kill();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    httpPort,
    dir,
    pid: () => child?.pid,
    kill,
    restart: launch,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off("exit", cleanup);
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
