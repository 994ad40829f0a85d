// The `nats:` section of the service config and its IMPACTD_NATS_* overrides.
// Parsed as part of parseConfig (config.ts); every error names the bad key.
import { InvalidArgumentError } from "../errors.js";
import type { Section } from "./fields.js";

/** DEFAULT_NATS_URL is the NATS server impactd connects to. */
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";
/** DEFAULT_NATS_SUBJECT_PREFIX: JetStream subjects are `<prefix>.<tenant>.<kind>`. */
export const DEFAULT_NATS_SUBJECT_PREFIX = "impactd.events";
/** DEFAULT_NATS_CORE_SUBJECT_PREFIX: core NATS (at-most-once) subjects are `<prefix>.<tenant>.<kind>`. */
export const DEFAULT_NATS_CORE_SUBJECT_PREFIX = "impactd.core";
/** DEFAULT_NATS_STREAM is the JetStream stream holding the event subjects. */
export const DEFAULT_NATS_STREAM = "IMPACTD_EVENTS";
/** DEFAULT_NATS_DURABLE is the durable pull consumer's name. */
export const DEFAULT_NATS_DURABLE = "impactd";
/** DEFAULT_NATS_BATCH is how many messages one fetch asks for. */
export const DEFAULT_NATS_BATCH = 250;
/** DEFAULT_NATS_MAX_INFLIGHT bounds messages fetched and not yet acked, per instance. */
export const DEFAULT_NATS_MAX_INFLIGHT = 10_000;
/** DEFAULT_NATS_MAX_ACK_PENDING bounds unacked messages on the server, over all instances. */
export const DEFAULT_NATS_MAX_ACK_PENDING = 20_000;
/** DEFAULT_NATS_ACK_WAIT_MS: a message not acked (nor marked working) for this long is redelivered. */
export const DEFAULT_NATS_ACK_WAIT_MS = 30_000;
/** DEFAULT_NATS_STREAM_MAX_AGE_MS is how long a stream impactd creates keeps events (7 days). */
export const DEFAULT_NATS_STREAM_MAX_AGE_MS = 7 * 24 * 3_600_000;
/** DEFAULT_NATS_DUPLICATE_WINDOW_MS is the stream's Nats-Msg-Id de-duplication window (2 minutes). */
export const DEFAULT_NATS_DUPLICATE_WINDOW_MS = 120_000;

/** DEFAULT_NATS_LEASE_BUCKET is the KV bucket of partition leases (exclusive mode). */
export const DEFAULT_NATS_LEASE_BUCKET = "impactd_leases";
/** DEFAULT_NATS_LEASE_TTL_MS: a dead instance's partition is taken over after this long. */
export const DEFAULT_NATS_LEASE_TTL_MS = 10_000;

/** NatsConfig configures the NATS front end. */
export interface NatsConfig {
  /** Connect to NATS at start. @default false */
  enabled: boolean;
  /** Server URL(s), comma-separated. @default DEFAULT_NATS_URL */
  url: string;
  /** Token auth. */
  token: string | undefined;
  /** User/password auth (both or neither). */
  user: string | undefined;
  password: string | undefined;
  /** A `.creds` file (user JWT + nkey seed, decentralised auth). */
  credsFile: string | undefined;
  /** A file holding an nkey seed (`SU...`), for nkey auth. */
  nkeySeedFile: string | undefined;
  /** Consume `<subjectPrefix>.>` through a JetStream durable pull consumer. @default true */
  jetstream: boolean;
  /** @default DEFAULT_NATS_SUBJECT_PREFIX */
  subjectPrefix: string;
  /** Subscribe to `<coreSubjectPrefix>.>` with core NATS (at-most-once). @default true */
  core: boolean;
  /** @default DEFAULT_NATS_CORE_SUBJECT_PREFIX */
  coreSubjectPrefix: string;
  /** @default DEFAULT_NATS_STREAM */
  stream: string;
  /** Create the stream when it does not exist. @default true */
  createStream: boolean;
  /** @default DEFAULT_NATS_DURABLE */
  durable: string;
  /** Messages per fetch. @default DEFAULT_NATS_BATCH */
  batch: number;
  /** @default DEFAULT_NATS_MAX_INFLIGHT */
  maxInflight: number;
  /** @default DEFAULT_NATS_MAX_ACK_PENDING */
  maxAckPending: number;
  /** @default DEFAULT_NATS_ACK_WAIT_MS */
  ackWaitMs: number;
  /** @default DEFAULT_NATS_STREAM_MAX_AGE_MS */
  streamMaxAgeMs: number;
  /** @default DEFAULT_NATS_DUPLICATE_WINDOW_MS */
  duplicateWindowMs: number;
  /**
   * Own the consumer exclusively through a lease, rebuilding state from the
   * stream on take-over (several instances, docs/NATS-SCALE.md). @default false
   */
  exclusive: boolean;
  /** @default DEFAULT_NATS_LEASE_BUCKET */
  leaseBucket: string;
  /** @default DEFAULT_NATS_LEASE_TTL_MS */
  leaseTtlMs: number;
}

