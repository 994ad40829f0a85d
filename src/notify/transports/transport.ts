// A transport delivers one stored notification. It resolves once the
// receiver has taken it and rejects with a DeliveryError otherwise; an abort
// (the process stopping) rejects with the signal's reason, and the row stays
// pending for the next start.
import type { NotificationRow } from "../rows.js";

/** Transport sends rendered notifications of one kind. */
export interface Transport {
  send(row: NotificationRow, signal: AbortSignal): Promise<void>;
  /** close releases connections. */
  close(): Promise<void>;
}

/** deliveryHeaders are the headers every HTTP notification carries, so receivers can de-duplicate. */
export function deliveryHeaders(row: NotificationRow): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": "impactd",
    "idempotency-key": row.notification_id,
    "x-impactd-notification-id": row.notification_id,
    "x-impactd-dedup-key": row.dedup_key,
  };
}
