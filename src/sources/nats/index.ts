// Public names of the NATS front end (core NATS and JetStream ingest).
export { connectionOptions, connectNats } from "./connect.js";
export { type CoreReply, type CoreStats, CoreSubscriber, OVERLOADED } from "./core.js";
export {
  type Decoded,
  type DecodeFailure,
  decodePayload,
  excerpt,
  formatOf,
  type PayloadFormat,
} from "./decode.js";
export { NatsSourceError } from "./errors.js";
export {
  type Authorize,
  FRONT_END,
  type Incoming,
  ingestMessages,
  type Outcome,
  TENANT_MISMATCH,
} from "./ingest.js";
export {
  ensureConsumer,
  ensureStream,
  JetStreamConsumer,
  type JetStreamStats,
} from "./jetstream.js";
export { DEFAULT_LEASE_TTL_MS, instanceId, Lease } from "./lease.js";
export { registerNatsMetrics } from "./metrics.js";
export { PartitionConsumer, type PartitionStats } from "./partition.js";
export { replayPartition } from "./replay.js";
export { authorizer, type NatsSource, type NatsSourceOptions, startNatsSource } from "./source.js";
export { eventSubject, parseSubject, type SubjectParts } from "./subjects.js";
