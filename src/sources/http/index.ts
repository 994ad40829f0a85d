// Public names of the HTTP front end: Alertmanager and PagerDuty compatible
// ingest, /metrics and /healthz.
export {
  ALERTS_SOURCE,
  type Converted,
  convertApiV2Alerts,
  convertWebhook,
  labelsFingerprint,
  parseTime,
  SERVICE_LABELS,
  SEVERITY_WORDS,
  serviceOf,
} from "./alertmanager.js";
export { type Body, parseJson, readBody } from "./body.js";
export { errorBody, HttpError } from "./errors.js";
export {
  type AlertRef,
  DedupIndex,
  PAGERDUTY_SOURCE,
  type PdEvent,
  parsePagerDuty,
} from "./pagerduty.js";
export {
  DEFAULT_HTTP_MAX_BODY_BYTES,
  DEFAULT_HTTP_PORT,
  DEFAULT_HTTP_RETRY_AFTER_S,
  HTTP_FRONT_END,
  HTTP_TENANT_HEADER,
  type HttpServer,
  type HttpServerOptions,
  startHttpServer,
} from "./server.js";
