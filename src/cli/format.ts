// Renders query results for the terminal: an aligned table (the default, like
// clickhouse-client's PrettyCompact without the box) or one JSON array.

/** DEFAULT_MAX_CELL_WIDTH truncates long cells (payloads, texts) so rows stay on one line. */
export const DEFAULT_MAX_CELL_WIDTH = 60;

/** TableOptions tunes formatTable. */
export interface TableOptions {
  /** Longest cell before truncation with "…". @default DEFAULT_MAX_CELL_WIDTH */
  maxCellWidth?: number;
}

/**
 * formatTable renders rows as aligned columns under a header, numbers right
 * aligned, followed by "(N rows)". Columns are the union of the rows' keys in
 * order of appearance; arrays and objects are shown as compact JSON, null as
 * NULL, and control characters escaped so every row is one line.
 */
export function formatTable(
  rows: readonly Record<string, unknown>[],
  opts: TableOptions = {},
): string {
  const max = opts.maxCellWidth ?? DEFAULT_MAX_CELL_WIDTH;
  const footer = `(${rows.length} ${rows.length === 1 ? "row" : "rows"})`;
  const columns = columnNames(rows);
  if (columns.length === 0) return footer;

  const cells = rows.map((row) => columns.map((c) => truncate(renderCell(row[c]), max)));
  const header = columns.map((c) => truncate(escapeControl(c), max));
  const widths = header.map((h, j) => Math.max(h.length, ...cells.map((r) => (r[j] ?? "").length)));
  const numeric = columns.map(
    (c) =>
      rows.some((r) => r[c] !== null && r[c] !== undefined) && rows.every((r) => isNumeric(r[c])),
  );

  const line = (values: readonly string[], alignRight: (j: number) => boolean) =>
    values
      .map((v, j) => {
        const w = widths[j] ?? 0;
        return alignRight(j) ? v.padStart(w) : v.padEnd(w);
      })
      .join("  ")
      .trimEnd();
  return [
    line(header, (j) => numeric[j] === true),
    line(
      widths.map((w) => "-".repeat(w)),
      () => false,
    ),
    ...cells.map((r) => line(r, (j) => numeric[j] === true)),
    footer,
  ].join("\n");
}

/** formatJson renders rows as one pretty-printed JSON array. */
export function formatJson(rows: readonly Record<string, unknown>[]): string {
  return JSON.stringify(rows, (_key, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

function columnNames(rows: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const k of Object.keys(row)) seen.add(k);
  return [...seen];
}

function renderCell(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "string") return escapeControl(v);
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return escapeControl(
    JSON.stringify(v, (_key, x) => (typeof x === "bigint" ? x.toString() : x)) ?? String(v),
  );
}

// A raw newline or tab inside a cell would break the alignment of every row.
function escapeControl(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\t") return "\\t";
    if (c === "\r") return "\\r";
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}

// ClickHouse sends 64-bit integers as strings in JSON; they still align as numbers.
function isNumeric(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === "number" || typeof v === "bigint") return true;
  return typeof v === "string" && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v);
}

/**
 * formatCsv renders rows as RFC 4180 CSV with a header line: fields with a
 * comma, quote or line break are quoted (quotes doubled), arrays and objects
 * are JSON, null is an empty field.
 */
export function formatCsv(rows: readonly Record<string, unknown>[]): string {
  const columns = columnNames(rows);
  const field = (v: unknown): string => {
    if (v === null || v === undefined) return "";
    const s =
      typeof v === "string"
        ? v
        : typeof v === "object"
          ? JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x))
          : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  const lines = [columns.map(field).join(",")];
  for (const row of rows) lines.push(columns.map((c) => field(row[c])).join(","));
  return lines.join("\n");
}
