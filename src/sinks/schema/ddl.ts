// Renders the logical schema as DDL for one engine: types mapped by the
// dialect (see dialect.ts), optionally for a cluster (ON CLUSTER, Replicated*
// engines on `<table>_local`, a Distributed table under the logical name).
import type { Dialect } from "../dialect.js";
import { parseType } from "../encode.js";
import type { ColumnDef, TableDef } from "./types.js";

/** DdlContext says where and for what engine DDL is rendered. */
export interface DdlContext {
  /** Engine capabilities and schema mapping. */
  readonly dialect: Dialect;
  /** Database holding impactd's tables. */
  readonly database: string;
  /** Cluster name for ON CLUSTER, Replicated and Distributed tables; undefined for one node. */
  readonly cluster?: string | undefined;
  /** Retention in days per storage table (0 or missing: keep forever). */
  readonly retentionDays?: Readonly<Record<string, number>>;
}

/** ColumnPart says which piece of a logical value a physical column stores. */
export type ColumnPart = "value" | "seconds" | "millis" | "keys" | "values";

/** PhysicalColumn is one column as it exists in the engine. */
export interface PhysicalColumn {
  /** Name in INSERT column lists ("labels.key" for a Nested part). */
  readonly name: string;
  /** Engine type of the column. */
  readonly type: string;
  /** The logical column it stores (part of). */
  readonly source: ColumnDef;
  /** Which part of the logical value it holds. */
  readonly part: ColumnPart;
}

/** DEDUP_WINDOW is how many recent INSERT blocks a table remembers to drop identical retries. */
export const DEDUP_WINDOW = 1000;

/** MILLIS_SUFFIX names the legacy companion column holding a timestamp's milliseconds. */
export const MILLIS_SUFFIX = "_ms";

/** q renders a table name qualified with the context's database. */
export function q(ctx: DdlContext, table: string): string {
  return `${ctx.database}.${table}`;
}

/** onCluster is " ON CLUSTER <name>" in cluster mode, else "". */
export function onCluster(ctx: DdlContext): string {
  return ctx.cluster === undefined ? "" : ` ON CLUSTER ${ctx.cluster}`;
}

/** localName is the table that holds the rows: `<name>_local` in cluster mode. */
export function localName(ctx: DdlContext, table: string): string {
  return ctx.cluster === undefined ? table : `${table}_local`;
}

/** isDateTime64 tells whether a logical type is a (Nullable) DateTime64. */
function isDateTime64(type: string): boolean {
  const t = parseType(type);
  if (t.name === "Nullable") return isDateTime64(t.args[0] ?? "");
  return t.name === "DateTime64";
}

/** legacyType maps a logical type (other than Map) onto an 18.16 type. */
export function legacyType(type: string): string {
  const t = parseType(type);
  switch (t.name) {
    case "LowCardinality":
      return legacyType(t.args[0] ?? "String");
    case "DateTime64":
      return t.args[1] === undefined ? "DateTime" : `DateTime(${t.args[1]})`;
    case "Nullable":
    case "Array":
      return `${t.name}(${legacyType(t.args[0] ?? "String")})`;
    default:
      return type;
  }
}

/** physicalColumns lists the engine columns that store a table's logical columns. */
export function physicalColumns(def: TableDef, dialect: Dialect): PhysicalColumn[] {
  const out: PhysicalColumn[] = [];
  for (const col of def.columns) {
    const t = parseType(col.type);
    if (t.name === "Map" && !dialect.map) {
      const [k = "String", v = "String"] = t.args.map(legacyType);
      out.push({ name: `${col.name}.key`, type: `Array(${k})`, source: col, part: "keys" });
      out.push({ name: `${col.name}.value`, type: `Array(${v})`, source: col, part: "values" });
    } else if (isDateTime64(col.type) && !dialect.dateTime64) {
      out.push({ name: col.name, type: legacyType(col.type), source: col, part: "seconds" });
      out.push({
        name: `${col.name}${MILLIS_SUFFIX}`,
        type: "UInt16",
        source: col,
        part: "millis",
      });
    } else {
      const type = dialect.lowCardinality ? col.type : legacyType(col.type);
      out.push({ name: col.name, type, source: col, part: "value" });
    }
  }
  return out;
}

