// One pass of a simulation: a timer queue drives every periodic signal
// (metrics, probes, journey counts, deploys, fault markers) and each timer
// yields its events, so the stream is produced lazily in event-time order.
// All mutable state lives here, so each Simulator.events() call replays from
// scratch and gives the same sequence.
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
import {
  badShare,
  feedbackFor,
  feedbackPerMinute,
  journeyOutcomes,
  type SimFeedback,
  type SimJourney,
} from "./journeys.js";
import type { EstateModel, EstateState, ModelFault } from "./model.js";
import { Rng } from "./rng.js";
import { TimerQueue } from "./timer-queue.js";

/** DEFAULT_STATE_STEP_MS is the resolution of the true state (faults start on this grid). */
export const DEFAULT_STATE_STEP_MS = 1_000;
/** DEFAULT_JOURNEY_INTERVAL_MS is how often journey counts are reported. */
export const DEFAULT_JOURNEY_INTERVAL_MS = 60_000;
/** DEFAULT_ALERT_ERROR_RATE is the error rate above which HighErrorRate fires (Prometheus rule). */
export const DEFAULT_ALERT_ERROR_RATE = 0.05;
/** DEFAULT_ALERT_CRITICAL_ERROR_RATE is the error rate above which HighErrorRate is CRITICAL. */
export const DEFAULT_ALERT_CRITICAL_ERROR_RATE = 0.5;
/** DEFAULT_ALERT_RESEND_MS is how often a firing alert is re-sent (Alertmanager's repeat). */
export const DEFAULT_ALERT_RESEND_MS = 60_000;
/** DEFAULT_ERROR_NOISE is the standard deviation of error-rate noise, in logit units. */
export const DEFAULT_ERROR_NOISE = 0.15; // about +-15% relative at baseline
/** DEFAULT_LATENCY_NOISE is the standard deviation of p99 noise, in log units. */
export const DEFAULT_LATENCY_NOISE = 0.1;
/** DEFAULT_THROUGHPUT_NOISE is the log-normal spread of a throughput sample. */
export const DEFAULT_THROUGHPUT_NOISE = 0.05;

/** SimConfig is everything a run needs, resolved and validated by Simulator. */
export interface SimConfig {
  seed: number;
  startMs: number;
  durationMs: number;
  tenant: string;
  source: string;
  metricIntervalMs: number;
  healthIntervalMs: number;
  routineDeploysPerServicePerDay: number;
  model: EstateModel;
  faults: readonly ModelFault[];
  journeys: readonly SimJourney[];
  /** Send each service's request rate with its metrics. */
  throughput: boolean;
}

type Timer =
  | { t: "metric"; svc: number }
  | { t: "health"; svc: number }
  | { t: "journeys" }
  | { t: "feedback"; journey: number; answer: SimFeedback }
  | { t: "routine-deploy" }
  | { t: "fault-start"; fault: number }
  | { t: "fault-repeat"; fault: number }
  | { t: "fault-end"; fault: number };

type Kind = NonNullable<Event["kind"]>;

const NOISY_ALERT_NAMES = [
  "HighMemoryUsage",
  "DiskSpaceLow",
  "CertificateExpiringSoon",
  "NodeClockSkew",
];
const HEALTH_MESSAGES: Record<number, string> = {
  [HealthStatus.HEALTH_STATUS_OK]: "probe ok",
  [HealthStatus.HEALTH_STATUS_DEGRADED]: "probe slow or partially failing",
  [HealthStatus.HEALTH_STATUS_DOWN]: "probe failed: HTTP 503",
};

/** SimRun generates one simulation's events; create a new one per pass. */
export class SimRun {
  private readonly queue = new TimerQueue<Timer>();
  private readonly endMs: number;
  private n = 0;
  private readonly state: EstateState;
  private stateAt = Number.NaN;
  private readonly scratch: EstateState;
  // Independent streams, so changing one kind of signal leaves the others' noise intact.
  private readonly metricRng: Rng;
  private readonly trafficRng: Rng;
  private readonly feedbackRng: Rng;
  private readonly deployRng: Rng;
  private readonly rateRng: Rng;
  private readonly alertFiring: Uint8Array;
  private readonly alertSentAt: Float64Array;
  private readonly alertFingerprints: string[];
  private readonly minor: Int32Array;
  private readonly noisyNames: string[];
  private readonly rollbackTo = new Map<number, string>();

