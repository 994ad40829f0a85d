// The host side of the WASM bridge: loads the AssemblyScript core, writes
// batches of fixed-width records into its linear memory and reads decision
// records back. One exported call per batch; nothing is allocated per event.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ImpactdError } from "../errors.js";
import { packageRoot } from "../util/package-root.js";
import {
  IN_BYTES,
  OUT_BYTES,
  STAT_APPLIED,
  STAT_INCIDENTS,
  STAT_LATE,
  STAT_MEMORY_BYTES,
  STAT_OPEN_INCIDENTS,
  STAT_PENDING,
  STAT_PREDICTIONS,
  STAT_TIMERS,
  STAT_WATERMARK,
} from "./layout.js";

interface CoreExports {
  memory: WebAssembly.Memory;
  setParam(id: number, value: number): void;
  inputBuffer(n: number): number;
  process(n: number): number;
  advance(watermark: number): number;
  flush(): number;
  outputBuffer(): number;
  topologyStage(n: number, e: number, j: number, je: number): number;
  topologyApply(): void;
  reserveServices(n: number): void;
  teamsStage(n: number): number;
  teamBytes(): number;
  serviceRouting(s: number, owner: number, kinds: number): void;
  stat(which: number): number;
  layout(which: number): number;
  checkpoint(): number;
  restore(): number;
}

/** CoreError reports a trap or abort inside the WASM core. */
export class CoreError extends ImpactdError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("CORE_ERROR", message, options);
  }
}

const modules = new Map<string, WebAssembly.Module>();
const buildIds = new Map<string, string>();

/** coreWasmPath is where `npm run build:wasm` puts the module. */
export function coreWasmPath(debug = false): string {
  return join(packageRoot(), "build", debug ? "core-debug.wasm" : "core.wasm");
}

function compiled(debug: boolean): WebAssembly.Module {
  const path = coreWasmPath(debug);
  let mod = modules.get(path);
  if (mod === undefined) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (cause) {
      throw new CoreError(`core module ${path} not found: run \`npm run build:wasm\``, { cause });
    }
    mod = new WebAssembly.Module(bytes);
    modules.set(path, mod);
    buildIds.set(path, createHash("sha256").update(bytes).digest("hex").slice(0, 16));
  }
  return mod;
}

/** CoreTopology is a topology in the core's CSR form (see setTopology). */
export interface CoreTopology {
  depOffsets: Uint32Array;
  deps: Uint32Array;
  sloErrorRate: Float64Array;
  sloLatencyMs: Float64Array;
  journeyOffsets: Uint32Array;
  journeyServices: Uint32Array;
  /** How many of each journey's services (listed first) its steps name. */
  journeyDirect: Uint32Array;
  customersPerMin: Float64Array;
  sloTarget: Float64Array;
}

/** CoreTeam is one team as the core sees it (see setRouting). */
export interface CoreTeam {
  skills: number;
  fallback: boolean;
  tierDelaysMs: number[];
  pageTier2AboveCpm: number;
}

/** CoreStats are the core's own counters. */
export interface CoreStats {
  applied: number;
  late: number;
  watermark: number;
  pending: number;
  incidents: number;
  openIncidents: number;
  timers: number;
  memoryBytes: number;
  predictions: number;
}

/**
 * WasmCore is one instance of the core: one tenant's state. Write a batch
 * with `input(n)` and the record setters, then `process(n)`; read results
 * with the output accessors until the next call.
 */
export class WasmCore {
  private readonly x: CoreExports;
  /** Identifies the module build; a checkpoint only restores into the same build. */
  readonly buildId: string;
  private buffer: ArrayBuffer;
  private f64!: Float64Array;
  private u32!: Uint32Array;
  private u16!: Uint16Array;
  private u8!: Uint8Array;
  private inBase = 0;
  private outBase = 0;
  private outCount = 0;

