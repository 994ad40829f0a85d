// Reads rows back in their logical form, whatever the engine's mapping:
// timestamps as epoch ms, maps as objects, 64-bit integers as numbers. Replay
// reconstructs events from these rows, and the shared sink tests compare what
// they wrote with what they read on every engine.
import type { QueryParams, SinkConnection } from "./connection.js";
import type { Dialect } from "./dialect.js";
import { parseType } from "./encode.js";
import { ms } from "./queries/pack.js";
import type { ColumnDef, TableDef } from "./schema/types.js";
import { queryName } from "./schema/types.js";

/** ReadOptions narrow and order a read. */
export interface ReadOptions {
  /** SQL condition over physical columns, with `{name:Type}` placeholders. */
  where?: string;
  /** Values for the placeholders in `where`. */
  params?: QueryParams;
  /** ORDER BY expression list. */
  orderBy?: string;
  /** Most rows. */
  limit?: number;
  /** Read the storage table instead of the view (duplicates included). */
  storage?: boolean;
}

function baseType(type: string): { name: string; nullable: boolean; inner: string } {
  const t = parseType(type);
  if (t.name === "Nullable") {
    const inner = parseType(t.args[0] ?? "");
    return { name: inner.name, nullable: true, inner: t.args[0] ?? "" };
  }
  if (t.name === "LowCardinality") return { ...baseType(t.args[0] ?? ""), inner: t.args[0] ?? "" };
  return { name: t.name, nullable: false, inner: type };
}

/** EPOCH_SUFFIX names the epoch-ms alias of a timestamp column in selectList. */
const EPOCH_SUFFIX = "__epoch_ms";

/** selectList renders the SELECT list that yields a table's logical columns. */
export function selectList(def: TableDef, d: Dialect): string {
  return def.columns
    .map((c) => {
      const t = baseType(c.type);
      // A distinct alias: one named like the column would shadow it in WHERE.
      if (t.name === "DateTime64") return `${ms(d, c.name)} AS ${c.name}${EPOCH_SUFFIX}`;
      if (t.name === "Map" && !d.map) return `\`${c.name}.key\`, \`${c.name}.value\``;
      return c.name;
    })
    .join(", ");
}

function toNumber(v: unknown): unknown {
  if (v === null || v === undefined) return v;
  return typeof v === "string" ? Number(v) : v;
}

function logicalValue(c: ColumnDef, row: Record<string, unknown>, d: Dialect): unknown {
  const t = baseType(c.type);
  if (t.name === "Map" && !d.map) {
    const keys = (row[`${c.name}.key`] ?? []) as unknown[];
    const values = (row[`${c.name}.value`] ?? []) as unknown[];
    const out: Record<string, unknown> = {};
    keys.forEach((k, i) => {
      out[String(k)] = values[i];
    });
    return fixMapValues(c, out);
  }
  if (t.name === "DateTime64") return toNumber(row[`${c.name}${EPOCH_SUFFIX}`]);
  const v = row[c.name];
  switch (t.name) {
    case "Int64":
    case "UInt64":
      return toNumber(v);
    case "Float64":
    case "Float32":
      // JSON has no NaN: ClickHouse writes null for it.
      return v === null && !t.nullable ? Number.NaN : v;
    case "Map":
      return fixMapValues(c, (v ?? {}) as Record<string, unknown>);
    default:
      return v;
  }
}

function fixMapValues(c: ColumnDef, m: Record<string, unknown>): Record<string, unknown> {
  const valueType = parseType(c.type).args[1] ?? "String";
  if (!/^(U?Int64|Float)/.test(valueType)) return m;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) out[k] = v === null ? Number.NaN : toNumber(v);
  return out;
}

/** readRows reads a table (through its view) as logical rows. */
export async function readRows<R = Record<string, unknown>>(
  conn: SinkConnection,
  def: TableDef,
  opts: ReadOptions = {},
): Promise<R[]> {
  const from = `${conn.database}.${opts.storage === true ? def.name : queryName(def)}`;
  const sql = [
    `SELECT ${selectList(def, conn.dialect)} FROM ${from}`,
    opts.where === undefined ? "" : `WHERE ${opts.where}`,
    opts.orderBy === undefined ? "" : `ORDER BY ${opts.orderBy}`,
    opts.limit === undefined ? "" : `LIMIT ${Math.max(0, Math.floor(opts.limit))}`,
  ]
    .filter((s) => s !== "")
    .join("\n");
  const rows = await conn.query<Record<string, unknown>>(sql, opts.params);
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const c of def.columns) out[c.name] = logicalValue(c, row, conn.dialect);
    return out as R;
  });
}
