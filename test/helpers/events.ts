// Event builders shared by the integration tests.
import type { Event } from "../../src/gen/impactd/v1/event.js";

/** ev wraps a typed payload into an Event. */
export function ev(ts: number, kind: Event["kind"], id = "", tenant = ""): Event {
  return { tsUnixMs: ts, source: "test", tenant, id, kind };
}

/** health is a health check (status 1 OK, 2 DEGRADED, 3 DOWN). */
export const health = (ts: number, service: string, s: number, id = "") =>
  ev(ts, { $case: "healthCheck", value: { service, status: s, message: "" } }, id);

/** errorRate is an error-rate sample. */
export const errorRate = (ts: number, service: string, value: number, id = "") =>
  ev(ts, { $case: "metric", value: { service, metric: 1, customName: "", value } }, id);

/**
 * cascade is a payments-db outage spreading to its callers in the shop
 * estate (examples/shop.yaml), plus a late event that moves the watermark
 * past it: one incident rooted at payments-db.
 */
export function cascade(t: number, prefix: string): Event[] {
  const events: Event[] = [];
  for (const s of ["payments-db", "payments", "checkout", "api-gateway", "web-frontend"])
    events.push(health(t, s, 1));
  events.push(health(t + 12_000, "payments-db", 3));
  events.push(errorRate(t + 14_000, "payments", 0.9));
  events.push(errorRate(t + 16_000, "checkout", 0.6));
  events.push(health(t + 40_000, "search", 1));
  return events.map((e, i) => ({ ...e, id: `${prefix}-${i}` }));
}
