// OTLP times are unsigned nanoseconds since the epoch, decoded as decimal
// strings; impactd works in milliseconds.

/** nanosToMs floors a decimal nanosecond string to milliseconds (0 when unset or not a number). */
export function nanosToMs(nanos: string): number {
  if (!/^\d{1,20}$/.test(nanos)) return 0;
  // Dropping six digits is exact floor division, with no BigInt.
  return nanos.length <= 6 ? 0 : Number(nanos.slice(0, -6));
}

/** nanosToMsExact returns nanoseconds as fractional milliseconds (durations). */
export function nanosToMsExact(nanos: string): number {
  if (!/^\d{1,20}$/.test(nanos)) return 0;
  if (nanos.length <= 6) return Number(nanos) / 1e6;
  return Number(nanos.slice(0, -6)) + Number(nanos.slice(-6)) / 1e6;
}
