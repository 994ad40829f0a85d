// Wire formats of notifications, one per target kind.
import { NotificationTargetKind } from "../../gen/impactd/v1/topology.js";
import type { NotificationKind } from "../rows.js";
import { alertmanagerPayload } from "./alertmanager.js";
import { natsMessage } from "./nats.js";
import type { Notice } from "./notice.js";
import { pagerdutyEvent } from "./pagerduty.js";

export {
  ALERTNAME,
  type AlertmanagerAlert,
  type AlertmanagerWebhook,
  alertmanagerPayload,
  ZERO_TIME,
} from "./alertmanager.js";
export { type NatsNotification, natsMessage } from "./nats.js";
export { incidentUrl, type Notice, rootCauseOf } from "./notice.js";
export {
  PAGERDUTY_SUMMARY_MAX,
  type PagerDutyEvent,
  type PagerDutySeverity,
  pagerdutyEvent,
  pagerdutySeverity,
} from "./pagerduty.js";

/** kindOf names a topology target kind, or undefined for an unspecified one. */
export function kindOf(k: NotificationTargetKind): NotificationKind | undefined {
  switch (k) {
    case NotificationTargetKind.NOTIFICATION_TARGET_KIND_ALERTMANAGER_WEBHOOK:
      return "alertmanager_webhook";
    case NotificationTargetKind.NOTIFICATION_TARGET_KIND_PAGERDUTY:
      return "pagerduty";
    case NotificationTargetKind.NOTIFICATION_TARGET_KIND_NATS:
      return "nats";
    default:
      return undefined;
  }
}

/** render turns a notice into the exact body its target's kind expects. */
export function render(kind: NotificationKind, n: Notice): string {
  switch (kind) {
    case "alertmanager_webhook":
      return JSON.stringify(alertmanagerPayload(n));
    case "pagerduty":
      return JSON.stringify(pagerdutyEvent(n));
    case "nats":
      return JSON.stringify(natsMessage(n));
  }
}
