// The outbox row: one per revision of each notification, in
// `notifications_data` (read through the `notifications` view, which keeps the
// highest revision). A row is written pending before the send and again after
// every attempt, so what a restart must resend is always on disk.
import { NOTIFICATIONS_DATA } from "../sinks/schema/index.js";

/** NOTIFICATION_KINDS are the wire formats a notification target speaks (topology `kind`). */
export const NOTIFICATION_KINDS = ["alertmanager_webhook", "pagerduty", "nats"] as const;
/** NotificationKind is one of NOTIFICATION_KINDS. */
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** NOTIFICATION_STATUSES are a notification's delivery states. */
export const NOTIFICATION_STATUSES = ["pending", "delivered", "failed", "superseded"] as const;
/** NotificationStatus is one of NOTIFICATION_STATUSES. */
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** NotificationAction is what a notification asks the receiver to do with its alert. */
export type NotificationAction = "trigger" | "acknowledge" | "resolve";

/** NOTIFICATIONS_STORAGE_TABLE is where rows are inserted (the view reads the latest revision). */
export const NOTIFICATIONS_STORAGE_TABLE = NOTIFICATIONS_DATA.name;

/** NotificationRow is one revision of one notification; timestamps are epoch ms. */
export type NotificationRow = {
  tenant: string;
  /** Stable id: a hash of tenant, incident, change, incident version, team and target. */
  notification_id: string;
  /** Row revision; the highest wins in the `notifications` view. */
  revision: number;
  incident_id: string;
  /** Incident version the notification describes. */
  incident_version: number;
  /** The main change: opened, routed, rerouted, escalated, root_cause_changed, ... */
  change: string;
  /** Every change the notification reports, the main one first. */
  changes: string[];
  action: NotificationAction;
  /** Event time of the incident version. */
  ts: number;
  team: string;
  /** Name of the team's notification target. */
  target: string;
  kind: NotificationKind;
  /** URL or NATS subject the payload goes to. */
  address: string;
  /** Per-incident key the receiver de-duplicates on (PagerDuty dedup_key). */
  dedup_key: string;
  /** On-call handles this notification pages, and their tiers (0 = first). */
  paged: string[];
  tiers: number[];
  /** Incident status, severity and top root cause at that version. */
  incident_status: string;
  severity: string;
  root_cause: string;
  status: NotificationStatus;
  attempts: number;
  last_error: string;
  /** Not sent before this wall-clock time (quiet hours); 0 = at once. */
  deliver_after: number;
  created_at: number;
  delivered_at: number | null;
  /** The exact body sent, so a resend after a restart is byte for byte the same. */
  payload: string;
  written_at: number;
};
