// The platform interface every sink is written against, modelled on
// clickhouse-js's `Connection`: shared logic (migrations, table writers, the
// query pack, replay) takes a SinkConnection, and each platform (embedded
// chdb, a ClickHouse server) supplies one.
import type { Dialect } from "./dialect.js";

/** SinkKind names the platform behind a SinkConnection. */
export type SinkKind = "chdb" | "clickhouse";

/** QueryParams are values bound to `{name:Type}` placeholders. */
export type QueryParams = Record<string, string | number | boolean>;

/**
 * SinkConnection runs SQL against one ClickHouse engine. Every method rejects
 * with a SinkError whose `retryable` says whether trying again can help.
 */
export interface SinkConnection {
  /** Which platform this is. */
  readonly kind: SinkKind;
  /** What the engine supports and how the logical schema maps onto it. */
  readonly dialect: Dialect;
  /** Database holding impactd's tables; generated SQL qualifies names with it. */
  readonly database: string;
  /** command runs a statement that returns no rows (DDL, INSERT ... SELECT, SET). */
  command(sql: string): Promise<void>;
  /**
   * insert writes `rows` (objects keyed by logical column name) into `table`
   * as one INSERT. Tables of the logical schema (schema/tables.ts) are
   * encoded as RowBinary for the engine's dialect; other tables go through a
   * JSON encoder driven by system.columns. Timestamps may be epoch-ms
   * numbers, Date objects or strings; Map columns take plain objects or Maps;
   * a missing field gets the column's default.
   */
  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  /**
   * query runs a SELECT (or SHOW, DESCRIBE, ...) and returns its rows as
   * objects. `params` are bound to `{name:Type}` placeholders by the engine,
   * or, on engines without query parameters, rendered as escaped literals by
   * bind.ts; never pasted. Values come back as ClickHouse's JSON output
   * renders them: 64-bit integers and DateTime/DateTime64 as strings
   * (e.g. "2024-05-01 12:00:00.123"; see `parseDateTime` in rows.ts).
   */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
  /** close waits for in-flight operations and releases the connection. Idempotent. */
  close(): Promise<void>;
}
