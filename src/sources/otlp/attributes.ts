// Reading OTLP attributes: AnyValue to plain values, attribute lists to
// lookups, and the resource attributes impactd keys on (service.name).
import type { AnyValue, KeyValue } from "../../gen/opentelemetry/proto/common/v1/common.js";
import type { Resource } from "../../gen/opentelemetry/proto/resource/v1/resource.js";

/** Scalar is an attribute value impactd can use directly. */
export type Scalar = string | number | boolean;

/** scalar returns a string, number or boolean AnyValue as a plain value, else undefined. */
export function scalar(v: AnyValue | undefined): Scalar | undefined {
  const x = v?.value;
  switch (x?.$case) {
    case "stringValue":
    case "boolValue":
    case "doubleValue":
      return x.value;
    case "intValue":
      return Number(x.value);
    default:
      return undefined;
  }
}

/** anyToText renders any AnyValue as text (bodies, labels), JSON for arrays and maps. */
export function anyToText(v: AnyValue | undefined): string {
  const x = v?.value;
  if (x === undefined) return "";
  switch (x.$case) {
    case "stringValue":
      return x.value;
    case "bytesValue":
      return x.value.toString("base64");
    case "arrayValue":
    case "kvlistValue":
      return JSON.stringify(anyToJson(v));
    default:
      return String(scalar(v));
  }
}

function anyToJson(v: AnyValue | undefined): unknown {
  const x = v?.value;
  if (x === undefined) return null;
  switch (x.$case) {
    case "arrayValue":
      return x.value.values.map(anyToJson);
    case "kvlistValue":
      return Object.fromEntries(x.value.values.map((kv) => [kv.key, anyToJson(kv.value)]));
    case "bytesValue":
      return x.value.toString("base64");
    default:
      return scalar(v) ?? null;
  }
}

/** Attributes is a read-only view of an attribute list (first value of a key wins). */
export class Attributes {
  private readonly map = new Map<string, AnyValue | undefined>();

  /** Indexes `list`. */
  constructor(readonly list: readonly KeyValue[]) {
    for (const kv of list) if (!this.map.has(kv.key)) this.map.set(kv.key, kv.value);
  }

  /** has says whether `key` is present. */
  has(key: string): boolean {
    return this.map.has(key);
  }

  /** get returns the raw value of `key`. */
  get(key: string): AnyValue | undefined {
    return this.map.get(key);
  }

  /** string returns `key` as a non-empty string (numbers rendered), else undefined. */
  string(key: string): string | undefined {
    const v = scalar(this.map.get(key));
    if (v === undefined || v === "") return undefined;
    return String(v);
  }

  /** number returns `key` as a number (numeric strings parsed), else undefined; NaN stays NaN. */
  number(key: string): number | undefined {
    const v = scalar(this.map.get(key));
    if (typeof v === "number") return v;
    if (typeof v === "string" && v.trim() !== "") return Number(v);
    return undefined;
  }

  /** first returns the first of `keys` that is a non-empty string. */
  first(...keys: string[]): string | undefined {
    for (const k of keys) {
      const v = this.string(k);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** key is a canonical text of the whole list (sorted), for series identity and hashing. */
  key(): string {
    return JSON.stringify(
      [...this.map.entries()]
        .map(([k, v]) => [k, anyToText(v)])
        .sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)),
    );
  }
}

/** SERVICE_NAME is the resource attribute naming the service (OpenTelemetry semantic conventions). */
export const SERVICE_NAME = "service.name";

/** resourceService returns the resource's service.name, or undefined when missing. */
export function resourceService(resource: Resource | undefined): string | undefined {
  return new Attributes(resource?.attributes ?? []).string(SERVICE_NAME);
}