/** defaultNatsConfig returns a fresh copy of the NATS defaults. */
export function defaultNatsConfig(): NatsConfig {
  return {
    enabled: false,
    url: DEFAULT_NATS_URL,
    token: undefined,
    user: undefined,
    password: undefined,
    credsFile: undefined,
    nkeySeedFile: undefined,
    jetstream: true,
    subjectPrefix: DEFAULT_NATS_SUBJECT_PREFIX,
    core: true,
    coreSubjectPrefix: DEFAULT_NATS_CORE_SUBJECT_PREFIX,
    stream: DEFAULT_NATS_STREAM,
    createStream: true,
    durable: DEFAULT_NATS_DURABLE,
    batch: DEFAULT_NATS_BATCH,
    maxInflight: DEFAULT_NATS_MAX_INFLIGHT,
    maxAckPending: DEFAULT_NATS_MAX_ACK_PENDING,
    ackWaitMs: DEFAULT_NATS_ACK_WAIT_MS,
    streamMaxAgeMs: DEFAULT_NATS_STREAM_MAX_AGE_MS,
    duplicateWindowMs: DEFAULT_NATS_DUPLICATE_WINDOW_MS,
    exclusive: false,
    leaseBucket: DEFAULT_NATS_LEASE_BUCKET,
    leaseTtlMs: DEFAULT_NATS_LEASE_TTL_MS,
  };
}

// NATS subject tokens: no wildcards, whitespace or empty tokens.
const SUBJECT_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
// JetStream stream and consumer names: no dots, wildcards or whitespace.
const JS_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function matching(s: Section, key: string, fallback: string, re: RegExp, what: string): string {
  const v = s.str(key, fallback);
  if (!re.test(v))
    throw new InvalidArgumentError(`config ${s.name(key)}: ${JSON.stringify(v)} is not ${what}`);
  return v;
}

/** readNats validates the `nats:` section; IMPACTD_NATS_<KEY> env vars override its keys. */
export function readNats(s: Section): NatsConfig {
  const d = defaultNatsConfig();
  const subject = "a subject prefix (dot-separated tokens of letters, digits, _ and -)";
  const jsName = "a JetStream name (letters, digits, _ and -)";
  const c: NatsConfig = {
    enabled: s.bool("enabled", d.enabled),
    url: s.str("url", d.url),
    token: s.optStr("token"),
    user: s.optStr("user"),
    password: s.optStr("password"),
    credsFile: s.optStr("creds_file"),
    nkeySeedFile: s.optStr("nkey_seed_file"),
    jetstream: s.bool("jetstream", d.jetstream),
    subjectPrefix: matching(s, "subject_prefix", d.subjectPrefix, SUBJECT_PREFIX, subject),
    core: s.bool("core", d.core),
    coreSubjectPrefix: matching(
      s,
      "core_subject_prefix",
      d.coreSubjectPrefix,
      SUBJECT_PREFIX,
      subject,
    ),
    stream: matching(s, "stream", d.stream, JS_NAME, jsName),
    createStream: s.bool("create_stream", d.createStream),
    durable: matching(s, "durable", d.durable, JS_NAME, jsName),
    batch: s.int("batch", d.batch, 1, 10_000),
    maxInflight: s.int("max_inflight", d.maxInflight, 1, 1_000_000),
    maxAckPending: s.int("max_ack_pending", d.maxAckPending, 1, 1_000_000),
    ackWaitMs: s.durationMs("ack_wait_ms", d.ackWaitMs, 1_000, 3_600_000),
    streamMaxAgeMs: s.durationMs("stream_max_age_ms", d.streamMaxAgeMs, 0, 365 * 86_400_000),
    duplicateWindowMs: s.durationMs("duplicate_window_ms", d.duplicateWindowMs, 0, 86_400_000),
    exclusive: s.bool("exclusive", d.exclusive),
    leaseBucket: matching(s, "lease_bucket", d.leaseBucket, JS_NAME, jsName),
    leaseTtlMs: s.durationMs("lease_ttl_ms", d.leaseTtlMs, 500, 600_000),
  };
  s.done();
  if ((c.user === undefined) !== (c.password === undefined))
    throw new InvalidArgumentError("config nats.user and nats.password: set both or neither");
  const methods = [c.token, c.user, c.credsFile, c.nkeySeedFile].filter((x) => x !== undefined);
  if (methods.length > 1) {
    throw new InvalidArgumentError(
      "config nats: choose one of token, user/password, creds_file and nkey_seed_file",
    );
  }
  const [a, b] = [c.subjectPrefix, c.coreSubjectPrefix];
  if (c.jetstream && c.core && (a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`))) {
    // The stream captures every publish on its subjects, so a core
    // subscription on the same subjects would count each event twice.
    throw new InvalidArgumentError(
      "config nats.core_subject_prefix: must not overlap nats.subject_prefix (the stream would capture core subjects too)",
    );
  }
  if (c.batch > c.maxInflight)
    throw new InvalidArgumentError("config nats.batch: must not exceed nats.max_inflight");
  return c;
}
