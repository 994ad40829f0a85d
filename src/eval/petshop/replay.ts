// Replaying PetShop metrics through the real pipeline: validation, the
// tenant's WASM core and the incident tracker, one batch per 5-minute step,
// with the receiver's clock following the replayed time.
import type { Incident } from "../../gen/impactd/v1/incident.js";
import { Pipeline, type PipelineSink } from "../../pipeline/pipeline.js";
import type { CallGraph, MetricsTable } from "./csv.js";
import { graphTopology, type PetshopConfig, ServiceNames, STEP_MS, stepEvents } from "./mapping.js";

/** TENANT is the tenant replays run under. */
export const TENANT = "petshop";

// The evaluation scores decisions, not storage: rows go nowhere.
const NULL_SINK: PipelineSink = {
  writeEvents: () => Promise.resolve(),
  writeRejections: () => Promise.resolve(),
  writeIncidents: () => Promise.resolve(),
};

/** Segment is a run of rows of one table, shifted in time by offsetMs. */
export interface Segment {
  table: MetricsTable;
  from: number;
  to: number;
  offsetMs: number;
}

/** Replay is what the pipeline made of the replayed segments. */
export interface Replay {
  /** Every incident after the end of the stream (merged ones included). */
  incidents: Incident[];
  names: ServiceNames;
  events: number;
  /** Events refused by validation, by code. */
  rejected: Record<string, number>;
  /** Events the core found behind its watermark. */
  late: number;
}

/** replay submits the segments in order, one batch per step, and flushes. */
export async function replay(
  graph: CallGraph,
  segments: readonly Segment[],
  config: PetshopConfig,
): Promise<Replay> {
  const names = new ServiceNames();
  let clock = 0;
  const pipeline = new Pipeline({
    sink: NULL_SINK,
    now: () => clock,
    coreParams: config.coreParams,
  });
  pipeline.setTopology(TENANT, graphTopology(graph, names));
  const rejected: Record<string, number> = {};
  let events = 0;
  for (const s of segments) {
    const batches = stepEvents(s.table, graph, names, config, s.from, s.to, s.offsetMs);
    for (const batch of batches) {
      const first = batch[0];
      if (first === undefined) continue;
      // The sample of a step is known once the step is over.
      clock = first.tsUnixMs + STEP_MS;
      events += batch.length;
      const res = await pipeline.submit(batch, { frontEnd: "petshop", tenant: TENANT });
      for (const r of res.rejections) rejected[r.code] = (rejected[r.code] ?? 0) + 1;
    }
  }
  await pipeline.flush();
  return {
    incidents: pipeline.incidents(TENANT),
    names,
    events,
    rejected,
    late: pipeline.stats.late,
  };
}
