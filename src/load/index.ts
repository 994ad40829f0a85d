// Public names of the workload generator and load driver: seeded estates and
// event streams with injected faults, encoders for every front end, senders,
// and runLoad (used by `impactd load` and the benchmarks in bench/).
export { isLoopback, parseTarget, type Target } from "./address.js";
export {
  alertsBody,
  DEFAULT_ALERT_TTL_MS,
  type PostableAlert,
  PROMETHEUS_BATCH,
  postableAlert,
} from "./alertmanager.js";
export { DEFAULT_TARGETS, openSenders, type SenderOptions } from "./connect.js";
export {
  FaultSchedule,
  type InjectedFault,
  MAX_SYMPTOMS,
  SYMPTOM_HOPS,
  symptomsOf,
} from "./faults.js";
export { DEFAULT_FAULT_WARMUP_MS, kindName, Workload, type WorkloadInit } from "./generator.js";
export { GrpcSender } from "./grpc-sender.js";
export { AlertmanagerSender } from "./http-sender.js";
export { DEFAULT_NATS_LOAD_PREFIX, NatsSender } from "./nats-sender.js";
export {
  DEFAULT_BATCH_SIZE,
  DEFAULT_FANOUT,
  DEFAULT_FAULT_DURATION_MS,
  DEFAULT_FAULT_RATE,
  DEFAULT_JOURNEYS,
  DEFAULT_LOAD_SOURCE,
  DEFAULT_LOAD_TENANT,
  DEFAULT_MIX,
  DEFAULT_PRODUCERS,
  DEFAULT_RATE,
  DEFAULT_SEED,
  DEFAULT_SERVICES,
  EVENT_KINDS,
  type EventKindName,
  type EventMix,
  formatMix,
  MAX_BATCH_SIZE,
  MAX_SERVICES,
  parseMix,
  parseWorkloadOptions,
  type WorkloadOptions,
} from "./options.js";
export { type OtlpBatch, toOtlp } from "./otlp.js";
export { type OtlpPayload, OtlpSender } from "./otlp-sender.js";
export {
  DEFAULT_INFLIGHT,
  DEFAULT_PROGRESS_EVERY_MS,
  type LoadProgress,
  type LoadRunOptions,
  type LoadSummary,
  runLoad,
} from "./run.js";
export { type Ack, LoadTargetError, type Prepared, type Sender, VIAS, type Via } from "./sender.js";
export { Latencies, percentile } from "./stats.js";
export {
  type EstateIndex,
  type GeneratedEstate,
  generateEstate,
  LAYERS,
  layerSizes,
  topologyFileText,
} from "./topology.js";
