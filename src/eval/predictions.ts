// The one place the evaluation reads predictions from the pipeline. The
// pipeline gains `predictions(tenant)` with the prediction work in the core;
// until then there is nothing to score and the report says so (null), rather
// than inventing figures.
import type { Pipeline } from "../pipeline/pipeline.js";

/** PredictionRecord is one prediction as the pipeline reports it. */
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
  "the pipeline has no predictions(tenant) yet, so prediction metrics are null (not measured)";

interface WithPredictions {
  predictions(tenant: string): readonly unknown[];
}

function hasPredictions(p: unknown): p is WithPredictions {
  return typeof (p as Partial<WithPredictions>).predictions === "function";
}

/**
 * readPredictions returns the tenant's predictions, or undefined when the
 * pipeline cannot report any. Records of another shape throw: a silently
 * misread prediction would skew the scores.
 */
export function readPredictions(
  pipeline: Pipeline,
  tenant: string,
): PredictionRecord[] | undefined {
  if (!hasPredictions(pipeline)) return undefined;
  return pipeline.predictions(tenant).map((raw, i) => toRecord(raw, i));
}

function toRecord(raw: unknown, i: number): PredictionRecord {
  const r = raw as Partial<PredictionRecord>;
  const ok =
    typeof r.id === "string" &&
    typeof r.target === "string" &&
    (r.targetKind === "service" || r.targetKind === "journey") &&
    typeof r.issuedMs === "number" &&
    typeof r.predictedBreachMs === "number" &&
    (r.outcome === "pending" || r.outcome === "hit" || r.outcome === "false_alarm");
  if (!ok) {
    throw new TypeError(
      `prediction ${i} does not have the expected shape: ${JSON.stringify(raw).slice(0, 200)}`,
    );
  }
  const rec: PredictionRecord = {
    id: r.id as string,
    target: r.target as string,
    targetKind: r.targetKind as PredictionRecord["targetKind"],
    issuedMs: r.issuedMs as number,
    predictedBreachMs: r.predictedBreachMs as number,
    outcome: r.outcome as PredictionRecord["outcome"],
  };
  if (typeof r.actualBreachMs === "number") rec.actualBreachMs = r.actualBreachMs;
  return rec;
}
