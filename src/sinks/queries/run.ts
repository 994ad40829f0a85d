// Runs pack queries: checks the parameters against the query's declaration
// (unknown, missing, malformed ones are InvalidArgumentErrors naming the
// parameter) and binds them, never pasting them into the SQL.
import { InvalidArgumentError } from "../../errors.js";
import type { QueryParams, SinkConnection } from "../connection.js";
import { parseType } from "../encode.js";
import { type PackQuery, packQuery, QUERY_PACK } from "./pack.js";

const NUMERIC = /^(U?Int(8|16|32|64)|Float(32|64))$/;

/** resolveParams applies defaults and checks the given values of a pack query's parameters. */
export function resolveParams(q: PackQuery, given: Readonly<Record<string, string>>): QueryParams {
  for (const name of Object.keys(given)) {
    if (!q.params.some((p) => p.name === name)) {
      const known = q.params.map((p) => p.name).join(", ");
      throw new InvalidArgumentError(
        `query ${q.name} has no parameter ${JSON.stringify(name)} (it takes: ${known || "none"})`,
      );
    }
  }
  const out: QueryParams = {};
  for (const p of q.params) {
    const value = Object.hasOwn(given, p.name) ? given[p.name] : p.default;
    if (value === undefined) {
      throw new InvalidArgumentError(
        `query ${q.name} needs --param ${p.name}=... (${p.doc.replace(/\.$/, "")})`,
      );
    }
    const type = parseType(p.type).name;
    if (NUMERIC.test(type)) {
      const n = Number(value);
      const integer = type.includes("Int");
      if (
        value.trim() === "" ||
        !Number.isFinite(n) ||
        (integer && (!Number.isInteger(n) || n < 0))
      ) {
        throw new InvalidArgumentError(
          `--param ${p.name}=${value}: expected ${integer ? "a non-negative integer" : "a number"}`,
        );
      }
      out[p.name] = n;
    } else {
      out[p.name] = value;
    }
    const problem = p.check?.(value);
    if (problem !== undefined) {
      throw new InvalidArgumentError(`--param ${p.name}=${value}: ${problem}`);
    }
  }
  return out;
}

/** runPackQuery runs the named pack query against a connection. */
export async function runPackQuery(
  conn: SinkConnection,
  name: string,
  given: Readonly<Record<string, string>> = {},
): Promise<Record<string, unknown>[]> {
  const q = packQuery(name);
  if (q === undefined) {
    throw new InvalidArgumentError(
      `no query named ${JSON.stringify(name)} (known: ${QUERY_PACK.map((x) => x.name).join(", ")})`,
    );
  }
  const params = resolveParams(q, given);
  return conn.query(q.sql({ dialect: conn.dialect, database: conn.database }), params);
}
