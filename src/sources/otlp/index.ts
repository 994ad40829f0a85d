// Public names of the OTLP receiver: OpenTelemetry traces, metrics and logs
// over gRPC, converted into impactd events.
export { Attributes, anyToText, resourceService, SERVICE_NAME, scalar } from "./attributes.js";
export type { Conversion, ConvertContext, ItemProblem } from "./convert.js";
export { OTLP_SOURCE } from "./convert.js";
export { messageTemplate, stableId } from "./ids.js";
export { EVENT_MAPPINGS, mapEvent, SEVERITIES } from "./log-events.js";
export { convertLogs, ERROR_LOG_ALERT, SEVERITY_ERROR, SEVERITY_FATAL } from "./logs.js";
export {
  convertMetrics,
  DIRECT_METRICS,
  ERROR_RATIO_NAME,
  isErrorPoint,
  type MetricsConversion,
  REQUEST_DURATION_METRICS,
} from "./metrics.js";
export { explicitQuantile, exponentialQuantile } from "./quantile.js";
export { CumulativeSeries, DEFAULT_MAX_SERIES, type SeriesState } from "./series.js";
export {
  DEFAULT_OTLP_MAX_MESSAGE_BYTES,
  DEFAULT_OTLP_PORT,
  DEFAULT_RETRY_AFTER_MS,
  type OtlpServer,
  type OtlpServerOptions,
  startOtlpServer,
  TENANT_HEADER,
} from "./server.js";
export { decodeRetryDelayMs, encodeRetryStatus, retryMetadata } from "./status-details.js";
export { nanosToMs, nanosToMsExact } from "./time.js";
export { calleeOf, convertTraces, DEFAULT_SPAN_WINDOW_MS, MAX_SPAN_DURATION_MS } from "./traces.js";
