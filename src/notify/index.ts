// Public names of the notify module: notifications about incident changes
// (Alertmanager webhook v4, PagerDuty Events v2, NATS), their outbox, the
// routing and notification SRE queries, and routing accuracy for eval.
export { backoffDelay } from "./backoff.js";
export {
  customersPerMin,
  impactText,
  isWorse,
  severityName,
  statusName,
} from "./describe.js";
export { DeliveryError, type DeliveryErrorCode } from "./errors.js";
export {
  ALERTNAME,
  type AlertmanagerAlert,
  type AlertmanagerWebhook,
  alertmanagerPayload,
  kindOf,
  type NatsNotification,
  type Notice,
  natsMessage,
  type PagerDutyEvent,
  type PagerDutySeverity,
  pagerdutyEvent,
  pagerdutySeverity,
  render,
  ZERO_TIME,
} from "./formats/index.js";
export { alertFingerprint, incidentDedupKey, notificationId } from "./ids.js";
export { registerNotifierMetrics } from "./metrics.js";
export {
  Notifier,
  type NotifierDeps,
  type NotifierSource,
  type NotifierStats,
} from "./notifier.js";
export {
  DEFAULT_EXTERNAL_URL,
  DEFAULT_GROUP_WAIT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_QUEUED,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETRY_BASE_MS,
  DEFAULT_RETRY_MAX_MS,
  DEFAULT_STATE_LOOKBACK_MS,
  DEFAULT_TARGET_CONCURRENCY,
  DEFAULT_TICK_MS,
  type NotifierOptions,
  type NotifierSettings,
  parseNotifierOptions,
  readNotifyConfig,
} from "./options.js";
export { type NotificationStore, rowFromQuery, SinkNotificationStore } from "./outbox.js";
export { type ChangeName, type Draft, Planner, type TeamLookup, targetsOf } from "./planner.js";
export {
  ROUTING_QUERIES,
  type RoutingQuery,
  type RoutingQueryParam,
  routingQuery,
  routingQueryParams,
} from "./queries.js";
export { type DeliveryOutcome, DeliveryQueue, type QueueOptions } from "./queue.js";
export { quietUntil } from "./quiet-hours.js";
export {
  firstTeam,
  ownerOf,
  type RoutingCase,
  type RoutingReport,
  type RoutingTruth,
  routingAccuracy,
  routingReport,
} from "./routing-accuracy.js";
export {
  NOTIFICATION_KINDS,
  NOTIFICATION_STATUSES,
  type NotificationAction,
  type NotificationKind,
  type NotificationRow,
  type NotificationStatus,
} from "./rows.js";
export { HttpTransport, retryAfterMs } from "./transports/http.js";
export { NatsTransport } from "./transports/nats.js";
export { deliveryHeaders, type Transport } from "./transports/transport.js";
