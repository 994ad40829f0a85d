// Row encoding for INSERTs: objects keyed by column name become one
// JSONCompactEachRow payload, with each value converted for its column's
// ClickHouse type. Measured on the events table (22 columns, see the sink
// integration test and the commit message), JSONCompactEachRow built with one
// native JSON.stringify per chunk beat the alternatives end to end: chdb's
// object insert (an inline VALUES statement), JSONEachRow (twice the bytes:
// every row repeats the keys) and TabSeparated (smaller, but escaping each
// field in JS cost 4x more than it saved in the engine, and text-format
// DateTime64 parsing guesses between seconds and milliseconds by digit count).
// In JSON an integer for a DateTime64(3) column is always read as milliseconds.

/** Converter turns one JS value into the JSON value ClickHouse expects for a column. */
type Converter = (value: unknown) => unknown;

/** ColumnSpec is one insertable column: its name and ClickHouse type. */
export interface ColumnSpec {
  /** Column name. */
  readonly name: string;
  /** ClickHouse type as `system.columns` spells it, e.g. "Map(String, String)". */
  readonly type: string;
}

/** DEFAULT_ENCODE_CHUNK_ROWS is how many rows go through one JSON.stringify call. */
export const DEFAULT_ENCODE_CHUNK_ROWS = 4096;

/** RowEncoder encodes rows for one table. */
export interface RowEncoder {
  /** The columns, in payload order (the INSERT's column list). */
  readonly columns: readonly string[];
  /** encode renders rows as a JSONCompactEachRow payload. Throws on a value JSON cannot carry. */
  encode(rows: readonly Record<string, unknown>[]): Buffer;
}

/** rowEncoder compiles an encoder for a table with these columns. */
export function rowEncoder(
  specs: readonly ColumnSpec[],
  chunkRows: number = DEFAULT_ENCODE_CHUNK_ROWS,
): RowEncoder {
  const names = specs.map((s) => s.name);
  const converters = specs.map((s) => converterFor(s.type));
  const width = names.length;

  const toArray = (row: Record<string, unknown>): unknown[] => {
    const out = new Array<unknown>(width);
    for (let j = 0; j < width; j++) {
      const v = row[names[j] as string];
      const c = converters[j];
      // undefined becomes null in a JSON array, which ClickHouse reads as the
      // column default (input_format_null_as_default), so no branch for it.
      out[j] = c === undefined ? v : c(v);
    }
    return out;
  };

  // One stringify over a chunk of rows is cheaper than one per row; the rows
  // of JSONCompactEachRow may be separated by commas, so the chunk's outer
  // brackets are simply dropped. A chunk too large for one V8 string
  // (rows carrying big payloads) is halved until it fits.
  const encodeRange = (
    rows: readonly Record<string, unknown>[],
    from: number,
    to: number,
    parts: Buffer[],
  ) => {
    const arrays = new Array<unknown[]>(to - from);
    for (let i = from; i < to; i++) arrays[i - from] = toArray(rows[i] as Record<string, unknown>);
    let json: string;
    try {
      json = JSON.stringify(arrays);
    } catch (err) {
      if (err instanceof RangeError && to - from > 1) {
        const mid = from + Math.floor((to - from) / 2);
        encodeRange(rows, from, mid, parts);
        encodeRange(rows, mid, to, parts);
        return;
      }
      throw err;
    }
    if (parts.length > 0) parts.push(COMMA);
    parts.push(Buffer.from(json.slice(1, -1)));
  };

  return {
    columns: names,
    encode(rows) {
      const parts: Buffer[] = [];
      for (let i = 0; i < rows.length; i += chunkRows) {
        encodeRange(rows, i, Math.min(rows.length, i + chunkRows), parts);
      }
      parts.push(NEWLINE);
      return parts.length === 2 ? (parts[0] as Buffer) : Buffer.concat(parts);
    },
  };
}

const COMMA = Buffer.from(",");
const NEWLINE = Buffer.from("\n");

/**
 * converterFor returns the conversion for a ClickHouse type, or undefined when
 * the JS value can go into the JSON as it is (strings, booleans, nested JSON:
 * ClickHouse reads numbers, booleans and objects into String columns itself).
 */
