// The step every NATS message goes through, core or JetStream: read the
// subject and payload, give each event its de-duplication id, submit one
// pipeline batch per tenant for many messages at once, and decide per message
// whether it is done (ack) or poison (term). Poison messages and bad events
// are recorded in rejected_events before the outcome is reported.
import type { Event } from "../../gen/impactd/v1/event.js";
import {
  DEFAULT_MAX_BATCH_EVENTS,
  type Pipeline,
  type SubmitResult,
} from "../../pipeline/pipeline.js";
import { RejectCode } from "../../pipeline/validate.js";
import { decodePayload, excerpt, isFailure } from "./decode.js";
import { parseSubject } from "./subjects.js";

/** FRONT_END is the front_end value of everything this source records. */
export const FRONT_END = "nats";
/** TENANT_MISMATCH is the code of an event whose tenant differs from its subject's. */
export const TENANT_MISMATCH = "TENANT_MISMATCH";

/** Incoming is one message, core or JetStream, as the ingest step needs it. */
export interface Incoming {
  subject: string;
  data: Uint8Array;
  /** Content-Type header, if any. */
  contentType: string | undefined;
  /** Nats-Msg-Id header, if any. */
  msgId: string | undefined;
  /** For JetStream messages `<stream>:<stream sequence>`: the id of last resort. */
  streamRef: string | undefined;
  /** Reads a header (any case); for authentication. */
  header?: (name: string) => string | undefined;
}

/**
 * Authorize decides whether a message may feed `tenant` (the subject's):
 * undefined when it may, else the refusal, recorded and the message termed.
 */
export type Authorize = (
  m: Incoming,
  tenant: string,
) => { code: string; reason: string } | undefined;

/** Outcome is what became of one message. */
export interface Outcome {
  /** ack: done (some events accepted or already seen); term: poison, never redeliver. */
  verdict: "ack" | "term";
  accepted: number;
  duplicates: number;
  /** Events (or elements) refused, each recorded in rejected_events. */
  rejections: { index: number; code: string; reason: string }[];
  /** Why the message was termed. */
  reason: string;
}

interface Slot {
  outcome: Outcome;
}

interface Group {
  events: Event[];
  // For each event: the message slot and the element index in its payload.
  owner: Slot[];
  element: number[];
}

function eventId(ev: Event, m: Incoming, pos: number, total: number): string {
  if (ev.id !== "") return ev.id;
  const base = m.msgId ?? m.streamRef;
  if (base === undefined) return "";
  return total === 1 ? base : `${base}#${pos}`;
}

/**
 * ingestMessages runs a batch of messages through the pipeline. The core
 * work happens synchronously, in message order, before this returns; the
 * promise resolves (one Outcome per message, in order) once every effect,
 * rejections included, is durable in the sink. It rejects if the sink fails
 * for good, in which case no message may be acked.
 */
export function ingestMessages(
  pipeline: Pipeline,
  prefix: string,
  messages: readonly Incoming[],
  maxBatch = DEFAULT_MAX_BATCH_EVENTS,
  replay = false,
  authorize?: Authorize,
): Promise<Outcome[]> {
  try {
    return ingestNow(pipeline, prefix, messages, maxBatch, replay, authorize);
  } catch (err) {
    return Promise.reject(err);
  }
}

