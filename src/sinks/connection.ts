// The platform interface every sink is written against, modelled on
// clickhouse-js's `Connection`: shared logic (migrations, table writers, the
// query command) takes a SinkConnection, and each platform (embedded chdb, a
// ClickHouse server) supplies one.

/** SinkKind names the platform behind a SinkConnection. */
export type SinkKind = "chdb" | "clickhouse";

/** QueryParams are values bound server-side to `{name:Type}` placeholders. */
export type QueryParams = Record<string, string | number | boolean>;

/**
 * SinkConnection runs SQL against one ClickHouse engine. Every method rejects
 * with a SinkError whose `retryable` says whether trying again can help.
 */
export interface SinkConnection {
  /** Which platform this is. */
  readonly kind: SinkKind;
  /** command runs a statement that returns no rows (DDL, INSERT ... SELECT, SET). */
  command(sql: string): Promise<void>;
  /**
   * insert writes `rows` (objects keyed by column name) into `table` as one
   * INSERT. Timestamps (DateTime, DateTime64) may be epoch-ms numbers, Date
   * objects or strings; Map columns take plain objects or Maps; a missing or
   * null field gets the column's default (NULL for Nullable columns).
   */
  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  /**
   * query runs a SELECT (or SHOW, DESCRIBE, ...) and returns its rows as
   * objects. `params` are bound server-side to `{name:Type}` placeholders,
   * never pasted into the SQL. Values come back as ClickHouse's JSON output
   * renders them: 64-bit integers and DateTime/DateTime64 as strings
   * (e.g. "2024-05-01 12:00:00.123"; see `parseDateTime` in rows.ts).
   */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
  /** close waits for in-flight operations and releases the connection. Idempotent. */
  close(): Promise<void>;
}
