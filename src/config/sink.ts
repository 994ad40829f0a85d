// The `sink:` section of the config: where results go (embedded chdb or a
// ClickHouse server), how to reach it, how long tables keep rows and how
// writes are batched. IMPACTD_SINK_* environment variables override it.
import { InvalidArgumentError } from "../errors.js";
import { OUTPUT_TABLES } from "../sinks/schema/tables.js";
import { queryName } from "../sinks/schema/types.js";
import type { SinkOptions } from "../sinks/sink.js";
import {
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_BUFFERED_ROWS,
  type TableWriterOptions,
} from "../sinks/writer-options.js";

/** DEFAULT_SINK_KIND is the embedded engine: nothing to install. */
export const DEFAULT_SINK_KIND = "chdb";
/** DEFAULT_SINK_USER is ClickHouse's default user. */
export const DEFAULT_SINK_USER = "default";
/** DEFAULT_RETENTION_DAYS keeps rows forever (0) unless configured. */
export const DEFAULT_RETENTION_DAYS = 0;
/** MAX_RETENTION_DAYS bounds retention_days values (100 years). */
export const MAX_RETENTION_DAYS = 36_500;

/** SinkKindName is a configurable sink kind. */
export type SinkKindName = "chdb" | "clickhouse";

/** SinkConfig is the validated `sink:` section. */
export interface SinkConfig {
  /** @default DEFAULT_SINK_KIND */
  kind: SinkKindName;
  /** Server URL (clickhouse only), http(s)://host:port. */
  url: string | undefined;
  /** @default DEFAULT_SINK_USER */
  user: string;
  /** @default "" */
  password: string;
  /** Database of impactd's tables; undefined: "default" for chdb, "impactd" for a server. */
  database: string | undefined;
  /** TLS files for an https:// server. */
  tls: { caFile: string; certFile?: string; keyFile?: string } | undefined;
  /** Cluster name for ON CLUSTER, Replicated and Distributed tables. */
  cluster: string | undefined;
  /** Retention in days per table, keyed by the name queries use (events, incidents, ...); 0 keeps forever. */
  retentionDays: Record<string, number>;
  /** Batching: flush at this many rows, estimated bytes, or milliseconds. Undefined: writer defaults. */
  batch: { maxRows?: number; maxBytes?: number; lingerMs?: number };
}

/** RETENTION_KEYS are the table names retention_days accepts, besides "default". */
export const RETENTION_KEYS: readonly string[] = OUTPUT_TABLES.map(queryName);

type Raw = Record<string, unknown>;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function mapping(v: unknown, key: string): Raw {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v))
    throw new InvalidArgumentError(`config ${key}: expected a mapping`);
  return v as Raw;
}

function onlyKeys(o: Raw, key: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      throw new InvalidArgumentError(
        `config ${key}.${k}: unknown key (expected one of ${allowed.join(", ")})`,
      );
    }
  }
}

function text(v: unknown, key: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v === "")
    throw new InvalidArgumentError(`config ${key}: expected a non-empty string`);
  return v;
}

function ident(v: unknown, key: string): string | undefined {
  const s = text(v, key);
  if (s !== undefined && !IDENT.test(s)) {
    throw new InvalidArgumentError(
      `config ${key}: ${JSON.stringify(s)} is not a valid name (letters, digits and _, not starting with a digit)`,
    );
  }
  return s;
}

function count(v: unknown, key: string, lo: number, hi: number): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < lo || n > hi) {
    throw new InvalidArgumentError(
      `config ${key}: expected an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`,
    );
  }
  return n;
}

function parseUrl(v: string, key: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new InvalidArgumentError(`config ${key}: ${JSON.stringify(v)} is not a URL`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new InvalidArgumentError(
      `config ${key}: expected an http:// or https:// URL of the ClickHouse HTTP interface, got ${u.protocol}`,
    );
  }
  if (u.username !== "" || u.password !== "") {
    throw new InvalidArgumentError(
      `config ${key}: put credentials in sink.user and sink.password (or IMPACTD_SINK_PASSWORD), not in the URL`,
    );
  }
  return v;
}

