// Live progress for `impactd demo`: redraws a small dashboard in place on a
// terminal, or prints a line every few seconds when output is a pipe or file.
import { type Incident, IncidentStatus } from "../gen/impactd/v1/incident.js";
import { isOpen } from "../pipeline/incident-tracker.js";
import { incidentSeverityName } from "../pipeline/rows.js";
import { formatDuration } from "../util/duration.js";

/** ProgressState is what the dashboard shows. */
export interface ProgressState {
  simStartMs: number;
  simNowMs: number;
  simEndMs: number;
  sent: number;
  accepted: number;
  rejected: number;
  eventsPerSec: number;
  incidents: ReadonlyMap<string, Incident>;
}

const PLAIN_INTERVAL_MS = 5_000;
const MAX_ROWS = 8;

/** Progress renders ProgressState to a stream. */
export class Progress {
  private lines = 0;
  private lastPlain = 0;
  private readonly tty: boolean;

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {
    this.tty = out.isTTY === true && process.env.CI === undefined;
  }

  /** render draws the state; `final` forces output even on a pipe. */
  render(s: ProgressState, final = false): void {
    const text = this.compose(s);
    if (this.tty) {
      if (this.lines > 0) this.out.write(`\x1b[${this.lines}A\x1b[J`);
      this.out.write(`${text.join("\n")}\n`);
      this.lines = text.length;
      return;
    }
    const now = Date.now();
    if (!final && now - this.lastPlain < PLAIN_INTERVAL_MS) return;
    this.lastPlain = now;
    this.out.write(`${text.join("\n")}\n\n`);
  }

  /** event prints a one-off line above the dashboard (incident opened/resolved). */
  event(line: string): void {
    if (this.tty && this.lines > 0) {
      this.out.write(`\x1b[${this.lines}A\x1b[J`);
      this.lines = 0;
    }
    this.out.write(`${line}\n`);
  }

  private compose(s: ProgressState): string[] {
    const elapsed = s.simNowMs - s.simStartMs;
    const total = s.simEndMs - s.simStartMs;
    const pct = total > 0 ? Math.min(100, (100 * elapsed) / total) : 100;
    const width = 30;
    const filled = Math.round((pct / 100) * width);
    const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
    const all = [...s.incidents.values()];
    const open = all.filter((i) => isOpen(i.status));
    const merged = all.filter((i) => i.status === IncidentStatus.INCIDENT_STATUS_MERGED).length;
    const lines = [
      `simulated ${formatDuration(elapsed)} / ${formatDuration(total)} [${bar}] ${pct.toFixed(0)}%  ${new Date(s.simNowMs).toISOString().slice(11, 19)}Z`,
      `events sent ${s.sent}  accepted ${s.accepted}  rejected ${s.rejected}  ${Math.round(s.eventsPerSec)} events/s`,
      `incidents: ${open.length} open, ${all.length - open.length - merged} resolved, ${merged} merged into others`,
    ];
    for (const inc of open.slice(0, MAX_ROWS)) lines.push(`  ${describe(inc)}`);
    if (open.length > MAX_ROWS) lines.push(`  ... ${open.length - MAX_ROWS} more`);
    return lines;
  }
}

/** describe renders an incident on one line. */
export function describe(inc: Incident): string {
  const top = inc.rootCauses[0];
  const root = top === undefined ? "?" : `${top.service} (score ${top.score.toFixed(2)})`;
  const others = inc.services.filter((s) => s !== top?.service);
  const impacted =
    others.length === 0
      ? ""
      : `; impacted: ${others.slice(0, 5).join(", ")}${others.length > 5 ? ", ..." : ""}`;
  const journeys =
    inc.journeys.length === 0 ? "" : `; journeys: ${inc.journeys.map((j) => j.journey).join(", ")}`;
  return `[${incidentSeverityName(inc.severity)}] ${inc.id} root cause ${root}${impacted}${journeys}`;
}
