// The workload generator's knobs, their defaults and their validation. One
// parse step (parseWorkloadOptions) merges user options over the defaults and
// names the bad knob, so the benchmarks and `impactd load` share one meaning
// for every number.
import { InvalidArgumentError } from "../errors.js";

/** EVENT_KINDS are the kinds the generator can mix, by their short names. */
export const EVENT_KINDS = [
  "metric",
  "health",
  "alert",
  "change",
  "journey",
  "feedback",
  "device",
] as const;

/** EventKindName is one short kind name of EVENT_KINDS. */
export type EventKindName = (typeof EVENT_KINDS)[number];

/** EventMix gives each kind a relative weight (weights need not sum to 1). */
export type EventMix = Record<EventKindName, number>;

/** DEFAULT_SEED makes two runs with the same knobs send the same events. */
export const DEFAULT_SEED = 1;
/** DEFAULT_SERVICES is the estate size. */
export const DEFAULT_SERVICES = 200;
/** DEFAULT_FANOUT is how many services of the next layer each service calls. */
export const DEFAULT_FANOUT = 3;
/** DEFAULT_JOURNEYS is how many customer journeys the estate has. */
export const DEFAULT_JOURNEYS = 10;
/** DEFAULT_RATE is events per second of event time (and the send pace of `impactd load`). */
export const DEFAULT_RATE = 10_000;
/** DEFAULT_FAULT_RATE is injected faults per minute of event time. */
export const DEFAULT_FAULT_RATE = 1;
/** DEFAULT_FAULT_DURATION_MS is how long each injected fault lasts, in event time. */
export const DEFAULT_FAULT_DURATION_MS = 60_000;
/** DEFAULT_BATCH_SIZE is events per batch (one gRPC message, OTLP export or NATS message). */
export const DEFAULT_BATCH_SIZE = 1_000;
/** DEFAULT_PRODUCERS is how many concurrent senders share the stream. */
export const DEFAULT_PRODUCERS = 1;
/** DEFAULT_TENANT_NAME is the tenant generated events belong to. */
export const DEFAULT_LOAD_TENANT = "default";
/** DEFAULT_LOAD_SOURCE is the `source` of generated events. */
export const DEFAULT_LOAD_SOURCE = "impactd-load";

/**
 * DEFAULT_MIX is a monitoring stream as scrapes make it: mostly metric
 * samples, then probes and journey counts, a few alerts, feedback and
 * deploys. Parsed from "metric=70,health=10,...".
 */
export const DEFAULT_MIX: Readonly<EventMix> = {
  metric: 70,
  health: 10,
  alert: 4,
  change: 1,
  journey: 10,
  feedback: 3,
  device: 2,
};

/** MAX_SERVICES bounds the estate (memory of the topology and of the core). */
export const MAX_SERVICES = 1_000_000;
/** MAX_BATCH_SIZE matches the pipeline's largest accepted batch. */
export const MAX_BATCH_SIZE = 50_000;

/** WorkloadOptions are every knob of a workload, all set. */
export interface WorkloadOptions {
  /** @default DEFAULT_SEED */
  seed: number;
  /** @default DEFAULT_SERVICES */
  services: number;
  /** @default DEFAULT_FANOUT */
  fanout: number;
  /** @default DEFAULT_JOURNEYS */
  journeys: number;
  /** Events per second of event time. @default DEFAULT_RATE */
  rate: number;
  /** @default DEFAULT_MIX */
  mix: EventMix;
  /** Faults per minute of event time; 0 for healthy traffic only. @default DEFAULT_FAULT_RATE */
  faultRate: number;
  /** @default DEFAULT_FAULT_DURATION_MS */
  faultDurationMs: number;
  /** @default DEFAULT_BATCH_SIZE */
  batchSize: number;
  /** @default DEFAULT_PRODUCERS */
  producers: number;
  /** Event time of the first event, ms since the epoch. */
  startMs: number;
  /** @default DEFAULT_LOAD_TENANT */
  tenant: string;
  /** @default DEFAULT_LOAD_SOURCE */
  source: string;
  /** Give every event an id (so retries de-duplicate). @default true */
  ids: boolean;
}

