// Payload decoding for NATS messages. A message holds one impactd.v1.Event or
// a batch, as protobuf (Event or IngestRequest) or as JSON (the proto3 JSON
// mapping: one Event, an array of Events, or {"events": [...]}). The
// Content-Type header picks the format; without it the payload is sniffed
// (docs/INGEST.md, "NATS").
import { IngestRequest } from "../../gen/impactd/v1/api.js";
import { Event } from "../../gen/impactd/v1/event.js";
import { type Problem, RejectCode } from "../../pipeline/validate.js";

/** PayloadFormat is how a payload is to be read. */
export type PayloadFormat = "json" | "event" | "batch" | "protobuf";

/** DecodeFailure is a whole payload that could not be read (a poison message). */
export interface DecodeFailure extends Problem {
  /** Excerpt of the payload for rejected_events. */
  payload: string;
}

/** ItemFailure is one element of a JSON array that is not an event. */
export interface ItemFailure extends Problem {
  index: number;
  payload: string;
}

/** Decoded is a payload's events (in order) and the elements that failed. */
export interface Decoded {
  /** Events with their position in the payload. */
  events: Event[];
  positions: number[];
  failures: ItemFailure[];
  /** Elements in the payload, events and failures together. */
  total: number;
}

const PROTOBUF_TYPES = new Set([
  "application/protobuf",
  "application/x-protobuf",
  "application/vnd.google.protobuf",
  "application/octet-stream",
]);

/**
 * formatOf reads a Content-Type header: `application/json`, or a protobuf
 * type with an optional `proto=impactd.v1.Event|impactd.v1.IngestRequest`
 * parameter. Undefined header: sniff. Anything else is a Problem.
 */
export function formatOf(contentType: string | undefined): PayloadFormat | Problem | undefined {
  if (contentType === undefined || contentType.trim() === "") return undefined;
  const [type = "", ...params] = contentType.split(";").map((s) => s.trim().toLowerCase());
  if (type === "application/json" || type.endsWith("+json")) return "json";
  if (PROTOBUF_TYPES.has(type)) {
    const proto = params.find((p) => p.startsWith("proto="))?.slice(6);
    if (proto === undefined) return "protobuf";
    if (proto === "impactd.v1.event") return "event";
    if (proto === "impactd.v1.ingestrequest") return "batch";
    return {
      code: RejectCode.Malformed,
      reason: `Content-Type proto=${proto} is not impactd.v1.Event or impactd.v1.IngestRequest`,
    };
  }
  return {
    code: RejectCode.Malformed,
    reason: `Content-Type ${JSON.stringify(contentType)} is not supported (use application/json or application/x-protobuf)`,
  };
}

/** excerpt renders a payload for rejected_events: text when it reads as text, else base64. */
export function excerpt(data: Uint8Array): string {
  const head = Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, 4096));
  const text = head.toString("utf8");
  // U+FFFD marks invalid UTF-8; control bytes other than whitespace mark binary.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: detecting binary payloads
  if (!text.includes("\uFFFD") && !/[\u0000-\u0008\u000e-\u001f]/.test(text)) return text;
  return `base64:${head.subarray(0, 1024).toString("base64")}`;
}

function fail(code: string, reason: string, data: Uint8Array): DecodeFailure {
  return { code: code as Problem["code"], reason, payload: excerpt(data) };
}

function single(ev: Event): Decoded {
  return { events: [ev], positions: [0], failures: [], total: 1 };
}

function many(events: Event[]): Decoded {
  return { events, positions: events.map((_, i) => i), failures: [], total: events.length };
}

function decodeJson(data: Uint8Array): Decoded | DecodeFailure {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8"));
  } catch (err) {
    return fail(RejectCode.Malformed, `payload is not valid JSON: ${(err as Error).message}`, data);
  }
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (typeof value === "object" && value !== null && Array.isArray((value as Raw).events))
    items = (value as Raw).events as unknown[];
  else if (typeof value === "object" && value !== null) items = [value];
  else
    return fail(
      RejectCode.Malformed,
      'JSON payload must be an event object, an array of events or {"events": [...]}',
      data,
    );
  const out: Decoded = { events: [], positions: [], failures: [], total: items.length };
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      out.failures.push({
        index: i,
        code: RejectCode.Malformed,
        reason: `element ${i} of the JSON payload is ${item === null ? "null" : typeof item}, not an event object`,
        payload: JSON.stringify(item) ?? "",
      });
      continue;
    }
    out.events.push(Event.fromJSON(item));
    out.positions.push(i);
  }
  return out;
}

type Raw = Record<string, unknown>;

function decodeProtobuf(data: Uint8Array, format: PayloadFormat): Decoded | DecodeFailure {
  const what = format === "event" ? "impactd.v1.Event" : "impactd.v1.IngestRequest";
  try {
    if (format === "event") return single(Event.decode(data));
    if (format === "batch") return many(IngestRequest.decode(data).events);
  } catch (err) {
    return fail(
      RejectCode.Malformed,
      `payload is not a valid ${what}: ${(err as Error).message}`,
      data,
    );
  }
  // No type given: a valid Event always sets its kind (field 10+), which an
  // IngestRequest never has; an IngestRequest's events are field 2, which as
  // an Event is the `source` string. So: Event if it has a kind, else a batch
  // if it has events, else whatever the Event decode gave (validation then
  // names what is missing).
  let ev: Event | undefined;
  let evErr: unknown;
  try {
    ev = Event.decode(data);
    if (ev.kind !== undefined) return single(ev);
  } catch (err) {
    evErr = err;
  }
  try {
    const req = IngestRequest.decode(data);
    if (req.events.length > 0) return many(req.events);
  } catch {
    // fall through
  }
  if (ev !== undefined) return single(ev);
  return fail(
    RejectCode.Malformed,
    `payload is neither JSON nor a protobuf impactd.v1.Event or IngestRequest: ${(evErr as Error).message}`,
    data,
  );
}

/** decodePayload turns a message payload into events, or says why it cannot. */
export function decodePayload(
  data: Uint8Array,
  contentType: string | undefined,
): Decoded | DecodeFailure {
  if (data.byteLength === 0) return fail(RejectCode.Malformed, "payload is empty", data);
  const f = formatOf(contentType);
  if (typeof f === "object") return { ...f, payload: excerpt(data) };
  if (f === "json") return decodeJson(data);
  if (f !== undefined) return decodeProtobuf(data, f);
  // Sniff: '{' and '[' are wire type 3 (deprecated groups) as protobuf tags,
  // which neither message uses, so a payload starting with them is JSON.
  let i = 0;
  while (
    i < data.byteLength &&
    (data[i] === 0x20 || data[i] === 0x0a || data[i] === 0x0d || data[i] === 0x09)
  )
    i++;
  if (data[i] === 0x7b || data[i] === 0x5b) return decodeJson(data);
  return decodeProtobuf(data, "protobuf");
}

/** isFailure tells a DecodeFailure from Decoded. */
export function isFailure(d: Decoded | DecodeFailure): d is DecodeFailure {
  return "reason" in d;
}
