// Notifier settings: named defaults, one parse step that names the bad key.
import type { ConnectionOptions } from "nats";
import type { Section } from "../config/fields.js";
import { InvalidArgumentError } from "../errors.js";

/**
 * DEFAULT_GROUP_WAIT_MS is how long (event time) a new incident waits before
 * its first notification, like Alertmanager's group_wait: an incident merged
 * or resolved within it never notifies, and the first notification carries
 * what detection learned in those seconds.
 */
export const DEFAULT_GROUP_WAIT_MS = 30_000;
/** DEFAULT_RETRY_BASE_MS is the first retry delay; it doubles per attempt. */
export const DEFAULT_RETRY_BASE_MS = 1_000;
/** DEFAULT_RETRY_MAX_MS caps one retry delay. */
export const DEFAULT_RETRY_MAX_MS = 5 * 60_000;
/** DEFAULT_MAX_ATTEMPTS is how many sends a notification gets before it is marked failed (about 20 minutes of retrying). */
export const DEFAULT_MAX_ATTEMPTS = 10;
/** DEFAULT_TARGET_CONCURRENCY is how many sends may be in flight to one target (notifications of one incident still go in order). */
export const DEFAULT_TARGET_CONCURRENCY = 4;
/** DEFAULT_MAX_QUEUED bounds notifications held in memory; the rest wait in the outbox table. */
export const DEFAULT_MAX_QUEUED = 10_000;
/** DEFAULT_REQUEST_TIMEOUT_MS bounds one webhook or PagerDuty request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** DEFAULT_TICK_MS is how often group waits are checked against the watermark and the outbox is re-read when the queue overflowed. */
export const DEFAULT_TICK_MS = 1_000;
/** DEFAULT_STATE_LOOKBACK_MS is how far back (wall clock) a start reads the outbox to learn what receivers were told. */
export const DEFAULT_STATE_LOOKBACK_MS = 7 * 24 * 3_600_000;
/** DEFAULT_EXTERNAL_URL is the link put in notifications (Alertmanager externalURL, PagerDuty client_url); empty = none. */
export const DEFAULT_EXTERNAL_URL = "";

/** NotifierOptions tune the notifier; every field is optional. */
export interface NotifierOptions {
  /** Send notifications at all. @default true */
  enabled?: boolean;
  /** @default DEFAULT_GROUP_WAIT_MS */
  groupWaitMs?: number;
  /** @default DEFAULT_RETRY_BASE_MS */
  retryBaseMs?: number;
  /** @default DEFAULT_RETRY_MAX_MS */
  retryMaxMs?: number;
  /** @default DEFAULT_MAX_ATTEMPTS */
  maxAttempts?: number;
  /** @default DEFAULT_TARGET_CONCURRENCY */
  targetConcurrency?: number;
  /** @default DEFAULT_MAX_QUEUED */
  maxQueued?: number;
  /** @default DEFAULT_REQUEST_TIMEOUT_MS */
  requestTimeoutMs?: number;
  /** @default DEFAULT_TICK_MS */
  tickMs?: number;
  /** @default DEFAULT_STATE_LOOKBACK_MS */
  stateLookbackMs?: number;
  /** @default DEFAULT_EXTERNAL_URL */
  externalUrl?: string;
  /** NATS connection for `nats` targets (servers, credentials); none = nats targets fail. */
  nats?: ConnectionOptions | undefined;
}

/** NotifierSettings are NotifierOptions with every default applied. */
export type NotifierSettings = Required<Omit<NotifierOptions, "nats">> &
  Pick<NotifierOptions, "nats">;

function int(v: number | undefined, key: string, fallback: number, lo: number, hi: number) {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < lo || v > hi)
    throw new InvalidArgumentError(
      `notify.${key}: expected an integer in [${lo}, ${hi}], got ${v}`,
    );
  return v;
}