  constructor(private readonly cfg: SimConfig) {
    const { model, startMs } = cfg;
    const root = new Rng(cfg.seed);
    const n = model.services.length;
    this.endMs = startMs + cfg.durationMs;
    this.state = model.newState();
    this.scratch = model.newState();
    this.metricRng = root.fork("metrics");
    this.trafficRng = root.fork("traffic");
    this.feedbackRng = root.fork("feedback");
    this.deployRng = root.fork("deploys");
    this.rateRng = root.fork("throughput");
    this.alertFiring = new Uint8Array(n);
    this.alertSentAt = new Float64Array(n);
    this.alertFingerprints = model.services.map((s) => fingerprint(`HighErrorRate|${s.name}`));
    const versions = root.fork("versions");
    this.minor = Int32Array.from(model.services, () => versions.int(30));
    const names = root.fork("noise");
    this.noisyNames = cfg.faults.map(() => names.pick(NOISY_ALERT_NAMES));

    // Fault markers first: at equal times they precede the samples they explain.
    cfg.faults.forEach((f, i) => {
      this.queue.push(f.absStartMs, { t: "fault-start", fault: i });
      this.queue.push(f.absStartMs + f.durationMs, { t: "fault-end", fault: i });
    });
    // Scrapes and probes run at a fixed per-service phase, as Prometheus spreads its targets.
    const phases = root.fork("phases");
    for (let svc = 0; svc < n; svc++) {
      this.queue.push(startMs + phases.int(cfg.metricIntervalMs), { t: "metric", svc });
      this.queue.push(startMs + phases.int(cfg.healthIntervalMs), { t: "health", svc });
    }
    this.queue.push(startMs + DEFAULT_JOURNEY_INTERVAL_MS, { t: "journeys" });
    this.scheduleRoutineDeploy(startMs);
  }

  /** events yields the run's events in non-decreasing event time. */
  *events(): Generator<Event> {
    for (;;) {
      const next = this.queue.pop();
      if (next === undefined || next.at >= this.endMs) return;
      yield* this.fire(next.at, next.item);
    }
  }

  private fire(at: number, timer: Timer): Event[] {
    switch (timer.t) {
      case "metric":
        this.queue.push(at + this.cfg.metricIntervalMs, timer);
        return this.metrics(at, timer.svc);
      case "health":
        this.queue.push(at + this.cfg.healthIntervalMs, timer);
        return [this.health(at, timer.svc)];
      case "journeys":
        this.queue.push(at + DEFAULT_JOURNEY_INTERVAL_MS, timer);
        return this.journeySignals(at);
      case "feedback": {
        const j = this.cfg.journeys[timer.journey];
        if (j === undefined) return [];
        const { score, channel, text } = timer.answer;
        return [
          this.event(at, {
            $case: "feedback",
            value: {
              journey: j.name,
              score,
              scale: FeedbackScale.FEEDBACK_SCALE_NPS,
              channel,
              text,
            },
          }),
        ];
      }
      case "routine-deploy":
        this.scheduleRoutineDeploy(at);
        return [this.deploy(at, this.deployRng.int(this.cfg.model.services.length))];
      case "fault-start":
      case "fault-repeat":
      case "fault-end":
        return this.faultMarker(at, timer.t, timer.fault);
    }
  }

  private event(at: number, kind: Kind, id?: string): Event {
    const { seed, source, tenant } = this.cfg;
    return { tsUnixMs: at, source, tenant, id: id ?? `sim-${seed}-${this.n++}`, kind };
  }

  // trueState returns the estate's state for the grid step holding `at`;
  // consecutive samples mostly share a step, so it is computed once per step.
  private trueState(at: number): EstateState {
    const { startMs } = this.cfg;
    const q = startMs + Math.floor((at - startMs) / DEFAULT_STATE_STEP_MS) * DEFAULT_STATE_STEP_MS;
    if (q !== this.stateAt) {
      this.cfg.model.evaluate(q, this.cfg.faults, this.state);
      this.stateAt = q;
    }
    return this.state;
  }

