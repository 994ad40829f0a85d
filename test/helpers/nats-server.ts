// Test harness: a real `nats-server -js` (Debian package nats-server) on a
// free loopback port with its JetStream store in a temp dir. Tests start
// their own server and stop it; nothing relies on a server left running.
// `restart()` keeps the port and the store, so a test can kill NATS mid-stream
// and find its streams and consumers again.
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/** NatsServerAuth is how clients must authenticate, or none. */
export type NatsServerAuth =
  | { token: string }
  | { user: string; password: string }
  | { nkey: string }
  /** Operator mode with a memory resolver: JWTs preloaded, clients use creds files. */
  | { operatorJwt: string; systemAccount: string; accounts: Record<string, string> };

/** NatsServerOptions configure startNatsServer. */
export interface NatsServerOptions {
  auth?: NatsServerAuth;
  /** Extra lines for the server config file. */
  extraConfig?: string;
}

/** NatsServer is a running nats-server owned by one test file. */
export interface NatsServer {
  /** nats://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** JetStream store directory (kept across restart). */
  readonly storeDir: string;
  /** restart kills the server (SIGKILL) and starts it again on the same port and store. */
  restart(): Promise<void>;
  /** kill stops the server at once (SIGKILL), leaving the store for a later start(). */
  kill(): Promise<void>;
  /** start starts a killed server again. */
  start(): Promise<void>;
  /** stop ends the server and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
  /** log returns the server's recent output (for failure messages). */
  log(): string;
}

const INSTALL_HINT =
  "nats-server is not installed: the NATS tests need a real server. Install it with `apt-get install nats-server` (Debian/Ubuntu).";

/** findNatsServer returns the nats-server binary path or throws naming the package to install. */
export function findNatsServer(): string {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/bin"];
  for (const d of dirs) {
    if (d === "") continue;
    const p = join(d, "nats-server");
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  throw new Error(INSTALL_HINT);
}

/** freePort asks the kernel for a free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function authConfig(auth: NatsServerAuth | undefined): string {
  if (auth === undefined) return "";
  if ("token" in auth) return `authorization { token: ${JSON.stringify(auth.token)} }`;
  if ("user" in auth)
    return `authorization { user: ${JSON.stringify(auth.user)}, password: ${JSON.stringify(auth.password)} }`;
  if ("nkey" in auth) return `authorization { users: [ { nkey: ${JSON.stringify(auth.nkey)} } ] }`;
  const preload = Object.entries(auth.accounts)
    .map(([pub, jwt]) => `    ${pub}: ${JSON.stringify(jwt)}`)
    .join("\n");
  return `operator: ${JSON.stringify(auth.operatorJwt)}
system_account: ${auth.systemAccount}
resolver: MEMORY
resolver_preload: {
${preload}
}`;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
    s.connect(port, "127.0.0.1");
  });
}

/** startNatsServer starts nats-server with JetStream on a free loopback port. */
export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServer> {
  const bin = findNatsServer();
  const dir = mkdtempSync(join(tmpdir(), "impactd-nats-"));
  const storeDir = join(dir, "store");
  const port = await freePort();
  const conf = join(dir, "nats.conf");
  writeFileSync(
    conf,
    `listen: "127.0.0.1:${port}"
jetstream { store_dir: ${JSON.stringify(storeDir)}, max_memory_store: 256MB, max_file_store: 2GB }
${authConfig(opts.auth)}
${opts.extraConfig ?? ""}
`,
  );
  let child: ChildProcess | undefined;
  let log = "";

  async function start(): Promise<void> {
    log = "";
    const c = spawn(bin, ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
    child = c;
    const keep = (b: Buffer) => {
      log = (log + b.toString()).slice(-8_000);
    };
    c.stdout?.on("data", keep);
    c.stderr?.on("data", keep);
    const exited = new Promise<number | null>((r) => c.once("exit", (code) => r(code)));
    const deadline = Date.now() + 15_000;
    for (;;) {
      // JetStream is ready once the log says so; the port alone opens earlier.
      if (/Server is ready/.test(log) && (await canConnect(port))) return;
      const done = await Promise.race([exited, new Promise((r) => setTimeout(r, 50, "wait"))]);
      if (done !== "wait") {
        throw new Error(`nats-server exited with ${String(done)} during start:\n${log}`);
      }
      if (Date.now() > deadline) {
        c.kill("SIGKILL");
        throw new Error(`nats-server did not become ready within 15 s:\n${log}`);
      }
    }
  }

  async function kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill(signal);
    const timer = setTimeout(() => c.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }

  try {
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let stopped = false;
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    async restart() {
      await kill();
      await start();
    },
    kill: () => kill(),
    start,
    log: () => log,
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