export function converterFor(type: string): Converter | undefined {
  const { name, args } = parseType(type);
  switch (name) {
    case "LowCardinality":
      return converterFor(args[0] ?? "String");
    case "Nullable": {
      const inner = converterFor(args[0] ?? "String");
      return inner === undefined
        ? undefined
        : (v) => (v === null || v === undefined ? null : inner(v));
    }
    case "Float32":
    case "Float64":
      return toFloat;
    case "Int8":
    case "Int16":
    case "Int32":
    case "UInt8":
    case "UInt16":
    case "UInt32":
      return intConverter(INT_RANGES[name]);
    case "Int64":
    case "UInt64":
    case "Int128":
    case "UInt128":
    case "Int256":
    case "UInt256":
      return toBigInt;
    case "DateTime64":
      return dateTime64Converter(Number(args[0] ?? "3"));
    case "DateTime":
      return toDateTimeSeconds;
    case "Date":
    case "Date32":
      return toDate;
    case "Array": {
      const inner = converterFor(args[0] ?? "String");
      if (inner === undefined) return undefined;
      return (v) => (Array.isArray(v) ? v.map((x) => inner(x)) : v);
    }
    case "Map": {
      // Kept even when values need no conversion: a JS Map must become an object.
      const inner = converterFor(args[1] ?? "String");
      return (v) => mapValue(v, inner);
    }
    default:
      return undefined;
  }
}

const INT_RANGES: Record<string, readonly [number, number]> = {
  Int8: [-128, 127],
  Int16: [-32768, 32767],
  Int32: [-2147483648, 2147483647],
  UInt8: [0, 255],
  UInt16: [0, 65535],
  UInt32: [0, 4294967295],
};

// Out-of-range integers would wrap silently in ClickHouse (5e9 in a UInt32
// becomes 705032704) and fractions fail the whole INSERT; saturate and
// truncate instead so one odd value cannot poison a batch.
function intConverter(range: readonly [number, number] | undefined): Converter {
  const [lo, hi] = range ?? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  return (v) => {
    if (typeof v !== "number") return typeof v === "bigint" ? v.toString() : v;
    if (Number.isInteger(v) && v >= lo && v <= hi) return v;
    if (Number.isNaN(v)) return 0;
    return Math.min(hi, Math.max(lo, Math.trunc(v)));
  };
}

// JSON has no NaN or Infinity (JSON.stringify writes null, which would become
// 0); ClickHouse reads the quoted names.
function toFloat(v: unknown): unknown {
  if (typeof v !== "number" || v - v === 0) return v;
  if (Number.isNaN(v)) return "nan";
  return v > 0 ? "inf" : "-inf";
}

function toBigInt(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number" && !Number.isInteger(v)) return Number.isFinite(v) ? Math.trunc(v) : 0;
  return v;
}

function dateTime64Converter(precision: number): Converter {
  if (precision === 3) {
    return (v) => {
      if (typeof v === "number") return Number.isInteger(v) ? v : Math.round(v);
      return v instanceof Date ? v.getTime() : v;
    };
  }
  // Other precisions: ticks of 10^-p s could exceed 2^53, so send a string.
  return (v) => {
    const ms = v instanceof Date ? v.getTime() : v;
    return typeof ms === "number" ? isoDateTime(ms) : ms;
  };
}

function toDateTimeSeconds(v: unknown): unknown {
  const ms = v instanceof Date ? v.getTime() : v;
  return typeof ms === "number" ? Math.floor(ms / 1000) : ms;
}

function toDate(v: unknown): unknown {
  const ms = v instanceof Date ? v.getTime() : v;
  return typeof ms === "number" ? new Date(ms).toISOString().slice(0, 10) : ms;
}

function isoDateTime(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").replace("Z", "");
}

function mapValue(v: unknown, inner: Converter | undefined): unknown {
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) out[String(k)] = inner === undefined ? x : inner(x);
    return out;
  }
  if (inner === undefined || v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = inner(x);
  return out;
}

/** ParsedType is a ClickHouse type split into its name and top-level arguments. */
export interface ParsedType {
  /** Type name, e.g. "Map". */
  readonly name: string;
  /** Top-level arguments as written, e.g. ["String", "Array(Float64)"]. */
  readonly args: readonly string[];
}

/** parseType splits "Map(String, Array(Float64))" into its name and top-level arguments. */
export function parseType(type: string): ParsedType {
  const open = type.indexOf("(");
  if (open < 0 || !type.endsWith(")")) return { name: type.trim(), args: [] };
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = open + 1;
  for (let i = start; i < type.length - 1; i++) {
    const ch = type[i];
    if (quoted) {
      if (ch === "\\") i++;
      else if (ch === "'") quoted = false;
    } else if (ch === "'") quoted = true;
    else if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      args.push(type.slice(start, i).trim());
      start = i + 1;
    }
  }
  args.push(type.slice(start, type.length - 1).trim());
  return { name: type.slice(0, open).trim(), args };
}
