// OTLP log records -> impactd events. A record naming an impactd event
// (log-events.ts) becomes that kind; any other record at severity ERROR or
// above becomes a firing alert on its service, folded by a fingerprint of
// service, error type and message template; records below ERROR carry no
// health evidence and are counted (impactd_otlp_log_records_ignored_total),
// not stored.
import { AlertSeverity, AlertState } from "../../gen/impactd/v1/event.js";
import type { ExportLogsServiceRequest } from "../../gen/opentelemetry/proto/collector/logs/v1/logs_service.js";
import { LogRecord } from "../../gen/opentelemetry/proto/logs/v1/logs.js";
import { Attributes, anyToText, resourceService } from "./attributes.js";
import {
  type Conversion,
  type ConvertContext,
  emptyConversion,
  event,
  json,
  timestampProblem,
} from "./convert.js";
import { messageTemplate, stableId } from "./ids.js";
import { isEventProblem, mapEvent } from "./log-events.js";
import { nanosToMs } from "./time.js";

/** SEVERITY_ERROR is the lowest OTLP severity number that counts as an error. */
export const SEVERITY_ERROR = 17;
/** SEVERITY_FATAL is the lowest OTLP severity number that counts as fatal (critical alert). */
export const SEVERITY_FATAL = 21;
/** ERROR_LOG_ALERT is the alert name of an error log with no exception or error type. */
export const ERROR_LOG_ALERT = "ErrorLog";
/** MAX_SUMMARY is the longest log body kept as an alert summary or event text. */
export const MAX_SUMMARY = 1024;

// Severity words of records that set only severity_text (number 0).
const ERROR_TEXT = /^(err|error|fatal|crit|critical|alert|emerg|emergency|panic|severe)\d?$/i;
const FATAL_TEXT = /^(fatal|crit|critical|alert|emerg|emergency|panic)\d?$/i;

function severityOf(r: LogRecord): number {
  if (r.severityNumber !== 0) return r.severityNumber;
  const t = r.severityText.trim();
  if (FATAL_TEXT.test(t)) return SEVERITY_FATAL;
  if (ERROR_TEXT.test(t)) return SEVERITY_ERROR;
  return 0;
}

function clip(text: string): string {
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text;
}

/** convertLogs turns an OTLP logs export into impactd events. */
export function convertLogs(req: ExportLogsServiceRequest, ctx: ConvertContext): Conversion {
  const out = emptyConversion();
  for (const rl of req.resourceLogs) {
    const resource = new Attributes(rl.resource?.attributes ?? []);
    const resourceSvc = resourceService(rl.resource);
    const resourceVersion = resource.string("service.version");
    for (const sl of rl.scopeLogs) {
      for (const r of sl.logRecords) {
        const item = out.items++;
        const reject = (code: string, reason: string) =>
          out.problems.push({ item, code, reason, payload: json(() => LogRecord.toJSON(r)) });
        if (!Number.isInteger(r.severityNumber) || r.severityNumber < 0 || r.severityNumber > 24) {
          reject(
            "INVALID_ENUM",
            `severity_number ${r.severityNumber} is not a SeverityNumber (0-24)`,
          );
          continue;
        }
        const ts = nanosToMs(r.timeUnixNano) || nanosToMs(r.observedTimeUnixNano);
        const tsProblem = timestampProblem(ts, ctx, "time_unix_nano");
        if (tsProblem !== undefined) {
          reject(tsProblem.code, tsProblem.reason);
          continue;
        }
        const attrs = new Attributes(r.attributes);
        const body = anyToText(r.body);
        const name = r.eventName || attrs.string("event.name") || "";
        const id = stableId(
          "otlp-l",
          resourceSvc ?? "",
          r.timeUnixNano,
          r.observedTimeUnixNano,
          r.severityNumber,
          name,
          body,
          attrs.key(),
        );
        const mapped =
          name === ""
            ? undefined
            : mapEvent({
                name,
                attrs,
                resourceService: resourceSvc,
                resourceVersion,
                body: clip(body),
              });
        if (mapped !== undefined) {
          if (isEventProblem(mapped)) {
            reject(mapped.code, mapped.reason);
            continue;
          }
          out.events.push(event(ctx, ts, id, mapped));
          out.origins.push([item]);
          continue;
        }
        const severity = severityOf(r);
        if (severity < SEVERITY_ERROR) {
          out.ignored++;
          continue;
        }
        const service = attrs.string("service.name") ?? resourceSvc;
        if (service === undefined) {
          reject("MISSING_FIELD", "error log record: the resource has no service.name attribute");
          continue;
        }
        const alertName = attrs.first("exception.type", "error.type") ?? ERROR_LOG_ALERT;
        const template = messageTemplate(attrs.string("exception.message") ?? body);
        const labels: Record<string, string> = { template };
        if (r.severityText !== "") labels.severity_text = r.severityText.slice(0, 64);
        for (const key of ["exception.type", "error.type", "code.function", "code.namespace"]) {
          const v = attrs.string(key);
          if (v !== undefined) labels[key] = v.slice(0, 256);
        }
        out.events.push(
          event(ctx, ts, id, {
            $case: "alert",
            value: {
              service,
              name: alertName.slice(0, 256),
              severity:
                severity >= SEVERITY_FATAL
                  ? AlertSeverity.ALERT_SEVERITY_CRITICAL
                  : AlertSeverity.ALERT_SEVERITY_ERROR,
              labels,
              state: AlertState.ALERT_STATE_FIRING,
              fingerprint: stableId("log", service, alertName, template),
              summary: clip(body),
            },
          }),
        );
        out.origins.push([item]);
      }
    }
  }
  return out;
}
