// Public names of the evaluation: seeded fault cases on several estates, run
// through the real pipeline and scored against the simulator's ground truth.
export {
  aggregate,
  type EvalMetrics,
  faultMetrics,
  percentile,
  predictedAll,
} from "./aggregate.js";
export {
  BACKGROUND_NOISY_ALERTS,
  type CaseDelivery,
  COOLDOWN_MS,
  DEFAULT_EVAL_CASES,
  EVAL_START_MS,
  type EvalCase,
  type EvalCasesOptions,
  evalCases,
  SECOND_FAULT_CHANCE,
  WARMUP_MS,
} from "./cases.js";
export { compareRuns, type Difference, MAX_REPORTED_DIFFERENCES } from "./determinism.js";
export {
  DEFAULT_RANDOM_ESTATE_SIZE,
  ESTATE_FILES,
  ESTATE_NAMES,
  type EstateName,
  estateTopology,
  isEstateName,
} from "./estates.js";
export {
  DETECTION_GRACE_MS,
  type Detection,
  detections,
  detectionTime,
  groupIncidents,
  type IncidentGroup,
  rootCauseRank,
} from "./match.js";
export { type DeliveryFacts, type Observation, observe } from "./observe.js";
export {
  NO_PREDICTIONS_NOTE,
  type PredictionRecord,
  predictionRecord,
  readPredictions,
} from "./predictions.js";
export {
  type AlertCounts,
  type CaseResult,
  countAlerts,
  EVAL_REPORT_SCHEMA,
  type EvalOptions,
  type EvalReport,
  runCase,
  runEval,
} from "./run.js";
export {
  type CaseScore,
  type CaseTruth,
  estimateAt,
  type FaultScore,
  IMPACT_LAG_MS,
  IMPACT_SETTLE_MS,
  type ImpactTruth,
  impactError,
  leadTime,
  MIN_SCORED_IMPACT,
  PREDICTION_HORIZON_MS,
  type PredictionCounts,
  scoreCase,
} from "./score.js";
