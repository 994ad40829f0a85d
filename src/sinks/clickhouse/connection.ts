// SinkConnection over a ClickHouse server, through @clickhouse/client (HTTP).
// The server's version decides the dialect (dialect.ts): on 18.16 up to 22.2
// the legacy mapping applies and query parameters are bound client-side
// (bind.ts). Tables of the logical schema are inserted as RowBinary, which
// every supported version reads, through `exec` with a binary body.
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import {
  type ClickHouseClient,
  ClickHouseLogLevel,
  type ClickHouseSettings,
  createClient,
} from "@clickhouse/client";
import { bindParams } from "../bind.js";
import type { QueryParams, SinkConnection } from "../connection.js";
import { type Dialect, type DialectName, dialectForVersion } from "../dialect.js";
import { converterFor } from "../encode.js";
import {
  clickHouseMessage,
  DATA_ERROR_CODES,
  isRetryableClickHouseCode,
  SinkDataError,
  SinkError,
} from "../errors.js";
import { type BinaryEncoder, binaryEncoder } from "../rowbinary.js";
import { tableDef } from "../schema/tables.js";

/** DEFAULT_CLICKHOUSE_DATABASE is the database impactd creates and writes to on a server. */
export const DEFAULT_CLICKHOUSE_DATABASE = "impactd";
/** DEFAULT_CLICKHOUSE_USER is the user when none is configured. */
export const DEFAULT_CLICKHOUSE_USER = "default";
/** DEFAULT_REQUEST_TIMEOUT_MS bounds one HTTP request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** DEFAULT_MAX_OPEN_CONNECTIONS bounds the HTTP sockets to the server. */
export const DEFAULT_MAX_OPEN_CONNECTIONS = 8;

/** ClickHouseTls names PEM files for TLS to the server. */
export interface ClickHouseTls {
  /** CA certificate that signed the server's certificate. */
  caFile: string;
  /** Client certificate, for mutual TLS. */
  certFile?: string;
  /** Client key, for mutual TLS. */
  keyFile?: string;
}

/** ClickHouseOptions configure a server connection. */
export interface ClickHouseOptions {
  /** http(s)://host:port of the server's HTTP interface. */
  url: string;
  /** @default DEFAULT_CLICKHOUSE_USER */
  user?: string;
  /** @default "" */
  password?: string;
  /** Created if missing. @default DEFAULT_CLICKHOUSE_DATABASE */
  database?: string;
  /** TLS files (for an https:// URL). */
  tls?: ClickHouseTls;
  /** Cluster name: inserts into Distributed tables wait for the shards. */
  cluster?: string;
  /** Force a dialect instead of the one the version implies. */
  dialect?: DialectName;
  /** @default DEFAULT_REQUEST_TIMEOUT_MS */
  requestTimeoutMs?: number;
  /** @default DEFAULT_MAX_OPEN_CONNECTIONS */
  maxOpenConnections?: number;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
]);

/** toServerError maps a client or server failure to a SinkError. */
export function toServerError(err: unknown, context?: string): SinkError {
  if (err instanceof SinkError) return err;
  const e = err as { code?: unknown; message?: unknown } | null;
  const raw = typeof e?.message === "string" ? e.message : String(err);
  // 18.16 formats errors as "Code: 60, e.displayText() = DB::Exception: ...",
  // current servers as "Code: 60. DB::Exception: ... (UNKNOWN_TABLE)".
  const m = /Code: (\d+)[.,]/.exec(raw);
  const chCode = m === null ? undefined : Number(m[1]);
  const message = clickHouseMessage(raw.replace(/, e\.what\(\) = DB::Exception\s*$/, ""));
  const text = context === undefined ? message : `${context}: ${message}`;
  if (chCode !== undefined && DATA_ERROR_CODES.has(chCode)) {
    return new SinkDataError(text, { cause: err, clickhouseCode: chCode });
  }
  // Without a ClickHouse code it is the network or the server going away:
  // worth retrying. A few client-side codes say so explicitly.
  const network = typeof e?.code === "string" && NETWORK_CODES.has(e.code);
  return new SinkError(text, {
    cause: err,
    retryable: network || isRetryableClickHouseCode(chCode),
    clickhouseCode: chCode,
  });
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new SinkError(`cannot read the ${what} file ${path}: ${(err as Error).message}`);
  }
}

function client(opts: ClickHouseOptions, database: string | undefined): ClickHouseClient {
  const tls =
    opts.tls === undefined
      ? undefined
      : opts.tls.certFile !== undefined && opts.tls.keyFile !== undefined
        ? {
            ca_cert: readPem(opts.tls.caFile, "TLS CA"),
            cert: readPem(opts.tls.certFile, "TLS certificate"),
            key: readPem(opts.tls.keyFile, "TLS key"),
          }
        : { ca_cert: readPem(opts.tls.caFile, "TLS CA") };
  return createClient({
    url: opts.url,
    username: opts.user ?? DEFAULT_CLICKHOUSE_USER,
    password: opts.password ?? "",
    ...(database === undefined ? {} : { database }),
    ...(tls === undefined ? {} : { tls }),
    request_timeout: opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    max_open_connections: opts.maxOpenConnections ?? DEFAULT_MAX_OPEN_CONNECTIONS,
    compression: { request: false, response: false },
    // Failures reach callers as SinkErrors; the client must not log them too.
    log: { level: ClickHouseLogLevel.OFF },
  });
}

