// The seeded workload generator: an estate (src/load/topology.ts), a stream
// of impactd.v1 events over it at a fixed density in event time, with the
// kinds mixed by weight and faults injected as a Poisson process. Healthy
// services report healthy values; a fault's root reports DOWN and high error
// rates, its callers degrade, the journeys that need them fail more and their
// feedback drops. Same options, same events, byte for byte.
import {
  AlertSeverity,
  AlertState,
  ChangeKind,
  type Event,
  FeedbackScale,
  HealthStatus,
  JourneyOutcome,
  MetricKind,
} from "../gen/impactd/v1/event.js";
import type { Topology } from "../gen/impactd/v1/topology.js";
import { Rng } from "../sim/rng.js";
import { type Affected, FaultSchedule, type InjectedFault } from "./faults.js";
import {
  EVENT_KINDS,
  type EventKindName,
  parseWorkloadOptions,
  type WorkloadOptions,
} from "./options.js";
import { type EstateIndex, generateEstate } from "./topology.js";

/** DEFAULT_FAULT_WARMUP_MS keeps the first fault back until baselines have samples. */
export const DEFAULT_FAULT_WARMUP_MS = 10_000;
/** DEVICES is how many distinct device ids device telemetry uses. */
export const DEVICES = 1_000;
/** ALERT_ON_FAULT is the chance that an alert event is about a service a fault touches, while one runs. */
export const ALERT_ON_FAULT = 0.8;

// Indices into EVENT_KINDS; device telemetry (6) is the switch's default.
const K_METRIC = 0;
const K_HEALTH = 1;
const K_ALERT = 2;
const K_CHANGE = 3;
const K_JOURNEY = 4;
const K_FEEDBACK = 5;

/** WorkloadInit is what a Workload needs: any knobs, and the event time to start at. */
export type WorkloadInit = Partial<WorkloadOptions> & { startMs: number; faultWarmupMs?: number };

/** Workload generates the events of one seeded workload, in event-time order. */
export class Workload {
  readonly options: WorkloadOptions;
  readonly topology: Topology;
  readonly index: EstateIndex;
  private readonly schedule: FaultSchedule;
  private readonly rng: Rng;
  private readonly cumulative: number[];
  private readonly msPerEvent: number;
  private seq = 0;
  /** Onset events wait here, each with the fault it starts when it is the failing probe. */
  private readonly pending: { ev: Event; onsetOf: number | undefined }[] = [];
  private readonly onsets = new Map<number, number>();
  private deploys = 0;

  constructor(init: WorkloadInit) {
    this.options = parseWorkloadOptions(init);
    const o = this.options;
    const estate = generateEstate(o);
    this.topology = estate.topology;
    this.index = estate.index;
    this.rng = new Rng(o.seed).fork("events");
    this.schedule = new FaultSchedule(this.index, new Rng(o.seed).fork("faults"), {
      startMs: o.startMs,
      faultRate: o.faultRate,
      faultDurationMs: o.faultDurationMs,
      warmupMs: init.faultWarmupMs ?? DEFAULT_FAULT_WARMUP_MS,
    });
    let total = 0;
    this.cumulative = EVENT_KINDS.map((k) => {
      total += o.mix[k];
      return total;
    });
    for (let i = 0; i < this.cumulative.length; i++)
      this.cumulative[i] = (this.cumulative[i] as number) / total;
    this.msPerEvent = 1000 / o.rate;
  }

  /** faults lists every fault started so far (ground truth), in onset order. */
  get faults(): readonly InjectedFault[] {
    return this.schedule.faults;
  }

  /** generated is how many events have been made. */
  get generated(): number {
    return this.seq;
  }

  /** onsetSeq is the sequence number of a fault's first event (its DOWN probe), if made yet. */
  onsetSeq(faultId: number): number | undefined {
    return this.onsets.get(faultId);
  }

  /** eventTime is the event time of the event with sequence number `seq`. */
  eventTime(seq: number): number {
    return this.options.startMs + Math.floor(seq * this.msPerEvent);
  }

  /** spanMs is the event time `count` events cover. */
  spanMs(count: number): number {
    return Math.ceil(count * this.msPerEvent);
  }

  /** nextBatch makes the next `size` events (default: the batch size knob). */
  nextBatch(size = this.options.batchSize): Event[] {
    const out: Event[] = new Array(size);
    for (let i = 0; i < size; i++) out[i] = this.next();
    return out;
  }