/** columnDdl renders the column list of CREATE TABLE. */
function columnDdl(def: TableDef, dialect: Dialect): string[] {
  const lines: string[] = [];
  for (const p of physicalColumns(def, dialect)) {
    if (p.part === "keys") {
      const [k = "String", v = "String"] = parseType(p.source.type).args.map(legacyType);
      lines.push(`${p.source.name} Nested(key ${k}, value ${v})`);
    } else if (p.part !== "values") {
      lines.push(`${p.name} ${p.type}`);
    }
  }
  return lines;
}

/** engineDdl renders the ENGINE clause (Replicated* in cluster mode). */
function engineDdl(ctx: DdlContext, def: TableDef): string {
  const args: string[] = [];
  let engine: string = def.engine;
  if (ctx.cluster !== undefined) {
    engine = `Replicated${def.engine}`;
    args.push(`'/clickhouse/tables/{shard}/${ctx.database}/${localName(ctx, def.name)}'`);
    args.push("'{replica}'");
  }
  if (def.versionColumn !== undefined) args.push(def.versionColumn);
  return args.length === 0 ? engine : `${engine}(${args.join(", ")})`;
}

/**
 * sortingKey maps the logical ORDER BY onto physical columns: on legacy
 * engines a timestamp is two columns, and both belong to the row's identity.
 */
export function sortingKey(def: TableDef, dialect: Dialect): string[] {
  const out: string[] = [];
  for (const name of def.orderBy) {
    out.push(name);
    const col = def.columns.find((c) => c.name === name);
    if (!dialect.dateTime64 && col !== undefined && isDateTime64(col.type)) {
      out.push(`${name}${MILLIS_SUFFIX}`);
    }
  }
  return out;
}

/** ttlExpression is the TTL clause body for a retention of `days`. */
export function ttlExpression(def: TableDef, days: number): string | undefined {
  if (def.retentionColumn === undefined || days <= 0) return undefined;
  return `toDateTime(${def.retentionColumn}) + toIntervalDay(${Math.floor(days)})`;
}

/**
 * createTableSql renders the idempotent DDL for one table: in cluster mode a
 * replicated `<name>_local` on every node plus a Distributed `<name>` over it.
 */
export function createTableSql(ctx: DdlContext, def: TableDef): string[] {
  const { dialect } = ctx;
  const clauses = [`ENGINE = ${engineDdl(ctx, def)}`];
  if (def.partitionBy !== undefined) clauses.push(`PARTITION BY ${def.partitionBy}`);
  clauses.push(`ORDER BY (${sortingKey(def, dialect).join(", ")})`);
  const ttl = dialect.ttl ? ttlExpression(def, ctx.retentionDays?.[def.name] ?? 0) : undefined;
  if (ttl !== undefined) clauses.push(`TTL ${ttl}`);
  // Identical retried INSERTs are dropped by the engine (replicated tables
  // always do this; plain MergeTree needs the window).
  if (dialect.insertDedup && ctx.cluster === undefined) {
    clauses.push(`SETTINGS non_replicated_deduplication_window = ${DEDUP_WINDOW}`);
  }
  const local = localName(ctx, def.name);
  const create = `CREATE TABLE IF NOT EXISTS ${q(ctx, local)}${onCluster(ctx)} (
  ${columnDdl(def, dialect).join(",\n  ")}
) ${clauses.join("\n")}`;
  if (ctx.cluster === undefined) return [create];
  return [
    create,
    `CREATE TABLE IF NOT EXISTS ${q(ctx, def.name)}${onCluster(ctx)} AS ${q(ctx, local)}
ENGINE = Distributed(${ctx.cluster}, ${ctx.database}, ${local}, ${def.shardKey})`,
  ];
}

/** createViewSql renders the view SRE queries use (FINAL for ReplacingMergeTree). */
export function createViewSql(ctx: DdlContext, def: TableDef): string[] {
  if (def.view === undefined) return [];
  const final = def.engine === "ReplacingMergeTree" ? " FINAL" : "";
  // The inner table is qualified: old servers resolve a view's unqualified
  // names against the database of whoever queries it.
  return [
    `CREATE VIEW IF NOT EXISTS ${q(ctx, def.view)}${onCluster(ctx)} AS
SELECT * FROM ${q(ctx, def.name)}${final}`,
  ];
}
