// Storing an evaluation report in ClickHouse (table eval_reports), so runs can
// be compared over time with plain SQL.
import { randomUUID } from "node:crypto";
import type { SinkConnection } from "../sinks/connection.js";
import type { EvalReportRow } from "../sinks/rows.js";
import { EVAL_REPORTS_DATA } from "../sinks/schema/index.js";
import type { EvalReport } from "./run.js";

/** evalReportRow is the eval_reports row for `report`. */
export function evalReportRow(
  report: EvalReport,
  version: string,
  runId: string = randomUUID(),
): EvalReportRow {
  return {
    run_id: runId,
    created_at: Date.parse(report.created_at),
    impactd_version: version,
    seed: report.seed,
    cases: report.cases,
    estates: report.estates,
    rca_top1: report.rca_top1,
    rca_top3: report.rca_top3,
    missed_faults: report.missed_faults,
    noise_reduction: report.noise_reduction,
    detection_latency_p50_ms: report.detection_latency_p50_ms,
    detection_latency_p95_ms: report.detection_latency_p95_ms,
    prediction_lead_time_median_s: report.prediction_lead_time_median_s,
    prediction_false_alarm_rate: report.prediction_false_alarm_rate,
    impact_error: report.impact_error,
    deterministic: report.deterministic === null ? null : report.deterministic ? 1 : 0,
    report: JSON.stringify(report),
  };
}

/** storeEvalReport inserts `report` into eval_reports and returns its run id. */
export async function storeEvalReport(
  conn: SinkConnection,
  report: EvalReport,
  version: string,
): Promise<string> {
  const row = evalReportRow(report, version);
  await conn.insert(EVAL_REPORTS_DATA.name, [row]);
  return row.run_id;
}
