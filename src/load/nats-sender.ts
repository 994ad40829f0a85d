// Batches published to JetStream, one IngestRequest (protobuf) per message on
// `<prefix>.<tenant>`, the subjects impactd's NATS front end consumes. The ack
// is JetStream's: the message is stored in the stream (impactd acks its
// consumer later, after durable writes). Each message carries a Nats-Msg-Id
// derived from the workload, so a re-run inside the stream's duplicate window
// is answered "duplicate" instead of being stored twice.
import { connect, headers, type JetStreamClient, type NatsConnection } from "nats";
import { IngestRequest } from "../gen/impactd/v1/api.js";
import type { Event } from "../gen/impactd/v1/event.js";
import { type Ack, LoadTargetError, type Prepared, type Sender } from "./sender.js";

/** DEFAULT_NATS_LOAD_PREFIX is the subject prefix impactd's JetStream consumer reads by default. */
export const DEFAULT_NATS_LOAD_PREFIX = "impactd.events";

/** NatsSender publishes batches to JetStream. */
export class NatsSender implements Sender<Uint8Array> {
  readonly via = "nats" as const;
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;

  private constructor(
    readonly url: string,
    private readonly subject: string,
    private readonly idPrefix: string,
  ) {}

  /** connect opens a connection to `url` and checks JetStream answers. */
  static async connect(
    url: string,
    opts: { tenant: string; prefix?: string; idPrefix: string },
  ): Promise<NatsSender> {
    const s = new NatsSender(
      url,
      `${opts.prefix ?? DEFAULT_NATS_LOAD_PREFIX}.${opts.tenant}`,
      opts.idPrefix,
    );
    try {
      s.nc = await connect({ servers: url, maxReconnectAttempts: 3 });
    } catch (err) {
      throw new LoadTargetError(`cannot connect to NATS at ${url}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    s.js = s.nc.jetstream();
    return s;
  }

  prepare(events: readonly Event[], firstSeq: number): Prepared<Uint8Array> {
    return {
      count: events.length,
      firstSeq,
      payload: IngestRequest.encode({ batchId: firstSeq, events: events as Event[] }).finish(),
    };
  }

  async send(batch: Prepared<Uint8Array>): Promise<Ack> {
    const h = headers();
    h.set("Content-Type", "application/x-protobuf; proto=impactd.v1.IngestRequest");
    try {
      const pa = await (this.js as JetStreamClient).publish(this.subject, batch.payload, {
        headers: h,
        msgID: `${this.idPrefix}-${batch.firstSeq}`,
      });
      return pa.duplicate
        ? { accepted: 0, rejected: 0, duplicates: batch.count, retries: 0 }
        : { accepted: batch.count, rejected: 0, duplicates: 0, retries: 0 };
    } catch (err) {
      const msg = (err as Error).message;
      const hint = /no responders|503/i.test(msg)
        ? ` (no JetStream stream holds ${this.subject}: start impactd with NATS enabled, which creates it)`
        : "";
      throw new LoadTargetError(`JetStream publish to ${this.subject}: ${msg}${hint}`, {
        cause: err,
      });
    }
  }

  async close(): Promise<void> {
    await this.nc?.drain();
  }
}
