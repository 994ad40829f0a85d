// The NATS front end: one connection, a JetStream durable pull consumer (the
// reliable path) and a core NATS subscription (at most once), both feeding
// the pipeline. See docs/INGEST.md, "NATS".
import type { NatsConnection } from "nats";
import type { NatsConfig } from "../../config/nats.js";
import { ImpactdError } from "../../errors.js";
import type { Pipeline } from "../../pipeline/pipeline.js";
import type { Security } from "../../security/index.js";
import { connectNats } from "./connect.js";
import { type CoreStats, CoreSubscriber } from "./core.js";
import type { Authorize } from "./ingest.js";
import { JetStreamConsumer, type JetStreamStats } from "./jetstream.js";
import { PartitionConsumer, type PartitionStats } from "./partition.js";

/** NatsSourceOptions configure startNatsSource. */
export interface NatsSourceOptions {
  pipeline: Pipeline;
  config: NatsConfig;
  /** Connection name shown by the server (monitoring). @default "impactd" */
  name?: string;
  /** Where warnings go. @default console.error with an "impactd nats:" prefix */
  log?: (message: string) => void;
  /**
   * With auth on, every message must carry `Authorization: Bearer <token>`
   * of a token with the ingest role, bound to the subject's tenant (or "*").
   */
  security?: Security;
}

/** authorizer checks a message's bearer token against the subject's tenant. */
export function authorizer(security: Security): Authorize {
  return (m, tenant) => {
    const id = security.authenticate({ get: (k) => m.header?.(k) ?? "" });
    if (id instanceof ImpactdError) return { code: id.code, reason: id.message };
    try {
      security.authorize(id, "ingest");
    } catch (err) {
      if (err instanceof ImpactdError) return { code: err.code, reason: err.message };
      throw err;
    }
    if (id.tenant !== undefined && id.tenant !== tenant) {
      return {
        code: "PERMISSION_DENIED",
        reason: `token ${id.name} is bound to tenant ${id.tenant}, not ${tenant}`,
      };
    }
    return undefined;
  };
}

/** NatsSource is the running NATS front end. */
export interface NatsSource {
  readonly connection: NatsConnection;
  /** What it consumes, for `impactd serve` to report. */
  readonly listening: string[];
  stats(): {
    jetstream: JetStreamStats | undefined;
    core: CoreStats | undefined;
    /** Exclusive mode only. */
    partition: PartitionStats | undefined;
  };
  /** close stops intake, waits for in-flight messages to be durable and acked, and disconnects. */
  close(): Promise<void>;
  /**
   * kill drops the connection at once, leaving fetched messages unacked for
   * JetStream to redeliver (a crash, as other instances see it).
   */
  kill(): Promise<void>;
}

/** startNatsSource connects and starts consuming as configured. */
export async function startNatsSource(opts: NatsSourceOptions): Promise<NatsSource> {
  const c = opts.config;
  const log = opts.log ?? ((m: string) => console.error(`impactd nats: ${m}`));
  const nc = await connectNats(c, opts.name);
  const authorize = opts.security?.auth.enabled === true ? authorizer(opts.security) : undefined;
  let js: JetStreamConsumer | PartitionConsumer | undefined;
  let core: CoreSubscriber | undefined;
  const listening: string[] = [];
  try {
    if (c.jetstream) {
      js = c.exclusive
        ? await PartitionConsumer.start(nc, opts.pipeline, c, log, authorize)
        : await JetStreamConsumer.start(nc, opts.pipeline, c, log, undefined, authorize);
      listening.push(
        `JetStream ${c.stream}/${c.durable} on ${c.subjectPrefix}.> at ${c.url}${c.exclusive ? " (exclusive: leased partition)" : ""}`,
      );
    }
    if (c.core) {
      core = new CoreSubscriber(nc, opts.pipeline, c, log, authorize);
      listening.push(`core NATS ${c.coreSubjectPrefix}.> at ${c.url}`);
    }
  } catch (err) {
    await nc.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    connection: nc,
    listening,
    stats: () => ({
      jetstream: js?.stats,
      core: core?.stats,
      partition: js instanceof PartitionConsumer ? js.partition : undefined,
    }),
    close() {
      closing ??= (async () => {
        await Promise.all([
          js instanceof PartitionConsumer ? js.close() : js?.stop(),
          core?.stop(),
        ]);
        // Acks are plain publishes: flush them before the connection goes.
        await nc.drain().catch(() => nc.close());
      })();
      return closing;
    },
    kill() {
      closing ??= (async () => {
        const stopping = js instanceof PartitionConsumer ? js.kill() : js?.stop(true);
        await nc.close();
        await stopping;
      })();
      return closing;
    },
  };
}
