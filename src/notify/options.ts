// Notifier settings: named defaults, one parse step that names the bad key.
import type { ConnectionOptions } from "nats";
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

/** NOTIFY_CONFIG_KEYS are the keys of the config file's `notify` section. */
export const NOTIFY_CONFIG_KEYS = [
  "enabled",
  "group_wait_ms",
  "retry_base_ms",
  "retry_max_ms",
  "max_attempts",
  "target_concurrency",
  "max_queued",
  "request_timeout_ms",
  "external_url",
] as const;

/**
 * notifyOptionsFromConfig reads the config file's `notify` section (snake_case
 * keys, see NOTIFY_CONFIG_KEYS) into NotifierOptions, naming any bad key.
 */
export function notifyOptionsFromConfig(raw: unknown): NotifierOptions {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new InvalidArgumentError("config notify: expected a mapping");
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(NOTIFY_CONFIG_KEYS as readonly string[]).includes(k))
      throw new InvalidArgumentError(
        `config notify.${k}: unknown key (expected one of ${NOTIFY_CONFIG_KEYS.join(", ")})`,
      );
  }
  const num = (k: string): number | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
    if (typeof n !== "number" || !Number.isFinite(n))
      throw new InvalidArgumentError(
        `config notify.${k}: expected a number, got ${JSON.stringify(v)}`,
      );
    return n;
  };
  if (o.enabled !== undefined && typeof o.enabled !== "boolean")
    throw new InvalidArgumentError("config notify.enabled: expected true or false");
  if (o.external_url !== undefined && typeof o.external_url !== "string")
    throw new InvalidArgumentError("config notify.external_url: expected a string");
  const out: NotifierOptions = {
    enabled: o.enabled as boolean | undefined,
    groupWaitMs: num("group_wait_ms"),
    retryBaseMs: num("retry_base_ms"),
    retryMaxMs: num("retry_max_ms"),
    maxAttempts: num("max_attempts"),
    targetConcurrency: num("target_concurrency"),
    maxQueued: num("max_queued"),
    requestTimeoutMs: num("request_timeout_ms"),
    externalUrl: o.external_url as string | undefined,
  };
  for (const k of Object.keys(out) as (keyof NotifierOptions)[])
    if (out[k] === undefined) delete out[k];
  parseNotifierOptions(out); // the same checks, so a bad file fails at load
  return out;
}
