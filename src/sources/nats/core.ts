// The low-stakes NATS path: a core NATS queue subscription on
// `<core prefix>.>`. Core NATS delivers at most once and cannot be paused, so
// when the sink is backed up beyond the in-flight bound, messages are dropped,
// counted, and the drop is recorded as one OVERLOADED row in rejected_events
// per episode. A message sent as a request gets a JSON reply once its effects
// are durable (or with the reason it was refused). Use JetStream where nothing
// may be lost.
import { Match, type Msg, type NatsConnection, type Subscription } from "nats";
import type { NatsConfig } from "../../config/nats.js";
import { DEFAULT_MAX_BATCH_EVENTS, type Pipeline } from "../../pipeline/pipeline.js";
import {
  type Authorize,
  FRONT_END,
  type Incoming,
  ingestMessages,
  type Outcome,
} from "./ingest.js";
import { DEFAULT_LINGER_MS } from "./jetstream.js";

/** OVERLOADED is the code recorded for core messages dropped under overload. */
export const OVERLOADED = "OVERLOADED";

/** CoreStats are the core subscription's counters. */
export interface CoreStats {
  received: number;
  dropped: number;
  inflight: number;
  failed: number;
}

type Log = (message: string) => void;

/** CoreReply is the JSON body answering a request. */
export interface CoreReply {
  accepted: number;
  duplicates: number;
  rejections: { index: number; code: string; reason: string }[];
  /** Set when nothing was accepted or the sink failed. */
  error?: string;
}

function incoming(m: Msg): Incoming {
  const h = m.headers;
  return {
    subject: m.subject,
    data: m.data,
    contentType: h?.has("Content-Type", Match.IgnoreCase)
      ? h.get("Content-Type", Match.IgnoreCase)
      : undefined,
    msgId: h?.has("Nats-Msg-Id") ? h.get("Nats-Msg-Id") : undefined,
    streamRef: undefined,
    header: (k) => h?.get(k, Match.IgnoreCase) || undefined,
  };
}

function reply(o: Outcome): CoreReply {
  const r: CoreReply = {
    accepted: o.accepted,
    duplicates: o.duplicates,
    rejections: o.rejections,
  };
  if (o.verdict === "term") r.error = o.reason;
  return r;
}

/** CoreSubscriber feeds core NATS messages to the pipeline in small batches. */
export class CoreSubscriber {
  readonly stats: CoreStats = { received: 0, dropped: 0, inflight: 0, failed: 0 };
  private readonly sub: Subscription;
  private pending: Msg[] = [];
  private timer: NodeJS.Timeout | undefined;
  private droppedUnrecorded = 0;
  private readonly batches = new Set<Promise<void>>();

  constructor(
    nc: NatsConnection,
    private readonly pipeline: Pipeline,
    private readonly c: NatsConfig,
    private readonly log: Log,
    private readonly authorize?: Authorize,
  ) {
    // A queue group: several impactd instances share the feed, each message
    // goes to one of them.
    this.sub = nc.subscribe(`${c.coreSubjectPrefix}.>`, {
      queue: c.durable,
      callback: (err, m) => {
        if (err === null) this.onMessage(m);
      },
    });
  }

  /** stop unsubscribes and waits for accepted messages to become durable. */
  async stop(): Promise<void> {
    await this.sub.drain().catch(() => undefined);
    this.hand();
    this.recordDrops();
    await Promise.allSettled([...this.batches]);
  }

  private onMessage(m: Msg): void {
    this.stats.received++;
    if (this.stats.inflight >= this.c.maxInflight || this.pipeline.overloaded()) {
      this.stats.dropped++;
      if (this.droppedUnrecorded++ === 0)
        this.log("sink backed up: dropping core NATS messages (use JetStream for no loss)");
      if (m.reply !== undefined)
        m.respond(
          JSON.stringify({ accepted: 0, duplicates: 0, rejections: [], error: OVERLOADED }),
        );
      return;
    }
    this.recordDrops();
    this.stats.inflight++;
    this.pending.push(m);
    if (this.pending.length >= this.c.batch) this.hand();
    else this.timer ??= setTimeout(() => this.hand(), DEFAULT_LINGER_MS);
  }

  private recordDrops(): void {
    const n = this.droppedUnrecorded;
    if (n === 0) return;
    this.droppedUnrecorded = 0;
    const p = this.pipeline
      .recordRejection({
        frontEnd: FRONT_END,
        code: OVERLOADED,
        reason: `dropped ${n} core NATS messages on ${this.c.coreSubjectPrefix}.> while the sink was backed up`,
        payload: "",
      })
      .catch((err: unknown) =>
        this.log(`cannot record dropped messages: ${(err as Error).message}`),
      )
      .finally(() => this.batches.delete(p));
    this.batches.add(p);
  }

  private hand(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const msgs = this.pending;
    this.pending = [];
    const done = ingestMessages(
      this.pipeline,
      this.c.coreSubjectPrefix,
      msgs.map(incoming),
      DEFAULT_MAX_BATCH_EVENTS,
      false,
      this.authorize,
    )
      .then((outcomes) => {
        for (let i = 0; i < msgs.length; i++) {
          const m = msgs[i] as Msg;
          const o = outcomes[i];
          if (m.reply !== undefined && o !== undefined) m.respond(JSON.stringify(reply(o)));
        }
      })
      .catch((err: unknown) => {
        this.stats.failed += msgs.length;
        this.log(
          `core NATS batch of ${msgs.length} messages not stored: ${(err as Error).message}`,
        );
        for (const m of msgs) {
          if (m.reply !== undefined)
            m.respond(
              JSON.stringify({ accepted: 0, duplicates: 0, rejections: [], error: "SINK_ERROR" }),
            );
        }
      })
      .finally(() => {
        this.stats.inflight -= msgs.length;
        this.batches.delete(done);
      });
    this.batches.add(done);
  }
}
