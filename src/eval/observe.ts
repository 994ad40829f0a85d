// Running one delivery of a case through the real ingest path (validation,
// de-duplication, the tenant's WASM core, the incident tracker) and
// recording everything impactd said: every incident version it published,
// the final incidents, its predictions and its counters.
import type { Event } from "../gen/impactd/v1/event.js";
import type { Incident } from "../gen/impactd/v1/incident.js";
import { Pipeline, type PipelineSink } from "../pipeline/pipeline.js";
import { type Delivery, deliver } from "../sim/delivery.js";
import type { CaseDelivery, EvalCase } from "./cases.js";
import { type PredictionRecord, readPredictions } from "./predictions.js";

/** RECEIVE_LAG_MS is how far behind an event's arrival the receiver's clock reads. */
const RECEIVE_LAG_MS = 1_000;

/** Observation is what impactd produced for one delivery of a case. */
export interface Observation {
  /** Every incident version published (Pipeline.watch), in publication order. */
  versions: Incident[];
  /** Pipeline.incidents(tenant) after the end of the stream. */
  final: Incident[];
  /** Pipeline predictions, or undefined when the pipeline reports none. */
  predictions: PredictionRecord[] | undefined;
  /** Events counted late by the core (behind the watermark). */
  late: number;
  /** Copies dropped by de-duplication. */
  duplicates: number;
  /** Events refused by validation, by code (should be empty: the simulator sends valid events). */
  rejected: Record<string, number>;
  batches: number;
}

/** DeliveryFacts is what the delivery did to the stream. */
export type DeliveryFacts = Omit<Delivery, "batches">;

// The evaluation scores decisions, not storage: rows go nowhere, so 200
// cases do not write millions of rows. The sink path has its own tests.
const NULL_SINK: PipelineSink = {
  writeEvents: () => Promise.resolve(),
  writeRejections: () => Promise.resolve(),
  writeIncidents: () => Promise.resolve(),
};

/**
 * observe delivers `events` of case `c` as `how` says through a fresh
 * pipeline and returns what it produced, with what the delivery did.
 */
export async function observe(
  c: EvalCase,
  events: readonly Event[],
  how: CaseDelivery,
): Promise<{ observation: Observation; delivery: DeliveryFacts }> {
  let clock = c.startMs;
  const pipeline = new Pipeline({ sink: NULL_SINK, now: () => clock });
  pipeline.setTopology(c.tenant, c.topology);
  const versions: Incident[] = [];
  const stop = pipeline.watch(c.tenant, (inc) => versions.push(inc));
  const { batches, ...facts } = deliver(events, { ...how, latenessMs: pipeline.lateness() });
  const rejected: Record<string, number> = {};
  try {
    for (const batch of batches) {
      let newest = clock;
      for (const ev of batch) if (ev.tsUnixMs > newest) newest = ev.tsUnixMs;
      clock = newest + RECEIVE_LAG_MS;
      const res = await pipeline.submit(batch, { frontEnd: "eval" });
      for (const r of res.rejections) rejected[r.code] = (rejected[r.code] ?? 0) + 1;
    }
    await pipeline.flush();
  } finally {
    stop();
  }
  return {
    observation: {
      versions,
      final: pipeline.incidents(c.tenant),
      predictions: readPredictions(pipeline, c.tenant),
      late: pipeline.stats.late,
      duplicates: pipeline.stats.duplicates,
      rejected,
      batches: batches.length,
    },
    delivery: facts,
  };
}