  private metrics(at: number, svc: number): Event[] {
    const s = this.cfg.model.services[svc];
    if (s === undefined) return [];
    const st = this.trueState(at);
    const rng = this.metricRng;
    const trueErr = Math.min(1 - 1e-6, Math.max(1e-6, st.errorRate[svc] ?? 0));
    const logit = Math.log(trueErr / (1 - trueErr)) + DEFAULT_ERROR_NOISE * rng.normal();
    const errorRate = round(1 / (1 + Math.exp(-logit)), 6);
    const latency = round(
      (st.latencyMs[svc] ?? 0) * Math.exp(DEFAULT_LATENCY_NOISE * rng.normal()),
      1,
    );
    const out = [
      this.metric(at, s.name, MetricKind.METRIC_KIND_ERROR_RATE, errorRate),
      this.metric(at, s.name, MetricKind.METRIC_KIND_LATENCY_P99_MS, latency),
    ];
    if (this.cfg.throughput) {
      // Offered load: callers keep calling a failing service.
      const rate = round(s.rps * Math.exp(DEFAULT_THROUGHPUT_NOISE * this.rateRng.normal()), 2);
      out.push(this.metric(at, s.name, MetricKind.METRIC_KIND_THROUGHPUT, rate));
    }
    const firing = this.alertFiring[svc] === 1;
    if (errorRate > DEFAULT_ALERT_ERROR_RATE) {
      if (!firing || at - (this.alertSentAt[svc] ?? 0) >= DEFAULT_ALERT_RESEND_MS) {
        this.alertFiring[svc] = 1;
        this.alertSentAt[svc] = at;
        out.push(this.highErrorRate(at, svc, AlertState.ALERT_STATE_FIRING, errorRate));
      }
    } else if (firing) {
      this.alertFiring[svc] = 0;
      out.push(this.highErrorRate(at, svc, AlertState.ALERT_STATE_RESOLVED, errorRate));
    }
    return out;
  }

  private metric(at: number, service: string, metric: MetricKind, value: number): Event {
    return this.event(at, { $case: "metric", value: { service, metric, customName: "", value } });
  }

  private highErrorRate(at: number, svc: number, state: AlertState, errorRate: number): Event {
    const service = this.cfg.model.services[svc]?.name ?? "";
    const critical = errorRate > DEFAULT_ALERT_CRITICAL_ERROR_RATE;
    return this.event(at, {
      $case: "alert",
      value: {
        service,
        name: "HighErrorRate",
        severity: critical
          ? AlertSeverity.ALERT_SEVERITY_CRITICAL
          : AlertSeverity.ALERT_SEVERITY_ERROR,
        // One series per service: the severity label moves with the value, as
        // with a single rule whose severity is templated.
        labels: { alertname: "HighErrorRate", service, severity: critical ? "critical" : "error" },
        state,
        fingerprint: this.alertFingerprints[svc] ?? "",
        summary: `error rate ${(errorRate * 100).toFixed(1)}% on ${service}`,
      },
    });
  }

  private health(at: number, svc: number): Event {
    const { model, faults, healthIntervalMs } = this.cfg;
    let status = model.health(svc, this.trueState(at));
    for (const f of faults) {
      const since = at - f.absStartMs;
      if (f.kind !== "flapping" || f.svc !== svc || since < 0 || since >= f.durationMs) continue;
      // A flaky probe: every other check fails, whatever the service does.
      const nth = Math.floor(since / healthIntervalMs);
      status = nth % 2 === 0 ? HealthStatus.HEALTH_STATUS_DOWN : HealthStatus.HEALTH_STATUS_OK;
    }
    const service = model.services[svc]?.name ?? "";
    return this.event(at, {
      $case: "healthCheck",
      value: { service, status, message: HEALTH_MESSAGES[status] ?? "" },
    });
  }

