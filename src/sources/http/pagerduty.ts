// PagerDuty Events API v2 (`POST /v2/enqueue`): trigger becomes a firing
// alert fingerprinted by its dedup_key; resolve becomes that alert's RESOLVED;
// acknowledge acknowledges the open impactd incident that holds the alert's
// service (impactd's incidents are what people work on). Resolve and
// acknowledge name only a dedup_key, so the trigger's service and name are
// remembered (and looked up in the events table after a restart).
import { createHash } from "node:crypto";
import { AlertSeverity, AlertState, type Event } from "../../gen/impactd/v1/event.js";

/** PAGERDUTY_SOURCE is the `source` of events made from PagerDuty events. */
export const PAGERDUTY_SOURCE = "pagerduty";
/** DEFAULT_REMEMBERED_KEYS bounds the dedup keys remembered in memory per process. */
export const DEFAULT_REMEMBERED_KEYS = 100_000;
/** MAX_DEDUP_KEY is PagerDuty's limit on dedup_key length. */
export const MAX_DEDUP_KEY = 255;

const SEVERITY: Record<string, AlertSeverity> = {
  critical: AlertSeverity.ALERT_SEVERITY_CRITICAL,
  error: AlertSeverity.ALERT_SEVERITY_ERROR,
  warning: AlertSeverity.ALERT_SEVERITY_WARNING,
  info: AlertSeverity.ALERT_SEVERITY_INFO,
};

/** AlertRef is what a dedup key stands for. */
export interface AlertRef {
  service: string;
  name: string;
}

/** PdProblem is a refused PagerDuty event (answered 400 in PagerDuty's format). */
export interface PdProblem {
  code: string;
  reason: string;
}

/** PdEvent is a validated PagerDuty event. */
export type PdEvent =
  | { action: "trigger"; dedupKey: string; routingKey: string; event: Event; ref: AlertRef }
  | { action: "acknowledge" | "resolve"; dedupKey: string; routingKey: string };

function str(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

function problem(code: string, reason: string): PdProblem {
  return { code, reason };
}

/** parsePagerDuty validates a PagerDuty Events v2 body. */
export function parsePagerDuty(body: unknown, now: number, tenant: string): PdEvent | PdProblem {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return problem("MALFORMED", "body must be a PagerDuty Events v2 JSON object");
  const b = body as Record<string, unknown>;
  const routingKey = str(b, "routing_key");
  if (routingKey === undefined) return problem("MISSING_FIELD", "routing_key is missing");
  const action = b.event_action;
  if (action !== "trigger" && action !== "acknowledge" && action !== "resolve")
    return problem(
      "INVALID_ENUM",
      `event_action ${JSON.stringify(String(action ?? "")).slice(0, 40)} is not trigger, acknowledge or resolve`,
    );
  let dedupKey = str(b, "dedup_key");
  if (dedupKey !== undefined && dedupKey.length > MAX_DEDUP_KEY)
    return problem(
      "FIELD_TOO_LONG",
      `dedup_key has ${dedupKey.length} characters (limit ${MAX_DEDUP_KEY})`,
    );
  if (action !== "trigger") {
    if (dedupKey === undefined)
      return problem("MISSING_FIELD", `dedup_key is required to ${action}`);
    return { action, dedupKey, routingKey };
  }
  const p = b.payload;
  if (typeof p !== "object" || p === null || Array.isArray(p))
    return problem("MISSING_FIELD", "payload is required to trigger");
  const payload = p as Record<string, unknown>;
  const summary = str(payload, "summary");
  if (summary === undefined) return problem("MISSING_FIELD", "payload.summary is missing");
  if (summary.length > 1024)
    return problem(
      "FIELD_TOO_LONG",
      `payload.summary has ${summary.length} characters (limit 1024)`,
    );
  const source = str(payload, "source");
  if (source === undefined) return problem("MISSING_FIELD", "payload.source is missing");
  const severityText = str(payload, "severity");
  const severity = severityText === undefined ? undefined : SEVERITY[severityText];
  if (severity === undefined)
    return problem(
      "INVALID_ENUM",
      `payload.severity ${JSON.stringify(severityText ?? "")} is not critical, error, warning or info`,
    );
  let ts = now;
  if (payload.timestamp !== undefined) {
    ts = typeof payload.timestamp === "string" ? Date.parse(payload.timestamp) : Number.NaN;
    if (Number.isNaN(ts))
      return problem("INVALID_TIMESTAMP", "payload.timestamp is not an ISO 8601 time");
  }
  const component = str(payload, "component");
  const cls = str(payload, "class");
  const group = str(payload, "group");
  dedupKey ??= createHash("sha1")
    .update(`${routingKey}\u0000${source}\u0000${summary}`)
    .digest("hex");
  const service = component ?? source;
  const name = (cls ?? summary).slice(0, 256);
  const labels: Record<string, string> = { source };
  if (component !== undefined) labels.component = component;
  if (group !== undefined) labels.group = group;
  if (cls !== undefined) labels.class = cls;
  const details = payload.custom_details;
  if (typeof details === "object" && details !== null && !Array.isArray(details)) {
    for (const [k, v] of Object.entries(details).slice(0, 32)) {
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean")
        labels[`details.${k}`.slice(0, 256)] = String(v).slice(0, 1024);
    }
  }
  return {
    action,
    dedupKey,
    routingKey,
    ref: { service, name },
    event: alert(
      tenant,
      ts,
      dedupKey,
      { service, name },
      AlertState.ALERT_STATE_FIRING,
      severity,
      labels,
      summary,
    ),
  };
}

/** alert builds the impactd alert event of a PagerDuty event. */
export function alert(
  tenant: string,
  ts: number,
  dedupKey: string,
  ref: AlertRef,
  state: AlertState,
  severity: AlertSeverity,
  labels: Record<string, string>,
  summary: string,
): Event {
  return {
    tsUnixMs: ts,
    source: PAGERDUTY_SOURCE,
    tenant,
    id: `pd:${createHash("sha1").update(`${dedupKey}\u0000${state}\u0000${ts}\u0000${summary}`).digest("hex").slice(0, 24)}`,
    kind: {
      $case: "alert",
      value: {
        service: ref.service,
        name: ref.name,
        severity,
        labels,
        state,
        fingerprint: dedupKey,
        summary,
      },
    },
  };
}

/** DedupIndex remembers which alert each dedup key stands for, per tenant (bounded, oldest out). */
export class DedupIndex {
  private readonly map = new Map<string, AlertRef>();

  /** Remembers at most `max` keys. */
  constructor(private readonly max = DEFAULT_REMEMBERED_KEYS) {}

  /** set records a trigger's alert. */
  set(tenant: string, key: string, ref: AlertRef): void {
    const k = `${tenant}\u0000${key}`;
    this.map.delete(k);
    this.map.set(k, ref);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
  }

  /** get returns the alert of a dedup key, if remembered. */
  get(tenant: string, key: string): AlertRef | undefined {
    return this.map.get(`${tenant}\u0000${key}`);
  }
}
