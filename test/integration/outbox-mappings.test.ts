// The notifier's outbox on both schema mappings: on the legacy one (as on a
// ClickHouse 18.16 server) timestamps are split into seconds and a
// milliseconds column, and the outbox must still read back the latest
// revision of each notification with millisecond times.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SinkNotificationStore } from "../../src/notify/outbox.js";
import type { NotificationRow } from "../../src/notify/rows.js";
import type { DialectName } from "../../src/sinks/dialect.js";
import { openSink, type Sink } from "../../src/sinks/index.js";

const T0 = Date.UTC(2026, 10, 2, 12, 0, 0, 250);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "impactd-outbox-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function row(id: string, revision: number, createdAt: number, over: Partial<NotificationRow> = {}) {
  const r: NotificationRow = {
    tenant: "default",
    notification_id: id,
    revision,
    incident_id: "inc-1",
    incident_version: 2,
    change: "opened",
    changes: ["opened"],
    action: "trigger",
    ts: T0,
    team: "data",
    target: "pager",
    kind: "alertmanager_webhook",
    address: "http://127.0.0.1:9/hook",
    dedup_key: "inc-1",
    paged: ["alice"],
    tiers: [0],
    incident_status: "open",
    severity: "high",
    root_cause: "db",
    status: "pending",
    attempts: 0,
    last_error: "",
    deliver_after: 0,
    created_at: createdAt,
    delivered_at: null,
    payload: "{}",
    written_at: 0,
    ...over,
  };
  return r;
}

describe.each<DialectName>(["modern", "legacy"])("outbox on the %s mapping", (dialect) => {
  let sink: Sink;
  beforeAll(async () => {
    sink = await openSink({ kind: "chdb", dataDir: dir, database: `outbox_${dialect}`, dialect });
  });
  afterAll(async () => {
    await sink?.close();
  });

  test("pending and since see the latest revision, with millisecond times", async () => {
    const store = new SinkNotificationStore(sink.conn, () => T0 + 10_000);
    await store.write([
      row("n-1", 1, T0 + 1),
      row("n-2", 1, T0 + 2),
      // Same second as n-2 and a millisecond later: only the milliseconds
      // put it after n-2 (by id it would come first).
      row("n-0", 1, T0 + 3),
      row("n-4", 1, T0 - 5_000),
    ]);
    await store.write([
      row("n-1", 2, T0 + 1, { status: "delivered", attempts: 1, delivered_at: T0 + 900 }),
      row("n-2", 2, T0 + 2, { attempts: 1, last_error: "503" }),
    ]);
    const pending = await store.pending(10);
    expect(pending.map((r) => [r.notification_id, r.revision, r.created_at])).toEqual([
      ["n-4", 1, T0 - 5_000],
      ["n-2", 2, T0 + 2],
      ["n-0", 1, T0 + 3],
    ]);
    expect(pending[1]).toMatchObject({ last_error: "503", attempts: 1, delivered_at: null });
    expect((await store.pending(1)).map((r) => r.notification_id)).toEqual(["n-4"]);

    const since = await store.since(T0 + 2);
    expect(since.map((r) => r.notification_id).sort()).toEqual(["n-0", "n-2"]);
    const all = await store.since(T0 - 5_000);
    const delivered = all.find((r) => r.notification_id === "n-1");
    expect(delivered).toMatchObject({ status: "delivered", delivered_at: T0 + 900 });
    await store.close();
  });
});