  private journeySignals(at: number): Event[] {
    const { model, journeys } = this.cfg;
    // Counts describe the minute that just closed: sample its middle.
    const mid = at - DEFAULT_JOURNEY_INTERVAL_MS / 2;
    model.evaluate(mid, this.cfg.faults, this.scratch);
    const rng = this.trafficRng;
    const out: Event[] = [];
    journeys.forEach((j, ji) => {
      const outcomes = journeyOutcomes(j, ji, model, this.scratch, this.cfg.faults, mid);
      j.steps.forEach((step, si) => {
        const o = outcomes[si] as { failed: number; abandoned: number };
        const mean = j.customersPerMin * (DEFAULT_JOURNEY_INTERVAL_MS / 60_000);
        const started = Math.max(0, Math.round(mean + Math.sqrt(mean) * rng.normal()));
        const failed = stochasticRound(rng, started * o.failed);
        const abandoned = Math.min(started - failed, stochasticRound(rng, started * o.abandoned));
        const counts: [JourneyOutcome, number][] = [
          [JourneyOutcome.JOURNEY_OUTCOME_STARTED, started],
          [JourneyOutcome.JOURNEY_OUTCOME_COMPLETED, started - failed - abandoned],
          [JourneyOutcome.JOURNEY_OUTCOME_FAILED, failed],
          [JourneyOutcome.JOURNEY_OUTCOME_ABANDONED, abandoned],
        ];
        for (const [outcome, count] of counts) {
          // A count of 0 reads as 1 on the wire, so empty outcomes are not sent.
          if (count <= 0) continue;
          out.push(
            this.event(at, {
              $case: "journeySignal",
              value: { journey: j.name, step: step.name, outcome, count },
            }),
          );
        }
      });
      const bad = badShare(outcomes);
      // Feedback trickles in over the next minute, after the experience it rates.
      const answers = this.feedbackRng.poisson(feedbackPerMinute(j));
      for (let k = 0; k < answers; k++) {
        const when = at + this.feedbackRng.int(DEFAULT_JOURNEY_INTERVAL_MS);
        this.queue.push(when, {
          t: "feedback",
          journey: ji,
          answer: feedbackFor(this.feedbackRng, bad),
        });
      }
    });
    return out;
  }

  private scheduleRoutineDeploy(after: number): void {
    const perMs =
      (this.cfg.model.services.length * this.cfg.routineDeploysPerServicePerDay) / 86_400_000;
    if (!(perMs > 0)) return;
    const gap = -Math.log(1 - this.deployRng.next()) / perMs; // Poisson arrivals
    const at = after + Math.max(1, Math.round(gap));
    if (at < this.endMs) this.queue.push(at, { t: "routine-deploy" });
  }

  private version(svc: number): string {
    return `1.${this.minor[svc] ?? 0}.0`;
  }

  private deploy(at: number, svc: number, id?: string): Event {
    this.minor[svc] = (this.minor[svc] ?? 0) + 1;
    return this.change(at, svc, this.version(svc), "deploy", id);
  }

  private change(at: number, svc: number, version: string, verb: string, id?: string): Event {
    const service = this.cfg.model.services[svc]?.name ?? "";
    return this.event(
      at,
      {
        $case: "change",
        value: {
          service,
          kind: ChangeKind.CHANGE_KIND_DEPLOY,
          version,
          description: `${verb} ${service} ${version}`,
        },
      },
      id,
    );
  }

  private faultMarker(at: number, phase: Timer["t"], index: number): Event[] {
    const f = this.cfg.faults[index];
    if (f === undefined) return [];
    if (f.kind === "deploy-regression") {
      if (phase === "fault-start") {
        this.rollbackTo.set(index, this.version(f.svc));
        // Indistinguishable from a routine deploy, as in life; only its id is
        // known in advance, so the ground truth can name the guilty change.
        return [this.deploy(at, f.svc, faultChangeId(this.cfg.seed, index))];
      }
      const previous = this.rollbackTo.get(index);
      return previous === undefined ? [] : [this.change(at, f.svc, previous, "rollback")];
    }
    if (f.kind !== "noisy-alert") return [];
    const service = f.service;
    const name = this.noisyNames[index] ?? "NoisyAlert";
    const firing = phase !== "fault-end";
    if (firing && at + DEFAULT_ALERT_RESEND_MS < f.absStartMs + f.durationMs) {
      this.queue.push(at + DEFAULT_ALERT_RESEND_MS, { t: "fault-repeat", fault: index });
    }
    return [
      this.event(at, {
        $case: "alert",
        value: {
          service,
          name,
          severity: AlertSeverity.ALERT_SEVERITY_WARNING,
          labels: { alertname: name, service, severity: "warning" },
          state: firing ? AlertState.ALERT_STATE_FIRING : AlertState.ALERT_STATE_RESOLVED,
          fingerprint: fingerprint(`${name}|${service}`),
          summary: `${name} on ${service}`,
        },
      }),
    ];
  }
}

/** faultChangeId is the event id of the deploy that starts deploy-regression fault `index`. */
export function faultChangeId(seed: number, index: number): string {
  return `sim-${seed}-fault-${index}-deploy`;
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}

// stochasticRound keeps small expected counts (0.3 failures a minute) honest on average.
function stochasticRound(rng: Rng, x: number): number {
  const whole = Math.floor(x);
  return whole + (rng.chance(x - whole) ? 1 : 0);
}

// fingerprint is a 16-hex-digit FNV-1a 64 hash, shaped like Prometheus's.
function fingerprint(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}
