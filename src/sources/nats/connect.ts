// Connecting to NATS with the configured credentials: token, user/password,
// a creds file (user JWT + nkey seed) or an nkey seed file.
import { readFileSync } from "node:fs";
import {
  type ConnectionOptions,
  connect,
  credsAuthenticator,
  type NatsConnection,
  nkeyAuthenticator,
} from "nats";
import type { NatsConfig } from "../../config/nats.js";
import { InvalidArgumentError } from "../../errors.js";
import { NatsSourceError } from "./errors.js";

function readKeyFile(path: string, key: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (cause) {
    throw new InvalidArgumentError(
      `config ${key}: cannot read ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/** connectionOptions turns the NATS config into nats.js connection options. */
export function connectionOptions(c: NatsConfig, name = "impactd"): ConnectionOptions {
  const opts: ConnectionOptions = {
    servers: c.url
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
    name,
    // Keep trying for ever once connected: JetStream redelivers what was in
    // flight, so an outage of NATS only delays intake.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  };
  if (c.token !== undefined) opts.token = c.token;
  if (c.user !== undefined) {
    opts.user = c.user;
    opts.pass = c.password ?? "";
  }
  if (c.credsFile !== undefined)
    opts.authenticator = credsAuthenticator(readKeyFile(c.credsFile, "nats.creds_file"));
  if (c.nkeySeedFile !== undefined) {
    const seed = new TextDecoder().decode(readKeyFile(c.nkeySeedFile, "nats.nkey_seed_file"));
    opts.authenticator = nkeyAuthenticator(new TextEncoder().encode(seed.trim()));
  }
  return opts;
}

/** connectNats connects, turning failures into a NatsSourceError that names the server. */
export async function connectNats(c: NatsConfig, name?: string): Promise<NatsConnection> {
  const opts = connectionOptions(c, name);
  try {
    return await connect(opts);
  } catch (cause) {
    const e = cause as { code?: string; message?: string };
    const why =
      e.code === "AUTHORIZATION_VIOLATION"
        ? "authorization refused: check nats.token, nats.user/password, nats.creds_file or nats.nkey_seed_file"
        : (e.message ?? String(cause));
    throw new NatsSourceError(`cannot connect to NATS at ${c.url}: ${why}`, {
      cause,
      retryable: e.code !== "AUTHORIZATION_VIOLATION",
    });
  }
}