  /** next makes the next event. */
  next(): Event {
    const seq = this.seq;
    const ts = this.eventTime(seq);
    for (const f of this.schedule.advance(ts)) this.onsetEvents(f, ts);
    this.seq++;
    const injected = this.pending.shift();
    if (injected !== undefined) {
      injected.ev.tsUnixMs = ts;
      injected.ev.id = this.id(seq);
      if (injected.onsetOf !== undefined) this.onsets.set(injected.onsetOf, seq);
      return injected.ev;
    }
    const r = this.rng.next();
    let k = 0;
    while (k < this.cumulative.length - 1 && r >= (this.cumulative[k] as number)) k++;
    return this.make(k, ts, seq);
  }

  // Ids name the run (seed and start time) and the event, so a retried batch
  // is recognised as a duplicate while a new run is new data.
  private id(seq: number): string {
    return this.options.ids ? `${this.runId}-${seq}` : "";
  }

  /** runId names this workload: seed and start time. Event ids and NATS message ids start with it. */
  get runId(): string {
    this.run ??= `load-${this.options.seed}-${this.options.startMs.toString(36)}`;
    return this.run;
  }
  private run: string | undefined;

  private base(ts: number, seq: number, kind: Event["kind"]): Event {
    return {
      tsUnixMs: ts,
      source: this.options.source,
      tenant: this.options.tenant,
      id: this.id(seq),
      kind,
    };
  }

  // The events that mark a fault's start: a deploy first when a deploy
  // caused it, the root's failing probe, and its critical alert.
  private onsetEvents(f: InjectedFault, ts: number): void {
    const service = f.rootName;
    if (f.deploy) {
      const ev = this.base(ts, 0, {
        $case: "change",
        value: {
          service,
          kind: ChangeKind.CHANGE_KIND_DEPLOY,
          version: `v${++this.deploys}`,
          description: "release",
        },
      });
      this.pending.push({ ev, onsetOf: undefined });
    }
    const probe = this.base(ts, 0, {
      $case: "healthCheck",
      value: { service, status: HealthStatus.HEALTH_STATUS_DOWN, message: "connection refused" },
    });
    this.pending.push({ ev: probe, onsetOf: f.id });
    this.pending.push({
      ev: this.base(ts, 0, this.alert(service, true, true)),
      onsetOf: undefined,
    });
  }

  private service(): number {
    return this.rng.int(this.index.names.length);
  }

  private make(k: number, ts: number, seq: number): Event {
    switch (k) {
      case K_METRIC: {
        const s = this.service();
        return this.base(ts, seq, {
          $case: "metric",
          value: this.metric(this.index.names[s] as string, this.schedule.affected(s)),
        });
      }
      case K_HEALTH: {
        const s = this.service();
        const a = this.schedule.affected(s);
        const status =
          a === undefined
            ? HealthStatus.HEALTH_STATUS_OK
            : a.root
              ? HealthStatus.HEALTH_STATUS_DOWN
              : this.rng.chance(0.5)
                ? HealthStatus.HEALTH_STATUS_DEGRADED
                : HealthStatus.HEALTH_STATUS_OK;
        return this.base(ts, seq, {
          $case: "healthCheck",
          value: { service: this.index.names[s] as string, status, message: "" },
        });
      }
      case K_ALERT: {
        const active = this.schedule.activeServices();
        const onFault = active.length > 0 && this.rng.chance(ALERT_ON_FAULT);
        const s = onFault ? (active[this.rng.int(active.length)] as number) : this.service();
        const a = this.schedule.affected(s);
        const service = this.index.names[s] as string;
        return this.base(ts, seq, this.alert(service, a !== undefined, a?.root ?? false));
      }
      case K_CHANGE: {
        const s = this.service();
        return this.base(ts, seq, {
          $case: "change",
          value: {
            service: this.index.names[s] as string,
            kind: this.rng.chance(0.7)
              ? ChangeKind.CHANGE_KIND_DEPLOY
              : ChangeKind.CHANGE_KIND_CONFIG,
            version: `v${++this.deploys}`,
            description: "routine",
          },
        });
      }
      case K_JOURNEY:
        return this.base(ts, seq, this.journey());
      case K_FEEDBACK:
        return this.base(ts, seq, this.feedback());
      default: {
        const s = this.service();
        const m = this.metric(this.index.names[s] as string, this.schedule.affected(s));
        return this.base(ts, seq, {
          $case: "deviceTelemetry",
          value: {
            deviceId: `device-${this.rng.int(DEVICES)}`,
            service: m.service,
            metric: m.metric,
            customName: "",
            value: m.value,
          },
        });
      }
    }
  }

