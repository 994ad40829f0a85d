// Public names of replay: stored raw events back through a fresh core.
export { eventFromRow, ReplayError } from "./event-from-row.js";
export {
  DEFAULT_REPLAY_INFLIGHT,
  DEFAULT_REPLAY_WINDOW_ROWS,
  eventWindows,
  type ReplayOptions,
  type ReplayProgress,
  type ReplayResult,
  replay,
} from "./replay.js";
