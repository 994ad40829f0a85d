// IngestService.Ingest: a bidirectional stream of batches and acks. Batches
// are run in arrival order and acknowledged in the same order once durable.
//
// Backpressure: reading pauses while too many batches of the stream are
// queued or waiting for the sink, so a slow sink slows the client through
// gRPC flow control instead of growing memory. While the sink is overloaded
// (its writers are full) no new batch enters the pipeline; a batch that waits
// longer than `overloadWaitMs` is refused in its ack (OVERLOADED, with a
// retry delay) so clients are told to back off rather than left hanging.
//
// Limits: each batch is checked against its client's message size, batch
// size and rate; a batch over a limit is refused whole in its ack
// (MESSAGE_TOO_LARGE, BATCH_TOO_LARGE, RATE_LIMITED: RESOURCE_EXHAUSTED) and
// recorded in rejected_events. The stream stays open either way.
import type { ServerDuplexStream } from "@grpc/grpc-js";
import { status } from "@grpc/grpc-js";
import { DEFAULT_OVERLOAD_WAIT_MS } from "../../config/security.js";
import {
  IngestRequest,
  type IngestResponse,
  IngestServiceService,
} from "../../gen/impactd/v1/api.js";
import { Event } from "../../gen/impactd/v1/event.js";
import type { Pipeline } from "../../pipeline/pipeline.js";
import { RejectCode } from "../../pipeline/validate.js";
import type { Identity } from "../../security/auth.js";
import type { LimitExceededError } from "../../security/errors.js";
import { checkSize } from "../../security/limits.js";
import { type GrpcSecurity, identify, toStatus } from "./guard.js";

/** DEFAULT_MAX_INFLIGHT_BATCHES per stream before reading pauses. */
export const DEFAULT_MAX_INFLIGHT_BATCHES = 8;
/** OVERLOAD_POLL_MS is how often a waiting stream looks at the sink again. */
export const OVERLOAD_POLL_MS = 20;
/** OVERLOADED is the rejection code of batches refused because the sink is full. */
export const OVERLOADED = "OVERLOADED";

/** Decoded is a request that decoded, with its size on the wire. */
interface Decoded {
  request: IngestRequest;
  bytes: number;
}

/** Malformed marks a request whose bytes did not decode as IngestRequest. */
interface Malformed {
  malformed: string;
  bytes: number;
  excerpt: string;
}

type Incoming = Decoded | Malformed;

/**
 * ingestServiceDefinition is IngestServiceService with a deserializer that
 * keeps the message size for the limits and turns undecodable bytes into a
 * value the handler can reject and record, instead of grpc-js failing the
 * whole stream.
 */
export const ingestServiceDefinition = {
  ingest: {
    ...IngestServiceService.ingest,
    requestDeserialize: (buf: Buffer): Incoming => {
      try {
        return { request: IngestRequest.decode(buf), bytes: buf.length };
      } catch (err) {
        return {
          malformed: (err as Error).message,
          bytes: buf.length,
          excerpt: buf.subarray(0, 256).toString("base64"),
        };
      }
    },
  },
} as const;

/** IngestOptions tune the Ingest handler. */
export interface IngestOptions {
  security: GrpcSecurity;
  /** @default DEFAULT_MAX_INFLIGHT_BATCHES */
  maxInflight?: number;
  /** @default DEFAULT_OVERLOAD_WAIT_MS */
  overloadWaitMs?: number;
}

function refuseAll(req: IngestRequest, code: string, reason: string, retryAfterMs: number) {
  return {
    batchId: req.batchId,
    accepted: 0,
    rejections: req.events.map((e, index) => ({ index, code, reason, eventId: e.id })),
    duplicates: 0,
    unknownServices: [],
    retryAfterMs,
  };
}

function excerpt(ev: Event | undefined): string {
  if (ev === undefined) return "";
  try {
    return JSON.stringify(Event.toJSON(ev)).slice(0, 4096);
  } catch {
    return "";
  }
}

