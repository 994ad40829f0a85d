// A Sink is everything impactd writes to: one connection (embedded chdb or a
// ClickHouse server) plus a TableWriter per output table, opened with the
// schema migrated and retention applied.
import { openChdb } from "./chdb/connection.js";
import { type ClickHouseTls, openClickHouse } from "./clickhouse/connection.js";
import type { SinkConnection, SinkKind } from "./connection.js";
import type { DialectName } from "./dialect.js";
import { SinkError } from "./errors.js";
import { fillEventIds, rejectionIdFiller } from "./ids.js";
import { ddlContext, type MigrationResult, migrate } from "./migrate.js";
import { applyRetention } from "./retention.js";
import type {
  BenchResultRow,
  EvalReportRow,
  EventRow,
  IncidentEventRow,
  IncidentRow,
  JourneyImpactRow,
  PredictionRow,
  RejectionRow,
  ServiceHealthRow,
} from "./rows.js";
import {
  BENCH_RESULTS_DATA,
  EVAL_REPORTS_DATA,
  EVENTS_DATA,
  INCIDENT_EVENTS_DATA,
  INCIDENT_VERSIONS,
  JOURNEY_IMPACT_DATA,
  OUTPUT_TABLES,
  PREDICTIONS_DATA,
  REJECTED_EVENTS_DATA,
  SERVICE_HEALTH_DATA,
} from "./schema/tables.js";
import { TableWriter, type TableWriterOptions, type TableWriterStats } from "./writer.js";

/** DEFAULT_DATA_DIR is where the embedded database lives unless told otherwise. */
export const DEFAULT_DATA_DIR = "./impactd-data";
/** RETENTION_INTERVAL_MS is how often partitions are expired on engines without TTL. */
export const RETENTION_INTERVAL_MS = 86_400_000;
/** SINK_REJECTED is the rejection code of rows the database refused. */
export const SINK_REJECTED = "SINK_REJECTED";
/** MAX_REJECTED_PAYLOAD bounds the JSON of a refused row kept in rejected_events. */
const MAX_REJECTED_PAYLOAD = 64 * 1024;

/** SinkOptions selects and configures a sink. */
export interface SinkOptions {
  /** "chdb" is ClickHouse embedded in this process; "clickhouse" a server. */
  kind: SinkKind;
  /** Directory of the embedded database (chdb). @default DEFAULT_DATA_DIR */
  dataDir?: string;
  /** Server URL, http(s)://host:port (clickhouse). */
  url?: string;
  /** Server user (clickhouse). */
  user?: string;
  /** Server password (clickhouse). */
  password?: string;
  /** Database of impactd's tables (chdb: "default", server: "impactd"). */
  database?: string;
  /** TLS files for an https:// server. */
  tls?: ClickHouseTls;
  /** Cluster name: ON CLUSTER DDL, Replicated and Distributed tables. */
  cluster?: string;
  /** Retention in days per storage table (0 or missing: keep forever). */
  retentionDays?: Readonly<Record<string, number>>;
  /** Force a schema dialect instead of the one the version implies (tests). */
  dialect?: DialectName;
  /** Apply migrations and retention at open. @default true */
  migrate?: boolean;
  /** Batching and retry settings shared by the table writers. */
  writer?: TableWriterOptions;
  /** Progress messages while opening (migrations, retention). */
  onProgress?: (message: string) => void;
  /**
   * Seed of the write tokens in rejection ids. A fixed seed lets a
   * deterministic run (a replay) write the same ids again. @default random
   */
  rejectionIdSeed?: string;
}

/** SinkStats are the sink's metrics: per table writer counters, sink lag and errors. */
export interface SinkStats {
  readonly kind: SinkKind;
  /** Schema dialect in use and the engine's version. */
  readonly dialect: DialectName;
  readonly version: string;
  /** Counters of each table's writer, by storage table name. */
  readonly tables: Readonly<Record<string, TableWriterStats>>;
}

