// impactd core: the exported surface the host calls. One call per batch; all
// data crosses through linear memory (see layout.ts).
import { loadState as arenaLoad, saveState as arenaSave } from "./arena";
import { loadState as healthLoad, saveState as healthSave } from "./health";
import { incidentCount, loadState as incidentsLoad, saveState as incidentsSave, openIncidents } from "./incidents";
import { loadState as journeysLoad, saveState as journeysSave } from "./journeys";
import { loadState as outputLoad, saveState as outputSave } from "./output";
import { loadState as predictLoad, saveState as predictSave } from "./predict";
import { loadState as routingLoad, saveState as routingSave } from "./routing";
import { loadState as servicesLoad, saveState as servicesSave } from "./services";
import { rewind, used } from "./state";
import { loadState as streamLoad, saveState as streamSave } from "./stream";
import { loadState as timersLoad, saveState as timersSave } from "./timers";
import { journeysFromTopology } from "./journeys";
import { predictionCount } from "./predict";
import { setServiceRouting, teamRecordBytes, teamsStage as stageTeams } from "./routing";
import * as L from "./layout";
import { outBase, outCount, resetOutput } from "./output";
import { resetParams, setParamValue } from "./params";
import { growServices, topologyBegin, topologyCommit } from "./services";
import {
  advanceTo,
  appliedCount,
  ingest,
  lateCount,
  maxTs,
  pendingCount,
  reserveInput,
  watermark,
} from "./stream";
import { timerCount } from "./timers";

resetParams();

/**
 * checkpoint writes every module's globals into the static state block; the
 * host then copies the whole memory. Returns the bytes of the block used.
 */
export function checkpoint(): u32 {
  rewind();
  arenaSave();
  healthSave();
  incidentsSave();
  journeysSave();
  outputSave();
  predictSave();
  routingSave();
  servicesSave();
  streamSave();
  timersSave();
  return used();
}

/** restore reads the globals back after the host copied a checkpoint's memory in. */
export function restore(): u32 {
  rewind();
  arenaLoad();
  healthLoad();
  incidentsLoad();
  journeysLoad();
  outputLoad();
  predictLoad();
  routingLoad();
  servicesLoad();
  streamLoad();
  timersLoad();
  return used();
}

/** setParam sets a tunable (P_* in layout.ts). */
export function setParam(id: i32, value: f64): void {
  setParamValue(id, value);
}

/** inputBuffer returns the address where the host writes `n` input records. */
export function inputBuffer(n: u32): usize {
  return reserveInput(n);
}

/** process applies `n` records from the input buffer; returns outputs written. */
export function process(n: u32): u32 {
  resetOutput();
  ingest(n);
  return outCount;
}

/** advance moves event time to `w` without new events; returns outputs. */
export function advance(w: f64): u32 {
  resetOutput();
  advanceTo(w);
  return outCount;
}

/** flush applies everything pending (end of stream); returns outputs. */
export function flush(): u32 {
  resetOutput();
  if (maxTs > -Infinity) advanceTo(maxTs + 1);
  return outCount;
}

/** outputBuffer is where the last call's output records start. */
export function outputBuffer(): usize {
  return outBase;
}

/**
 * topologyStage reserves the staging area for a topology of n services with
 * e dependency edges and j journeys needing je services in all.
 */
export function topologyStage(n: u32, e: u32, j: u32, je: u32): usize {
  return topologyBegin(n, e, j, je);
}

/** topologyApply swaps the staged topology in, keeping all service and journey state. */
export function topologyApply(): void {
  topologyCommit();
  journeysFromTopology();
}

/** teamsStage reserves `n` team records (layout in routing.ts) and returns their address. */
export function teamsStage(n: u32): usize {
  return stageTeams(n);
}

/** teamBytes is the size of one team record. */
export function teamBytes(): u32 {
  return teamRecordBytes();
}

/** serviceRouting sets service s's owner (team id + 1, 0 = none) and failure-kind bits. */
export function serviceRouting(s: u32, owner: u32, kinds: u32): void {
  setServiceRouting(s, owner, kinds);
}

/** reserveServices makes room for service ids below n. */
export function reserveServices(n: u32): void {
  growServices(n);
}

/** stat returns a counter for metrics and tests (see STAT_* in the host). */
export function stat(which: i32): f64 {
  switch (which) {
    case 0:
      return <f64>appliedCount;
    case 1:
      return <f64>lateCount;
    case 2:
      return watermark;
    case 3:
      return <f64>pendingCount();
    case 4:
      return <f64>incidentCount;
    case 5:
      return <f64>openIncidents;
    case 6:
      return <f64>timerCount;
    case 7:
      return <f64>memory.size() * 65536.0;
    case 8:
      return <f64>predictionCount;
    default:
      return NaN;
  }
}

/** layout returns a layout constant so the host can check it mirrors them. */
export function layout(which: i32): u32 {
  switch (which) {
    case 0:
      return L.IN_BYTES;
    case 1:
      return L.OUT_BYTES;
    case 2:
      return L.IN_VALUE;
    case 3:
      return L.IN_AUX;
    case 4:
      return L.OUT_VERSION;
    case 5:
      return L.O_LATE;
    case 6:
      return <u32>L.P_COUNT;
    default:
      return 0;
  }
}
