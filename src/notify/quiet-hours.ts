// Quiet hours are a daily window, on the wall clock of the team's time zone,
// in which notifications below CRITICAL wait until the window ends. They are
// about people sleeping, so they follow the wall clock, not event time.
import type { QuietHours } from "../gen/impactd/v1/topology.js";

const DAY_MIN = 24 * 60;

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

// Wall-clock hour, minute, second and millisecond of `ms` in `timeZone`.
function localTime(ms: number, timeZone: string): { min: number; secMs: number } {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: timeZone === "" ? "UTC" : timeZone,
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return { min: get("hour") * 60 + get("minute"), secMs: get("second") * 1000 + (ms % 1000) };
}

/**
 * quietUntil returns when the quiet window that `nowMs` falls in ends
 * (epoch ms), or 0 when `nowMs` is outside the window (or there is none). A
 * window may wrap midnight (22:00-07:00); start == end is an empty window.
 * On a day the clocks change the end may be off by the shift (an hour).
 */
export function quietUntil(q: QuietHours | undefined, nowMs: number): number {
  if (q === undefined || q.start === "" || q.end === "") return 0;
  const start = minutesOf(q.start);
  const end = minutesOf(q.end);
  if (start === end) return 0;
  const { min, secMs } = localTime(nowMs, q.timezone);
  const inside = start < end ? min >= start && min < end : min >= start || min < end;
  if (!inside) return 0;
  const left = (end - min + DAY_MIN) % DAY_MIN;
  return nowMs - secMs + left * 60_000;
}
