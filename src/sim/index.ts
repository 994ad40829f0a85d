// Public names of the simulator: seeded event streams for a topology with
// injected faults, their ground truth, ready-made scenarios, random estates
// and imperfect delivery (late and duplicated events).
export {
  BEYOND_EXTRA_MS,
  DEFAULT_BEYOND_SHARE,
  DEFAULT_DELIVERY_BATCH,
  DEFAULT_DELIVERY_LINGER_MS,
  DEFAULT_DUPLICATE_SHARE,
  DEFAULT_LATE_SHARE,
  type Delivery,
  type DeliveryOptions,
  DUPLICATE_DELAY_MS,
  deliver,
} from "./delivery.js";
export type {
  Fault,
  FaultKind,
  GroundTruth,
  ImpactPoint,
  JourneyImpactTruth,
} from "./faults.js";
export { FAULT_KINDS, isExperienceOnly, isNoise } from "./faults.js";
export { DEFAULT_CUSTOMERS_PER_MIN } from "./journeys.js";
export { DEFAULT_SLO_ERROR_RATE, DEFAULT_SLO_LATENCY_MS } from "./model.js";
export {
  DEFAULT_RANDOM_FAN_OUT,
  MAX_RANDOM_SERVICES,
  type RandomEstateOptions,
  randomEstate,
} from "./random-estate.js";
export { Rng } from "./rng.js";
export { faultChangeId } from "./run.js";
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
export {
  DEFAULT_IMPACT_STEP_MS,
  DEFAULT_JOURNEY_BREACH_STEP_MS,
  DEFAULT_MIN_IMPACT_PER_MIN,
} from "./truth.js";
