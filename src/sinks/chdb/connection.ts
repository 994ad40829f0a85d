// SinkConnection over embedded ClickHouse (chdb). libchdb binds ONE data
// directory per process: opening a second directory while one is open fails,
// and closing the connection while an operation still runs on it aborts the
// engine. So this module keeps one chdb Session per process (per directory,
// shared and reference-counted by every openChdb call on that directory),
// waits for in-flight operations before closing it, and only then lets a
// different directory be opened.
//
// Concurrent async calls on one Session are safe: chdb runs them one at a time
// per native connection and serialises parameterised queries process-wide
// (tested with interleaved inserts, bound and plain queries in
// test/integration/sink-chdb.test.ts), so no queue is needed here.
//
// Tables of the logical schema are inserted as RowBinary, which the engine
// parses several times faster than JSON; chdb's insert API takes only text
// formats, so the payload goes through a RAM-backed file and
// INSERT ... SELECT * FROM file(). Other tables keep the JSON path.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync } from "node:fs";
import { mkdir, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { drainPending, Session } from "chdb";
import { bindParams, quoteString } from "../bind.js";
import type { QueryParams, SinkConnection } from "../connection.js";
import { type Dialect, type DialectName, dialectForVersion } from "../dialect.js";
import { type ColumnSpec, type RowEncoder, rowEncoder } from "../encode.js";
import {
  clickHouseMessage,
  DATA_ERROR_CODES,
  isRetryableClickHouseCode,
  SinkDataError,
  SinkError,
} from "../errors.js";
import { type BinaryEncoder, binaryEncoder } from "../rowbinary.js";
import { tableDef } from "../schema/tables.js";

// Engine arguments fixed at connect. 64-bit integers come back quoted, as a
// ClickHouse server sends them to clickhouse-js, so no value silently loses
// precision in JSON (chdb's own default is unquoted); tables load before the
// first query so a broken data directory fails at open, not mid-stream.
const CONNECTION_ARGS = [
  "--output_format_json_quote_64bit_integers=1",
  "--async_load_databases=0",
] as const;

// Per-INSERT settings. On the 2-core reference machine single-threaded parsing
// was as fast or faster than the parallel parser for batches up to 100k rows,
// and leaves the other core to the event loop (measured; see encode.ts). A
// batch of events spanning more than 100 days (a replay) would otherwise fail
// with TOO_MANY_PARTS, a retryable code, and be retried forever.
const INSERT_SETTINGS = {
  input_format_parallel_parsing: 0,
  throw_on_max_partitions_per_insert_block: 0,
} as const;

// Settings of RowBinary INSERTs. Tables of the logical schema are
// ReplacingMergeTrees read through FINAL views, so collapsing duplicates
// inside each inserted block buys nothing and halved insert throughput
// (measured on the events table).
const BINARY_INSERT_SETTINGS =
  "input_format_parallel_parsing = 0, throw_on_max_partitions_per_insert_block = 0, optimize_on_insert = 0";

/** DEFAULT_CHDB_DATABASE is the database of the embedded engine's tables. */
export const DEFAULT_CHDB_DATABASE = "default";

/** ChdbOptions adjust openChdb. */
export interface ChdbOptions {
  /** Database holding the tables (created if missing). @default DEFAULT_CHDB_DATABASE */
  database?: string;
  /** Map the schema as for this dialect instead of "modern" (tests of the legacy mapping). */
  dialect?: DialectName;
}

// chdb error codes that no retry can fix: bad SQL, bad bound values, a closed
// session, a missing native library, a second data directory.
const PERMANENT_CHDB_CODES = new Set([
  "CHDB_SYNTAX",
  "CHDB_BIND",
  "CHDB_COMPILE",
  "CHDB_CLOSED",
  "CHDB_CONNECTION",
  "CHDB_PLATFORM",
  "CHDB_ABI",
]);

/** SharedSession is the process's one chdb Session and what its users share. */
interface SharedSession {
  readonly path: string;
  readonly session: Session;
  refs: number;
  readonly version: string;
  // Where RowBinary payloads are staged for INSERT ... FROM file().
  readonly spool: string;
  spooled: number;
  // Encoders by table, built from system.columns; dropped by any command()
  // because DDL may change a table.
  readonly encoders: Map<string, Promise<RowEncoder>>;
}

let shared: SharedSession | undefined;
// Set while the last connection's session is being torn down: the next Session
// (possibly on another directory) must wait for it.
let closingSession: Promise<void> | undefined;

/**
 * openChdb opens (creating if needed) the embedded ClickHouse database in
 * `dataDir`. Calls for the same directory share one chdb Session; a different
 * directory can only be opened after every connection to the first is closed.
 */
export async function openChdb(dataDir: string, opts: ChdbOptions = {}): Promise<SinkConnection> {
  const path = resolve(dataDir);
  if (shared?.path !== path) {
    await closingSession;
    try {
      await mkdir(path, { recursive: true });
    } catch (err) {
      throw new SinkError(`cannot create data directory ${path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  // Re-read `shared` after the awaits: another openChdb may have opened it.
  if (shared === undefined) {
    let session: Session;
    try {
      session = new Session(path, { connectionArgs: CONNECTION_ARGS });
    } catch (err) {
      // The usual cause: another process holds the directory's lock (the
      // engine only says so on stderr).
      throw toSinkError(err, `open chdb at ${path} (is another impactd process using it?)`);
    }
    // No await from here to the assignment: concurrent openChdb calls on this
    // directory must find the session shared, not open a second one.
    const version = session.query("SELECT version()", "TSV").trim();
    const spool = mkdtempSync(join(spoolRoot(), "impactd-chdb-"));
    shared = { path, session, refs: 0, version, spool, spooled: 0, encoders: new Map() };
  } else if (shared.path !== path) {
    throw new SinkError(
      `chdb binds one data directory per process: ${shared.path} is open, cannot open ${path}`,
    );
  }
  const s = shared as SharedSession;
  const database = opts.database ?? DEFAULT_CHDB_DATABASE;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new SinkError(`bad database name ${JSON.stringify(database)} (letters, digits, _)`);
  }
  const dialect = dialectForVersion(s.version, opts.dialect);
  s.refs++;
  const conn = new ChdbConnection(s, dialect, database);
  if (database !== DEFAULT_CHDB_DATABASE) {
    try {
      await conn.command(`CREATE DATABASE IF NOT EXISTS ${database}`);
    } catch (err) {
      await conn.close();
      throw err;
    }
  }
  return conn;
}

// RowBinary payloads are handed to the engine as files: chdb's insert API
// only takes text formats. A RAM-backed directory makes that a memory copy.
function spoolRoot(): string {
  return existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
}

class ChdbConnection implements SinkConnection {
  readonly kind = "chdb" as const;
  private readonly inflight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;
  private readonly binary = new Map<string, BinaryEncoder>();

  constructor(
    private readonly s: SharedSession,
    readonly dialect: Dialect,
    readonly database: string,
  ) {}

  command(sql: string): Promise<void> {
    return this.track(async () => {
      this.s.encoders.clear();
      try {
        await this.s.session.queryAsync(sql);
      } catch (err) {
        throw toSinkError(err);
      } finally {
        // Also after the DDL ran: an insert racing it must not keep a stale encoder.
        this.s.encoders.clear();
      }
    });
  }

  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return this.track(async () => {});
    const binary = this.binaryEncoderFor(table);
    if (binary !== undefined) return this.track(() => this.insertBinary(table, binary, rows));
    // Other tables: JSON rows, in this connection's database unless named.
    const qualified = table.includes(".") ? table : `${this.database}.${table}`;
    return this.track(async () => {
      const encoder = await this.encoderFor(qualified);
      let payload: Buffer;
      try {
        payload = encoder.encode(rows);
      } catch (err) {
        throw new SinkError(`insert into ${table}: cannot encode rows: ${(err as Error).message}`, {
          cause: err,
        });
      }
      try {
        await this.s.session.insert({
          table: qualified,
          values: payload,
          format: "JSONCompactEachRow",
          columns: encoder.columns,
          settings: { ...INSERT_SETTINGS, insert_deduplication_token: dedupToken(payload) },
        });
      } catch (err) {
        throw toSinkError(err, `insert into ${table}`);
      }
    });
  }

  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]> {
    return this.track(async () => {
      let text: string;
      try {
        const opts = { format: "JSONEachRow" };
        const bound = params !== undefined && Object.keys(params).length > 0;
        // The legacy mapping binds client-side, as it must on an old server.
        const result = !bound
          ? await this.s.session.queryAsync(sql, opts)
          : this.dialect.queryParams
            ? await this.s.session.queryBindAsync(sql, params, opts)
            : await this.s.session.queryAsync(bindParams(sql, params), opts);
        text = result.text();
      } catch (err) {
        throw toSinkError(err);
      }
      try {
        return parseJsonEachRow<T>(text);
      } catch (err) {
        throw new SinkError("query output is not JSON rows (drop the FORMAT clause from the SQL)", {
          cause: err,
        });
      }
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inflight]);
      this.s.refs--;
      if (this.s.refs > 0) return;
      if (shared === this.s) shared = undefined;
      this.s.session.close();
      await rm(this.s.spool, { recursive: true, force: true });
      // close() can return before the native connection is gone; the next
      // Session may only be created once it is.
      const drained = drainPending();
      closingSession = drained;
      try {
        await drained;
      } finally {
        if (closingSession === drained) closingSession = undefined;
      }
    })();
    return this.closing;
  }

  private track<T>(op: () => Promise<T>): Promise<T> {
    if (this.closing !== undefined) {
      return Promise.reject(new SinkError("chdb connection is closed"));
    }
    const p = op();
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  // Tables of the logical schema in this connection's database.
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

  private async insertBinary(
    table: string,
    enc: BinaryEncoder,
    rows: readonly Record<string, unknown>[],
  ): Promise<void> {
    const payload = enc.encode(rows);
    const file = join(this.s.spool, `${++this.s.spooled}.rowbinary`);
    const name = table.includes(".") ? table : `${this.database}.${table}`;
    const columns = enc.columns.map((c) => (c.includes(".") ? `\`${c}\`` : c)).join(", ");
    try {
      await writeFile(file, payload);
    } catch (err) {
      throw new SinkError(`insert into ${table}: cannot stage rows: ${(err as Error).message}`, {
        cause: err,
        retryable: true,
      });
    }
    try {
      await this.s.session.queryAsync(
        `INSERT INTO ${name} (${columns}) SELECT * FROM file(${quoteString(file)}, 'RowBinary', ${quoteString(enc.structure)}) SETTINGS ${BINARY_INSERT_SETTINGS}`,
      );
    } catch (err) {
      throw toSinkError(err, `insert into ${table}`);
    } finally {
      await unlink(file).catch(() => {});
    }
  }

  private encoderFor(table: string): Promise<RowEncoder> {
    let encoder = this.s.encoders.get(table);
    if (encoder === undefined) {
      encoder = this.loadEncoder(table);
      this.s.encoders.set(table, encoder);
      encoder.catch(() => {
        if (this.s.encoders.get(table) === encoder) this.s.encoders.delete(table);
      });
    }
    return encoder;
  }

  private async loadEncoder(table: string): Promise<RowEncoder> {
    const dot = table.indexOf(".");
    const db = dot < 0 ? "" : table.slice(0, dot);
    const name = dot < 0 ? table : table.slice(dot + 1);
    let columns: ColumnSpec[];
    try {
      const result = await this.s.session.queryBindAsync(
        `SELECT name, type FROM system.columns
         WHERE database = if({db:String} = '', currentDatabase(), {db:String})
           AND table = {table:String}
           AND default_kind NOT IN ('MATERIALIZED', 'ALIAS', 'EPHEMERAL')
         ORDER BY position`,
        { db, table: name },
        { format: "JSONEachRow" },
      );
      columns = parseJsonEachRow<ColumnSpec>(result.text());
    } catch (err) {
      throw toSinkError(err, `insert into ${table}`);
    }
    if (columns.length === 0) {
      throw new SinkError(`insert into ${table}: table does not exist`, { clickhouseCode: 60 });
    }
    return rowEncoder(columns);
  }
}

// A retried INSERT sends the same bytes, so a hash of them identifies it to
// the table's deduplication window (schema.ts). ClickHouse's own block hash
// is not enough: measured on chdb 26.7, the second copy of a table's first
// INSERT was not recognised. sha256 costs ~7 ms per 10 MB (a 50k-row batch).
function dedupToken(payload: Buffer): string {
  return createHash("sha256").update(payload).digest("base64url");
}

/** parseJsonEachRow parses ClickHouse JSONEachRow output (one object per line). */
export function parseJsonEachRow<T>(text: string): T[] {
  const body = text.trimEnd();
  if (body === "") return [];
  // Raw newlines only separate rows (JSON escapes them inside strings), so
  // one JSON.parse over "[row,row,...]" replaces a parse per line.
  return JSON.parse(`[${body.replaceAll("\n", ",")}]`) as T[];
}

/** toSinkError maps a chdb error to a SinkError, deciding whether a retry can help. */
export function toSinkError(err: unknown, context?: string): SinkError {
  if (err instanceof SinkError) return err;
  const e = err as { code?: unknown; clickhouseCode?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : undefined;
  const chCode = typeof e?.clickhouseCode === "number" ? e.clickhouseCode : undefined;
  const raw = typeof e?.message === "string" ? e.message : String(err);
  const retryable =
    code !== undefined && PERMANENT_CHDB_CODES.has(code)
      ? false
      : isRetryableClickHouseCode(chCode);
  const message = clickHouseMessage(raw);
  const text = context === undefined ? message : `${context}: ${message}`;
  if (chCode !== undefined && DATA_ERROR_CODES.has(chCode)) {
    return new SinkDataError(text, { cause: err, clickhouseCode: chCode });
  }
  return new SinkError(text, { cause: err, retryable, clickhouseCode: chCode });
}
