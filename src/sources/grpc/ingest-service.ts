// IngestService.Ingest: a bidirectional stream of batches and acks. Batches
// are run in arrival order and acknowledged in the same order once durable.
// Reading pauses while too many batches wait for the sink, so a slow sink
// slows the client through gRPC flow control instead of growing memory.
import type { ServerDuplexStream } from "@grpc/grpc-js";
import { status } from "@grpc/grpc-js";
import {
  IngestRequest,
  type IngestResponse,
  IngestServiceService,
} from "../../gen/impactd/v1/api.js";
import type { Pipeline } from "../../pipeline/pipeline.js";
import { RejectCode } from "../../pipeline/validate.js";

/** DEFAULT_MAX_INFLIGHT_BATCHES per stream before reading pauses. */
export const DEFAULT_MAX_INFLIGHT_BATCHES = 8;

/** Malformed marks a request whose bytes did not decode as IngestRequest. */
interface Malformed {
  malformed: string;
  bytes: number;
  excerpt: string;
}

type Incoming = IngestRequest | Malformed;

/**
 * ingestServiceDefinition is IngestServiceService with a deserializer that
 * turns undecodable bytes into a value the handler can reject and record,
 * instead of grpc-js failing the whole stream.
 */
export const ingestServiceDefinition = {
  ingest: {
    ...IngestServiceService.ingest,
    requestDeserialize: (buf: Buffer): Incoming => {
      try {
        return IngestRequest.decode(buf);
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

/** ingestHandler serves one Ingest stream. */
export function ingestHandler(
  pipeline: Pipeline,
  opts: {
    maxInflight?: number;
    tenantOf?: (call: ServerDuplexStream<Incoming, IngestResponse>) => string | undefined;
  } = {},
) {
  const maxInflight = opts.maxInflight ?? DEFAULT_MAX_INFLIGHT_BATCHES;
  return (call: ServerDuplexStream<Incoming, IngestResponse>): void => {
    const tenant = opts.tenantOf?.(call);
    let chain: Promise<void> = Promise.resolve();
    let inflight = 0;
    let paused = false;
    let failed = false;
    call.on("data", (req: Incoming) => {
      if (failed) return;
      inflight++;
      if (inflight >= maxInflight && !paused) {
        paused = true;
        call.pause();
      }
      let work: Promise<IngestResponse>;
      if ("malformed" in req) {
        const reason = `request is not a valid impactd.v1.IngestRequest (${req.bytes} bytes): ${req.malformed}`;
        work = pipeline
          .recordRejection({
            frontEnd: "grpc",
            ...(tenant === undefined ? {} : { tenant }),
            code: RejectCode.Malformed,
            reason,
            payload: req.excerpt,
          })
          .then(() => ({
            batchId: 0,
            accepted: 0,
            rejections: [{ index: 0, code: RejectCode.Malformed, reason, eventId: "" }],
            duplicates: 0,
            unknownServices: [],
          }));
      } else {
        // submit does the core work now, synchronously, so order is kept.
        work = pipeline
          .submit(req.events, { frontEnd: "grpc", ...(tenant === undefined ? {} : { tenant }) })
          .then((r) => ({
            batchId: req.batchId,
            accepted: r.accepted,
            rejections: r.rejections,
            duplicates: r.duplicates,
            unknownServices: r.unknownServices,
          }));
      }
      chain = chain
        .then(() => work)
        .then((res) => {
          if (!failed) call.write(res);
        })
        .catch((err: unknown) => {
          if (failed) return;
          failed = true;
          const e = err as { retryable?: boolean; message?: string };
          call.emit("error", {
            code: e.retryable === false ? status.INTERNAL : status.UNAVAILABLE,
            details: `ingest failed: ${e.message ?? String(err)}`,
          });
        })
        .finally(() => {
          inflight--;
          if (paused && inflight < maxInflight / 2) {
            paused = false;
            call.resume();
          }
        });
    });
    call.on("end", () => {
      void chain.then(() => {
        if (!failed) call.end();
      });
    });
    call.on("error", () => {
      failed = true;
    });
  };
}
