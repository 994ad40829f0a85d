// Config sections shared by every front end: TLS material, bearer-token auth
// and per-client limits. Front ends read `tls` with readTls from their own
// section; `auth` and `limits` are top-level and apply to all of them.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { InvalidArgumentError } from "../errors.js";
import type { Section } from "./fields.js";

/** ROLES a token can hold; `admin` implies every other. */
export const ROLES = ["ingest", "read", "respond", "admin"] as const;
/** Role is what a token may do: send events, read incidents, ack/resolve, change topology. */
export type Role = (typeof ROLES)[number];
/** ANY_TENANT as a token's tenant lets the request choose the tenant (operators). */
export const ANY_TENANT = "*";

/** DEFAULT_MAX_MESSAGE_BYTES bounds one message (a gRPC batch, an HTTP body). */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** DEFAULT_MAX_BATCH_EVENTS bounds the events of one batch. */
export const DEFAULT_MAX_BATCH_EVENTS = 50_000;
/** DEFAULT_RATE_EVENTS_PER_SEC is each client's sustained event rate (above the benchmark target). */
export const DEFAULT_RATE_EVENTS_PER_SEC = 1_000_000;
/** DEFAULT_BURST_EVENTS is how many events a client may send at once above its rate. */
export const DEFAULT_BURST_EVENTS = 2_000_000;
/** DEFAULT_OVERLOAD_WAIT_MS is how long a batch waits for a full sink before it is refused. */
export const DEFAULT_OVERLOAD_WAIT_MS = 5_000;
/** DEFAULT_MAX_TRACKED_CLIENTS bounds the rate limiter's per-client state. */
export const DEFAULT_MAX_TRACKED_CLIENTS = 10_000;

/** TlsConfig names a front end's certificate files. */
export interface TlsConfig {
  /** PEM server certificate chain. */
  certFile: string;
  /** PEM private key. */
  keyFile: string;
  /** PEM CA bundle; when set, clients must present a certificate it signed (mTLS). */
  clientCaFile: string | undefined;
  /** Config key of this section, for error messages ("grpc.tls"). */
  key: string;
}

/** ClientLimits bound what one client (token, or peer address without auth) may send. */
export interface ClientLimits {
  /** @default DEFAULT_MAX_MESSAGE_BYTES */
  maxMessageBytes: number;
  /** @default DEFAULT_MAX_BATCH_EVENTS */
  maxBatchEvents: number;
  /** 0 = unlimited. @default DEFAULT_RATE_EVENTS_PER_SEC */
  rateEventsPerSec: number;
  /** @default DEFAULT_BURST_EVENTS */
  burstEvents: number;
}

/** LimitsConfig is the `limits` section. */
export interface LimitsConfig extends ClientLimits {
  /** @default DEFAULT_OVERLOAD_WAIT_MS */
  overloadWaitMs: number;
  /** @default DEFAULT_MAX_TRACKED_CLIENTS */
  maxTrackedClients: number;
}

/** TokenConfig is one `auth.tokens` entry. The token itself is kept only as a digest. */
export interface TokenConfig {
  /** Identity recorded as the actor and used as the rate-limit key. */
  name: string;
  /** SHA-256 of the token. */
  sha256: Buffer;
  /** Tenant the token is bound to, or ANY_TENANT. */
  tenant: string;
  roles: Role[];
  /** Limits for this client instead of the `limits` section's. */
  limits: Partial<ClientLimits>;
}

/** AuthConfig is the `auth` section. */
export interface AuthConfig {
  /** @default false */
  enabled: boolean;
  tokens: TokenConfig[];
}

/** defaultAuth is auth switched off. */
export function defaultAuth(): AuthConfig {
  return { enabled: false, tokens: [] };
}

/** defaultLimits are the `limits` defaults. */
export function defaultLimits(): LimitsConfig {
  return {
    maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
    maxBatchEvents: DEFAULT_MAX_BATCH_EVENTS,
    rateEventsPerSec: DEFAULT_RATE_EVENTS_PER_SEC,
    burstEvents: DEFAULT_BURST_EVENTS,
    overloadWaitMs: DEFAULT_OVERLOAD_WAIT_MS,
    maxTrackedClients: DEFAULT_MAX_TRACKED_CLIENTS,
  };
}

/** readTls reads a `tls` section; undefined when no certificate is configured. */
export function readTls(s: Section): TlsConfig | undefined {
  const certFile = s.optStr("cert_file");
  const keyFile = s.optStr("key_file");
  const clientCaFile = s.optStr("client_ca_file");
  s.done();
  if (certFile === undefined && keyFile === undefined && clientCaFile === undefined)
    return undefined;
  if (certFile === undefined || keyFile === undefined) {
    throw new InvalidArgumentError(
      `config ${s.name(certFile === undefined ? "cert_file" : "key_file")}: required when ${s.path} is configured`,
    );
  }
  return { certFile, keyFile, clientCaFile, key: s.path };
}

