// The whole PetShop evaluation: every issue of every scenario, the
// specificity of each scenario with normal data, and the scores grouped by
// scenario and target metric next to the dataset's reference figures.
import * as layout from "../../core/layout.js";
import { InvalidArgumentError } from "../../errors.js";
import { loadPetshop, type Scenario, type TargetMetric } from "./dataset.js";
import { LATENCY_STATISTICS, type PetshopConfig } from "./mapping.js";
import {
  DEFAULT_PETSHOP_CONFIG,
  type IssueResult,
  normalFor,
  runIssue,
  runSpecificity,
  type SpecificityResult,
} from "./run.js";

/** PETSHOP_REPORT_SCHEMA names the JSON report's shape. */
export const PETSHOP_REPORT_SCHEMA = "impactd.eval.petshop.v1";

/** PETSHOP_CREDIT credits the dataset wherever results on it are shown (CC-BY-4.0). */
export const PETSHOP_CREDIT =
  'PetShop dataset: Hardt, Orchard, Blöbaum, Kirschbaum, Kasiviswanathan, "The PetShop Dataset - Finding Causes of Performance Issues across Microservices", CLeaR 2024 (arXiv:2311.04806), Amazon Science, CC-BY-4.0.';

/**
 * PETSHOP_REFERENCE holds the top-1 / top-3 recall of the dataset's own
 * anomaly-traversal baseline (MAD threshold 5, train and test splits).
 */
export const PETSHOP_REFERENCE: Readonly<Record<string, { top1: number; top3: number }>> = {
  "low_traffic/latency": { top1: 0.57, top3: 0.57 },
  "low_traffic/availability": { top1: 0.83, top3: 1.0 },
  "high_traffic/latency": { top1: 0.57, top3: 0.79 },
  "high_traffic/availability": { top1: 0.67, top3: 1.0 },
};

/** GroupScore is the recall of one scenario and target metric. */
export interface GroupScore {
  scenario: string;
  metric: TargetMetric;
  issues: number;
  top1: number;
  /** Top-1 with ties for first place counted as 1/k (the chance a fair tie-break picks the root cause). */
  top1_tie_adjusted: number;
  top3: number;
  /** Issues where nothing connected to the target was blamed. */
  missed: number;
  /** Share of normal windows with nothing blamed (dataset protocol), null without normal data. */
  specificity: number | null;
  /** The same over windows as long as an issue window, null without normal data. */
  specificity_short: number | null;
  reference: { top1: number; top3: number } | null;
}

/** PetshopReport is the evaluation's JSON report. */
export interface PetshopReport {
  schema: string;
  created_at: string;
  dataset: string;
  credit: string;
  config: {
    latency_statistic: string;
    min_requests: number;
    fallback_normal: string;
    core_params: Record<string, number>;
    /** "file": components numbered in file order; "reversed": the other way round. */
    component_order: "file" | "reversed";
  };
  issues: number;
  top1: number;
  top3: number;
  groups: GroupScore[];
  specificity: SpecificityResult[];
  issue_results: IssueResult[];
  events: number;
  rejected: Record<string, number>;
  elapsed_s: number;
}

