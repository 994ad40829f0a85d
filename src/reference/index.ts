// The reference model: a plain TypeScript implementation of the WASM core's
// semantics, for differential tests and as a benchmark baseline.
export { ReferenceEngine, type ReferenceStats } from "./engine.js";
export { PARAM_DEFAULTS, Params } from "./params.js";
export {
  decodeInput,
  encodeOutput,
  type InputRecord,
  inputRecord,
  OutputRecord,
} from "./records.js";
export { ReferenceCore, type ReferenceCoreOptions } from "./reference-core.js";
export type { RoutingTeam } from "./routing.js";
export { compareRecords } from "./stream.js";
