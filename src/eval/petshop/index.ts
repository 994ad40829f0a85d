// Public names of the PetShop evaluation: replaying the PetShop dataset
// (Hardt et al., CLeaR 2024, CC-BY-4.0) through the pipeline and scoring
// root-cause recall and specificity in the dataset's own protocol.
export { blamedIn, type Explanation, explain, hops, liveIn, type Window } from "./blame.js";
export {
  type CallGraph,
  type ColumnKey,
  columnId,
  type MetricsTable,
  PetshopFormatError,
  parseGraphCsv,
  parseMetricsCsv,
} from "./csv.js";
export {
  DEFAULT_SPLITS,
  type Issue,
  type IssueTarget,
  loadPetshop,
  loadScenario,
  parseTarget,
  type Scenario,
  type TargetMetric,
} from "./dataset.js";
export {
  type GroupScore,
  groupScores,
  PETSHOP_CREDIT,
  PETSHOP_REFERENCE,
  PETSHOP_REPORT_SCHEMA,
  type PetshopEvalOptions,
  type PetshopReport,
  runPetshopEval,
} from "./evaluate.js";
export {
  graphTopology,
  LATENCY_STATISTICS,
  type LatencyStatistic,
  type PetshopConfig,
  ServiceNames,
  SOURCE,
  STEP_MS,
  stepEvents,
} from "./mapping.js";
export { type Replay, replay, type Segment, TENANT } from "./replay.js";
export { formatPetshopReport } from "./report.js";
export {
  DEFAULT_PETSHOP_CONFIG,
  type IssueResult,
  issueWindow,
  normalFor,
  protocolSplits,
  runIssue,
  runSpecificity,
  type SpecificityResult,
} from "./run.js";
