// The one place the evaluation reads predictions from the pipeline
// (`Pipeline.predictions(tenant)`, impactd.v1.Prediction) and turns them
// into the plain records the scorer works on, so a change of the API shape
// touches only this file.
import { type Prediction, PredictionOutcome } from "../gen/impactd/v1/incident.js";
import type { Pipeline } from "../pipeline/pipeline.js";

/** PredictionRecord is one prediction as the scorer sees it. */
export interface PredictionRecord {
  id: string;
  /** A service or journey name. */
  target: string;
  targetKind: "service" | "journey";
  /** Event time the prediction was issued. */
  issuedMs: number;
  /** Event time the breach was forecast for. */
  predictedBreachMs: number;
  /** The core's own verdict once the horizon has passed. */
  outcome: "pending" | "hit" | "false_alarm";
  actualBreachMs?: number;
}

/** NO_PREDICTIONS_NOTE explains null prediction metrics. */
export const NO_PREDICTIONS_NOTE =
  "the pipeline reported no predictions to score, so prediction metrics are null (not measured)";

/** predictionRecord converts an impactd.v1.Prediction; an unknown target kind throws. */
export function predictionRecord(p: Prediction): PredictionRecord {
  if (p.targetKind !== "service" && p.targetKind !== "journey") {
    throw new TypeError(`prediction ${p.id}: unknown target kind ${JSON.stringify(p.targetKind)}`);
  }
  const outcome =
    p.outcome === PredictionOutcome.PREDICTION_OUTCOME_HIT
      ? "hit"
      : p.outcome === PredictionOutcome.PREDICTION_OUTCOME_FALSE_ALARM
        ? "false_alarm"
        : "pending";
  const rec: PredictionRecord = {
    id: p.id,
    target: p.target,
    targetKind: p.targetKind,
    issuedMs: p.issuedUnixMs,
    predictedBreachMs: p.predictedBreachUnixMs,
    outcome,
  };
  if (p.actualBreachUnixMs > 0) rec.actualBreachMs = p.actualBreachUnixMs;
  return rec;
}

/** readPredictions returns the tenant's predictions as records. */
export function readPredictions(pipeline: Pipeline, tenant: string): PredictionRecord[] {
  return pipeline.predictions(tenant).map(predictionRecord);
}
