// Model is what every part of the reference model shares: parameters, state,
// topology, timers and the output of the current call. The parts call each
// other through it, as the core's modules call each other's functions.
import type { Health } from "./health.js";
import type { Incidents } from "./incidents.js";
import type { Journeys } from "./journeys.js";
import type { Params } from "./params.js";
import type { Prediction } from "./predict.js";
import type { Outputs } from "./records.js";
import type { Routing } from "./routing.js";
import type { Graph, Tables } from "./state.js";
import type { TimerQueue } from "./timers.js";

/** Model wires the reference model's parts together. */
export interface Model {
  params: Params;
  tables: Tables;
  graph: Graph;
  timers: TimerQueue;
  out: Outputs;
  health: Health;
  incidents: Incidents;
  journeys: Journeys;
  prediction: Prediction;
  routing: Routing;
}