/** parseNotifierOptions applies the defaults and checks every value. */
export function parseNotifierOptions(o: NotifierOptions = {}): NotifierSettings {
  const externalUrl = o.externalUrl ?? DEFAULT_EXTERNAL_URL;
  if (externalUrl !== "" && !/^https?:\/\/\S+$/.test(externalUrl))
    throw new InvalidArgumentError(
      `notify.external_url: expected an http(s) URL, got ${JSON.stringify(externalUrl)}`,
    );
  const s: NotifierSettings = {
    enabled: o.enabled ?? true,
    groupWaitMs: int(o.groupWaitMs, "group_wait_ms", DEFAULT_GROUP_WAIT_MS, 0, 3_600_000),
    retryBaseMs: int(o.retryBaseMs, "retry_base_ms", DEFAULT_RETRY_BASE_MS, 1, 3_600_000),
    retryMaxMs: int(o.retryMaxMs, "retry_max_ms", DEFAULT_RETRY_MAX_MS, 1, 86_400_000),
    maxAttempts: int(o.maxAttempts, "max_attempts", DEFAULT_MAX_ATTEMPTS, 1, 1_000),
    targetConcurrency: int(
      o.targetConcurrency,
      "target_concurrency",
      DEFAULT_TARGET_CONCURRENCY,
      1,
      256,
    ),
    maxQueued: int(o.maxQueued, "max_queued", DEFAULT_MAX_QUEUED, 1, 10_000_000),
    requestTimeoutMs: int(
      o.requestTimeoutMs,
      "request_timeout_ms",
      DEFAULT_REQUEST_TIMEOUT_MS,
      1,
      600_000,
    ),
    tickMs: int(o.tickMs, "tick_ms", DEFAULT_TICK_MS, 1, 600_000),
    stateLookbackMs: int(
      o.stateLookbackMs,
      "state_lookback_ms",
      DEFAULT_STATE_LOOKBACK_MS,
      0,
      366 * 86_400_000,
    ),
    externalUrl,
    nats: o.nats,
  };
  if (s.retryMaxMs < s.retryBaseMs)
    throw new InvalidArgumentError(
      `notify.retry_max_ms (${s.retryMaxMs}) must not be below notify.retry_base_ms (${s.retryBaseMs})`,
    );
  return s;
}

/** defaultNotifyConfig is what an absent `notify` section means. */
export function defaultNotifyConfig(): NotifierOptions {
  const d = parseNotifierOptions();
  return {
    enabled: d.enabled,
    groupWaitMs: d.groupWaitMs,
    retryBaseMs: d.retryBaseMs,
    retryMaxMs: d.retryMaxMs,
    maxAttempts: d.maxAttempts,
    targetConcurrency: d.targetConcurrency,
    maxQueued: d.maxQueued,
    requestTimeoutMs: d.requestTimeoutMs,
    externalUrl: d.externalUrl,
  };
}

/**
 * readNotifyConfig reads the config file's `notify` section (keys
 * enabled, group_wait, retry_base, retry_max, max_attempts,
 * target_concurrency, max_queued, request_timeout, external_url; durations
 * take "30s" or milliseconds) and closes it, naming any bad or unknown key.
 */
export function readNotifyConfig(s: Section): NotifierOptions {
  const d = parseNotifierOptions();
  const out: NotifierOptions = {
    enabled: s.bool("enabled", d.enabled),
    groupWaitMs: s.durationMs("group_wait", d.groupWaitMs, 0, 3_600_000),
    retryBaseMs: s.durationMs("retry_base", d.retryBaseMs, 1, 3_600_000),
    retryMaxMs: s.durationMs("retry_max", d.retryMaxMs, 1, 86_400_000),
    maxAttempts: s.int("max_attempts", d.maxAttempts, 1, 1_000),
    targetConcurrency: s.int("target_concurrency", d.targetConcurrency, 1, 256),
    maxQueued: s.int("max_queued", d.maxQueued, 1, 10_000_000),
    requestTimeoutMs: s.durationMs("request_timeout", d.requestTimeoutMs, 1, 600_000),
    externalUrl: s.optStr("external_url") ?? d.externalUrl,
  };
  s.done();
  parseNotifierOptions(out); // the cross-key checks (retry_max >= retry_base, URL form)
  return out;
}
