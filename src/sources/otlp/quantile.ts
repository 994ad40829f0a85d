// Quantile estimates from histogram buckets, as Prometheus's
// histogram_quantile does: find the bucket holding the rank and interpolate
// linearly inside it.

/**
 * explicitQuantile estimates quantile `q` (0..1) of an explicit-bucket
 * histogram: `counts[i]` observations fall in (bounds[i-1], bounds[i]], the
 * last bucket is unbounded above. Returns undefined when there are no
 * observations; `max` (when known) caps the open last bucket.
 */
export function explicitQuantile(
  q: number,
  bounds: readonly number[],
  counts: readonly number[],
  max?: number,
): number | undefined {
  let total = 0;
  for (const c of counts) total += c;
  if (total <= 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] ?? 0;
    if (c > 0 && seen + c >= rank) {
      const lo = i === 0 ? Math.min(0, bounds[0] ?? 0) : (bounds[i - 1] as number);
      const hi = i < bounds.length ? (bounds[i] as number) : (max ?? lo);
      if (hi <= lo) return hi;
      return lo + ((hi - lo) * (rank - seen)) / c;
    }
    seen += c;
  }
  return max ?? bounds[bounds.length - 1] ?? 0;
}

/**
 * exponentialQuantile estimates quantile `q` of a base-2 exponential
 * histogram's positive range: bucket `offset + i` covers
 * (base^(offset+i), base^(offset+i+1)] with base = 2^(2^-scale). Values in the
 * zero bucket count as 0.
 */
export function exponentialQuantile(
  q: number,
  scale: number,
  zeroCount: number,
  offset: number,
  counts: readonly number[],
  max?: number,
): number | undefined {
  let total = zeroCount;
  for (const c of counts) total += c;
  if (total <= 0) return undefined;
  const rank = q * total;
  if (rank <= zeroCount) return 0;
  let seen = zeroCount;
  const base = 2 ** (2 ** -scale);
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] ?? 0;
    if (c > 0 && seen + c >= rank) {
      const lo = base ** (offset + i);
      let hi = base ** (offset + i + 1);
      if (max !== undefined && max < hi && max > lo) hi = max;
      return lo + ((hi - lo) * (rank - seen)) / c;
    }
    seen += c;
  }
  return max ?? base ** (offset + counts.length);
}
