import { InvalidArgumentError } from "../errors.js";

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** parseDuration reads "90s", "30m", "1h30m", "2d" or plain milliseconds. */
export function parseDuration(text: string, what = "duration"): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    total += Number(m[1]) * (UNITS[m[2] as string] as number);
    end = re.lastIndex;
  }
  if (end !== t.length || end === 0) {
    throw new InvalidArgumentError(
      `${what} ${JSON.stringify(text)} is not a duration (examples: 90s, 30m, 1h30m)`,
    );
  }
  return Math.round(total);
}

/** formatDuration renders milliseconds as "1h02m03s". */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}h${pad(m)}m${pad(sec)}s` : `${m}m${pad(sec)}s`;
}