  private metric(service: string, a: Affected | undefined) {
    const r = this.rng.next();
    const bad = a === undefined ? 0 : a.root ? 2 : 1;
    let metric: MetricKind;
    let value: number;
    if (r < 0.6) {
      metric = MetricKind.METRIC_KIND_ERROR_RATE;
      value = [
        0.001 + this.rng.next() * 0.009,
        0.1 + this.rng.next() * 0.2,
        0.6 + this.rng.next() * 0.3,
      ][bad] as number;
    } else if (r < 0.9) {
      metric = MetricKind.METRIC_KIND_LATENCY_P99_MS;
      value = [
        50 + this.rng.next() * 100,
        1200 + this.rng.next() * 1300,
        2000 + this.rng.next() * 3000,
      ][bad] as number;
    } else if (r < 0.95) {
      metric = MetricKind.METRIC_KIND_SATURATION;
      value = bad === 0 ? 0.3 + this.rng.next() * 0.3 : 0.9 + this.rng.next() * 0.1;
    } else {
      metric = MetricKind.METRIC_KIND_THROUGHPUT;
      value = (bad === 2 ? 10 : 100) + this.rng.next() * 900;
    }
    return { service, metric, customName: "", value };
  }

  private alert(service: string, failing: boolean, root: boolean): Event["kind"] {
    const name = root ? "ServiceDown" : failing ? "HighErrorRate" : "NoisyCheck";
    const firing = failing || this.rng.chance(0.1);
    return {
      $case: "alert",
      value: {
        service,
        name,
        severity: root
          ? AlertSeverity.ALERT_SEVERITY_CRITICAL
          : AlertSeverity.ALERT_SEVERITY_WARNING,
        labels: { alertname: name, service, severity: root ? "critical" : "warning" },
        state: firing ? AlertState.ALERT_STATE_FIRING : AlertState.ALERT_STATE_RESOLVED,
        fingerprint: "",
        summary: "",
      },
    };
  }

  // A journey fails more while a service one of its steps needs is affected.
  private journeyHit(j: number): boolean {
    for (const s of this.schedule.activeServices()) {
      if ((this.index.journeysOf[s] ?? []).includes(j)) return true;
    }
    return false;
  }

  private journey(): Event["kind"] {
    const j = this.rng.int(this.index.journeys.length);
    const spec = this.index.journeys[j] as { name: string; steps: readonly string[] };
    const step = this.rng.int(spec.steps.length);
    const failRatio = this.journeyHit(j) ? 0.3 : 0.01;
    const r = this.rng.next();
    const outcome =
      step === 0 && r < 0.5
        ? JourneyOutcome.JOURNEY_OUTCOME_STARTED
        : r < failRatio
          ? JourneyOutcome.JOURNEY_OUTCOME_FAILED
          : r < failRatio + 0.02
            ? JourneyOutcome.JOURNEY_OUTCOME_ABANDONED
            : JourneyOutcome.JOURNEY_OUTCOME_COMPLETED;
    return {
      $case: "journeySignal",
      value: {
        journey: spec.name,
        step: spec.steps[step] as string,
        outcome,
        count: 1 + this.rng.int(20),
      },
    };
  }

  private feedback(): Event["kind"] {
    const j = this.rng.int(this.index.journeys.length);
    const hit = this.journeyHit(j);
    const score = Math.min(10, Math.max(0, Math.round((hit ? 3 : 8) + this.rng.normal() * 1.5)));
    return {
      $case: "feedback",
      value: {
        journey: (this.index.journeys[j] as { name: string }).name,
        score,
        scale: FeedbackScale.FEEDBACK_SCALE_NPS,
        channel: "app",
        text: "",
      },
    };
  }
}

/** kindName is the short mix name of an event's kind. */
export function kindName(ev: Event): EventKindName | undefined {
  switch (ev.kind?.$case) {
    case "metric":
      return "metric";
    case "healthCheck":
      return "health";
    case "alert":
      return "alert";
    case "change":
      return "change";
    case "journeySignal":
      return "journey";
    case "feedback":
      return "feedback";
    case "deviceTelemetry":
      return "device";
    default:
      return undefined;
  }
}
