// The outbox: where notifications are written before they are sent and
// after every attempt. NotificationStore is the small interface the notifier
// needs; SinkNotificationStore keeps it in ClickHouse (either sink), next to
// the incidents it describes.
import type { SinkConnection } from "../sinks/connection.js";
import { ms as epochMs } from "../sinks/queries/pack.js";
import { readRows } from "../sinks/read.js";
import { parseDateTime } from "../sinks/rows.js";
import { NOTIFICATIONS_DATA } from "../sinks/schema/index.js";
import { TableWriter } from "../sinks/writer.js";
import {
  NOTIFICATIONS_STORAGE_TABLE,
  type NotificationAction,
  type NotificationKind,
  type NotificationRow,
  type NotificationStatus,
} from "./rows.js";

/** NotificationStore persists notification rows. */
export interface NotificationStore {
  /** write stores rows (new revisions); resolves once they are durable. */
  write(rows: readonly NotificationRow[]): Promise<void>;
  /** pending returns up to `limit` rows still to send, oldest first. */
  pending(limit: number): Promise<NotificationRow[]>;
  /** since returns every notification created at or after `createdMs` (wall clock). */
  since(createdMs: number): Promise<NotificationRow[]>;
  /** close flushes and releases the store (not the connection). */
  close(): Promise<void>;
}

/** OUTBOX_LINGER_MS is how long an outbox write waits for company: short, since a send waits on it. */
export const OUTBOX_LINGER_MS = 5;

const num = (v: unknown) => (typeof v === "number" ? v : Number(v));
const ms = (v: unknown) => parseDateTime(v) ?? 0;

/** rowFromQuery turns a `notifications` row as ClickHouse returns it into a NotificationRow. */
export function rowFromQuery(r: Record<string, unknown>): NotificationRow {
  return {
    tenant: String(r.tenant),
    notification_id: String(r.notification_id),
    revision: num(r.revision),
    incident_id: String(r.incident_id),
    incident_version: num(r.incident_version),
    change: String(r.change),
    changes: (r.changes as string[]) ?? [],
    action: String(r.action) as NotificationAction,
    ts: ms(r.ts),
    team: String(r.team),
    target: String(r.target),
    kind: String(r.kind) as NotificationKind,
    address: String(r.address),
    dedup_key: String(r.dedup_key),
    paged: (r.paged as string[]) ?? [],
    tiers: ((r.tiers as unknown[]) ?? []).map(num),
    incident_status: String(r.incident_status),
    severity: String(r.severity),
    root_cause: String(r.root_cause),
    status: String(r.status) as NotificationStatus,
    attempts: num(r.attempts),
    last_error: String(r.last_error),
    deliver_after: ms(r.deliver_after),
    created_at: ms(r.created_at),
    delivered_at: parseDateTime(r.delivered_at),
    payload: String(r.payload),
    written_at: ms(r.written_at),
  };
}

/** SinkNotificationStore keeps the outbox in impactd's ClickHouse. */
export class SinkNotificationStore implements NotificationStore {
  private readonly writer: TableWriter<NotificationRow>;

  constructor(
    private readonly conn: SinkConnection,
    private readonly now: () => number = Date.now,
  ) {
    this.writer = new TableWriter<NotificationRow>(conn, NOTIFICATIONS_STORAGE_TABLE, {
      lingerMs: OUTBOX_LINGER_MS,
      maxRows: 1_000,
    });
  }

  write(rows: readonly NotificationRow[]): Promise<void> {
    const at = this.now();
    return this.writer.write(rows.map((r) => ({ ...r, written_at: at })));
  }

  // Reads go through readRows, which yields logical rows (epoch-ms times)
  // on every schema mapping, legacy servers' split timestamps included.
  async pending(limit: number): Promise<NotificationRow[]> {
    const created = epochMs(this.conn.dialect, "created_at");
    const rows = await readRows(this.conn, NOTIFICATIONS_DATA, {
      where: "status = 'pending'",
      orderBy: `${created}, notification_id`,
      limit,
    });
    return rows.map(rowFromQuery);
  }

  async since(createdMs: number): Promise<NotificationRow[]> {
    const created = epochMs(this.conn.dialect, "created_at");
    const rows = await readRows(this.conn, NOTIFICATIONS_DATA, {
      where: `${created} >= {since:Int64}`,
      params: { since: Math.max(0, Math.floor(createdMs)) },
      orderBy: `tenant, incident_id, incident_version, ${created}`,
    });
    return rows.map(rowFromQuery);
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}