/**
 * openClickHouse connects to a server, reads its version, creates the
 * database if needed and returns a connection using it.
 */
export async function openClickHouse(opts: ClickHouseOptions): Promise<SinkConnection> {
  const database = opts.database ?? DEFAULT_CLICKHOUSE_DATABASE;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new SinkError(`bad database name ${JSON.stringify(database)} (letters, digits, _)`);
  }
  const bootstrap = client(opts, undefined);
  let version: string;
  try {
    const rs = await bootstrap.query({ query: "SELECT version() AS v", format: "JSONEachRow" });
    version = ((await rs.json()) as { v: string }[])[0]?.v ?? "";
    await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  } catch (err) {
    throw toServerError(err, `connect to ClickHouse at ${opts.url}`);
  } finally {
    await bootstrap.close();
  }
  const dialect = dialectForVersion(version, opts.dialect);
  return new ServerConnection(client(opts, database), dialect, database, opts.cluster);
}

class ServerConnection implements SinkConnection {
  readonly kind = "clickhouse" as const;
  private readonly inflight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;
  private readonly binary = new Map<string, BinaryEncoder>();

  constructor(
    private readonly ch: ClickHouseClient,
    readonly dialect: Dialect,
    readonly database: string,
    private readonly cluster: string | undefined,
  ) {}

  command(sql: string): Promise<void> {
    return this.track(async () => {
      try {
        await this.ch.command({ query: sql });
      } catch (err) {
        throw toServerError(err);
      }
    });
  }

  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]> {
    return this.track(async () => {
      const bound = params !== undefined && Object.keys(params).length > 0;
      const native = bound && this.dialect.queryParams;
      const query = bound && !native ? bindParams(sql, params) : sql;
      try {
        const rs = await this.ch.query({
          query,
          format: "JSONEachRow",
          ...(native ? { query_params: params } : {}),
        });
        return (await rs.json()) as T[];
      } catch (err) {
        throw toServerError(err);
      }
    });
  }

  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return this.track(async () => {});
    return this.track(async () => {
      const name = table.includes(".") ? table : `${this.database}.${table}`;
      const enc = this.binaryEncoderFor(table);
      // A Distributed table acknowledges before the shards have the rows
      // unless told to wait; no-loss needs the wait.
      const settings: ClickHouseSettings =
        this.cluster === undefined ? {} : { insert_distributed_sync: 1 };
      try {
        if (enc === undefined) {
          await this.ch.insert({
            table: name,
            values: await this.jsonRows(name, rows),
            format: "JSONEachRow",
            clickhouse_settings: settings,
          });
          return;
        }
        const payload = enc.encode(rows);
        const columns = enc.columns.map((c) => (c.includes(".") ? `\`${c}\`` : c)).join(", ");
        const res = await this.ch.exec({
          query: `INSERT INTO ${name} (${columns}) FORMAT RowBinary`,
          values: Readable.from([payload]),
          clickhouse_settings: settings,
        });
        // The response has no rows; drain it so the socket is reused.
        for await (const _ of res.stream) {
          // nothing to read
        }
      } catch (err) {
        throw toServerError(err, `insert into ${table}`);
      }
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inflight]);
      await this.ch.close();
    })();
    return this.closing;
  }

  private binaryEncoderFor(table: string): BinaryEncoder | undefined {
    const dot = table.indexOf(".");
    if (dot >= 0 && table.slice(0, dot) !== this.database) return undefined;
    const name = dot < 0 ? table : table.slice(dot + 1);
    let enc = this.binary.get(name);
    if (enc === undefined) {
      const def = tableDef(name);
      if (def === undefined) return undefined;
      enc = binaryEncoder(def, this.dialect);
      this.binary.set(name, enc);
    }
    return enc;
  }

  // Tables outside the logical schema: JSON values converted per column type.
  private async jsonRows(
    table: string,
    rows: readonly Record<string, unknown>[],
  ): Promise<Record<string, unknown>[]> {
    const [db = "", name = ""] = table.split(".", 2);
    const columns = await this.query<{ name: string; type: string }>(
      "SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String}",
      { db, t: name },
    );
    if (columns.length === 0) {
      throw new SinkError(`insert into ${table}: table does not exist`, { clickhouseCode: 60 });
    }
    const conv = columns.map((c) => [c.name, converterFor(c.type)] as const);
    return rows.map((r) => {
      const out: Record<string, unknown> = {};
      for (const [k, f] of conv) if (r[k] !== undefined) out[k] = f === undefined ? r[k] : f(r[k]);
      return out;
    });
  }

  private track<T>(op: () => Promise<T>): Promise<T> {
    if (this.closing !== undefined) {
      return Promise.reject(new SinkError("ClickHouse connection is closed"));
    }
    const p = op();
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }
}