/** PetshopEvalOptions configure one evaluation. */
export interface PetshopEvalOptions {
  /** Dataset directory (the folder holding low_traffic/, high_traffic/, ...). */
  path: string;
  config?: PetshopConfig;
  /** Called after each issue and each specificity run. */
  onProgress?: (done: number, total: number, what: string) => void;
  /**
   * Number the components in reverse file order. The core applies the
   * samples of one step in service-id order, so this checks that the
   * answers do not hang on how the files happen to list the components.
   */
  reverseOrder?: boolean;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** groupScores aggregates issue results per scenario and target metric. */
export function groupScores(
  results: readonly IssueResult[],
  specificity: readonly SpecificityResult[],
): GroupScore[] {
  const groups = new Map<string, IssueResult[]>();
  for (const r of results) {
    const key = `${r.scenario}/${r.metric}`;
    const g = groups.get(key) ?? [];
    g.push(r);
    groups.set(key, g);
  }
  return [...groups.entries()].map(([key, rs]) => {
    const first = rs[0] as IssueResult;
    const spec = specificity.find((s) => s.scenario === first.scenario);
    return {
      scenario: first.scenario,
      metric: first.metric,
      issues: rs.length,
      top1: rs.filter((r) => r.top1).length / rs.length,
      top1_tie_adjusted:
        rs.reduce((n, r) => n + (r.top1 ? 1 / Math.max(1, r.tiedFirst) : 0), 0) / rs.length,
      top3: rs.filter((r) => r.top3).length / rs.length,
      missed: rs.filter((r) => r.ranked.length === 0).length,
      specificity: spec?.specificity ?? null,
      specificity_short: spec?.shortSpecificity ?? null,
      reference: PETSHOP_REFERENCE[key] ?? null,
    };
  });
}

// The P_* name of a core parameter id, for the report.
function paramName(id: number): string {
  for (const [name, value] of Object.entries(layout)) {
    if (name.startsWith("P_") && name !== "P_COUNT" && value === id) return name;
  }
  return String(id);
}

function issueRows(scenarios: readonly Scenario[]): number {
  const s = scenarios.find((x) => x.issues.length > 0);
  return s?.issues[0]?.metrics.timestamps.length ?? 5;
}

/** runPetshopEval runs the whole evaluation on the dataset at `path`. */
export async function runPetshopEval(options: PetshopEvalOptions): Promise<PetshopReport> {
  const started = Date.now();
  const config = options.config ?? DEFAULT_PETSHOP_CONFIG;
  if (!LATENCY_STATISTICS.includes(config.latencyStatistic)) {
    throw new InvalidArgumentError(
      `latency statistic ${JSON.stringify(config.latencyStatistic)}: expected one of ${LATENCY_STATISTICS.join(", ")}`,
    );
  }
  const scenarios = loadPetshop(options.path);
  if (options.reverseOrder === true) for (const sc of scenarios) sc.graph.nodes.reverse();
  const total =
    scenarios.reduce((n, s) => n + s.issues.length, 0) +
    scenarios.filter((s) => s.normal !== undefined).length;
  let done = 0;
  const results: IssueResult[] = [];
  const specificity: SpecificityResult[] = [];
  const rejected: Record<string, number> = {};
  let events = 0;
  const windowRows = issueRows(scenarios);
  for (const sc of scenarios) {
    const normal = normalFor(sc, scenarios, config.fallbackNormal);
    for (const issue of sc.issues) {
      const r = await runIssue(sc, issue, normal, config);
      results.push(r);
      events += r.events;
      addCounts(rejected, r.rejected);
      options.onProgress?.(++done, total, `${sc.name}/${issue.split}/${issue.name}`);
    }
    if (sc.normal !== undefined) {
      const s = await runSpecificity(sc, sc.normal, windowRows, config);
      specificity.push(s);
      events += s.events;
      addCounts(rejected, s.rejected);
      options.onProgress?.(++done, total, `${sc.name}/noissue`);
    }
  }
  const coreParams: Record<string, number> = {};
  for (const [k, v] of config.coreParams) coreParams[paramName(k)] = v;
  return {
    schema: PETSHOP_REPORT_SCHEMA,
    created_at: new Date(started).toISOString(),
    dataset: options.path,
    credit: PETSHOP_CREDIT,
    config: {
      latency_statistic: config.latencyStatistic,
      min_requests: config.minRequests,
      fallback_normal: config.fallbackNormal,
      core_params: coreParams,
      component_order: options.reverseOrder === true ? "reversed" : "file",
    },
    issues: results.length,
    top1: results.length === 0 ? 0 : results.filter((r) => r.top1).length / results.length,
    top3: results.length === 0 ? 0 : results.filter((r) => r.top3).length / results.length,
    groups: groupScores(results, specificity),
    specificity,
    issue_results: results,
    events,
    rejected,
    elapsed_s: (Date.now() - started) / 1000,
  };
}