/** ingestHandler serves one Ingest stream. */
export function ingestHandler(pipeline: Pipeline, opts: IngestOptions) {
  const maxInflight = opts.maxInflight ?? DEFAULT_MAX_INFLIGHT_BATCHES;
  const overloadWaitMs = opts.overloadWaitMs ?? DEFAULT_OVERLOAD_WAIT_MS;
  return (call: ServerDuplexStream<Incoming, IngestResponse>): void => {
    let identity: Identity;
    try {
      identity = identify(call, opts.security, "ingest");
    } catch (err) {
      call.emit("error", toStatus(err));
      return;
    }
    const tenant = identity.tenant;
    const meta = { frontEnd: "grpc", ...(tenant === undefined ? {} : { tenant }) };
    const queue: { req: Incoming; arrived: number }[] = [];
    let chain: Promise<void> = Promise.resolve();
    let inflight = 0; // queued or submitted, not yet acknowledged
    let paused = false;
    let failed = false;
    let ended = false;
    let timer: NodeJS.Timeout | undefined;

    const respond = (work: Promise<IngestResponse>) => {
      chain = chain
        .then(() => work)
        .then((res) => {
          if (!failed) call.write(res);
        })
        .catch((err: unknown) => {
          if (failed) return;
          failed = true;
          call.emit("error", {
            ...toStatus(err),
            details: `ingest failed: ${(err as Error).message ?? String(err)}`,
            code:
              (err as { retryable?: boolean }).retryable === false
                ? status.INTERNAL
                : status.UNAVAILABLE,
          });
        })
        .finally(() => {
          inflight--;
          if (paused && inflight < maxInflight / 2) {
            paused = false;
            call.resume();
          }
        });
    };

    const refuseAndRecord = (req: IngestRequest, err: LimitExceededError) =>
      pipeline
        .recordRejection({
          frontEnd: "grpc",
          ...(tenant === undefined ? {} : { tenant }),
          code: err.reject,
          reason: `${err.message} (${req.events.length} events refused)`,
          payload: excerpt(req.events[0]),
          source: req.events[0]?.source ?? identity.name,
        })
        .then(() => refuseAll(req, err.reject, err.message, err.retryAfterMs));

    const malformed = (m: Malformed) => {
      const reason = `request is not a valid impactd.v1.IngestRequest (${m.bytes} bytes): ${m.malformed}`;
      return pipeline
        .recordRejection({
          frontEnd: "grpc",
          ...(tenant === undefined ? {} : { tenant }),
          code: RejectCode.Malformed,
          reason,
          payload: m.excerpt,
          source: identity.name,
        })
        .then(() => ({
          batchId: 0,
          accepted: 0,
          rejections: [{ index: 0, code: RejectCode.Malformed, reason, eventId: "" }],
          duplicates: 0,
          unknownServices: [],
          retryAfterMs: 0,
        }));
    };

    // Moves queued batches into the pipeline, in order, while the sink has room.
    const pump = () => {
      timer = undefined;
      while (queue.length > 0 && !failed) {
        const head = queue[0] as { req: Incoming; arrived: number };
        if ("malformed" in head.req) {
          queue.shift();
          respond(malformed(head.req));
          continue;
        }
        const { request: req, bytes } = head.req;
        try {
          checkSize(identity.name, identity.limits, bytes, req.events.length);
        } catch (err) {
          queue.shift();
          respond(refuseAndRecord(req, err as LimitExceededError));
          continue;
        }
        if (pipeline.overloaded()) {
          const waited = Date.now() - head.arrived;
          if (waited < overloadWaitMs) {
            timer = setTimeout(pump, OVERLOAD_POLL_MS);
            return;
          }
          queue.shift();
          const reason = `UNAVAILABLE: the sink is not keeping up (waited ${waited} ms); retry after ${overloadWaitMs} ms`;
          respond(Promise.resolve(refuseAll(req, OVERLOADED, reason, overloadWaitMs)));
          continue;
        }
        try {
          opts.security.limiter.check(identity.name, identity.limits, req.events.length);
        } catch (err) {
          queue.shift();
          respond(refuseAndRecord(req, err as LimitExceededError));
          continue;
        }
        queue.shift();
        // submit does the core work now, synchronously, so order is kept.
        respond(
          pipeline.submit(req.events, meta).then((r) => ({
            batchId: req.batchId,
            accepted: r.accepted,
            rejections: r.rejections,
            duplicates: r.duplicates,
            unknownServices: r.unknownServices,
            retryAfterMs: 0,
          })),
        );
      }
      if (ended && queue.length === 0) {
        void chain.then(() => {
          if (!failed) call.end();
        });
      }
    };

    call.on("data", (req: Incoming) => {
      if (failed) return;
      inflight++;
      queue.push({ req, arrived: Date.now() });
      if (inflight >= maxInflight && !paused) {
        paused = true;
        call.pause();
      }
      if (timer === undefined) pump();
    });
    call.on("end", () => {
      ended = true;
      if (timer === undefined) pump();
    });
    const stop = () => {
      failed = true;
      clearTimeout(timer);
      queue.length = 0;
    };
    call.on("error", stop);
    call.on("cancelled", stop);
  };
}
