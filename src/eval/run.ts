// The evaluation loop: for each case, simulate, deliver through the real
// pipeline, score against ground truth, replay with another order and
// batching to check determinism, then aggregate into a report.
import { AlertState, type Event } from "../gen/impactd/v1/event.js";
import { ownerOf, routingReport } from "../notify/routing-accuracy.js";
import { FAULT_KINDS } from "../sim/faults.js";
import { Simulator } from "../sim/simulator.js";
import { aggregate, type EvalMetrics, faultMetrics, predictedAll } from "./aggregate.js";
import { type EvalCase, evalCases } from "./cases.js";
import { compareRuns, type Difference } from "./determinism.js";
import { ESTATE_NAMES } from "./estates.js";
import { observe } from "./observe.js";
import { NO_PREDICTIONS_NOTE } from "./predictions.js";
import { type CaseScore, scoreCase } from "./score.js";

/** EVAL_REPORT_SCHEMA names the JSON report's shape; bump it when keys change meaning. */
export const EVAL_REPORT_SCHEMA = "impactd.eval.v1";

/** EvalOptions configure one evaluation run. */
export interface EvalOptions {
  cases: number;
  seed: number;
  estates?: readonly string[];
  /** Replay every case with another arrival order and batching. @default true */
  replay?: boolean;
  /** Services send their request rates too (the traffic-aware ranking then applies). @default false */
  throughput?: boolean;
  /** Called after each case. */
  onCase?: (done: number, total: number, result: CaseResult) => void;
}

/** CaseResult is one scored case. */
export interface CaseResult {
  score: CaseScore;
  events: number;
  batches: number;
  /** Outputs the replay did not reproduce (empty when deterministic). */
  differences: Difference[];
  replayed: boolean;
  elapsedMs: number;
}

/** EvalReport is the full evaluation: the headline metrics at top level, then breakdowns. */
export interface EvalReport extends EvalMetrics {
  schema: string;
  created_at: string;
  seed: number;
  /** Whether services sent their request rates (--throughput). */
  throughput: boolean;
  estates: string[];
  events: number;
  elapsed_s: number;
  notes: string[];
  by_estate: Record<string, EvalMetrics>;
  by_kind: Record<string, EvalMetrics>;
  case_results: CaseResult[];
}

/** AlertCounts are the raw alerts a stream carries. */
export interface AlertCounts {
  firing: number;
  episodes: number;
}

/** countAlerts counts FIRING notifications and firing episodes (per fingerprint) in `events`. */
export function countAlerts(events: readonly Event[]): AlertCounts {
  const firingNow = new Set<string>();
  let firing = 0;
  let episodes = 0;
  for (const ev of events) {
    if (ev.kind?.$case !== "alert") continue;
    const a = ev.kind.value;
    const key = a.fingerprint !== "" ? a.fingerprint : `${a.service}|${a.name}`;
    if (a.state === AlertState.ALERT_STATE_FIRING) {
      firing++;
      if (!firingNow.has(key)) episodes++;
      firingNow.add(key);
    } else {
      firingNow.delete(key);
    }
  }
  return { firing, episodes };
}

/** runCase simulates, observes, scores and (optionally) replays one case. */
export async function runCase(
  c: EvalCase,
  replay: boolean,
  throughput = false,
): Promise<CaseResult> {
  const t0 = performance.now();
  const sim = new Simulator(c.topology, {
    seed: c.seed,
    startMs: c.startMs,
    durationMs: c.durationMs,
    faults: c.faults,
    tenant: c.tenant,
    throughput,
  });
  const events = [...sim.events()];
  const { observation, delivery } = await observe(c, events, c.delivery);
  const alerts = countAlerts(events);
  const score = scoreCase(
    {
      caseId: c.id,
      estate: c.estate,
      kind: c.kind,
      faults: sim.groundTruth(),
      alertsFiring: alerts.firing,
      alertEpisodes: alerts.episodes,
      lateExpected: delivery.lateBeyond,
      duplicatesSent: delivery.duplicates,
    },
    observation,
  );
  // Routing: was the incident first routed to the team owning the root cause?
  const routing = routingReport(
    sim
      .groundTruth()
      .filter((f) => !f.noise && f.rootKind === "service")
      .map((f) => ({ rootCause: f.rootCause, ownerTeam: ownerOf(c.topology, f.rootCause) })),
    observation.final,
  );
  score.routingScored = routing.scored;
  score.routingCorrect = routing.correct;
  score.unrouted = routing.unrouted.length;
  let differences: Difference[] = [];
  if (replay) {
    const again = await observe(c, events, c.replay);
    differences = compareRuns(observation, again.observation);
  }
  return {
    score,
    events: events.length,
    batches: observation.batches,
    differences,
    replayed: replay,
    elapsedMs: Math.round(performance.now() - t0),
  };
}

