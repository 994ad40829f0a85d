// Batches over impactd's native Ingest stream (one bidirectional stream per
// producer). Batches are encoded once as IngestRequest bytes without a batch
// id; the id is prepended at send time (protobuf fields may come in any
// order), and acks arrive in batch order.
import { Client, type ClientDuplexStream, credentials, Metadata } from "@grpc/grpc-js";
import { IngestRequest, IngestResponse } from "../gen/impactd/v1/api.js";
import type { Event } from "../gen/impactd/v1/event.js";
import { type Ack, LoadTargetError, type Prepared, type Sender } from "./sender.js";

const INGEST_PATH = "/impactd.v1.IngestService/Ingest";
const MAX_MESSAGE = 64 * 1024 * 1024;

// Varint encoding of a batch id after field 1's tag (0x08).
function batchIdPrefix(id: number): Buffer {
  const bytes = [0x08];
  let v = id;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

/** GrpcSender streams batches to IngestService.Ingest. */
export class GrpcSender implements Sender<Buffer> {
  readonly via = "grpc" as const;
  private readonly client: Client;
  private call: ClientDuplexStream<Buffer, IngestResponse> | undefined;
  private readonly waiting: { resolve: (a: Ack) => void; reject: (e: Error) => void }[] = [];
  private nextId = 1;
  private failure: Error | undefined;
  private ended: Promise<void> | undefined;

  constructor(
    readonly address: string,
    private readonly token?: string,
  ) {
    this.client = new Client(address, credentials.createInsecure(), {
      "grpc.max_send_message_length": MAX_MESSAGE,
      "grpc.max_receive_message_length": MAX_MESSAGE,
    });
  }

  private open(): ClientDuplexStream<Buffer, IngestResponse> {
    if (this.call !== undefined) return this.call;
    const md = new Metadata();
    if (this.token !== undefined) md.set("authorization", `Bearer ${this.token}`);
    const call = this.client.makeBidiStreamRequest<Buffer, IngestResponse>(
      INGEST_PATH,
      (b) => b,
      (b) => IngestResponse.decode(b),
      md,
    );
    call.on("data", (res: IngestResponse) => {
      this.waiting.shift()?.resolve({
        accepted: res.accepted,
        rejected: res.rejections.length,
        duplicates: res.duplicates,
        retries: 0,
      });
    });
    this.ended = new Promise((resolve) => {
      const finish = (err?: Error) => {
        if (err !== undefined) {
          this.failure = new LoadTargetError(`gRPC ingest to ${this.address}: ${err.message}`, {
            cause: err,
          });
        }
        for (const w of this.waiting.splice(0))
          w.reject(this.failure ?? new LoadTargetError("ingest stream ended before the ack"));
        resolve();
      };
      call.on("error", (err: Error) => finish(err));
      call.on("end", () => finish());
    });
    this.call = call;
    return call;
  }

  prepare(events: readonly Event[], firstSeq: number): Prepared<Buffer> {
    const bytes = IngestRequest.encode({ batchId: 0, events: events as Event[] }).finish();
    return { count: events.length, firstSeq, payload: Buffer.from(bytes) };
  }

  send(batch: Prepared<Buffer>): Promise<Ack> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const call = this.open();
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      call.write(Buffer.concat([batchIdPrefix(this.nextId++), batch.payload]));
    });
  }

  async close(): Promise<void> {
    if (this.call !== undefined) {
      this.call.end();
      await this.ended;
    }
    this.client.close();
  }
}
