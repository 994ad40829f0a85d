// Service configuration: one YAML/JSON file for every front end and sink,
// plus IMPACTD_* environment overrides (the key path in capitals, dots as
// underscores: grpc.tls.cert_file -> IMPACTD_GRPC_TLS_CERT_FILE), merged over
// named defaults and validated in one place. Every error names the bad key.
// docs/CONFIG.md documents every key; a test keeps the two in step.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { InvalidArgumentError } from "../errors.js";
import { defaultNotifyConfig, type NotifierOptions, readNotifyConfig } from "../notify/options.js";
import { type ConfigKey, Section } from "./fields.js";
import { defaultNatsConfig, type NatsConfig, readNats } from "./nats.js";
import { defaultSinkConfig, readSink, type SinkConfig } from "./sink.js";

export { int, known, object, type Raw, str } from "./fields.js";

import {
  type AuthConfig,
  defaultAuth,
  defaultLimits,
  type LimitsConfig,
  readAuth,
  readLimits,
  readTls,
  type TlsConfig,
} from "./security.js";

/** DEFAULT_DATA_DIR is where the embedded ClickHouse keeps its data. */
export const DEFAULT_DATA_DIR = "./impactd-data";
/** DEFAULT_HOST is the address front ends bind to: loopback unless told otherwise. */
export const DEFAULT_HOST = "127.0.0.1";
/** DEFAULT_GRPC_PORT is the native gRPC API port. */
export const DEFAULT_GRPC_PORT = 7070;
/** DEFAULT_WATCH_HISTORY is how many incident updates per tenant WatchIncidents can resume from. */
export const DEFAULT_WATCH_HISTORY = 10_000;
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
export {
  DEFAULT_SINK_KIND,
  DEFAULT_SINK_MAX_BUFFERED_ROWS,
  SINK_KINDS,
  type SinkConfig,
} from "./sink.js";

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
    /** Server certificate (and optional client CA); absent = plaintext. */
    tls?: TlsConfig | undefined;
    /** Incident updates per tenant kept for WatchIncidents resume. @default DEFAULT_WATCH_HISTORY */
    watchHistory?: number;
  };
  otlp: {
    /** Serve the OTLP/gRPC receiver. @default true */
    enabled: boolean;
    /** @default DEFAULT_HOST */
    host: string;
    /** 0 picks a free port. @default DEFAULT_OTLP_PORT */
    port: number;
    /** Server certificate (and optional client CA); absent = plaintext. */
    tls?: TlsConfig | undefined;
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
    /** Server certificate (and optional client CA); absent = plaintext. */
    tls?: TlsConfig | undefined;
  };
  /** Bearer tokens; off by default (loopback-only deployments). */
  auth: AuthConfig;
  /** Per-client message, batch and rate limits, and overload behaviour. */
  limits: LimitsConfig;
  /** Where results go: embedded chdb (default) or a ClickHouse server, and how writes buffer. */
  sink: SinkConfig;
  core: {
    /** @default DEFAULT_LATENESS_MS */
    latenessMs: number;
    /** 0 disables the wall-clock heartbeat (replays, demos). @default DEFAULT_HEARTBEAT_LAG_MS */
    heartbeatLagMs: number;
    /** 0 disables periodic checkpoints (one is still written at a clean stop). @default DEFAULT_CHECKPOINT_INTERVAL_MS */
    checkpointIntervalMs: number;
  };
  /** NATS / JetStream front end (src/sources/nats). */
  nats: NatsConfig;
  /** Notifications out (src/notify): group wait, retries, queue sizes, external URL. */
  notify: NotifierOptions;
}

/** defaultConfig returns a fresh copy of every default. */
export function defaultConfig(): Config {
  return {
    dataDir: DEFAULT_DATA_DIR,
    topology: undefined,
    grpc: { host: DEFAULT_HOST, port: DEFAULT_GRPC_PORT, watchHistory: DEFAULT_WATCH_HISTORY },
    otlp: { enabled: true, host: DEFAULT_HOST, port: DEFAULT_OTLP_PORT },
    http: {
      enabled: true,
      host: DEFAULT_HOST,
      port: DEFAULT_HTTP_PORT,
      maxBodyBytes: DEFAULT_HTTP_MAX_BODY_BYTES,
      pagerdutyRoutingKeys: {},
    },
    auth: defaultAuth(),
    limits: defaultLimits(),
    sink: defaultSinkConfig(),
    core: {
      latenessMs: DEFAULT_LATENESS_MS,
      heartbeatLagMs: DEFAULT_HEARTBEAT_LAG_MS,
      checkpointIntervalMs: DEFAULT_CHECKPOINT_INTERVAL_MS,
    },
    nats: defaultNatsConfig(),
    notify: defaultNotifyConfig(),
  };
}

/**
 * parseConfig validates a raw config object (from YAML/JSON) over the
 * defaults; `env` overrides keys. `keys`, when given, collects every key read.
 */
export function parseConfig(
  raw: unknown,
  env: NodeJS.ProcessEnv = {},
  keys?: Map<string, ConfigKey>,
): Config {
  const d = defaultConfig();
  const top = Section.root(raw, env, keys);
  const grpc = top.section("grpc");
  const otlp = top.section("otlp");
  const http = top.section("http");
  const sink = top.section("sink");
  const core = top.section("core");
  const config: Config = {
    dataDir: top.str("data_dir", d.dataDir),
    topology: top.optStr("topology"),
    grpc: {
      host: grpc.str("host", d.grpc.host),
      port: grpc.int("port", d.grpc.port, 0, 65535),
      tls: readTls(grpc.section("tls")),
      watchHistory: grpc.int("watch_history", DEFAULT_WATCH_HISTORY, 1, 10_000_000),
    },
    otlp: {
      enabled: otlp.bool("enabled", d.otlp.enabled),
      host: otlp.str("host", d.otlp.host),
      port: otlp.int("port", d.otlp.port, 0, 65535),
      tls: readTls(otlp.section("tls")),
    },
    http: {
      enabled: http.bool("enabled", d.http.enabled),
      host: http.str("host", d.http.host),
      port: http.int("port", d.http.port, 0, 65535),
      maxBodyBytes: http.bytes("max_body_bytes", d.http.maxBodyBytes, 1024, 1024 * 1024 * 1024),
      pagerdutyRoutingKeys: http.stringMap("pagerduty_routing_keys"),
      tls: readTls(http.section("tls")),
    },
    auth: readAuth(top.section("auth")),
    limits: readLimits(top.section("limits")),
    sink: readSink(sink),
    core: {
      latenessMs: core.durationMs("lateness_ms", d.core.latenessMs, 0, 3_600_000),
      heartbeatLagMs: core.durationMs("heartbeat_lag_ms", d.core.heartbeatLagMs, 0, 86_400_000),
      checkpointIntervalMs: core.durationMs(
        "checkpoint_interval_ms",
        d.core.checkpointIntervalMs,
        0,
        86_400_000,
      ),
    },
    nats: readNats(top.section("nats")),
    notify: readNotifyConfig(top.section("notify")),
  };
  for (const s of [grpc, otlp, http, sink, core, top]) s.done();
  return config;
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
