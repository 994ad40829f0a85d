// Service configuration: one YAML/JSON file plus IMPACTD_* environment
// overrides, merged over named defaults and validated in one place. Every
// error names the bad key.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { InvalidArgumentError } from "../errors.js";
import { parseSinkConfig, type SinkConfig } from "./sink.js";

/** DEFAULT_DATA_DIR is where the embedded ClickHouse keeps its data. */
export const DEFAULT_DATA_DIR = "./impactd-data";
/** DEFAULT_HOST is the address front ends bind to: loopback unless told otherwise. */
export const DEFAULT_HOST = "127.0.0.1";
/** DEFAULT_GRPC_PORT is the native gRPC API port. */
export const DEFAULT_GRPC_PORT = 7070;
/** DEFAULT_OTLP_PORT is the standard OTLP/gRPC port. */
export const DEFAULT_OTLP_PORT = 4317;
/** DEFAULT_HTTP_PORT is the HTTP front end's port (Alertmanager, PagerDuty, /metrics); not 9093, so impactd can run beside Alertmanager. */
export const DEFAULT_HTTP_PORT = 7071;
/** DEFAULT_HTTP_MAX_BODY_BYTES bounds one HTTP request body. */
export const DEFAULT_HTTP_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** DEFAULT_LATENESS_MS is how far behind the newest event an event may arrive. */
export const DEFAULT_LATENESS_MS = 2_000;
/** DEFAULT_HEARTBEAT_LAG_MS: with no events, event time follows the wall clock this far behind. */
export const DEFAULT_HEARTBEAT_LAG_MS = 60_000;
/** DEFAULT_CHECKPOINT_INTERVAL_MS: how often core state is checkpointed to the data directory. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 60_000;

/** Config is the validated service configuration. */
export interface Config {
  /** Directory of the embedded ClickHouse (chdb). @default DEFAULT_DATA_DIR */
  dataDir: string;
  /** Topology file loaded at start, or undefined for an empty topology. */
  topology: string | undefined;
  grpc: {
    /** @default DEFAULT_HOST */
    host: string;
    /** 0 picks a free port. @default DEFAULT_GRPC_PORT */
    port: number;
  };
  otlp: {
    /** Serve the OTLP/gRPC receiver. @default true */
    enabled: boolean;
    /** @default DEFAULT_HOST */
    host: string;
    /** 0 picks a free port. @default DEFAULT_OTLP_PORT */
    port: number;
  };
  http: {
    /** Serve the HTTP front end. @default true */
    enabled: boolean;
    /** @default DEFAULT_HOST */
    host: string;
    /** 0 picks a free port. @default DEFAULT_HTTP_PORT */
    port: number;
    /** @default DEFAULT_HTTP_MAX_BODY_BYTES */
    maxBodyBytes: number;
    /** PagerDuty routing key -> tenant; empty accepts every key. @default {} */
    pagerdutyRoutingKeys: Record<string, string>;
  };
  core: {
    /** @default DEFAULT_LATENESS_MS */
    latenessMs: number;
    /** 0 disables the wall-clock heartbeat (replays, demos). @default DEFAULT_HEARTBEAT_LAG_MS */
    heartbeatLagMs: number;
    /** 0 disables periodic checkpoints (one is still written at a clean stop). @default DEFAULT_CHECKPOINT_INTERVAL_MS */
    checkpointIntervalMs: number;
  };
  /** Where results go: embedded chdb (default) or a ClickHouse server. */
  sink: SinkConfig;
}

/** defaultConfig returns a fresh copy of every default. */
export function defaultConfig(): Config {
  return {
    dataDir: DEFAULT_DATA_DIR,
    topology: undefined,
    grpc: { host: DEFAULT_HOST, port: DEFAULT_GRPC_PORT },
    otlp: { enabled: true, host: DEFAULT_HOST, port: DEFAULT_OTLP_PORT },
    http: {
      enabled: true,
      host: DEFAULT_HOST,
      port: DEFAULT_HTTP_PORT,
      maxBodyBytes: DEFAULT_HTTP_MAX_BODY_BYTES,
      pagerdutyRoutingKeys: {},
    },
    core: {
      latenessMs: DEFAULT_LATENESS_MS,
      heartbeatLagMs: DEFAULT_HEARTBEAT_LAG_MS,
      checkpointIntervalMs: DEFAULT_CHECKPOINT_INTERVAL_MS,
    },
    sink: parseSinkConfig({}),
  };
}

type Raw = Record<string, unknown>;

function object(v: unknown, key: string): Raw {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v))
    throw new InvalidArgumentError(`config ${key}: expected a mapping`);
  return v as Raw;
}

function known(o: Raw, key: string, allowed: string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      throw new InvalidArgumentError(
        `config ${key ? `${key}.` : ""}${k}: unknown key (expected one of ${allowed.join(", ")})`,
      );
    }
  }
}

