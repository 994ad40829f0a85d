// Reading one section of the config file: typed fields with defaults,
// IMPACTD_* environment overrides derived from the key path, and errors that
// name the bad key. Every front end and sink parses its section with these
// helpers, so each key gets its override and its check the same way.
import { InvalidArgumentError } from "../errors.js";
import { parseDuration } from "../util/duration.js";

/** Raw is a config mapping as parsed from YAML/JSON. */
export type Raw = Record<string, unknown>;

/** ConfigKey is one key a parse visited, for docs/CONFIG.md and its test. */
export interface ConfigKey {
  /** Dotted path; list items appear as `list[]`, e.g. `auth.tokens[].name`. */
  path: string;
  /** Environment variable that overrides it, if any. */
  env: string | undefined;
  /** The default rendered as text ("" when there is none). */
  default: string;
}

interface Context {
  env: NodeJS.ProcessEnv;
  keys: Map<string, ConfigKey>;
}

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1_000,
  kib: 1_024,
  mb: 1_000_000,
  mib: 1_048_576,
  gb: 1_000_000_000,
  gib: 1_073_741_824,
};

/** envName is the IMPACTD_* variable that overrides a config key path. */
export function envName(path: string): string {
  return `IMPACTD_${path.replace(/[.-]/g, "_").toUpperCase()}`;
}

/**
 * Section reads the keys of one mapping of the config. Call `done()` after
 * the last key so that unknown keys (typos) are refused by name.
 */
export class Section {
  private readonly seen = new Set<string>();

  private constructor(
    /** Dotted path of this section ("" for the top level). */
    readonly path: string,
    private readonly raw: Raw,
    private readonly ctx: Context,
    // Path used in the key registry; list items share one template path.
    private readonly docPath: string,
    // List items have no environment overrides.
    private readonly envOverrides: boolean,
  ) {}

  /** root starts reading a whole config file's value. */
  static root(raw: unknown, env: NodeJS.ProcessEnv, keys = new Map<string, ConfigKey>()): Section {
    return new Section("", mapping(raw, "(top level)"), { env, keys }, "", true);
  }

  /** keys lists every key visited so far by this parse (all sections). */
  get keys(): ReadonlyMap<string, ConfigKey> {
    return this.ctx.keys;
  }

  /** name is the full dotted name of `key` in this section, for messages. */
  name(key: string): string {
    return this.path === "" ? key : `${this.path}.${key}`;
  }

  /** has tells whether the file or the environment sets `key`. */
  has(key: string): boolean {
    return this.raw[key] !== undefined || this.envValue(key) !== undefined;
  }

  /** section reads a nested mapping (absent = empty). */
  section(key: string): Section {
    this.seen.add(key);
    const name = this.name(key);
    return new Section(
      name,
      mapping(this.raw[key], name),
      this.ctx,
      this.docName(key),
      this.envOverrides,
    );
  }

  /** items reads a list of mappings (absent = empty); items have no env overrides. */
  items(key: string): Section[] {
    this.seen.add(key);
    const name = this.name(key);
    const v = this.raw[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw bad(name, "expected a list");
    const doc = `${this.docName(key)}[]`;
    return v.map((item, i) => {
      const itemName = `${name}[${i}]`;
      return new Section(itemName, mapping(item, itemName), this.ctx, doc, false);
    });
  }

  /** str reads a non-empty string. */
  str(key: string, fallback: string): string {
    const v = this.value(key, fallback);
    if (v === undefined) return fallback;
    if (typeof v !== "string" || v === "") throw bad(this.name(key), "expected a non-empty string");
    return v;
  }

  /** optStr reads an optional non-empty string. */
  optStr(key: string): string | undefined {
    const v = this.value(key, undefined);
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v === "") throw bad(this.name(key), "expected a non-empty string");
    return v;
  }

