// The `sink:` section of the config: where results go (embedded chdb or a
// ClickHouse server), how to reach it, how long tables keep rows, how writes
// are batched and how much may be buffered. Read with Section like every
// other section, so each key has its IMPACTD_SINK_* override (the key path in
// capitals) and docs/CONFIG.md documents it.
import { InvalidArgumentError } from "../errors.js";
import { OUTPUT_TABLES } from "../sinks/schema/tables.js";
import { queryName } from "../sinks/schema/types.js";
import type { SinkOptions } from "../sinks/sink.js";
import {
  DEFAULT_LINGER_MS,
  DEFAULT_MAX_BATCH_BYTES,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_BUFFERED_ROWS,
  DEFAULT_MAX_ROWS,
  type TableWriterOptions,
} from "../sinks/writer-options.js";
import { Section } from "./fields.js";

/** SINK_KINDS are the sinks `sink.kind` can name. */
export const SINK_KINDS = ["chdb", "clickhouse"] as const;
/** SinkKindName is a configurable sink kind. */
export type SinkKindName = (typeof SINK_KINDS)[number];
/** DEFAULT_SINK_KIND is the embedded engine: nothing to install. */
export const DEFAULT_SINK_KIND: SinkKindName = "chdb";
/** DEFAULT_SINK_USER is ClickHouse's default user. */
export const DEFAULT_SINK_USER = "default";
/** DEFAULT_RETENTION_DAYS keeps rows forever (0) unless configured. */
export const DEFAULT_RETENTION_DAYS = 0;
/** MAX_RETENTION_DAYS bounds retention_days values (100 years). */
export const MAX_RETENTION_DAYS = 36_500;
/**
 * DEFAULT_SINK_MAX_BUFFERED_ROWS bounds rows per table held before intake
 * slows: the writers' own bound, four default batches.
 */
export const DEFAULT_SINK_MAX_BUFFERED_ROWS = DEFAULT_MAX_BUFFERED_ROWS;

/** SinkConfig is the validated `sink:` section. */
export interface SinkConfig {
  /** @default DEFAULT_SINK_KIND */
  kind: SinkKindName;
  /** Rows per table buffered before writers wait. @default DEFAULT_SINK_MAX_BUFFERED_ROWS */
  maxBufferedRows: number;
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
  /** Retention in days per storage table (set by the name queries use: events, incidents, ...); 0 keeps forever. */
  retentionDays: Record<string, number>;
  /** Batching: a batch is sealed at this many rows, estimated bytes, or milliseconds after its first row. */
  batch: {
    /** @default DEFAULT_MAX_ROWS (at most maxBufferedRows) */
    maxRows: number;
    /** @default DEFAULT_MAX_BATCH_BYTES */
    maxBytes: number;
    /** @default DEFAULT_LINGER_MS */
    lingerMs: number;
  };
}

/** RETENTION_KEYS are the table names retention_days accepts, besides "default". */
export const RETENTION_KEYS: readonly string[] = OUTPUT_TABLES.map(queryName);

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** defaultSinkConfig is the embedded engine with every default. */
export function defaultSinkConfig(): SinkConfig {
  return parseSinkConfig({});
}

