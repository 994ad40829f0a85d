// Last seen state of cumulative histogram series, so a cumulative point can
// be turned into the interval since the previous one (what the Collector's
// cumulativetodelta processor does). Bounded: the oldest series is forgotten
// first, and a forgotten series just counts its next point from its start.

/** DEFAULT_MAX_SERIES bounds the cumulative series remembered. */
export const DEFAULT_MAX_SERIES = 100_000;

/** SeriesState is the previous point of one cumulative series. */
export interface SeriesState {
  /** start_time_unix_nano: a new start means the counter was reset. */
  start: string;
  ts: number;
  count: number;
  buckets: number[];
}

/** CumulativeSeries maps a series key to its previous point. */
export class CumulativeSeries {
  private readonly map = new Map<string, SeriesState>();

  /** Remembers at most `max` series. */
  constructor(private readonly max = DEFAULT_MAX_SERIES) {}

  /** get returns the previous point of `key`. */
  get(key: string): SeriesState | undefined {
    return this.map.get(key);
  }

  /** set records the latest point of `key` once its events are durable; older points are ignored. */
  set(key: string, state: SeriesState): void {
    const prev = this.map.get(key);
    if (prev !== undefined && prev.start === state.start && prev.ts >= state.ts) return;
    this.map.delete(key);
    this.map.set(key, state);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
  }

  /** size is the number of series remembered. */
  get size(): number {
    return this.map.size;
  }
}
