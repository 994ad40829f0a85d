// The PetShop evaluation in the dataset's own protocol: for every issue,
// replay normal data then the issue window and read the ranked root causes
// of the incident that explains the target; on the normal data, count the
// windows where nothing was blamed.
import {
  P_BASE_ALPHA,
  P_DEFAULT_ERR_SLO,
  P_DEFAULT_LAT_SLO,
  P_DOWN_ERR,
  P_ERR_ALPHA,
  P_PROPAGATION_MS,
} from "../../core/layout.js";
import { blamedIn, explain, type Window } from "./blame.js";
import type { MetricsTable } from "./csv.js";
import type { Issue, Scenario, TargetMetric } from "./dataset.js";
import { type PetshopConfig, STEP_MS } from "./mapping.js";
import { replay, type Segment } from "./replay.js";

/** DEFAULT_PETSHOP_CONFIG is the one configuration for the whole dataset (see docs/PETSHOP.md). */
export const DEFAULT_PETSHOP_CONFIG: PetshopConfig = {
  latencyStatistic: "Average",
  minRequests: 20,
  fallbackNormal: "low_traffic",
  coreParams: new Map<number, number>([
    // Each sample already aggregates 5 minutes: no further smoothing.
    [P_ERR_ALPHA, 1],
    // Baselines remember about 50 steps (4 hours), not 200 (17 hours).
    [P_BASE_ALPHA, 0.02],
    // The dataset has no SLOs: health comes from learned baselines only.
    [P_DEFAULT_ERR_SLO, 2],
    [P_DEFAULT_LAT_SLO, 1e9],
    [P_DOWN_ERR, 2],
    // A failure reaches a caller within one step at this resolution.
    [P_PROPAGATION_MS, STEP_MS],
  ]),
};

/** IssueResult is the outcome of one issue. */
export interface IssueResult {
  scenario: string;
  split: string;
  issue: string;
  metric: TargetMetric;
  target: string;
  rootCause: string;
  /** Where the baseline came from: a scenario's noissue data, or "none". */
  normalFrom: string;
  /** Root-cause candidates of the explaining incident, best first ([] when none). */
  ranked: string[];
  /** Ids of the explaining incidents ([] when nothing was blamed). */
  incidents: string[];
  /** Call-graph hops from the target to the incident (0: it contains the target). */
  hops: number | null;
  top1: boolean;
  top3: boolean;
  /** Candidates tied for first place (0 when nothing was blamed): a top-1 hit in a tie is the tie-break's luck. */
  tiedFirst: number;
  events: number;
  rejected: Record<string, number>;
}

/** SpecificityResult is the share of normal windows where nothing was blamed. */
export interface SpecificityResult {
  scenario: string;
  /** Dataset protocol: split points from N/2 in steps of N/10, the rest of the data as window. */
  windows: number;
  quiet: number;
  specificity: number;
  /** Windows as long as an issue window, back to back over the second half. */
  shortWindows: number;
  shortQuiet: number;
  shortSpecificity: number;
  /** Incidents opened over the whole normal data. */
  incidents: number;
  events: number;
  rejected: Record<string, number>;
}

/** normalFor picks the normal data a scenario's baselines learn from. */
export function normalFor(
  scenario: Scenario,
  all: readonly Scenario[],
  fallback: string,
): { table: MetricsTable; from: string } | undefined {
  if (scenario.normal !== undefined) return { table: scenario.normal, from: scenario.name };
  const other = all.find((s) => s.name === fallback && s.normal !== undefined);
  return other?.normal === undefined ? undefined : { table: other.normal, from: other.name };
}

/** issueWindow is the span of an issue's rows. */
export function issueWindow(issue: Issue): Window {
  const ts = issue.metrics.timestamps;
  return { startMs: ts[0] ?? 0, endMs: (ts[ts.length - 1] ?? 0) + STEP_MS };
}

/**
 * runIssue replays the normal data, shifted to end one step before the
 * issue window, then the window, and scores the explaining incident.
 */
export async function runIssue(
  scenario: Scenario,
  issue: Issue,
  normal: { table: MetricsTable; from: string } | undefined,
  config: PetshopConfig,
): Promise<IssueResult> {
  const w = issueWindow(issue);
  const segments: Segment[] = [];
  if (normal !== undefined) {
    const n = normal.table.timestamps.length;
    const last = normal.table.timestamps[n - 1] ?? 0;
    segments.push({ table: normal.table, from: 0, to: n, offsetMs: w.startMs - STEP_MS - last });
  }
  segments.push({
    table: issue.metrics,
    from: 0,
    to: issue.metrics.timestamps.length,
    offsetMs: 0,
  });
  const r = await replay(scenario.graph, segments, config);
  const component = (s: string) => r.names.component(s);
  const found = explain(
    r.incidents,
    scenario.graph,
    issue.target.node,
    issue.target.tsMs,
    w,
    component,
  );
  const ranked = found?.ranked ?? [];
  return {
    scenario: scenario.name,
    split: issue.split,
    issue: issue.name,
    metric: issue.target.metric,
    target: issue.target.node,
    rootCause: issue.target.rootCause,
    normalFrom: normal?.from ?? "none",
    ranked,
    incidents: found?.incidents.map((i) => i.id) ?? [],
    hops: found?.hops ?? null,
    top1: ranked[0] === issue.target.rootCause,
    top3: ranked.slice(0, 3).includes(issue.target.rootCause),
    tiedFirst: found?.tiedFirst ?? 0,
    events: r.events,
    rejected: r.rejected,
  };
}

/** protocolSplits are the dataset's split points over n normal rows. */
export function protocolSplits(n: number): number[] {
  const out: number[] = [];
  const step = Math.trunc(n * 0.1);
  if (step <= 0) return out;
  for (let s = Math.trunc(n / 2); s < n - 3; s += step) out.push(s);
  return out;
}

/**
 * runSpecificity replays a scenario's normal data once and counts the
 * windows in which no incident was open: the dataset's windows (everything
 * after each split point) and back-to-back windows of `windowRows` rows
 * over the second half.
 */
export async function runSpecificity(
  scenario: Scenario,
  normal: MetricsTable,
  windowRows: number,
  config: PetshopConfig,
): Promise<SpecificityResult> {
  const ts = normal.timestamps;
  const n = ts.length;
  const r = await replay(scenario.graph, [{ table: normal, from: 0, to: n, offsetMs: 0 }], config);
  const end = (ts[n - 1] ?? 0) + STEP_MS;
  const quietFrom = (row: number, to: number) =>
    blamedIn(r.incidents, { startMs: ts[row] ?? 0, endMs: to }).length === 0;
  const splits = protocolSplits(n);
  const quiet = splits.filter((s) => quietFrom(s, end)).length;
  let shortWindows = 0;
  let shortQuiet = 0;
  for (let s = Math.trunc(n / 2); s + windowRows <= n; s += windowRows) {
    shortWindows++;
    if (quietFrom(s, (ts[s + windowRows - 1] ?? 0) + STEP_MS)) shortQuiet++;
  }
  return {
    scenario: scenario.name,
    windows: splits.length,
    quiet,
    specificity: splits.length === 0 ? 0 : quiet / splits.length,
    shortWindows,
    shortQuiet,
    shortSpecificity: shortWindows === 0 ? 0 : shortQuiet / shortWindows,
    incidents: r.incidents.length,
    events: r.events,
    rejected: r.rejected,
  };
}
