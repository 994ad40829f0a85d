// What the ClickHouse engine behind a connection can do. The logical schema is
// written for current ClickHouse (DateTime64, Map, LowCardinality, TTL, query
// parameters); a dialect says how to map it onto the engine at hand. There are
// two: `modern` (ClickHouse 22.3 LTS and later, and chdb) uses the logical
// types as they are; `legacy` (18.16 up to 22.2, e.g. Debian's
// clickhouse-server 18.16) maps them onto what 18.16 already had. The mapping
// is documented in docs/SCHEMA.md ("Server versions").
import { SinkError } from "./errors.js";

/** DialectName names one of the two schema mappings. */
export type DialectName = "modern" | "legacy";

/** Dialect describes an engine's capabilities and how the schema maps onto it. */
export interface Dialect {
  /** Which mapping applies. */
  readonly name: DialectName;
  /** The engine's version string, e.g. "18.16.1" or "26.7.2.1". */
  readonly version: string;
  /** DateTime64 columns exist; otherwise DateTime plus a `<name>_ms` UInt16 column. */
  readonly dateTime64: boolean;
  /** Map columns exist; otherwise Nested(key, value), i.e. two parallel arrays. */
  readonly map: boolean;
  /** LowCardinality is usable without experimental settings; otherwise plain types. */
  readonly lowCardinality: boolean;
  /** Table TTL exists; otherwise retention drops whole partitions. */
  readonly ttl: boolean;
  /** `{name:Type}` query parameters are bound by the engine; otherwise client-side. */
  readonly queryParams: boolean;
  /** insert_deduplication_token and non-replicated dedup windows exist. */
  readonly insertDedup: boolean;
}

/** OLDEST_SUPPORTED_VERSION is the oldest ClickHouse server impactd can write to. */
export const OLDEST_SUPPORTED_VERSION = "18.16";
/** MODERN_MIN_VERSION is the first version that gets the modern mapping (22.3 LTS). */
export const MODERN_MIN_VERSION = "22.3";

/** parseVersion reads "18.16.1" or "26.7.2.1" into numbers; NaN parts for junk. */
export function parseVersion(version: string): number[] {
  return version
    .trim()
    .split(".")
    .map((p) => (/^\d+$/.test(p) ? Number(p) : Number.NaN));
}

/** compareVersions orders two version strings (missing parts count as 0). */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** modernDialect is the mapping for ClickHouse 22.3+ and chdb. */
export function modernDialect(version: string): Dialect {
  return {
    name: "modern",
    version,
    dateTime64: true,
    map: true,
    lowCardinality: true,
    ttl: true,
    queryParams: true,
    insertDedup: true,
  };
}

/** legacyDialect is the mapping for ClickHouse 18.16 up to 22.2. */
export function legacyDialect(version: string): Dialect {
  return {
    name: "legacy",
    version,
    dateTime64: false,
    map: false,
    lowCardinality: false,
    ttl: false,
    queryParams: false,
    insertDedup: false,
  };
}

/**
 * dialectForVersion picks the mapping for a server version, or `force` when
 * given (tests run the legacy mapping on chdb too). Throws a SinkError naming
 * the oldest supported version for anything older or unreadable.
 */
export function dialectForVersion(version: string, force?: DialectName): Dialect {
  const parts = parseVersion(version);
  if (parts.length < 2 || parts.slice(0, 2).some(Number.isNaN)) {
    throw new SinkError(`cannot read the ClickHouse version ${JSON.stringify(version)}`);
  }
  if (compareVersions(version, OLDEST_SUPPORTED_VERSION) < 0) {
    throw new SinkError(
      `ClickHouse ${version} is too old: impactd supports ${OLDEST_SUPPORTED_VERSION} and later`,
    );
  }
  const name = force ?? (compareVersions(version, MODERN_MIN_VERSION) >= 0 ? "modern" : "legacy");
  return name === "modern" ? modernDialect(version) : legacyDialect(version);
}