  constructor(options: { debug?: boolean } = {}) {
    const instance = new WebAssembly.Instance(compiled(options.debug ?? false), {
      env: {
        abort: (_msg: number, _file: number, line: number, col: number) => {
          throw new CoreError(`core aborted at line ${line}:${col}`);
        },
      },
    });
    this.x = instance.exports as unknown as CoreExports;
    this.buildId = buildIds.get(coreWasmPath(options.debug ?? false)) ?? "";
    this.buffer = this.x.memory.buffer;
    this.views();
  }

  // Views must be rebuilt whenever the memory grew (the buffer is replaced).
  private views(): void {
    this.buffer = this.x.memory.buffer;
    this.f64 = new Float64Array(this.buffer);
    this.u32 = new Uint32Array(this.buffer);
    this.u16 = new Uint16Array(this.buffer);
    this.u8 = new Uint8Array(this.buffer);
  }

  private fresh(): void {
    if (this.x.memory.buffer !== this.buffer) this.views();
  }

  private call(fn: () => number): number {
    try {
      const n = fn();
      this.fresh();
      return n;
    } catch (cause) {
      if (cause instanceof CoreError) throw cause;
      throw new CoreError(`core trapped: ${(cause as Error).message}`, { cause });
    }
  }

  /** snapshot returns a copy of the core's whole state (its linear memory). */
  snapshot(): Uint8Array {
    this.call(() => this.x.checkpoint());
    return new Uint8Array(this.x.memory.buffer).slice();
  }

  /** restoreSnapshot replaces this instance's state with one taken by snapshot(). */
  restoreSnapshot(bytes: Uint8Array): void {
    const have = this.x.memory.buffer.byteLength;
    if (bytes.length > have) this.x.memory.grow(Math.ceil((bytes.length - have) / 65536));
    const mem = new Uint8Array(this.x.memory.buffer);
    mem.set(bytes);
    mem.fill(0, bytes.length);
    this.call(() => this.x.restore());
    this.views();
  }

  /** layoutValue exposes the module's layout constants (for the mirror test). */
  layoutValue(which: number): number {
    return this.x.layout(which);
  }

  /** setParam sets a tunable (P_* in layout.ts). */
  setParam(id: number, value: number): void {
    this.x.setParam(id, value);
  }

  /** reserveServices makes room for service ids below n. */
  reserveServices(n: number): void {
    this.call(() => {
      this.x.reserveServices(n);
      return 0;
    });
  }

  /**
   * setTopology replaces the topology, all in CSR form: `depOffsets` (n+1)
   * and `deps` (bit 31 set on soft edges); `journeyOffsets` (j+1) and
   * `journeyServices` (the services each journey needs). SLO arrays hold 0
   * for "use the default". Service and journey state is kept.
   */
  setTopology(t: CoreTopology): void {
    const n = t.depOffsets.length - 1;
    const e = t.deps.length;
    const j = t.journeyOffsets.length - 1;
    const je = t.journeyServices.length;
    const base = this.call(() => this.x.topologyStage(n, e, j, je));
    let w = base >>> 2;
    this.u32.set(t.depOffsets, w);
    w += n + 1;
    this.u32.set(t.deps, w);
    w += e;
    this.u32.set(t.journeyOffsets, w);
    w += j + 1;
    this.u32.set(t.journeyServices, w);
    w += je;
    this.u32.set(t.journeyDirect, w);
    w += j;
    const f = (((w << 2) + 7) >>> 3) << 3;
    let d = f >>> 3;
    this.f64.set(t.sloErrorRate, d);
    d += n;
    this.f64.set(t.sloLatencyMs, d);
    d += n;
    this.f64.set(t.customersPerMin, d);
    d += j;
    this.f64.set(t.sloTarget, d);
    this.call(() => {
      this.x.topologyApply();
      return 0;
    });
  }

