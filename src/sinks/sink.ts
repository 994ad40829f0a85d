// A Sink is everything impactd writes to: one connection plus a TableWriter
// per output table, opened with the schema migrated.
import { openChdb } from "./chdb/connection.js";
import type { SinkConnection } from "./connection.js";
import { migrate } from "./migrate.js";
import type { EventRow, IncidentRow, RejectionRow } from "./rows.js";
import { EVENTS_TABLE, INCIDENT_VERSIONS_TABLE, REJECTED_EVENTS_TABLE } from "./schema.js";
import { TableWriter, type TableWriterOptions } from "./writer.js";

/** DEFAULT_DATA_DIR is where the embedded database lives unless told otherwise. */
export const DEFAULT_DATA_DIR = "./impactd-data";

/** SinkOptions selects and configures a sink. */
export interface SinkOptions {
  /** Which sink: "chdb" is ClickHouse embedded in this process. */
  kind: "chdb";
  /** Directory of the embedded database. @default DEFAULT_DATA_DIR */
  dataDir?: string;
  /** Batching and retry settings shared by the table writers. */
  writer?: TableWriterOptions;
}

/** Sink is a migrated connection and one writer per output table. */
export interface Sink {
  /** The connection, for queries. */
  readonly conn: SinkConnection;
  /** Writer for `events`. */
  readonly events: TableWriter<EventRow>;
  /** Writer for `incident_versions` (read through the `incidents` view). */
  readonly incidents: TableWriter<IncidentRow>;
  /** Writer for `rejected_events`. */
  readonly rejections: TableWriter<RejectionRow>;
  /** flush writes everything buffered in every writer. */
  flush(): Promise<void>;
  /** close flushes and closes every writer, then the connection. */
  close(): Promise<void>;
}

/** openSink opens the sink, applies missing migrations and returns its writers. */
export async function openSink(opts: SinkOptions): Promise<Sink> {
  const conn = await openChdb(opts.dataDir ?? DEFAULT_DATA_DIR);
  try {
    await migrate(conn);
  } catch (err) {
    await conn.close();
    throw err;
  }
  return sinkOver(conn, opts.writer);
}

/** sinkOver builds a Sink on an already migrated connection (tests inject fakes here). */
export function sinkOver(conn: SinkConnection, writer: TableWriterOptions = {}): Sink {
  const events = new TableWriter<EventRow>(conn, EVENTS_TABLE, writer);
  const incidents = new TableWriter<IncidentRow>(conn, INCIDENT_VERSIONS_TABLE, writer);
  const rejections = new TableWriter<RejectionRow>(conn, REJECTED_EVENTS_TABLE, writer);
  const writers = [events, incidents, rejections];
  let closing: Promise<void> | undefined;
  return {
    conn,
    events,
    incidents,
    rejections,
    async flush() {
      await settleAll(writers.map((w) => w.flush()));
    },
    close() {
      closing ??= (async () => {
        try {
          await settleAll(writers.map((w) => w.close()));
        } finally {
          await conn.close();
        }
      })();
      return closing;
    },
  };
}

// Waits for every promise (one writer's failure must not leave the others
// unflushed) and then throws the first failure.
async function settleAll(ps: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(ps)).find((r) => r.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}
