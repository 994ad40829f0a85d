// Public names of the simulator: seeded event streams for a topology with
// injected faults, their ground truth, and ready-made scenarios.
export type { Fault, FaultKind, GroundTruth } from "./faults.js";
export { FAULT_KINDS } from "./faults.js";
export { DEFAULT_CUSTOMERS_PER_MIN } from "./journeys.js";
export { DEFAULT_SLO_ERROR_RATE, DEFAULT_SLO_LATENCY_MS } from "./model.js";
export { Rng } from "./rng.js";
export { DEMO_DURATION_MS, demoScenario } from "./scenarios.js";
export type { SimulatorOptions } from "./simulator.js";
export {
  DEFAULT_HEALTH_INTERVAL_MS,
  DEFAULT_METRIC_INTERVAL_MS,
  DEFAULT_ROUTINE_DEPLOYS_PER_SERVICE_PER_DAY,
  DEFAULT_SIM_SOURCE,
  DEFAULT_SIM_TENANT,
  Simulator,
} from "./simulator.js";
