// Prometheus alerts -> impactd alerts: the Alertmanager API v2 body
// (`POST /api/v2/alerts`, what Prometheus sends to its alertmanagers) and the
// Alertmanager webhook payload (version 4, what an Alertmanager receiver
// posts). Label mapping in docs/INGEST.md.
import { AlertSeverity, AlertState, type Event } from "../../gen/impactd/v1/event.js";

/** ALERTS_SOURCE is the `source` of events made from Prometheus alerts. */
export const ALERTS_SOURCE = "prometheus";
/** SERVICE_LABELS are tried in order to name the alert's service. */
export const SERVICE_LABELS = ["service", "service_name", "job"] as const;

/** ItemRejection is one refused alert of a payload. */
export interface ItemRejection {
  index: number;
  code: string;
  reason: string;
}

/** Converted are the events made from a payload and the alerts refused on the way. */
export interface Converted {
  events: Event[];
  /** Index of the alert each event came from. */
  origins: number[];
  rejections: ItemRejection[];
  /** How many alerts the payload held. */
  items: number;
}

/** SEVERITY_WORDS maps common `severity` label values to AlertSeverity; others are unspecified. */
export const SEVERITY_WORDS: Record<string, AlertSeverity> = {
  critical: AlertSeverity.ALERT_SEVERITY_CRITICAL,
  page: AlertSeverity.ALERT_SEVERITY_CRITICAL,
  fatal: AlertSeverity.ALERT_SEVERITY_CRITICAL,
  p1: AlertSeverity.ALERT_SEVERITY_CRITICAL,
  error: AlertSeverity.ALERT_SEVERITY_ERROR,
  major: AlertSeverity.ALERT_SEVERITY_ERROR,
  high: AlertSeverity.ALERT_SEVERITY_ERROR,
  p2: AlertSeverity.ALERT_SEVERITY_ERROR,
  warning: AlertSeverity.ALERT_SEVERITY_WARNING,
  warn: AlertSeverity.ALERT_SEVERITY_WARNING,
  minor: AlertSeverity.ALERT_SEVERITY_WARNING,
  medium: AlertSeverity.ALERT_SEVERITY_WARNING,
  p3: AlertSeverity.ALERT_SEVERITY_WARNING,
  info: AlertSeverity.ALERT_SEVERITY_INFO,
  low: AlertSeverity.ALERT_SEVERITY_INFO,
  none: AlertSeverity.ALERT_SEVERITY_INFO,
};

/**
 * labelsFingerprint is Prometheus's label-set fingerprint (FNV-1a 64 over the
 * sorted names and values, each followed by 0xff), as 16 hex digits, so
 * impactd and Alertmanager name an alert series the same way. The 64-bit
 * state is kept as two 32-bit halves: BigInt arithmetic per byte made this
 * the costliest step of an alert storm (bench suite alertmanager).
 */
export function labelsFingerprint(labels: Record<string, string>): string {
  const h: Fnv64 = { hi: 0xcbf29ce4, lo: 0x84222325 };
  for (const name of Object.keys(labels).sort()) {
    fnvString(h, name);
    fnvByte(h, 0xff);
    fnvString(h, labels[name] ?? "");
    fnvByte(h, 0xff);
  }
  return h.hi.toString(16).padStart(8, "0") + h.lo.toString(16).padStart(8, "0");
}

interface Fnv64 {
  hi: number;
  lo: number;
}

// h = (h ^ b) * 0x100000001b3 mod 2^64, with the prime as 2^40 + 0x1b3.
function fnvByte(h: Fnv64, b: number): void {
  const lo = (h.lo ^ b) >>> 0;
  const prod = lo * 0x1b3; // < 2^41: exact
  const carry = Math.floor(prod / 0x100000000);
  h.hi = (Math.imul(h.hi, 0x1b3) + carry + (lo << 8)) >>> 0;
  h.lo = prod >>> 0;
}

const utf8 = new TextEncoder();

function fnvString(h: Fnv64, s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      // Not ASCII: hash the UTF-8 bytes of the rest of the string.
      for (const b of utf8.encode(s.slice(i))) fnvByte(h, b);
      return;
    }
    fnvByte(h, c);
  }
}

/** serviceOf names the service an alert is about, or undefined. */
export function serviceOf(labels: Record<string, string>): string | undefined {
  for (const l of SERVICE_LABELS) if (labels[l]) return labels[l];
  const instance = labels.instance;
  if (!instance) return undefined;
  // "host:port" or "[v6]:port" -> the host part.
  const host = instance.startsWith("[")
    ? instance.slice(1, instance.indexOf("]"))
    : instance.split(":")[0];
  return host || undefined;
}

// Go's zero time, which Alertmanager clients send for "not set".
const ZERO_TIME = /^0001-01-01T00:00:00(\.0+)?Z$/;