function ident(s: Section, key: string): string | undefined {
  const v = s.optStr(key);
  if (v !== undefined && !IDENT.test(v)) {
    throw new InvalidArgumentError(
      `config ${s.name(key)}: ${JSON.stringify(v)} is not a valid name (letters, digits and _, not starting with a digit)`,
    );
  }
  return v;
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

function readTls(t: Section, url: string | undefined): SinkConfig["tls"] {
  const caFile = t.optStr("ca_file");
  const certFile = t.optStr("cert_file");
  const keyFile = t.optStr("key_file");
  t.done();
  if (caFile === undefined && certFile === undefined && keyFile === undefined) return undefined;
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
  return {
    caFile,
    ...(certFile === undefined ? {} : { certFile }),
    ...(keyFile === undefined ? {} : { keyFile }),
  };
}

function readRetention(r: Section): Record<string, number> {
  const fallback = r.int("default", DEFAULT_RETENTION_DAYS, 0, MAX_RETENTION_DAYS);
  const out: Record<string, number> = {};
  // Keyed by the storage table (what DDL and partition drops name), set by
  // the name queries use. NaN: no default of its own, it inherits `default`.
  for (const def of OUTPUT_TABLES) {
    const days = r.int(queryName(def), Number.NaN, 0, MAX_RETENTION_DAYS);
    out[def.name] = Number.isNaN(days) ? fallback : days;
  }
  r.done();
  return out;
}

function readBatch(b: Section, maxBufferedRows: number): SinkConfig["batch"] {
  const maxRows = b.int("max_rows", DEFAULT_MAX_ROWS, 1, 10_000_000);
  if (b.has("max_rows") && maxRows > maxBufferedRows) {
    throw new InvalidArgumentError(
      `config sink.batch.max_rows: ${maxRows} is more than sink.max_buffered_rows (${maxBufferedRows}); a batch must fit in the buffer`,
    );
  }
  const batch = {
    // A smaller buffer than the default batch shrinks the batch with it.
    maxRows: Math.min(maxRows, maxBufferedRows),
    maxBytes: b.bytes("max_bytes", DEFAULT_MAX_BATCH_BYTES, 1024, 2 ** 31),
    lingerMs: b.durationMs("linger_ms", DEFAULT_LINGER_MS, 0, 600_000),
  };
  b.done();
  return batch;
}

/** readSink reads the `sink:` section (see docs/CONFIG.md). */
export function readSink(s: Section): SinkConfig {
  const kind = s.oneOf("kind", SINK_KINDS, DEFAULT_SINK_KIND);
  const maxBufferedRows = s.int(
    "max_buffered_rows",
    DEFAULT_SINK_MAX_BUFFERED_ROWS,
    1_000,
    100_000_000,
  );
  const urlText = s.optStr("url");
  const url = urlText === undefined ? undefined : parseUrl(urlText, s.name("url"));
  if (kind === "clickhouse" && url === undefined) {
    throw new InvalidArgumentError(
      "config sink.url: required when sink.kind is clickhouse (or set IMPACTD_SINK_URL)",
    );
  }
  const user = s.str("user", DEFAULT_SINK_USER);
  const password = s.optStr("password") ?? "";
  const database = ident(s, "database");
  const tls = readTls(s.section("tls"), url);
  const cluster = ident(s, "cluster");
  if (kind === "chdb" && (cluster !== undefined || tls !== undefined || url !== undefined)) {
    throw new InvalidArgumentError(
      "config sink: url, tls and cluster apply only to sink.kind clickhouse",
    );
  }
  const retentionDays = readRetention(s.section("retention_days"));
  const batch = readBatch(s.section("batch"), maxBufferedRows);
  s.done();
  return {
    kind,
    maxBufferedRows,
    url,
    user,
    password,
    database,
    tls,
    cluster,
    retentionDays,
    batch,
  };
}

/** parseSinkConfig validates a raw `sink:` mapping on its own, with IMPACTD_SINK_* overrides. */
export function parseSinkConfig(raw: unknown, env: NodeJS.ProcessEnv = {}): SinkConfig {
  const top = Section.root({ sink: raw }, env);
  const sink = readSink(top.section("sink"));
  top.done();
  return sink;
}

/** sinkOptions turns the validated config into options for openSink. */
export function sinkOptions(sink: SinkConfig, dataDir: string): SinkOptions {
  const writer: TableWriterOptions = {
    maxRows: sink.batch.maxRows,
    maxBatchBytes: sink.batch.maxBytes,
    lingerMs: sink.batch.lingerMs,
    maxBufferedRows: sink.maxBufferedRows,
    maxBufferedBytes: Math.max(DEFAULT_MAX_BUFFERED_BYTES, 4 * sink.batch.maxBytes),
  };
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