  /** oneOf reads a string that must be one of `allowed`. */
  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.str(key, fallback);
    if (!(allowed as readonly string[]).includes(v))
      throw bad(this.name(key), `expected one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  /** strList reads a list of strings (or a comma-separated string). */
  strList(key: string, fallback: readonly string[]): string[] {
    const v = this.value(key, fallback.join(","));
    if (v === undefined) return [...fallback];
    const list = typeof v === "string" ? v.split(",").map((s) => s.trim()) : v;
    if (!Array.isArray(list) || list.some((s) => typeof s !== "string" || s === ""))
      throw bad(this.name(key), "expected a list of non-empty strings");
    return list as string[];
  }

  /** bool reads true/false (env: true, false, 1, 0). */
  bool(key: string, fallback: boolean): boolean {
    const v = this.value(key, fallback);
    if (v === undefined) return fallback;
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "1") return true;
    if (v === "false" || v === "0") return false;
    throw bad(this.name(key), `expected true or false, got ${JSON.stringify(v)}`);
  }

  /** int reads an integer in [lo, hi]. */
  int(key: string, fallback: number, lo: number, hi: number): number {
    const v = this.value(key, fallback);
    if (v === undefined) return fallback;
    const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
    return inRange(this.name(key), v, n, lo, hi);
  }

  /** bytes reads a size: an integer or "16MiB", "512kB", ... */
  bytes(key: string, fallback: number, lo: number, hi: number): number {
    const v = this.value(key, fallback);
    if (v === undefined) return fallback;
    let n: unknown = v;
    if (typeof v === "string") {
      const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v);
      const unit = SIZE_UNITS[(m?.[2] ?? "").toLowerCase()];
      n = m === null || unit === undefined ? Number.NaN : Math.round(Number(m[1]) * unit);
    }
    return inRange(this.name(key), v, n, lo, hi);
  }

  /** duration reads milliseconds: an integer or "90s", "5m", ... */
  durationMs(key: string, fallback: number, lo: number, hi: number): number {
    const v = this.value(key, fallback);
    if (v === undefined) return fallback;
    let n: unknown = v;
    if (typeof v === "string") {
      try {
        n = parseDuration(v, this.name(key));
      } catch (err) {
        throw bad(this.name(key), (err as Error).message);
      }
    }
    return inRange(this.name(key), v, n, lo, hi);
  }

  /** stringMap reads a mapping of strings to non-empty strings (file only, no env override). */
  stringMap(key: string): Record<string, string> {
    const m = this.rawValue(key);
    const o = mapping(m, this.name(key));
    for (const [k, v] of Object.entries(o)) {
      if (typeof v !== "string" || v === "")
        throw bad(`${this.name(key)}.${k}`, "expected a non-empty string");
    }
    return o as Record<string, string>;
  }

  /**
   * rawValue hands a key's raw value to a parser of its own (marking the key
   * as known); that parser names its keys and applies env overrides itself.
   */
  rawValue(key: string): unknown {
    this.seen.add(key);
    return this.raw[key];
  }

  /** done refuses keys this section did not read (typos, misplaced keys). */
  done(): void {
    for (const k of Object.keys(this.raw)) {
      if (!this.seen.has(k)) {
        const allowed = [...this.seen].sort().join(", ");
        throw new InvalidArgumentError(
          `config ${this.name(k)}: unknown key (expected one of ${allowed})`,
        );
      }
    }
  }

  private docName(key: string): string {
    return this.docPath === "" ? key : `${this.docPath}.${key}`;
  }

  private envValue(key: string): string | undefined {
    if (!this.envOverrides) return undefined;
    const v = this.ctx.env[envName(this.name(key))];
    return v === undefined || v === "" ? undefined : v;
  }

  // The raw value (environment first), registering the key for the docs.
  private value(key: string, fallback: unknown): unknown {
    this.seen.add(key);
    const doc = this.docName(key);
    if (!this.ctx.keys.has(doc)) {
      this.ctx.keys.set(doc, {
        path: doc,
        env: this.envOverrides ? envName(this.name(key)) : undefined,
        // NaN marks a key without a default of its own (it inherits one).
        default: fallback === undefined || Number.isNaN(fallback) ? "" : String(fallback),
      });
    }
    const fromEnv = this.envValue(key);
    if (fromEnv !== undefined) return fromEnv;
    const v = this.raw[key];
    return v === null ? undefined : v;
  }
}

function mapping(v: unknown, name: string): Raw {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw bad(name, "expected a mapping");
  return v as Raw;
}

function inRange(name: string, raw: unknown, n: unknown, lo: number, hi: number): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < lo || n > hi) {
    throw bad(name, `expected an integer in [${lo}, ${hi}], got ${JSON.stringify(raw)}`);
  }
  return n;
}

function bad(name: string, what: string): InvalidArgumentError {
  return new InvalidArgumentError(`config ${name}: ${what}`);
}

// Plain helpers for sections parsed without a Section (kept for parsers
// written against the first config module).

/** object reads a nested mapping (absent means empty). */
export function object(v: unknown, key: string): Raw {
  return mapping(v, key);
}

/** known rejects keys of `o` not in `allowed`, naming the first one. */
export function known(o: Raw, key: string, allowed: string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      throw new InvalidArgumentError(
        `config ${key ? `${key}.` : ""}${k}: unknown key (expected one of ${allowed.join(", ")})`,
      );
    }
  }
}

/** str reads a non-empty string, or `fallback` when absent. */
export function str(v: unknown, key: string, fallback: string): string {
  if (v === undefined) return fallback;
  if (typeof v !== "string" || v === "") throw bad(key, "expected a non-empty string");
  return v;
}

/** int reads an integer in [lo, hi] (strings from env included), or `fallback`. */
export function int(v: unknown, key: string, fallback: number, lo: number, hi: number): number {
  if (v === undefined) return fallback;
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return inRange(key, v, n, lo, hi);
}