function determinism(results: readonly CaseResult[]): boolean | null {
  const replayed = results.filter((r) => r.replayed);
  return replayed.length === 0 ? null : replayed.every((r) => r.differences.length === 0);
}

/** runEval runs every case and returns the report. */
export async function runEval(opts: EvalOptions): Promise<EvalReport> {
  const t0 = performance.now();
  const estates = [...new Set(opts.estates ?? ESTATE_NAMES)];
  const cases = evalCases({ cases: opts.cases, seed: opts.seed, estates });
  const replay = opts.replay ?? true;
  const results: CaseResult[] = [];
  for (const c of cases) {
    const r = await runCase(c, replay, opts.throughput ?? false);
    results.push(r);
    opts.onCase?.(results.length, cases.length, r);
  }
  const scores = results.map((r) => r.score);
  const metrics = aggregate(scores, determinism(results));
  const byEstate: Record<string, EvalMetrics> = {};
  for (const e of estates) {
    const sub = results.filter((r) => r.score.estate === e);
    if (sub.length > 0)
      byEstate[e] = aggregate(
        sub.map((r) => r.score),
        determinism(sub),
      );
  }
  const byKind: Record<string, EvalMetrics> = {};
  const predicted = predictedAll(scores);
  for (const k of FAULT_KINDS) {
    // Case-level figures (noise, predictions, delivery) over the cases whose
    // main fault is of this kind; fault-level ones over every fault of it.
    const faults = scores.flatMap((s) => s.faults).filter((f) => f.kind === k);
    if (faults.length === 0) continue;
    const sub = results.filter((r) => r.score.kind === k);
    byKind[k] = {
      ...aggregate(
        sub.map((r) => r.score),
        determinism(sub),
      ),
      ...faultMetrics(faults, predicted),
    };
  }
  return {
    schema: EVAL_REPORT_SCHEMA,
    created_at: new Date().toISOString(),
    seed: opts.seed,
    throughput: opts.throughput ?? false,
    estates,
    ...metrics,
    events: results.reduce((a, r) => a + r.events, 0),
    elapsed_s: Math.round((performance.now() - t0) / 100) / 10,
    notes: notes(metrics, results),
    by_estate: byEstate,
    by_kind: byKind,
    case_results: results,
  };
}

function notes(m: EvalMetrics, results: readonly CaseResult[]): string[] {
  const out: string[] = [];
  if (m.predictions === null) out.push(NO_PREDICTIONS_NOTE);
  if (m.late_events_counted !== m.late_events_expected) {
    out.push(
      `the core counted ${m.late_events_counted} late events where the delivery put ${m.late_events_expected} behind the watermark`,
    );
  }
  if (m.duplicates_dropped !== m.duplicates_sent) {
    out.push(
      `de-duplication dropped ${m.duplicates_dropped} copies of the ${m.duplicates_sent} sent`,
    );
  }
  if (m.rejected_events > 0) out.push(`${m.rejected_events} simulated events were rejected`);
  const diverged = results.filter((r) => r.differences.length > 0);
  if (diverged.length > 0) {
    const first = diverged[0] as CaseResult;
    const d = first.differences[0] as Difference;
    out.push(
      `not deterministic: ${diverged.length} of ${results.length} cases differ on replay; first: ${first.score.caseId} ${d.what} (${d.first} vs ${d.second})`,
    );
  }
  return out;
}
