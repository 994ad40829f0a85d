// Public names of the schema: logical tables, DDL rendering and migrations.
export {
  createTableSql,
  createViewSql,
  type DdlContext,
  legacyType,
  MILLIS_SUFFIX,
  type PhysicalColumn,
  physicalColumns,
  sortingKey,
  ttlExpression,
} from "./ddl.js";
export { MIGRATIONS, type Migration, type MigrationStep, SCHEMA_VERSION } from "./migrations.js";
export {
  ALL_TABLES,
  BENCH_RESULTS_DATA,
  EVAL_REPORTS_DATA,
  EVENTS_DATA,
  INCIDENT_EVENTS_DATA,
  INCIDENT_VERSIONS,
  JOURNEY_IMPACT_DATA,
  NOTIFICATIONS_DATA,
  OUTPUT_TABLES,
  PREDICTIONS_DATA,
  REJECTED_EVENTS_DATA,
  SCHEMA_MIGRATIONS,
  SERVICE_HEALTH_DATA,
  tableDef,
} from "./tables.js";
export { type ColumnDef, queryName, type TableDef, type TableEngine } from "./types.js";