  /**
   * setRouting writes the teams (skills bits, fallback flag, tier delays in
   * ms, tier-2 threshold) and every service's owner (team index + 1, 0 =
   * none) and failure-kind bits.
   */
  setRouting(teams: readonly CoreTeam[], owners: Uint32Array, kinds: Uint32Array): void {
    const base = this.call(() => this.x.teamsStage(teams.length));
    const size = this.x.teamBytes();
    teams.forEach((t, i) => {
      const p = base + i * size;
      this.u32[p >>> 2] = t.skills >>> 0;
      this.u8[p + 4] = t.fallback ? 1 : 0;
      this.u8[p + 5] = Math.min(t.tierDelaysMs.length, 8);
      this.f64[(p + 8) >>> 3] = t.pageTier2AboveCpm;
      t.tierDelaysMs.slice(0, 8).forEach((d, k) => {
        this.f64[((p + 16) >>> 3) + k] = d;
      });
    });
    for (let s = 0; s < owners.length; s++)
      this.x.serviceRouting(s, owners[s] as number, (kinds[s] as number) >>> 0);
    this.fresh();
  }

  /** input reserves room for n records; call before the set* writers. */
  input(n: number): void {
    this.inBase = this.call(() => this.x.inputBuffer(n));
  }

  /** setRecord writes input record i of the current batch. */
  setRecord(
    i: number,
    ts: number,
    kind: number,
    code: number,
    flags: number,
    entity: number,
    value: number,
    aux: number,
    aux2: number,
  ): void {
    const p = this.inBase + i * IN_BYTES;
    const w = p >>> 2;
    this.f64[p >>> 3] = ts;
    this.u8[p + 8] = kind;
    this.u8[p + 9] = code;
    this.u16[(p + 10) >>> 1] = flags;
    this.u32[w + 3] = entity;
    this.f64[(p >>> 3) + 2] = value;
    this.u32[w + 6] = aux;
    this.u32[w + 7] = aux2;
  }

  /** loadInput copies pre-encoded input records (IN_BYTES each) into the batch. */
  loadInput(records: Uint8Array): number {
    const n = records.length / IN_BYTES;
    this.input(n);
    this.u8.set(records, this.inBase);
    return n;
  }

  /** process applies the n records written; returns the number of outputs. */
  process(n: number): number {
    this.outCount = this.call(() => this.x.process(n));
    this.outBase = this.x.outputBuffer();
    return this.outCount;
  }

  /** advance moves event time to `watermark` without events (fires timers). */
  advance(watermark: number): number {
    this.outCount = this.call(() => this.x.advance(watermark));
    this.outBase = this.x.outputBuffer();
    return this.outCount;
  }

  /** flush applies every pending record (end of stream). */
  flush(): number {
    this.outCount = this.call(() => this.x.flush());
    this.outBase = this.x.outputBuffer();
    return this.outCount;
  }

  /** outputCount is the number of output records of the last call. */
  get outputCount(): number {
    return this.outCount;
  }

  /** outU32 reads a u32 field of output record i. */
  outU32(i: number, field: number): number {
    return this.u32[(this.outBase + i * OUT_BYTES + field) >>> 2] as number;
  }

  /** outF64 reads an f64 field of output record i. */
  outF64(i: number, field: number): number {
    return this.f64[(this.outBase + i * OUT_BYTES + field) >>> 3] as number;
  }

  /** outputBytes copies the raw output records of the last call. */
  outputBytes(): Uint8Array {
    return this.u8.slice(this.outBase, this.outBase + this.outCount * OUT_BYTES);
  }

  /** stats reads the core's counters. */
  stats(): CoreStats {
    const s = (i: number) => this.x.stat(i);
    return {
      applied: s(STAT_APPLIED),
      late: s(STAT_LATE),
      watermark: s(STAT_WATERMARK),
      pending: s(STAT_PENDING),
      incidents: s(STAT_INCIDENTS),
      openIncidents: s(STAT_OPEN_INCIDENTS),
      timers: s(STAT_TIMERS),
      memoryBytes: s(STAT_MEMORY_BYTES),
      predictions: s(STAT_PREDICTIONS),
    };
  }
}