function int(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isSafeInteger(v) || v < lo || v > hi) {
    throw new InvalidArgumentError(`${name} must be an integer in [${lo}, ${hi}], got ${v}`);
  }
  return v;
}

function num(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isFinite(v) || v < lo || v > hi) {
    throw new InvalidArgumentError(`${name} must be a number in [${lo}, ${hi}], got ${v}`);
  }
  return v;
}

/** parseMix reads "metric=70,health=10,alert=5" (kinds left out weigh 0). */
export function parseMix(text: string): EventMix {
  const mix: EventMix = {
    metric: 0,
    health: 0,
    alert: 0,
    change: 0,
    journey: 0,
    feedback: 0,
    device: 0,
  };
  for (const part of text.split(",")) {
    const t = part.trim();
    if (t === "") continue;
    const m = /^([a-z]+)\s*=\s*([0-9]+(?:\.[0-9]+)?)$/.exec(t);
    if (m === null) {
      throw new InvalidArgumentError(
        `mix ${JSON.stringify(text)}: ${JSON.stringify(t)} is not kind=weight (e.g. metric=70,health=10)`,
      );
    }
    const kind = m[1] as EventKindName;
    if (!(EVENT_KINDS as readonly string[]).includes(kind)) {
      throw new InvalidArgumentError(
        `mix: unknown kind ${JSON.stringify(kind)} (expected one of ${EVENT_KINDS.join(", ")})`,
      );
    }
    mix[kind] = Number(m[2]);
  }
  return checkMix(mix);
}

/** formatMix renders a mix the way parseMix reads it. */
export function formatMix(mix: EventMix): string {
  return EVENT_KINDS.filter((k) => mix[k] > 0)
    .map((k) => `${k}=${mix[k]}`)
    .join(",");
}

function checkMix(mix: EventMix): EventMix {
  let total = 0;
  for (const k of EVENT_KINDS) total += num(`mix.${k}`, mix[k], 0, 1e9);
  if (total <= 0) throw new InvalidArgumentError("mix: at least one kind needs a positive weight");
  return mix;
}

/** parseWorkloadOptions merges `given` over the defaults and validates every knob. */
export function parseWorkloadOptions(
  given: Partial<WorkloadOptions> & { startMs: number },
): WorkloadOptions {
  const o: WorkloadOptions = {
    seed: DEFAULT_SEED,
    services: DEFAULT_SERVICES,
    fanout: DEFAULT_FANOUT,
    journeys: DEFAULT_JOURNEYS,
    rate: DEFAULT_RATE,
    mix: { ...DEFAULT_MIX },
    faultRate: DEFAULT_FAULT_RATE,
    faultDurationMs: DEFAULT_FAULT_DURATION_MS,
    batchSize: DEFAULT_BATCH_SIZE,
    producers: DEFAULT_PRODUCERS,
    tenant: DEFAULT_LOAD_TENANT,
    source: DEFAULT_LOAD_SOURCE,
    ids: true,
    ...given,
  };
  int("seed", o.seed, 0, Number.MAX_SAFE_INTEGER);
  int("services", o.services, 1, MAX_SERVICES);
  int("fanout", o.fanout, 0, 64);
  int("journeys", o.journeys, 0, 100_000);
  num("rate", o.rate, 1e-3, 1e9);
  checkMix(o.mix);
  num("fault rate", o.faultRate, 0, 1e6);
  int("fault duration", o.faultDurationMs, 1, 86_400_000);
  int("batch size", o.batchSize, 1, MAX_BATCH_SIZE);
  int("producers", o.producers, 1, 1_024);
  int("start time", o.startMs, 1, Number.MAX_SAFE_INTEGER);
  if (o.mix.journey + o.mix.feedback > 0 && o.journeys === 0) {
    throw new InvalidArgumentError("mix has journey or feedback events but journeys is 0");
  }
  return o;
}