/** Sink is a migrated connection and one writer per output table. */
export interface Sink {
  /** The connection, for queries. */
  readonly conn: SinkConnection;
  /** What the last migrate() at open did (undefined when migrations were off). */
  readonly migration: MigrationResult | undefined;
  /** Writer for `events` (storage events_data); fills missing event ids. */
  readonly events: TableWriter<EventRow>;
  /** Writer for `incident_versions` (read through the `incidents` view). */
  readonly incidents: TableWriter<IncidentRow>;
  /** Writer for `rejected_events`; fills missing rejection ids. */
  readonly rejections: TableWriter<RejectionRow>;
  /** Writer for `incident_events` (the incident timeline). */
  readonly incidentEvents: TableWriter<IncidentEventRow>;
  /** Writer for `service_health`. */
  readonly serviceHealth: TableWriter<ServiceHealthRow>;
  /** Writer for `journey_impact`. */
  readonly journeyImpact: TableWriter<JourneyImpactRow>;
  /** Writer for `predictions`. */
  readonly predictions: TableWriter<PredictionRow>;
  /** Writer for `eval_reports`. */
  readonly evalReports: TableWriter<EvalReportRow>;
  /** Writer for `bench_results`. */
  readonly benchResults: TableWriter<BenchResultRow>;
  /** stats snapshots every writer's counters. */
  stats(): SinkStats;
  /** flush writes everything buffered in every writer. */
  flush(): Promise<void>;
  /** close flushes and closes every writer, then the connection. */
  close(): Promise<void>;
}

/** openConnection opens the configured engine without touching the schema. */
export async function openConnection(opts: SinkOptions): Promise<SinkConnection> {
  if (opts.kind === "chdb") {
    return openChdb(opts.dataDir ?? DEFAULT_DATA_DIR, {
      ...(opts.database === undefined ? {} : { database: opts.database }),
      ...(opts.dialect === undefined ? {} : { dialect: opts.dialect }),
    });
  }
  if (opts.url === undefined) throw new SinkError("the clickhouse sink needs a url");
  return openClickHouse({
    url: opts.url,
    ...(opts.user === undefined ? {} : { user: opts.user }),
    ...(opts.password === undefined ? {} : { password: opts.password }),
    ...(opts.database === undefined ? {} : { database: opts.database }),
    ...(opts.tls === undefined ? {} : { tls: opts.tls }),
    ...(opts.cluster === undefined ? {} : { cluster: opts.cluster }),
    ...(opts.dialect === undefined ? {} : { dialect: opts.dialect }),
  });
}

/** openSink opens the sink, applies missing migrations and retention, and returns its writers. */
export async function openSink(opts: SinkOptions): Promise<Sink> {
  const conn = await openConnection(opts);
  let migration: MigrationResult | undefined;
  let retention: NodeJS.Timeout | undefined;
  try {
    if (opts.migrate !== false) {
      const mopts = {
        cluster: opts.cluster,
        retentionDays: opts.retentionDays ?? {},
        ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
      };
      migration = await migrate(conn, mopts);
      const ctx = ddlContext(conn, mopts);
      for (const s of await applyRetention(conn, ctx, OUTPUT_TABLES)) opts.onProgress?.(s);
      if (!conn.dialect.ttl && Object.values(ctx.retentionDays ?? {}).some((d) => d > 0)) {
        retention = setInterval(() => {
          applyRetention(conn, ctx, OUTPUT_TABLES).catch((err: unknown) => {
            opts.onProgress?.(`retention failed: ${(err as Error).message}`);
          });
        }, RETENTION_INTERVAL_MS);
        retention.unref();
      }
    }
  } catch (err) {
    await conn.close();
    throw err;
  }
  const sink = sinkOver(conn, opts.writer, opts.rejectionIdSeed);
  const close = sink.close;
  return {
    ...sink,
    migration,
    close() {
      clearInterval(retention);
      return close();
    },
  };
}

// Cheap size estimates (one per row) for the writers' byte bounds: the
// variable-length fields plus a fixed overhead.
// A malformed row must not make the estimate throw (the encoder reports it).
const eventBytes = (r: EventRow) =>
  96 +
  (r.event_id?.length ?? 0) +
  (r.text?.length ?? 0) +
  (r.name?.length ?? 0) +
  (r.fingerprint?.length ?? 0);
const incidentBytes = (r: IncidentRow) =>
  384 + (r.title?.length ?? 0) + 48 * ((r.services?.length ?? 0) + (r.candidates?.length ?? 0));
