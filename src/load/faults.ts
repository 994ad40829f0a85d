// Injected faults: a Poisson process in event time. Each fault takes one
// service down (a backend or data service, where root causes usually are) and
// degrades its hard callers up to SYMPTOM_HOPS away, for a fixed duration.
// The schedule is ground truth: which service failed, when, and which
// services showed symptoms, so benchmarks can count what each system made of
// the same faults.
import type { Rng } from "../sim/rng.js";
import type { EstateIndex } from "./topology.js";

/** SYMPTOM_HOPS is how far up the callers a fault's symptoms reach. */
export const SYMPTOM_HOPS = 2;
/** MAX_SYMPTOMS bounds the services one fault degrades (besides its root). */
export const MAX_SYMPTOMS = 50;

/** InjectedFault is the ground truth of one fault. */
export interface InjectedFault {
  /** Sequence number, from 0. */
  readonly id: number;
  /** The failing service's id and name. */
  readonly root: number;
  readonly rootName: string;
  /** Event time of the onset and of the recovery. */
  readonly startMs: number;
  readonly endMs: number;
  /** Services with symptoms (callers of the root), by id. */
  readonly symptoms: readonly number[];
  /** Whether a deploy on the root just before the onset caused it. */
  readonly deploy: boolean;
}

/** Affected says how a fault touches a service. */
export interface Affected {
  readonly fault: InjectedFault;
  readonly root: boolean;
}

/** symptomsOf walks hard callers of `root` breadth first, SYMPTOM_HOPS deep. */
export function symptomsOf(index: EstateIndex, root: number): number[] {
  const seen = new Set<number>([root]);
  const out: number[] = [];
  let frontier = [root];
  for (let hop = 0; hop < SYMPTOM_HOPS && frontier.length > 0; hop++) {
    const next: number[] = [];
    for (const s of frontier) {
      for (const c of index.callers[s] ?? []) {
        if (seen.has(c) || out.length >= MAX_SYMPTOMS) continue;
        seen.add(c);
        out.push(c);
        next.push(c);
      }
    }
    frontier = next;
  }
  return out;
}

/**
 * FaultSchedule starts and ends faults as event time moves forward. A root
 * already failing is not picked again until it recovers.
 */
export class FaultSchedule {
  /** Every fault started so far, in onset order. */
  readonly faults: InjectedFault[] = [];
  private nextAt: number;
  private readonly active = new Map<number, Affected>();
  private readonly running: InjectedFault[] = [];
  private activeList: number[] = [];
  private readonly candidates: number[];

  constructor(
    private readonly index: EstateIndex,
    private readonly rng: Rng,
    private readonly opts: {
      startMs: number;
      faultRate: number;
      faultDurationMs: number;
      warmupMs: number;
    },
  ) {
    const deep: number[] = [];
    for (let s = 0; s < index.names.length; s++) if ((index.layer[s] as number) >= 2) deep.push(s);
    this.candidates = deep.length > 0 ? deep : index.names.map((_, i) => i);
    this.nextAt =
      opts.faultRate > 0 ? opts.startMs + opts.warmupMs + this.gap() : Number.POSITIVE_INFINITY;
  }

  // Exponential gaps make the onsets a Poisson process.
  private gap(): number {
    return Math.max(1, Math.round((-Math.log(1 - this.rng.next()) * 60_000) / this.opts.faultRate));
  }

  /** nextOnset is the event time of the next fault to start. */
  get nextOnset(): number {
    return this.nextAt;
  }

  /**
   * advance moves to event time `ts`: ends faults that are over and returns
   * the faults that start at or before `ts` (usually none).
   */
  advance(ts: number): InjectedFault[] {
    if (this.running.length > 0) {
      for (let i = this.running.length - 1; i >= 0; i--) {
        const f = this.running[i] as InjectedFault;
        if (f.endMs > ts) continue;
        this.running.splice(i, 1);
        for (const s of [f.root, ...f.symptoms]) {
          if (this.active.get(s)?.fault === f) this.active.delete(s);
        }
        this.activeList = [...this.active.keys()];
      }
    }
    if (ts < this.nextAt) return [];
    const started: InjectedFault[] = [];
    while (ts >= this.nextAt) {
      const at = this.nextAt;
      this.nextAt += this.gap();
      let root = this.rng.pick(this.candidates);
      for (let tries = 0; tries < 8 && this.active.get(root)?.root === true; tries++) {
        root = this.rng.pick(this.candidates);
      }
      if (this.active.get(root)?.root === true) continue;
      const f: InjectedFault = {
        id: this.faults.length,
        root,
        rootName: this.index.names[root] as string,
        startMs: at,
        endMs: at + this.opts.faultDurationMs,
        symptoms: symptomsOf(this.index, root),
        deploy: this.rng.chance(0.2),
      };
      this.faults.push(f);
      this.running.push(f);
      this.active.set(root, { fault: f, root: true });
      for (const s of f.symptoms)
        if (!this.active.has(s)) this.active.set(s, { fault: f, root: false });
      started.push(f);
    }
    this.activeList = [...this.active.keys()];
    return started;
  }

  /** affected says whether (and how) a fault touches service `s` now. */
  affected(s: number): Affected | undefined {
    return this.active.size === 0 ? undefined : this.active.get(s);
  }

  /** activeServices lists the services some running fault touches (do not modify). */
  activeServices(): readonly number[] {
    return this.activeList;
  }
}
