// Public names of the query pack.
export {
  ms,
  type PackParam,
  type PackQuery,
  packQuery,
  QUERY_PACK,
  type QueryContext,
  shown,
} from "./pack.js";
export { resolveParams, runPackQuery } from "./run.js";