function ingestNow(
  pipeline: Pipeline,
  prefix: string,
  messages: readonly Incoming[],
  maxBatch: number,
  replay: boolean,
  authorize: Authorize | undefined,
): Promise<Outcome[]> {
  const slots: Slot[] = [];
  const writes: Promise<unknown>[] = [];
  const groups = new Map<string, Group[]>();
  // A replay re-reads messages whose rejections are already stored.
  const record = (tenant: string | undefined, code: string, reason: string, payload: string) =>
    replay ||
    writes.push(
      pipeline.recordRejection({
        frontEnd: FRONT_END,
        ...(tenant === undefined ? {} : { tenant }),
        code,
        reason,
        payload,
      }),
    );
  for (const m of messages) {
    const outcome: Outcome = {
      verdict: "ack",
      accepted: 0,
      duplicates: 0,
      rejections: [],
      reason: "",
    };
    const slot: Slot = { outcome };
    slots.push(slot);
    const subject = parseSubject(prefix, m.subject);
    if ("code" in subject) {
      outcome.rejections.push({ index: 0, ...subject });
      record(undefined, subject.code, subject.reason, `subject ${m.subject}`);
      continue;
    }
    const tenant = subject.tenant;
    const refused = authorize?.(m, tenant);
    if (refused !== undefined) {
      outcome.rejections.push({ index: 0, ...refused });
      record(tenant, refused.code, `${m.subject}: ${refused.reason}`, "");
      continue;
    }
    const decoded = decodePayload(m.data, m.contentType);
    if (isFailure(decoded)) {
      outcome.rejections.push({ index: 0, code: decoded.code, reason: decoded.reason });
      record(tenant, decoded.code, `${m.subject}: ${decoded.reason}`, decoded.payload);
      continue;
    }
    if (decoded.total === 0) {
      const reason = "payload holds no events";
      outcome.rejections.push({ index: 0, code: RejectCode.Malformed, reason });
      record(tenant, RejectCode.Malformed, `${m.subject}: ${reason}`, excerpt(m.data));
      continue;
    }
    for (const f of decoded.failures) {
      outcome.rejections.push({ index: f.index, code: f.code, reason: f.reason });
      record(tenant, f.code, `${m.subject}: ${f.reason}`, f.payload);
    }
    let list = groups.get(tenant);
    if (list === undefined) {
      list = [];
      groups.set(tenant, list);
    }
    const n = decoded.events.length;
    // Keep a message's events in one pipeline batch, so an oversized message
    // is refused on its own and the others go through.
    let g = list[list.length - 1];
    if (g === undefined || (g.events.length > 0 && g.events.length + n > maxBatch)) {
      g = { events: [], owner: [], element: [] };
      list.push(g);
    }
    for (let i = 0; i < n; i++) {
      const ev = decoded.events[i] as Event;
      const pos = decoded.positions[i] as number;
      if (ev.tenant !== "" && ev.tenant !== tenant) {
        const reason = `event tenant ${JSON.stringify(ev.tenant.slice(0, 64))} differs from the subject's tenant ${JSON.stringify(tenant)}`;
        outcome.rejections.push({ index: pos, code: TENANT_MISMATCH, reason });
        record(tenant, TENANT_MISMATCH, `${m.subject}: ${reason}`, JSON.stringify(ev));
        continue;
      }
      ev.id = eventId(ev, m, pos, decoded.total);
      g.events.push(ev);
      g.owner.push(slot);
      g.element.push(pos);
    }
  }
  const submits: Promise<void>[] = [];
  for (const [tenant, list] of groups) {
    for (const g of list) {
      if (g.events.length === 0) continue;
      submits.push(
        pipeline
          .submit(g.events, { frontEnd: FRONT_END, tenant, replay })
          .then((r: SubmitResult) => credit(g, r)),
      );
    }
  }
  return Promise.all([...writes, ...submits]).then(() => slots.map(finish));
}

function credit(g: Group, r: SubmitResult): void {
  const refused = new Uint8Array(g.events.length);
  for (const rej of r.rejections) {
    refused[rej.index] = 1;
    const slot = g.owner[rej.index] as Slot;
    slot.outcome.rejections.push({
      index: g.element[rej.index] as number,
      code: rej.code,
      reason: rej.reason,
    });
  }
  // The pipeline counts duplicates per batch, not per event; which message
  // gets them only changes counts, never the verdict (accepted and duplicate
  // both mean "not poison"). From the end, because within a batch the later
  // copy of an id is the one dropped.
  let dups = r.duplicates;
  for (let i = g.events.length - 1; i >= 0; i--) {
    if (refused[i] === 1) continue;
    const o = (g.owner[i] as Slot).outcome;
    if (dups > 0) {
      dups--;
      o.duplicates++;
    } else {
      o.accepted++;
    }
  }
}

function finish(slot: Slot): Outcome {
  const o = slot.outcome;
  if (o.accepted + o.duplicates === 0) {
    o.verdict = "term";
    const first = o.rejections[0];
    o.reason =
      first === undefined
        ? "no events"
        : `${first.code}: ${first.reason}${o.rejections.length > 1 ? ` (and ${o.rejections.length - 1} more)` : ""}`;
  }
  return o;
}
