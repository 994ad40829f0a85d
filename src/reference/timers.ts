// Event-time timers: fire as event time passes them, in (due, type, target)
// order, so the firing order never depends on when they were scheduled. A
// timer may be stale (its target was rescheduled or changed); the handler
// checks and ignores it, so duplicates are kept, as in the core.

/** Timer types (the same numbering as assembly/timers.ts). */
export const T_RECOVER = 1; // service recovery check
export const T_RESOLVE = 2; // incident resolution check
export const T_PRED_DEADLINE = 3; // service prediction deadline
export const T_JPRED_DEADLINE = 4; // journey prediction deadline
export const T_ESCALATE = 5; // escalation to the next tier
export const T_CONFIRM = 6; // an uncorroborated alert has fired long enough
export const T_ALERT_EXPIRE = 7; // a firing alert was not re-sent in time

/** Timer is one scheduled check. */
export interface Timer {
  due: number;
  type: number;
  target: number;
}

function before(a: Timer, b: Timer): boolean {
  if (a.due !== b.due) return a.due < b.due;
  if (a.type !== b.type) return a.type < b.type;
  return a.target < b.target;
}

/** TimerQueue keeps timers sorted by (due, type, target). */
export class TimerQueue {
  private readonly timers: Timer[] = [];

  /** schedule adds a timer. */
  schedule(due: number, type: number, target: number): void {
    const t = { due, type, target };
    // Binary search for the first timer that sorts after t.
    let lo = 0;
    let hi = this.timers.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(t, this.timers[mid] as Timer)) hi = mid;
      else lo = mid + 1;
    }
    this.timers.splice(lo, 0, t);
  }

  /** nextDue is the earliest due time, or +Infinity when none is pending. */
  nextDue(): number {
    return this.timers[0]?.due ?? Number.POSITIVE_INFINITY;
  }

  /** pop removes and returns the earliest timer. */
  pop(): Timer | undefined {
    return this.timers.shift();
  }

  /** size is the number of timers pending (stale ones included). */
  get size(): number {
    return this.timers.length;
  }
}
