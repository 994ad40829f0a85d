// Client-side binding of `{name:Type}` query parameters, for engines that
// cannot bind them (ClickHouse before 19.11, e.g. Debian's 18.16). Every value
// becomes a string literal written by quoteString, the one function that turns
// outside text into SQL, and is then CAST to the declared type, so a value can
// never end the literal or change the statement. Placeholders inside string
// literals, quoted identifiers and comments are left alone, as the engine's
// own binder does.
import type { QueryParams } from "./connection.js";
import { parseType } from "./encode.js";
import { SinkError } from "./errors.js";

/**
 * quoteString renders `s` as a ClickHouse string literal. Backslash and quote
 * are escaped, control characters become \xHH; everything else (any Unicode)
 * passes through, since inside quotes only those can end or bend a literal.
 */
export function quoteString(s: string): string {
  let out = "'";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x27 || c === 0x5c || c < 0x20 || c === 0x7f) {
      out += s.slice(from, i);
      out += c === 0x27 ? "\\'" : c === 0x5c ? "\\\\" : `\\x${c.toString(16).padStart(2, "0")}`;
      from = i + 1;
    }
  }
  return `${out}${s.slice(from)}'`;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*):([^{}]+)\}/y;
// Type names as written in placeholders: letters, digits, spaces, commas,
// parentheses and quoted arguments (time zones), nothing that ends a CAST.
const TYPE_TEXT = /^[A-Za-z][A-Za-z0-9_]*(\([A-Za-z0-9_, ']*\))?$/;
const INTEGER = /^-?\d+$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}(\.\d{1,9})?)?$/;

/**
 * bindParams returns `sql` with every `{name:Type}` placeholder replaced by a
 * typed literal. Throws a non-retryable SinkError for a missing parameter, a
 * value that does not fit its type, or a type it cannot bind (Array,
 * Identifier, ...), before anything reaches the engine.
 */
export function bindParams(sql: string, params: QueryParams = {}): string {
  let out = "";
  let from = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (ch === "'" || ch === '"' || ch === "`") {
      i = skipQuoted(sql, i, ch);
    } else if (ch === "-" && sql[i + 1] === "-") {
      i = skipUntil(sql, i, "\n");
    } else if (ch === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (ch === "{") {
      PLACEHOLDER.lastIndex = i;
      const m = PLACEHOLDER.exec(sql);
      if (m === null) {
        i++;
        continue;
      }
      const [whole, name = "", type = ""] = m;
      out += sql.slice(from, i) + literal(name, type.trim(), params);
      i += whole.length;
      from = i;
    } else {
      i++;
    }
  }
  return out + sql.slice(from);
}

function skipQuoted(sql: string, start: number, quote: string): number {
  for (let i = start + 1; i < sql.length; i++) {
    const ch = sql[i];
    if (ch === "\\") i++;
    else if (ch === quote) {
      if (sql[i + 1] === quote) i++;
      else return i + 1;
    }
  }
  return sql.length;
}

function skipUntil(sql: string, start: number, end: string): number {
  const at = sql.indexOf(end, start);
  return at < 0 ? sql.length : at + 1;
}

function bad(message: string): SinkError {
  return new SinkError(message, { retryable: false, clickhouseCode: 457 });
}

/** literal renders one parameter value as an escaped literal of its declared type. */
function literal(name: string, type: string, params: QueryParams): string {
  if (!Object.hasOwn(params, name)) {
    throw new SinkError(`query parameter ${name} (${type}) is missing`, {
      retryable: false,
      clickhouseCode: 456,
    });
  }
  if (!TYPE_TEXT.test(type)) throw bad(`query parameter ${name}: cannot bind type ${type}`);
  const value = params[name] as string | number | boolean;
  const base = parseType(type);
  const inner = base.name === "LowCardinality" ? parseType(base.args[0] ?? "") : base;
  const text = typeof value === "boolean" ? (value ? "1" : "0") : String(value);
  switch (inner.name) {
    case "String":
    case "FixedString":
      return quoteString(text);
    case "Bool":
      if (!["1", "0", "true", "false"].includes(text)) {
        throw bad(`query parameter ${name}: ${JSON.stringify(text)} is not a Bool`);
      }
      return text === "1" || text === "true" ? "1" : "0";
    case "UInt8":
    case "UInt16":
    case "UInt32":
    case "UInt64":
    case "Int8":
    case "Int16":
    case "Int32":
    case "Int64":
      if (!INTEGER.test(text) || (inner.name.startsWith("U") && text.startsWith("-"))) {
        throw bad(`query parameter ${name}: ${JSON.stringify(text)} is not a ${inner.name}`);
      }
      // Only digits and a sign got here, so the numeral is safe as it is;
      // old servers accept nothing else in LIMIT.
      return text;
    case "Float32":
    case "Float64":
      if (text.trim() === "" || Number.isNaN(Number(text))) {
        throw bad(`query parameter ${name}: ${JSON.stringify(text)} is not a ${inner.name}`);
      }
      return `CAST(${quoteString(text)} AS ${type})`;
    case "Date":
    case "DateTime":
    case "DateTime64":
      if (!DATE_TIME.test(text) && !INTEGER.test(text)) {
        throw bad(
          `query parameter ${name}: ${JSON.stringify(text)} is not a ${inner.name} (YYYY-MM-DD hh:mm:ss or a unix time)`,
        );
      }
      // A unix time is seconds, as the engine's own binder reads it.
      return INTEGER.test(text)
        ? `CAST(CAST(${quoteString(text)} AS UInt32) AS ${type})`
        : `CAST(${quoteString(text)} AS ${type})`;
    default:
      throw bad(`query parameter ${name}: cannot bind type ${type} on this server`);
  }
}
