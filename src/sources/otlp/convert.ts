// What every OTLP signal converter returns: impactd events, each traced back
// to the OTLP items (data points, spans, log records) it came from, plus the
// items refused before any event was made. The receiver submits the events
// and answers partial_success from both.
import type { Event } from "../../gen/impactd/v1/event.js";
import type { ValidationLimits } from "../../pipeline/validate.js";

/** ItemProblem is one OTLP item refused while converting it. */
export interface ItemProblem {
  /** Position of the item in the request, counting from 0 across resources and scopes. */
  item: number;
  code: string;
  reason: string;
  /** The item as JSON, for rejected_events. */
  payload: string;
}

/** Conversion is the result of converting one OTLP export request. */
export interface Conversion {
  events: Event[];
  /** For each event, the items it was derived from. */
  origins: number[][];
  problems: ItemProblem[];
  /** Items in the request. */
  items: number;
  /** Items accepted that yield no event (e.g. info logs, idle intervals). */
  ignored: number;
  /** caller -> callee edges seen (traces only). */
  edges: [string, string][];
}

/** ConvertContext is what converters need to know about the request. */
export interface ConvertContext {
  /** Value for Event.tenant ("" = the pipeline decides). */
  tenant: string;
  /** Receiver clock, epoch ms. */
  now: number;
  limits: ValidationLimits;
}

/** OTLP_SOURCE is the `source` of every event the OTLP receiver makes. */
export const OTLP_SOURCE = "otlp";

/** emptyConversion starts a Conversion. */
export function emptyConversion(): Conversion {
  return { events: [], origins: [], problems: [], items: 0, ignored: 0, edges: [] };
}

/** event builds an Event of this receiver. */
export function event(
  ctx: ConvertContext,
  ts: number,
  id: string,
  kind: NonNullable<Event["kind"]>,
): Event {
  return { tsUnixMs: ts, source: OTLP_SOURCE, tenant: ctx.tenant, id, kind };
}

/** timestampProblem checks an event time against the limits before aggregation. */
export function timestampProblem(
  ts: number,
  ctx: ConvertContext,
  field: string,
): { code: string; reason: string } | undefined {
  if (ts <= 0) return { code: "INVALID_TIMESTAMP", reason: `${field} is not set` };
  if (ts > ctx.now + ctx.limits.maxFutureMs) {
    return {
      code: "TIMESTAMP_IN_FUTURE",
      reason: `${field} ${new Date(ts).toISOString()} is more than ${ctx.limits.maxFutureMs} ms ahead of the receiver's clock`,
    };
  }
  if (ts < ctx.now - ctx.limits.maxPastMs) {
    return {
      code: "TIMESTAMP_TOO_OLD",
      reason: `${field} ${new Date(ts).toISOString()} is more than ${ctx.limits.maxPastMs} ms in the past`,
    };
  }
  return undefined;
}

/** json renders an item for rejected_events without ever throwing. */
export function json(toJson: () => unknown): string {
  try {
    return JSON.stringify(toJson());
  } catch (err) {
    return `(not renderable: ${(err as Error).message})`;
  }
}