/** parseTime reads an RFC 3339 time; undefined for missing or Go's zero time, NaN when invalid. */
export function parseTime(v: unknown): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") return Number.NaN;
  if (ZERO_TIME.test(v)) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v))
    return Number.NaN;
  return Date.parse(v);
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== "string") return undefined;
    out[k] = x;
  }
  return out;
}

interface AlertInput {
  labels: unknown;
  annotations?: unknown;
  startsAt?: unknown;
  endsAt?: unknown;
  status?: unknown;
  fingerprint?: unknown;
}

/**
 * alertEvent maps one alert. `status` is the webhook's explicit state; without
 * it (API v2) an alert is resolved once its endsAt has passed.
 */
function alertEvent(
  a: AlertInput,
  now: number,
  tenant: string,
): Event | Omit<ItemRejection, "index"> {
  if (typeof a !== "object" || a === null || Array.isArray(a))
    return { code: "MALFORMED", reason: "alert is not a JSON object" };
  const labels = stringMap(a.labels);
  if (labels === undefined)
    return { code: "MALFORMED", reason: "alert.labels must be an object of string values" };
  const annotations = a.annotations === undefined ? {} : stringMap(a.annotations);
  if (annotations === undefined)
    return { code: "MALFORMED", reason: "alert.annotations must be an object of string values" };
  const name = labels.alertname;
  if (!name) return { code: "MISSING_FIELD", reason: "alert has no alertname label" };
  const service = serviceOf(labels);
  if (service === undefined)
    return {
      code: "MISSING_FIELD",
      reason: `alert ${name} has none of the labels ${[...SERVICE_LABELS, "instance"].join(", ")} to name its service`,
    };
  const startsAt = parseTime(a.startsAt);
  const endsAt = parseTime(a.endsAt);
  for (const [field, t] of [
    ["startsAt", startsAt],
    ["endsAt", endsAt],
  ] as const) {
    if (Number.isNaN(t))
      return {
        code: "INVALID_TIMESTAMP",
        reason: `alert ${name}: ${field} ${JSON.stringify(String(a[field]).slice(0, 64))} is not an RFC 3339 time`,
      };
  }
  let resolved: boolean;
  if (a.status === undefined) {
    resolved = endsAt !== undefined && endsAt <= now;
  } else if (a.status === "firing" || a.status === "resolved") {
    resolved = a.status === "resolved";
  } else {
    return {
      code: "INVALID_ENUM",
      reason: `alert ${name}: status ${JSON.stringify(String(a.status).slice(0, 32))} is not firing or resolved`,
    };
  }
  const ts = resolved ? (endsAt ?? now) : (startsAt ?? now);
  const fingerprint =
    typeof a.fingerprint === "string" && a.fingerprint !== ""
      ? a.fingerprint
      : labelsFingerprint(labels);
  const state = resolved ? AlertState.ALERT_STATE_RESOLVED : AlertState.ALERT_STATE_FIRING;
  return {
    tsUnixMs: ts,
    source: ALERTS_SOURCE,
    tenant,
    // Prometheus re-sends firing alerts every minute with the same startsAt:
    // the same id makes the pipeline count the repeats as duplicates.
    id: `am:${fingerprint}:${state}:${ts}`,
    kind: {
      $case: "alert",
      value: {
        service,
        name,
        severity:
          SEVERITY_WORDS[(labels.severity ?? "").toLowerCase()] ??
          AlertSeverity.ALERT_SEVERITY_UNSPECIFIED,
        labels,
        state,
        fingerprint,
        summary: annotations.summary ?? annotations.description ?? annotations.message ?? "",
      },
    },
  };
}

function convert(alerts: readonly unknown[], now: number, tenant: string): Converted {
  const out: Converted = { events: [], origins: [], rejections: [], items: alerts.length };
  alerts.forEach((a, index) => {
    const r = alertEvent(a as AlertInput, now, tenant);
    if ("reason" in r) out.rejections.push({ index, ...r });
    else {
      out.events.push(r);
      out.origins.push(index);
    }
  });
  return out;
}

/** InvalidPayload says what is wrong with the payload as a whole. */
export class InvalidPayload extends Error {}

/** convertApiV2Alerts maps the body of `POST /api/v2/alerts` (a JSON array of alerts). */
export function convertApiV2Alerts(body: unknown, now: number, tenant: string): Converted {
  if (!Array.isArray(body))
    throw new InvalidPayload("body must be a JSON array of alerts (Alertmanager API v2)");
  return convert(body, now, tenant);
}

/** convertWebhook maps an Alertmanager webhook notification (version 4). */
export function convertWebhook(body: unknown, now: number, tenant: string): Converted {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new InvalidPayload("body must be an Alertmanager webhook object");
  const b = body as { version?: unknown; alerts?: unknown };
  if (b.version !== undefined && b.version !== "4")
    throw new InvalidPayload(
      `webhook version ${JSON.stringify(b.version)} is not supported (want "4")`,
    );
  if (!Array.isArray(b.alerts)) throw new InvalidPayload("webhook body has no alerts array");
  return convert(b.alerts, now, tenant);
}