const MAX_BYTES = 1024 * 1024 * 1024;

function clientLimits(s: Section, d: ClientLimits): ClientLimits {
  return {
    maxMessageBytes: s.bytes("max_message_bytes", d.maxMessageBytes, 1024, MAX_BYTES),
    maxBatchEvents: s.int("max_batch_events", d.maxBatchEvents, 1, 10_000_000),
    rateEventsPerSec: s.int("rate_events_per_sec", d.rateEventsPerSec, 0, 1e9),
    burstEvents: s.int("burst_events", d.burstEvents, 1, 1e10),
  };
}

/** readLimits reads the `limits` section. */
export function readLimits(s: Section): LimitsConfig {
  const d = defaultLimits();
  const limits: LimitsConfig = {
    ...clientLimits(s, d),
    overloadWaitMs: s.durationMs("overload_wait_ms", d.overloadWaitMs, 0, 600_000),
    maxTrackedClients: s.int("max_tracked_clients", d.maxTrackedClients, 1, 10_000_000),
  };
  s.done();
  return limits;
}

/** readAuth reads the `auth` section: tokens from the file, a token file or a digest. */
export function readAuth(s: Section): AuthConfig {
  const enabled = s.bool("enabled", false);
  const tokens = s.items("tokens").map(readToken);
  s.done();
  if (enabled && tokens.length === 0)
    throw new InvalidArgumentError(`config ${s.name("tokens")}: auth is enabled but no token is`);
  const names = new Set<string>();
  const digests = new Set<string>();
  tokens.forEach((t, i) => {
    const key = `${s.name("tokens")}[${i}]`;
    if (names.has(t.name))
      throw new InvalidArgumentError(
        `config ${key}.name: duplicate name ${JSON.stringify(t.name)}`,
      );
    const hex = t.sha256.toString("hex");
    if (digests.has(hex))
      throw new InvalidArgumentError(`config ${key}: same token as an earlier entry`);
    names.add(t.name);
    digests.add(hex);
  });
  return { enabled, tokens };
}

function readToken(s: Section): TokenConfig {
  const name = s.optStr("name");
  const literal = s.optStr("token");
  const file = s.optStr("token_file");
  const digest = s.optStr("token_sha256");
  const tenant = s.str("tenant", "default");
  const roles = s.strList("roles", ["read"]);
  const l = s.section("limits");
  const limits: Partial<ClientLimits> = {};
  if (l.has("max_message_bytes"))
    limits.maxMessageBytes = l.bytes("max_message_bytes", Number.NaN, 1024, MAX_BYTES);
  if (l.has("max_batch_events"))
    limits.maxBatchEvents = l.int("max_batch_events", Number.NaN, 1, 10_000_000);
  if (l.has("rate_events_per_sec"))
    limits.rateEventsPerSec = l.int("rate_events_per_sec", Number.NaN, 0, 1e9);
  if (l.has("burst_events")) limits.burstEvents = l.int("burst_events", Number.NaN, 1, 1e10);
  l.done();
  s.done();
  if (name === undefined) throw new InvalidArgumentError(`config ${s.name("name")}: required`);
  const given = [literal, file, digest].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new InvalidArgumentError(
      `config ${s.path}: set exactly one of token, token_file, token_sha256`,
    );
  }
  for (const r of roles) {
    if (!(ROLES as readonly string[]).includes(r))
      throw new InvalidArgumentError(
        `config ${s.name("roles")}: unknown role ${JSON.stringify(r)} (expected ${ROLES.join(", ")})`,
      );
  }
  let sha256: Buffer;
  if (digest !== undefined) {
    if (!/^[0-9a-fA-F]{64}$/.test(digest))
      throw new InvalidArgumentError(`config ${s.name("token_sha256")}: expected 64 hex digits`);
    sha256 = Buffer.from(digest, "hex");
  } else {
    let token = literal as string;
    if (file !== undefined) {
      try {
        token = readFileSync(file, "utf8").trim();
      } catch (err) {
        throw new InvalidArgumentError(
          `config ${s.name("token_file")}: cannot read ${file}: ${(err as Error).message}`,
        );
      }
    }
    if (token.length < 16)
      throw new InvalidArgumentError(
        `config ${s.path}: token is ${token.length} characters; use at least 16`,
      );
    sha256 = createHash("sha256").update(token).digest();
  }
  return { name, sha256, tenant, roles: roles as Role[], limits };
}
