// The evaluation report as a terminal table: one row per estate, one per
// fault kind, then the totals, followed by the notes.
import { formatTable } from "../cli/format.js";
import type { EvalMetrics } from "./aggregate.js";
import type { EvalReport } from "./run.js";

function pct(x: number | null): string {
  return x === null ? "-" : `${(100 * x).toFixed(1)}%`;
}

function secs(ms: number | null): string {
  return ms === null ? "-" : `${(ms / 1000).toFixed(1)}s`;
}

function row(group: string, m: EvalMetrics): Record<string, unknown> {
  return {
    group,
    cases: m.cases,
    faults: m.faults,
    missed: m.missed_faults,
    "noise in inc.": m.noise_faults_in_incidents,
    "rca top1": pct(m.rca_top1),
    "rca top3": pct(m.rca_top3),
    "noise red.": pct(m.noise_reduction),
    "detect p50": secs(m.detection_latency_p50_ms),
    "detect p95": secs(m.detection_latency_p95_ms),
    "impact err": pct(m.impact_error),
    "lead p50":
      m.prediction_lead_time_median_s === null
        ? "-"
        : `${m.prediction_lead_time_median_s.toFixed(0)}s`,
    "false alarms": pct(m.prediction_false_alarm_rate),
    deterministic: m.deterministic === null ? "-" : m.deterministic ? "yes" : "NO",
  };
}

/** formatEvalReport renders the report's breakdowns and totals as text. */
export function formatEvalReport(r: EvalReport): string {
  const rows = [
    ...Object.entries(r.by_estate).map(([k, m]) => row(`estate ${k}`, m)),
    ...Object.entries(r.by_kind).map(([k, m]) => row(`kind ${k}`, m)),
    row("total", r),
  ];
  const lines = [
    formatTable(rows, { maxCellWidth: 40 }),
    "",
    `${r.cases} cases, ${r.faults} faults, ${r.events} events, seed ${r.seed}, ${r.elapsed_s} s; ` +
      `${r.incidents} incidents from ${r.alerts_sent} alert notifications (${r.alert_episodes} firing episodes); ` +
      `late events ${r.late_events_counted}/${r.late_events_expected} counted, duplicates ${r.duplicates_dropped}/${r.duplicates_sent} dropped`,
  ];
  if (r.notes.length > 0) lines.push("", "notes:", ...r.notes.map((n) => `  - ${n}`));
  return lines.join("\n");
}