/** parseSinkConfig validates the raw `sink:` mapping with IMPACTD_SINK_* overrides. */
export function parseSinkConfig(raw: unknown, env: NodeJS.ProcessEnv = {}): SinkConfig {
  const o = mapping(raw, "sink");
  onlyKeys(o, "sink", [
    "kind",
    "url",
    "user",
    "password",
    "database",
    "tls",
    "cluster",
    "retention_days",
    "batch",
  ]);
  const kind = text(env.IMPACTD_SINK_KIND ?? o.kind, "sink.kind") ?? DEFAULT_SINK_KIND;
  if (kind !== "chdb" && kind !== "clickhouse") {
    throw new InvalidArgumentError(
      `config sink.kind: expected chdb or clickhouse, got ${JSON.stringify(kind)}`,
    );
  }
  const urlText = text(env.IMPACTD_SINK_URL ?? o.url, "sink.url");
  const url = urlText === undefined ? undefined : parseUrl(urlText, "sink.url");
  if (kind === "clickhouse" && url === undefined) {
    throw new InvalidArgumentError(
      "config sink.url: required when sink.kind is clickhouse (or set IMPACTD_SINK_URL)",
    );
  }

  const t = mapping(o.tls, "sink.tls");
  onlyKeys(t, "sink.tls", ["ca_file", "cert_file", "key_file"]);
  const caFile = text(env.IMPACTD_SINK_TLS_CA_FILE ?? t.ca_file, "sink.tls.ca_file");
  const certFile = text(env.IMPACTD_SINK_TLS_CERT_FILE ?? t.cert_file, "sink.tls.cert_file");
  const keyFile = text(env.IMPACTD_SINK_TLS_KEY_FILE ?? t.key_file, "sink.tls.key_file");
  let tls: SinkConfig["tls"];
  if (caFile !== undefined || certFile !== undefined || keyFile !== undefined) {
    if (caFile === undefined)
      throw new InvalidArgumentError("config sink.tls.ca_file: required when sink.tls is set");
    if ((certFile === undefined) !== (keyFile === undefined)) {
      throw new InvalidArgumentError(
        "config sink.tls: cert_file and key_file go together (mutual TLS)",
      );
    }
    if (url !== undefined && !url.startsWith("https:")) {
      throw new InvalidArgumentError("config sink.tls: set only with an https:// sink.url");
    }
    tls = {
      caFile,
      ...(certFile === undefined ? {} : { certFile }),
      ...(keyFile === undefined ? {} : { keyFile }),
    };
  }
  const cluster = ident(env.IMPACTD_SINK_CLUSTER ?? o.cluster, "sink.cluster");
  if (kind === "chdb" && (cluster !== undefined || tls !== undefined || url !== undefined)) {
    throw new InvalidArgumentError(
      "config sink: url, tls and cluster apply only to sink.kind clickhouse",
    );
  }

  const r = mapping(o.retention_days, "sink.retention_days");
  onlyKeys(r, "sink.retention_days", ["default", ...RETENTION_KEYS]);
  const fallback =
    count(
      env.IMPACTD_SINK_RETENTION_DAYS ?? r.default,
      "sink.retention_days.default",
      0,
      MAX_RETENTION_DAYS,
    ) ?? DEFAULT_RETENTION_DAYS;
  const retentionDays: Record<string, number> = {};
  for (const def of OUTPUT_TABLES) {
    const name = queryName(def);
    retentionDays[def.name] =
      count(r[name], `sink.retention_days.${name}`, 0, MAX_RETENTION_DAYS) ?? fallback;
  }

  const b = mapping(o.batch, "sink.batch");
  onlyKeys(b, "sink.batch", ["max_rows", "max_bytes", "linger_ms"]);
  const batch: SinkConfig["batch"] = {};
  const maxRows = count(b.max_rows, "sink.batch.max_rows", 1, 10_000_000);
  const maxBytes = count(b.max_bytes, "sink.batch.max_bytes", 1024, 2 ** 31);
  const lingerMs = count(b.linger_ms, "sink.batch.linger_ms", 0, 600_000);
  if (maxRows !== undefined) batch.maxRows = maxRows;
  if (maxBytes !== undefined) batch.maxBytes = maxBytes;
  if (lingerMs !== undefined) batch.lingerMs = lingerMs;

  return {
    kind,
    url,
    user: text(env.IMPACTD_SINK_USER ?? o.user, "sink.user") ?? DEFAULT_SINK_USER,
    password:
      env.IMPACTD_SINK_PASSWORD ??
      (o.password === undefined ? "" : (text(o.password, "sink.password") ?? "")),
    database: ident(env.IMPACTD_SINK_DATABASE ?? o.database, "sink.database"),
    tls,
    cluster,
    retentionDays,
    batch,
  };
}

/** sinkOptions turns the validated config into options for openSink. */
export function sinkOptions(sink: SinkConfig, dataDir: string): SinkOptions {
  const writer: TableWriterOptions = {};
  if (sink.batch.maxRows !== undefined) {
    writer.maxRows = sink.batch.maxRows;
    writer.maxBufferedRows = Math.max(DEFAULT_MAX_BUFFERED_ROWS, 4 * sink.batch.maxRows);
  }
  if (sink.batch.maxBytes !== undefined) {
    writer.maxBatchBytes = sink.batch.maxBytes;
    writer.maxBufferedBytes = Math.max(DEFAULT_MAX_BUFFERED_BYTES, 4 * sink.batch.maxBytes);
  }
  if (sink.batch.lingerMs !== undefined) writer.lingerMs = sink.batch.lingerMs;
  return {
    kind: sink.kind,
    dataDir,
    ...(sink.url === undefined ? {} : { url: sink.url }),
    user: sink.user,
    password: sink.password,
    ...(sink.database === undefined ? {} : { database: sink.database }),
    ...(sink.tls === undefined ? {} : { tls: sink.tls }),
    ...(sink.cluster === undefined ? {} : { cluster: sink.cluster }),
    retentionDays: sink.retentionDays,
    writer,
  };
}
