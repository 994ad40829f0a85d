// The reliable NATS path: a JetStream durable pull consumer read with batched
// fetches. A message is acked only after its batch's effects (events,
// incident versions, rejections) are durable in the sink; poison messages are
// recorded and terminated so they are never redelivered; redeliveries carry
// the same event ids, which the pipeline drops as duplicates. Fetching pauses
// while the sink is backed up or too many messages wait for it, so a slow
// sink slows intake instead of growing memory.
import {
  AckPolicy,
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamManager,
  type JsMsg,
  Match,
  type NatsConnection,
  nanos,
  RetentionPolicy,
  StorageType,
} from "nats";
import type { NatsConfig } from "../../config/nats.js";
import { DEFAULT_MAX_BATCH_EVENTS, type Pipeline } from "../../pipeline/pipeline.js";
import { NatsSourceError } from "./errors.js";
import { type Authorize, type Incoming, ingestMessages } from "./ingest.js";

/** DEFAULT_FETCH_EXPIRES_MS is how long one pull request waits for messages. */
export const DEFAULT_FETCH_EXPIRES_MS = 2_000;
/** DEFAULT_LINGER_MS: messages of a slow fetch are handed on after this long. */
export const DEFAULT_LINGER_MS = 5;
/**
 * DEFAULT_MAX_INFLIGHT_BYTES bounds payload bytes fetched and not yet acked:
 * with batched messages the message count alone says little about memory.
 */
export const DEFAULT_MAX_INFLIGHT_BYTES = 64 * 1024 * 1024;
/**
 * DEFAULT_HAND_BYTES: a fetch's messages go to the pipeline in slices of about
 * this much payload, so one large fetch of batched messages does not block
 * the event loop (and delay acks) for seconds.
 */
export const DEFAULT_HAND_BYTES = 512 * 1024;
/** DEFAULT_PAUSE_POLL_MS is how often a paused consumer checks the sink again. */
export const DEFAULT_PAUSE_POLL_MS = 20;

/** JetStreamStats are the consumer's counters, for metrics and tests. */
export interface JetStreamStats {
  fetched: number;
  acked: number;
  termed: number;
  naked: number;
  redelivered: number;
  /** Messages fetched and not yet acked, termed or naked. */
  inflight: number;
  /** Their payload bytes. */
  inflightBytes: number;
  /** Times fetching paused because the sink was backed up. */
  pauses: number;
  fetchErrors: number;
}

type Log = (message: string) => void;

function isNotFound(err: unknown): boolean {
  const e = err as { code?: string; api_error?: { code?: number } };
  return e.code === "404" || e.api_error?.code === 404;
}

