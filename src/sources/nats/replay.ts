// State rebuild for an instance taking over a partition: the partition's
// messages up to the consumer's ack floor (all of them processed and stored
// by the previous owner) are read again from the stream with an ordered
// consumer and run through the core in replay mode: the core state, the
// incident tracker and the de-duplication memory end up as the previous
// owner's were, and nothing is written twice. Messages past the floor are
// redelivered by the durable consumer as usual.
import { AckPolicy, DeliverPolicy, type NatsConnection, nanos } from "nats";
import type { NatsConfig } from "../../config/nats.js";
import type { Pipeline } from "../../pipeline/pipeline.js";
import { DEFAULT_MAX_BATCH_EVENTS } from "../../pipeline/pipeline.js";
import { ingestMessages } from "./ingest.js";
import { DEFAULT_FETCH_EXPIRES_MS, incoming } from "./jetstream.js";

/** replayPartition replays stream messages with sequence <= `upTo`; returns how many. */
export async function replayPartition(
  nc: NatsConnection,
  pipeline: Pipeline,
  c: NatsConfig,
  upTo: number,
): Promise<number> {
  if (upTo <= 0) return 0;
  // A plain ephemeral pull consumer without acks: nats.js's ordered
  // consumer relies on server 2.10 features and reads nothing from 2.9.
  const jsm = await nc.jetstreamManager();
  const info = await jsm.consumers.add(c.stream, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.All,
    filter_subject: `${c.subjectPrefix}.>`,
    inactive_threshold: nanos(60_000),
    mem_storage: true,
  });
  const consumer = await nc.jetstream().consumers.get(c.stream, info.name);
  let replayed = 0;
  let empty = 0;
  // Stops at the floor, or when the stream has nothing more (messages past
  // its retention are gone: state older than that cannot be rebuilt).
  while (empty < 2) {
    const iter = await consumer.fetch({ max_messages: c.batch, expires: DEFAULT_FETCH_EXPIRES_MS });
    const batch = [];
    let done = false;
    for await (const m of iter) {
      if (m.info.streamSequence > upTo) {
        done = true;
        iter.stop();
        break;
      }
      batch.push(incoming(m));
      if (m.info.streamSequence === upTo) {
        done = true;
        iter.stop();
        break;
      }
    }
    if (batch.length === 0) empty++;
    else {
      await ingestMessages(pipeline, c.subjectPrefix, batch, DEFAULT_MAX_BATCH_EVENTS, true);
      replayed += batch.length;
    }
    if (done) break;
  }
  await consumer.delete().catch(() => undefined);
  return replayed;
}
