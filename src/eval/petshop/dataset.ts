// Loading the PetShop dataset from its directory layout: one folder per
// traffic scenario with graph.csv, an optional noissue/metrics.csv and one
// folder per issue (metrics.csv + target.json) under each split.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { InvalidArgumentError } from "../../errors.js";
import {
  type CallGraph,
  type MetricsTable,
  PetshopFormatError,
  parseGraphCsv,
  parseMetricsCsv,
} from "./csv.js";

/** TargetMetric is what the symptom of an issue is measured on. */
export type TargetMetric = "latency" | "availability";

/** IssueTarget is target.json: the symptom and the true root cause. */
export interface IssueTarget {
  node: string;
  metric: TargetMetric;
  /** Statistic of the symptom (e.g. Average). */
  statistic: string;
  /** When the symptom was observed, ms since the epoch. */
  tsMs: number;
  rootCause: string;
}

/** Issue is one injected performance issue with its metrics window. */
export interface Issue {
  /** Folder name, e.g. issue_3. */
  name: string;
  split: string;
  target: IssueTarget;
  metrics: MetricsTable;
}

/** Scenario is one traffic scenario of the dataset. */
export interface Scenario {
  name: string;
  graph: CallGraph;
  /** Normal operation, when the dataset has it for this scenario. */
  normal: MetricsTable | undefined;
  issues: Issue[];
}

/** DEFAULT_SPLITS are the splits read when present. @default ["train", "test"] */
export const DEFAULT_SPLITS: readonly string[] = ["train", "test"];

function read(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new PetshopFormatError(file, (err as Error).message, { cause: err });
  }
}

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

// Issue folders sort by their number (issue_2 before issue_10).
function byNumber(a: string, b: string): number {
  const na = Number(a.replace(/\D+/g, ""));
  const nb = Number(b.replace(/\D+/g, ""));
  return na !== nb ? na - nb : a < b ? -1 : a > b ? 1 : 0;
}

/** parseTarget reads target.json. */
export function parseTarget(text: string, file: string): IssueTarget {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new PetshopFormatError(file, (err as Error).message, { cause: err });
  }
  const t = (doc as { target?: Record<string, unknown> }).target;
  const rc = (doc as { root_cause?: Record<string, unknown> }).root_cause;
  if (typeof t !== "object" || t === null || typeof rc !== "object" || rc === null) {
    throw new PetshopFormatError(file, "expected objects target and root_cause");
  }
  const { node, metric, agg, timestamp } = t;
  if (typeof node !== "string" || node === "") {
    throw new PetshopFormatError(file, "target.node must be a component name");
  }
  if (metric !== "latency" && metric !== "availability") {
    throw new PetshopFormatError(
      file,
      `target.metric ${JSON.stringify(metric)} is not latency or availability`,
    );
  }
  if (typeof timestamp !== "number" || !Number.isFinite(timestamp) || timestamp <= 0) {
    throw new PetshopFormatError(file, "target.timestamp must be unix seconds");
  }
  if (typeof rc.node !== "string" || rc.node === "") {
    throw new PetshopFormatError(file, "root_cause.node must be a component name");
  }
  return {
    node,
    metric,
    statistic: typeof agg === "string" ? agg : "",
    tsMs: Math.round(timestamp * 1000),
    rootCause: rc.node,
  };
}

/** loadScenario reads one scenario folder. */
export function loadScenario(dir: string, name: string, splits = DEFAULT_SPLITS): Scenario {
  const graph = parseGraphCsv(read(join(dir, "graph.csv")), join(dir, "graph.csv"));
  const normalFile = join(dir, "noissue", "metrics.csv");
  const normal = existsSync(normalFile) ? parseMetricsCsv(read(normalFile), normalFile) : undefined;
  const issues: Issue[] = [];
  for (const split of splits) {
    const splitDir = join(dir, split);
    if (!isDir(splitDir)) continue;
    const folders = readdirSync(splitDir)
      .filter((f) => !f.startsWith(".") && isDir(join(splitDir, f)))
      .sort(byNumber);
    for (const f of folders) {
      const m = join(splitDir, f, "metrics.csv");
      const t = join(splitDir, f, "target.json");
      issues.push({
        name: f,
        split,
        target: parseTarget(read(t), t),
        metrics: parseMetricsCsv(read(m), m),
      });
    }
  }
  return { name, graph, normal, issues };
}

/**
 * loadPetshop reads every scenario under `dir` (each sub-folder that holds
 * a graph.csv), in name order. A missing or empty directory is a usage error.
 */
export function loadPetshop(dir: string, splits = DEFAULT_SPLITS): Scenario[] {
  if (!isDir(dir)) {
    throw new InvalidArgumentError(`--path ${dir}: not a directory (expected the PetShop dataset)`);
  }
  const names = readdirSync(dir)
    .filter((f) => existsSync(join(dir, f, "graph.csv")))
    .sort();
  if (names.length === 0) {
    throw new InvalidArgumentError(
      `--path ${dir}: no scenario folders with a graph.csv (expected e.g. low_traffic/graph.csv)`,
    );
  }
  return names.map((n) => loadScenario(join(dir, n), n, splits));
}
