// Public names of the sinks module: where impactd's results go.
export { bindParams, quoteString } from "./bind.js";
export { type ChdbOptions, DEFAULT_CHDB_DATABASE, openChdb } from "./chdb/connection.js";
export {
  type ClickHouseOptions,
  type ClickHouseTls,
  DEFAULT_CLICKHOUSE_DATABASE,
  DEFAULT_CLICKHOUSE_USER,
  openClickHouse,
} from "./clickhouse/connection.js";
export type { QueryParams, SinkConnection, SinkKind } from "./connection.js";
export {
  type Dialect,
  type DialectName,
  dialectForVersion,
  legacyDialect,
  MODERN_MIN_VERSION,
  modernDialect,
  OLDEST_SUPPORTED_VERSION,
} from "./dialect.js";
export { isDataError, PERMANENT_CLICKHOUSE_CODES, SinkDataError, SinkError } from "./errors.js";
export {
  CONTENT_ID_PREFIX,
  eventContentId,
  fillEventIds,
  fillRejectionIds,
  rejectionIdFiller,
} from "./ids.js";
export {
  ddlContext,
  type MigrateOptions,
  type MigrationPlan,
  type MigrationResult,
  migrate,
  planMigrations,
} from "./migrate.js";
export { acquireMigrationLock, LOCK_TABLE_PREFIX, type MigrationLock } from "./migration-lock.js";
export * from "./queries/index.js";
export { type ReadOptions, readRows, selectList } from "./read.js";
export { applyRetention } from "./retention.js";
export { type BinaryEncoder, binaryEncoder } from "./rowbinary.js";
export {
  type BenchResultRow,
  type EvalReportRow,
  type EventRow,
  type IncidentEventRow,
  type IncidentRow,
  type JourneyImpactRow,
  type PredictionRow,
  parseDateTime,
  type RejectionRow,
  type ServiceHealthRow,
} from "./rows.js";
export * from "./schema/index.js";
export {
  DEFAULT_DATA_DIR,
  openConnection,
  openSink,
  SINK_REJECTED,
  type Sink,
  type SinkOptions,
  type SinkStats,
  sinkOver,
} from "./sink.js";
export {
  DEFAULT_LINGER_MS,
  DEFAULT_MAX_BATCH_BYTES,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_BUFFERED_ROWS,
  DEFAULT_MAX_ROWS,
  TableWriter,
  type TableWriterOptions,
  type TableWriterStats,
} from "./writer.js";
