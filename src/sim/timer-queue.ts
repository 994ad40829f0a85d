// A binary min-heap of timers keyed by (time, insertion order). The simulator
// pops timers in event-time order to yield events lazily; ties break by
// insertion order so a seed always gives the same sequence.

interface Entry<T> {
  at: number;
  seq: number;
  item: T;
}

/** TimerQueue orders items by due time, first-in first-out among equal times. */
export class TimerQueue<T> {
  private readonly heap: Entry<T>[] = [];
  private seq = 0;

  /** size is the number of pending timers. */
  get size(): number {
    return this.heap.length;
  }

  /** push schedules `item` at time `at`. */
  push(at: number, item: T): void {
    const h = this.heap;
    h.push({ at, seq: this.seq++, item });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i] as Entry<T>, h[p] as Entry<T>)) break;
      swap(h, i, p);
      i = p;
    }
  }

  /** peekAt returns the time of the earliest timer, or undefined when empty. */
  peekAt(): number | undefined {
    return this.heap[0]?.at;
  }

  /** pop removes and returns the earliest timer, or undefined when empty. */
  pop(): { at: number; item: T } | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop() as Entry<T>;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l] as Entry<T>, h[m] as Entry<T>)) m = l;
        if (r < h.length && before(h[r] as Entry<T>, h[m] as Entry<T>)) m = r;
        if (m === i) break;
        swap(h, i, m);
        i = m;
      }
    }
    return { at: top.at, item: top.item };
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function swap<T>(h: Entry<T>[], i: number, j: number): void {
  const t = h[i] as Entry<T>;
  h[i] = h[j] as Entry<T>;
  h[j] = t;
}
