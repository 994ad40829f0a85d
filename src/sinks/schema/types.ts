// The shape of the logical schema: tables described as data, so the DDL for
// each engine (chdb, a current server, an 18.16 server, a cluster), the row
// encoders, the canonical reads and docs/SCHEMA.md all come from one place.

/** ColumnDef is one logical column, typed as current ClickHouse spells it. */
export interface ColumnDef {
  /** Column name. */
  readonly name: string;
  /** Logical ClickHouse type, e.g. "DateTime64(3, 'UTC')" or "Map(String, String)". */
  readonly type: string;
  /** One line for docs/SCHEMA.md. */
  readonly doc: string;
}

/** TableEngine is the MergeTree family member a table uses. */
export type TableEngine = "MergeTree" | "ReplacingMergeTree";

/** TableDef describes one storage table and the view SRE queries read it through. */
export interface TableDef {
  /** Storage table name (what writers insert into). */
  readonly name: string;
  /** What the table holds, for docs/SCHEMA.md. */
  readonly doc: string;
  /** Columns in storage order. */
  readonly columns: readonly ColumnDef[];
  /** Engine; ReplacingMergeTree collapses rows with equal ORDER BY keys. */
  readonly engine: TableEngine;
  /** ReplacingMergeTree version column: the highest version wins. */
  readonly versionColumn?: string;
  /** Partition expression over logical columns, e.g. "toYYYYMMDD(ts)". */
  readonly partitionBy?: string;
  /** Sorting (and, for ReplacingMergeTree, identity) key. */
  readonly orderBy: readonly string[];
  /** DateTime64 column whose age decides retention (TTL or dropped partitions). */
  readonly retentionColumn?: string;
  /** Sharding expression for the Distributed table in cluster mode. */
  readonly shardKey: string;
  /**
   * The view queries use. For a ReplacingMergeTree it reads FINAL, so rows
   * written twice (retries, redeliveries, replays) are never seen twice.
   */
  readonly view?: string;
}

/** queryName is the name SRE queries use for a table: its view, else the table. */
export function queryName(def: TableDef): string {
  return def.view ?? def.name;
}