function str(v: unknown, key: string, fallback: string): string {
  if (v === undefined) return fallback;
  if (typeof v !== "string" || v === "")
    throw new InvalidArgumentError(`config ${key}: expected a non-empty string`);
  return v;
}

function int(v: unknown, key: string, fallback: number, lo: number, hi: number): number {
  if (v === undefined) return fallback;
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < lo || n > hi) {
    throw new InvalidArgumentError(
      `config ${key}: expected an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`,
    );
  }
  return n;
}

function bool(v: unknown, key: string, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (v === true || v === "true" || v === "1") return true;
  if (v === false || v === "false" || v === "0") return false;
  throw new InvalidArgumentError(`config ${key}: expected true or false, got ${JSON.stringify(v)}`);
}

function stringMap(v: unknown, key: string): Record<string, string> {
  const o = object(v, key);
  for (const [k, x] of Object.entries(o)) {
    if (typeof x !== "string" || x === "")
      throw new InvalidArgumentError(`config ${key}.${k}: expected a non-empty string`);
  }
  return o as Record<string, string>;
}

/** parseConfig validates a raw config object (from YAML/JSON) over the defaults. */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = {}): Config {
  const d = defaultConfig();
  const top = object(raw, "");
  known(top, "", ["data_dir", "topology", "grpc", "otlp", "http", "core", "sink"]);
  const otlp = object(top.otlp, "otlp");
  known(otlp, "otlp", ["enabled", "host", "port"]);
  const http = object(top.http, "http");
  known(http, "http", ["enabled", "host", "port", "max_body_bytes", "pagerduty_routing_keys"]);
  const grpc = object(top.grpc, "grpc");
  known(grpc, "grpc", ["host", "port"]);
  const core = object(top.core, "core");
  known(core, "core", ["lateness_ms", "heartbeat_lag_ms", "checkpoint_interval_ms"]);
  return {
    dataDir: str(env.IMPACTD_DATA_DIR ?? top.data_dir, "data_dir", d.dataDir),
    topology:
      top.topology === undefined && env.IMPACTD_TOPOLOGY === undefined
        ? undefined
        : str(env.IMPACTD_TOPOLOGY ?? top.topology, "topology", ""),
    grpc: {
      host: str(env.IMPACTD_GRPC_HOST ?? grpc.host, "grpc.host", d.grpc.host),
      port: int(env.IMPACTD_GRPC_PORT ?? grpc.port, "grpc.port", d.grpc.port, 0, 65535),
    },
    otlp: {
      enabled: bool(env.IMPACTD_OTLP_ENABLED ?? otlp.enabled, "otlp.enabled", d.otlp.enabled),
      host: str(env.IMPACTD_OTLP_HOST ?? otlp.host, "otlp.host", d.otlp.host),
      port: int(env.IMPACTD_OTLP_PORT ?? otlp.port, "otlp.port", d.otlp.port, 0, 65535),
    },
    http: {
      enabled: bool(env.IMPACTD_HTTP_ENABLED ?? http.enabled, "http.enabled", d.http.enabled),
      host: str(env.IMPACTD_HTTP_HOST ?? http.host, "http.host", d.http.host),
      port: int(env.IMPACTD_HTTP_PORT ?? http.port, "http.port", d.http.port, 0, 65535),
      maxBodyBytes: int(
        http.max_body_bytes,
        "http.max_body_bytes",
        d.http.maxBodyBytes,
        1024,
        1024 * 1024 * 1024,
      ),
      pagerdutyRoutingKeys: stringMap(http.pagerduty_routing_keys, "http.pagerduty_routing_keys"),
    },
    core: {
      latenessMs: int(core.lateness_ms, "core.lateness_ms", d.core.latenessMs, 0, 3_600_000),
      heartbeatLagMs: int(
        core.heartbeat_lag_ms,
        "core.heartbeat_lag_ms",
        d.core.heartbeatLagMs,
        0,
        86_400_000,
      ),
      checkpointIntervalMs: int(
        core.checkpoint_interval_ms,
        "core.checkpoint_interval_ms",
        d.core.checkpointIntervalMs,
        0,
        86_400_000,
      ),
    },
    sink: parseSinkConfig(top.sink, env),
  };
}

/** loadConfig reads a config file (YAML or JSON) and applies IMPACTD_* overrides. */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): Config {
  if (path === undefined) return parseConfig({}, env);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new InvalidArgumentError(`cannot read config file ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (cause) {
    throw new InvalidArgumentError(`config file ${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    return parseConfig(raw, env);
  } catch (err) {
    if (err instanceof InvalidArgumentError)
      throw new InvalidArgumentError(`${path}: ${err.message}`, { cause: err });
    throw err;
  }
}