const rejectionBytes = (r: RejectionRow) =>
  160 + (r.payload?.length ?? 0) + (r.reason?.length ?? 0);

/** sinkOver builds a Sink on an already migrated connection (tests inject fakes here). */
export function sinkOver(
  conn: SinkConnection,
  writer: TableWriterOptions = {},
  rejectionIdSeed?: string,
): Sink {
  const rejections = new TableWriter<RejectionRow>(conn, REJECTED_EVENTS_DATA.name, {
    ...writer,
    rowBytes: rejectionBytes,
    prepare: rejectionIdFiller(rejectionIdSeed),
  } as TableWriterOptions<RejectionRow>);
  // Rows the database refuses for their content are kept, as rejections.
  const refused =
    (table: string) =>
    (rows: readonly Record<string, unknown>[], err: SinkError): Promise<void> =>
      rejections.write(rows.map((r) => refusedRow(table, r, err)));
  function make<R extends Record<string, unknown>>(
    table: string,
    extra: TableWriterOptions<R> = {},
  ): TableWriter<R> {
    return new TableWriter<R>(conn, table, {
      ...(writer as TableWriterOptions<R>),
      onRejected: refused(table),
      ...extra,
    });
  }
  const events = make<EventRow>(EVENTS_DATA.name, { rowBytes: eventBytes, prepare: fillEventIds });
  const incidents = make<IncidentRow>(INCIDENT_VERSIONS.name, { rowBytes: incidentBytes });
  const rest = {
    incidentEvents: make<IncidentEventRow>(INCIDENT_EVENTS_DATA.name),
    serviceHealth: make<ServiceHealthRow>(SERVICE_HEALTH_DATA.name),
    journeyImpact: make<JourneyImpactRow>(JOURNEY_IMPACT_DATA.name),
    predictions: make<PredictionRow>(PREDICTIONS_DATA.name),
    evalReports: make<EvalReportRow>(EVAL_REPORTS_DATA.name),
    benchResults: make<BenchResultRow>(BENCH_RESULTS_DATA.name),
  };
  // Rejections last: the others may still hand refused rows to it while closing.
  const writers: WriterHandle[] = [events, incidents, ...Object.values(rest)];
  let closing: Promise<void> | undefined;
  return {
    conn,
    migration: undefined,
    events,
    incidents,
    rejections,
    ...rest,
    stats() {
      const tables: Record<string, TableWriterStats> = {};
      for (const w of [...writers, rejections]) tables[w.table] = w.stats();
      return { kind: conn.kind, dialect: conn.dialect.name, version: conn.dialect.version, tables };
    },
    async flush() {
      await settleAll(writers.map((w) => w.flush()));
      await rejections.flush();
    },
    close() {
      closing ??= (async () => {
        try {
          const first = await Promise.allSettled(writers.map((w) => w.close()));
          const last = await Promise.allSettled([rejections.close()]);
          const failed = [...first, ...last].find((r) => r.status === "rejected");
          if (failed !== undefined) throw failed.reason;
        } finally {
          await conn.close();
        }
      })();
      return closing;
    },
  };
}

/** WriterHandle is what the sink does with every writer, whatever its row type. */
type WriterHandle = Pick<TableWriter<never>, "table" | "stats" | "flush" | "close">;

/** refusedRow stores a row the database refused as a rejected_events row. */
function refusedRow(table: string, row: Record<string, unknown>, err: SinkError): RejectionRow {
  let payload: string;
  try {
    payload = JSON.stringify(row, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  } catch {
    payload = String(row);
  }
  const time = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  const ts = time(row.ts) ?? null;
  return {
    tenant: typeof row.tenant === "string" && row.tenant !== "" ? row.tenant : "default",
    // From the row when it has one, so refusing the same row again maps onto
    // the same rejection id.
    received_at: time(row.received_at) ?? time(row.written_at) ?? ts ?? Date.now(),
    ts,
    front_end: "sink",
    source: table,
    code: SINK_REJECTED,
    reason: err.message,
    event_id: typeof row.event_id === "string" ? row.event_id : "",
    payload: payload.slice(0, MAX_REJECTED_PAYLOAD),
  };
}

// Waits for every promise (one writer's failure must not leave the others
// unflushed) and then throws the first failure.
async function settleAll(ps: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(ps)).find((r) => r.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}
