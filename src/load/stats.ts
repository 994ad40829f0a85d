// Latency bookkeeping for load runs and benchmarks: every sample kept (acks
// are per batch, so there are few), percentiles by nearest rank.

/** percentile returns the nearest-rank `p` quantile (0-1) of ascending `sorted`, or null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil(p * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
}

/** Latencies collects samples in ms and reports percentiles. */
export class Latencies {
  private readonly samples: number[] = [];
  private sorted = true;

  /** add records one sample. */
  add(ms: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && ms < last) this.sorted = false;
    this.samples.push(ms);
  }

  /** count is how many samples were added. */
  get count(): number {
    return this.samples.length;
  }

  /** quantile returns the nearest-rank `p` quantile (0-1), or null without samples. */
  quantile(p: number): number | null {
    if (!this.sorted) {
      this.samples.sort((a, b) => a - b);
      this.sorted = true;
    }
    return percentile(this.samples, p);
  }
}
