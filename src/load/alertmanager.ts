// Generated alert events as the Alertmanager API v2 body Prometheus posts
// (`POST /api/v2/alerts`): a JSON array of alerts with labels, annotations,
// startsAt and endsAt. Firing alerts carry an endsAt in the future, as
// Prometheus sets it (now + 4 x its resend delay); resolved ones an endsAt at
// their event time. Other kinds have no Alertmanager form and are skipped.
import { AlertState, type Event } from "../gen/impactd/v1/event.js";

/** DEFAULT_ALERT_TTL_MS is how far ahead a firing alert's endsAt lies (Prometheus: 4 x 1m resend delay). */
export const DEFAULT_ALERT_TTL_MS = 4 * 60_000;
/** PROMETHEUS_BATCH is how many alerts Prometheus posts at most in one request. */
export const PROMETHEUS_BATCH = 64;

/** PostableAlert is one alert of the API v2 body. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/** postableAlert maps one alert event; `nowMs` and `ttlMs` give a firing alert its endsAt. */
export function postableAlert(
  ev: Event,
  nowMs: number,
  ttlMs = DEFAULT_ALERT_TTL_MS,
): PostableAlert | undefined {
  if (ev.kind?.$case !== "alert") return undefined;
  const a = ev.kind.value;
  const resolved = a.state === AlertState.ALERT_STATE_RESOLVED;
  return {
    labels: { ...a.labels, alertname: a.name, service: a.service },
    annotations: a.summary === "" ? {} : { summary: a.summary },
    startsAt: new Date(ev.tsUnixMs).toISOString(),
    endsAt: new Date(resolved ? ev.tsUnixMs : Math.max(nowMs, ev.tsUnixMs) + ttlMs).toISOString(),
    generatorURL: "http://127.0.0.1/impactd-load",
  };
}

/** alertsBody renders the alert events of a batch as a request body, with their count. */
export function alertsBody(
  events: readonly Event[],
  nowMs: number,
  ttlMs = DEFAULT_ALERT_TTL_MS,
): { body: string; alerts: number } {
  const out: PostableAlert[] = [];
  for (const ev of events) {
    const a = postableAlert(ev, nowMs, ttlMs);
    if (a !== undefined) out.push(a);
  }
  return { body: JSON.stringify(out), alerts: out.length };
}