/** ensureStream creates the event stream unless it exists (or only checks, when told not to create). */
export async function ensureStream(jsm: JetStreamManager, c: NatsConfig): Promise<void> {
  try {
    await jsm.streams.info(c.stream);
    return;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!c.createStream) {
    throw new NatsSourceError(
      `JetStream stream ${c.stream} does not exist and nats.create_stream is false`,
    );
  }
  await jsm.streams.add({
    name: c.stream,
    subjects: [`${c.subjectPrefix}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(c.streamMaxAgeMs),
    duplicate_window: nanos(c.duplicateWindowMs),
  });
}

/** ensureConsumer creates the durable pull consumer, or updates its limits. */
export async function ensureConsumer(jsm: JetStreamManager, c: NatsConfig): Promise<void> {
  const limits = { max_ack_pending: c.maxAckPending, ack_wait: nanos(c.ackWaitMs) };
  try {
    const info = await jsm.consumers.info(c.stream, c.durable);
    if (
      info.config.max_ack_pending !== limits.max_ack_pending ||
      info.config.ack_wait !== limits.ack_wait
    ) {
      await jsm.consumers.update(c.stream, c.durable, limits);
    }
    return;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  await jsm.consumers.add(c.stream, {
    durable_name: c.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: `${c.subjectPrefix}.>`,
    // Never give up on a message: poison is terminated explicitly, and a
    // message that keeps failing for a transient reason must not vanish.
    max_deliver: -1,
    ...limits,
  });
}

/** incoming reads what the ingest step needs from a JetStream message. */
export function incoming(m: JsMsg): Incoming {
  const h = m.headers;
  return {
    subject: m.subject,
    data: m.data,
    contentType: h?.has("Content-Type", Match.IgnoreCase)
      ? h.get("Content-Type", Match.IgnoreCase)
      : undefined,
    msgId: h?.has("Nats-Msg-Id") ? h.get("Nats-Msg-Id") : undefined,
    streamRef: `${m.info.stream}:${m.info.streamSequence}`,
    header: (k) => h?.get(k, Match.IgnoreCase) || undefined,
  };
}

/** emptyStats returns zeroed JetStream counters. */
export function emptyStats(): JetStreamStats {
  return {
    fetched: 0,
    acked: 0,
    termed: 0,
    naked: 0,
    redelivered: 0,
    inflight: 0,
    inflightBytes: 0,
    pauses: 0,
    fetchErrors: 0,
  };
}

/** JetStreamConsumer reads the durable consumer into the pipeline until stopped. */
export class JetStreamConsumer {
  private stopping = false;
  private abandoned = false;
  private current: ConsumerMessages | undefined;
  private readonly unsettled = new Set<JsMsg>();
  private readonly batches = new Set<Promise<void>>();
  private wake: (() => void) | undefined;
  private loop: Promise<void> = Promise.resolve();
  private heartbeat: NodeJS.Timeout | undefined;

  private constructor(
    private readonly consumer: Consumer,
    private readonly pipeline: Pipeline,
    private readonly c: NatsConfig,
    private readonly log: Log,
    /** Counters; shared across take-overs in exclusive mode. */
    readonly stats: JetStreamStats,
    private readonly authorize: Authorize | undefined,
  ) {}

  /** start ensures the stream and consumer exist and starts fetching. */
  static async start(
    nc: NatsConnection,
    pipeline: Pipeline,
    c: NatsConfig,
    log: Log,
    stats: JetStreamStats = emptyStats(),
    authorize?: Authorize,
  ): Promise<JetStreamConsumer> {
    let consumer: Consumer;
    try {
      const jsm = await nc.jetstreamManager();
      await ensureStream(jsm, c);
      await ensureConsumer(jsm, c);
      consumer = await nc.jetstream().consumers.get(c.stream, c.durable);
    } catch (cause) {
      if (cause instanceof NatsSourceError) throw cause;
      throw new NatsSourceError(
        `JetStream set-up of stream ${c.stream}, consumer ${c.durable} failed: ${(cause as Error).message}`,
        { cause },
      );
    }
    const self = new JetStreamConsumer(consumer, pipeline, c, log, stats, authorize);
    // Messages waiting on a slow sink are marked in progress so the server
    // does not redeliver them elsewhere while they are being written.
    self.heartbeat = setInterval(
      () => {
        for (const m of self.unsettled) m.working();
      },
      Math.max(500, Math.floor(c.ackWaitMs / 3)),
    );
    self.heartbeat.unref();
    self.loop = self.run();
    return self;
  }

  /**
   * stop stops fetching. Unless `abandon`, the pull request already open is
   * let run out (at most DEFAULT_FETCH_EXPIRES_MS): the server may still be
   * sending its messages, and any left unprocessed would come back to the
   * next owner only after ack_wait, behind newer ones. Then it waits for the
   * in-flight batches to become durable and be acked. Abandoned messages are
   * left unacked for the server to redeliver (to this or another instance).
   */
  async stop(abandon = false): Promise<void> {
    this.stopping = true;
    this.abandoned ||= abandon;
    if (abandon) this.current?.stop();
    this.wake?.();
    await this.loop;
    if (!abandon) await Promise.allSettled([...this.batches]);
    clearInterval(this.heartbeat);
  }

  private room(): boolean {
    return (
      this.stats.inflight + this.c.batch <= this.c.maxInflight &&
      this.stats.inflightBytes < DEFAULT_MAX_INFLIGHT_BYTES
    );
  }

  private async waitForRoom(): Promise<void> {
    let paused = false;
    while (!this.stopping && (!this.room() || this.pipeline.overloaded())) {
      if (!paused) {
        paused = true;
        this.stats.pauses++;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, DEFAULT_PAUSE_POLL_MS);
      });
      this.wake = undefined;
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      await this.waitForRoom();
      if (this.stopping) break;
      try {
        await this.fetchOnce();
        failures = 0;
      } catch (err) {
        if (this.stopping) break;
        this.stats.fetchErrors++;
        failures++;
        if (failures === 1 || failures % 50 === 0)
          this.log(`JetStream fetch failed (${failures} in a row): ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** Math.min(failures, 6))));
      }
    }
  }

  private async fetchOnce(): Promise<void> {
    const iter = await this.consumer.fetch({
      max_messages: this.c.batch,
      expires: DEFAULT_FETCH_EXPIRES_MS,
    });
    this.current = iter;
    let pending: JsMsg[] = [];
    let pendingBytes = 0;
    let timer: NodeJS.Timeout | undefined;
    const hand = () => {
      clearTimeout(timer);
      timer = undefined;
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      pendingBytes = 0;
      this.process(batch);
    };
    try {
      for await (const m of iter) {
        this.stats.fetched++;
        this.stats.inflight++;
        this.stats.inflightBytes += m.data.byteLength;
        if (m.redelivered) this.stats.redelivered++;
        this.unsettled.add(m);
        pending.push(m);
        pendingBytes += m.data.byteLength;
        // A full fetch arrives in one burst; a trickle is handed on after a
        // short linger so single events are not held for the whole fetch.
        if (pendingBytes >= DEFAULT_HAND_BYTES) hand();
        else timer ??= setTimeout(hand, DEFAULT_LINGER_MS);
      }
    } finally {
      this.current = undefined;
      hand();
    }
  }

  // One line per second at most: a flood of poison must not flood the log.
  private lastTermLog = 0;
  private unloggedTerms = 0;
  private logTerm(subject: string, reason: string): void {
    const now = Date.now();
    if (now - this.lastTermLog < 1_000) {
      this.unloggedTerms++;
      return;
    }
    const more = this.unloggedTerms > 0 ? ` (${this.unloggedTerms} more since the last line)` : "";
    this.lastTermLog = now;
    this.unloggedTerms = 0;
    this.log(`terminated poison message on ${subject}: ${reason.slice(0, 300)}${more}`);
  }

  private process(msgs: JsMsg[]): void {
    const work = ingestMessages(
      this.pipeline,
      this.c.subjectPrefix,
      msgs.map(incoming),
      DEFAULT_MAX_BATCH_EVENTS,
      false,
      this.authorize,
    ).then((outcomes) => {
      for (let i = 0; i < msgs.length; i++) {
        const m = msgs[i] as JsMsg;
        const o = outcomes[i];
        if (this.abandoned || o === undefined) continue;
        if (o.verdict === "term") {
          // No reason on the wire: nats-server 2.9 ignores a "+TERM <reason>"
          // ack altogether (measured) and redelivers. The reason is in
          // rejected_events and the log.
          m.term();
          this.stats.termed++;
          this.logTerm(m.subject, o.reason);
        } else {
          m.ack();
          this.stats.acked++;
        }
      }
    });
    const done = work
      .catch((err: unknown) => {
        // The sink failed for good: nothing of this batch may be acked. Ask
        // for redelivery later rather than losing it.
        this.log(
          `JetStream batch of ${msgs.length} messages not stored: ${(err as Error).message}`,
        );
        if (this.abandoned) return;
        for (const m of msgs) m.nak(5_000);
        this.stats.naked += msgs.length;
      })
      .finally(() => {
        for (const m of msgs) this.unsettled.delete(m);
        this.stats.inflight -= msgs.length;
        for (const m of msgs) this.stats.inflightBytes -= m.data.byteLength;
        this.batches.delete(done);
        this.wake?.();
      });
    this.batches.add(done);
  }
}
