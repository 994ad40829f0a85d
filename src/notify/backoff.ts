// Exponential backoff with jitter: the delay doubles per attempt up to a cap,
// and half of it is random, so many notifiers retrying one receiver spread out.

/** backoffDelay is the wait before retry number `attempt` (1 = first retry), at least `floorMs` (a Retry-After). */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
  floorMs = 0,
): number {
  const full = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = full / 2 + random() * (full / 2);
  return Math.min(maxMs, Math.max(floorMs, jittered));
}
