// Public names of the sinks module: where impactd's results go.
export { openChdb } from "./chdb/connection.js";
export type { QueryParams, SinkConnection, SinkKind } from "./connection.js";
export { PERMANENT_CLICKHOUSE_CODES, SinkError } from "./errors.js";
export { type MigrationResult, migrate } from "./migrate.js";
export { type EventRow, type IncidentRow, parseDateTime, type RejectionRow } from "./rows.js";
export {
  EVAL_REPORTS_TABLE,
  EVENTS_TABLE,
  INCIDENT_VERSIONS_TABLE,
  INCIDENTS_VIEW,
  MIGRATIONS,
  type Migration,
  NOTIFICATIONS_TABLE,
  NOTIFICATIONS_VIEW,
  REJECTED_EVENTS_TABLE,
  SCHEMA_MIGRATIONS_TABLE,
  SCHEMA_VERSION,
} from "./schema.js";
export { DEFAULT_DATA_DIR, openSink, type Sink, type SinkOptions, sinkOver } from "./sink.js";
export {
  DEFAULT_LINGER_MS,
  DEFAULT_MAX_BUFFERED_ROWS,
  DEFAULT_MAX_ROWS,
  TableWriter,
  type TableWriterOptions,
  type TableWriterStats,
} from "./writer.js";
