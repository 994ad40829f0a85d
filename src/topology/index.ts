// Public names of the topology module: reading topology files, validating
// topologies from any source, and the Estate index the pipeline queries.
export { Estate } from "./estate.js";
export type { ParseTopologyOptions, TopologyFormat } from "./parse.js";
export { loadTopologyFile, parseTopology } from "./parse.js";
export type { TopologyIssue } from "./validate.js";
export {
  assertValidTopology,
  formatIssue,
  MAX_TIER,
  TOPOLOGY_NAME_PATTERN,
  TopologyError,
  validateTopology,
} from "./validate.js";
