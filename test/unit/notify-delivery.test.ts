// Delivery: backoff with jitter, quiet-hour windows, and the queue's
// retries, limits, ordering and overflow.
import { describe, expect, it, vi } from "vitest";
import { backoffDelay, DeliveryError, DeliveryQueue, quietUntil } from "../../src/notify/index.js";
import type { NotificationRow } from "../../src/notify/rows.js";

describe("backoff", () => {
  it("doubles per attempt up to the cap, half of it random, never below Retry-After", () => {
    const lo = () => 0;
    const hi = () => 0.999999;
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, 1_000, 60_000, lo))).toEqual([
      500, 1_000, 2_000, 4_000,
    ]);
    expect(backoffDelay(3, 1_000, 60_000, hi)).toBeCloseTo(4_000, 0);
    expect(backoffDelay(20, 1_000, 60_000, hi)).toBeLessThanOrEqual(60_000);
    expect(backoffDelay(20, 1_000, 60_000, lo)).toBe(30_000);
    expect(backoffDelay(1, 1_000, 60_000, lo, 7_000)).toBe(7_000);
  });
});

describe("quiet hours", () => {
  const at = (iso: string) => Date.parse(iso);
  it("holds inside a window that wraps midnight until it ends, in the team's time zone", () => {
    const q = { start: "22:00", end: "07:00", timezone: "Europe/Paris" }; // UTC+1 in November
    expect(quietUntil(q, at("2026-11-02T21:30:15.250Z"))).toBe(at("2026-11-03T06:00:00Z"));
    expect(quietUntil(q, at("2026-11-03T05:59:00Z"))).toBe(at("2026-11-03T06:00:00Z"));
    expect(quietUntil(q, at("2026-11-03T06:00:00Z"))).toBe(0);
    expect(quietUntil(q, at("2026-11-02T20:59:59Z"))).toBe(0);
  });

  it("a same-day window in UTC, an empty window and none at all", () => {
    const q = { start: "12:00", end: "13:30", timezone: "" };
    expect(quietUntil(q, at("2026-11-02T12:45:00Z"))).toBe(at("2026-11-02T13:30:00Z"));
    expect(quietUntil(q, at("2026-11-02T13:30:00Z"))).toBe(0);
    expect(
      quietUntil({ start: "09:00", end: "09:00", timezone: "" }, at("2026-11-02T09:00:00Z")),
    ).toBe(0);
    expect(quietUntil(undefined, at("2026-11-02T09:00:00Z"))).toBe(0);
  });
});

function row(id: string, over: Partial<NotificationRow> = {}): NotificationRow {
  return {
    tenant: "default",
    notification_id: id,
    revision: 1,
    incident_id: "inc-1",
    incident_version: 1,
    change: "opened",
    changes: ["opened"],
    action: "trigger",
    ts: 0,
    team: "data",
    target: "am",
    kind: "alertmanager_webhook",
    address: "http://127.0.0.1:9/am",
    dedup_key: "k",
    paged: [],
    tiers: [],
    incident_status: "open",
    severity: "high",
    root_cause: "db",
    status: "pending",
    attempts: 0,
    last_error: "",
    deliver_after: 0,
    created_at: 0,
    delivered_at: null,
    payload: "{}",
    written_at: 0,
    ...over,
  };
}

function queue(
  send: (r: NotificationRow, signal: AbortSignal) => Promise<void>,
  over: Partial<ConstructorParameters<typeof DeliveryQueue>[0]> = {},
) {
  const saved: NotificationRow[] = [];
  const q = new DeliveryQueue({
    concurrency: 2,
    maxQueued: 100,
    maxAttempts: 3,
    retryBaseMs: 5,
    retryMaxMs: 20,
    now: Date.now,
    send: (r, signal) => send(r, signal),
    save: async (r) => {
      saved.push(r);
    },
    ...over,
  });
  const final = (id: string) => saved.filter((r) => r.notification_id === id).at(-1);
  return { q, saved, final };
}

const unavailable = () =>
  new DeliveryError("RECEIVER_UNAVAILABLE", "answered 503", { retryable: true });

describe("delivery queue", () => {
  it("retries a retryable failure with backoff and records each attempt", async () => {
    let calls = 0;
    const { q, saved, final } = queue(async () => {
      calls++;
      if (calls < 3) throw unavailable();
    });
    q.enqueue(row("a"));
    await vi.waitFor(() => expect(final("a")?.status).toBe("delivered"));
    expect(saved.map((r) => [r.status, r.attempts, r.revision])).toEqual([
      ["pending", 1, 2],
      ["pending", 2, 3],
      ["delivered", 3, 4],
    ]);
    expect(saved[0]?.last_error).toBe("RECEIVER_UNAVAILABLE: answered 503");
    expect(q.size()).toBe(0);
  });

  it("gives up after maxAttempts, and at once on a refusal", async () => {
    const { q, final } = queue(async (r) => {
      if (r.notification_id === "refused")
        throw new DeliveryError("RECEIVER_REJECTED", "answered 400", { retryable: false });
      throw unavailable();
    });
    q.enqueue(row("refused", { incident_id: "i1" }));
    q.enqueue(row("down", { incident_id: "i2" }));
    await vi.waitFor(() => {
      expect(final("refused")).toMatchObject({ status: "failed", attempts: 1 });
      expect(final("down")).toMatchObject({ status: "failed", attempts: 3 });
    });
  });

  it("keeps notifications of one incident in order, and others to the same target within the concurrency", async () => {
    const started: string[] = [];
    const release: (() => void)[] = [];
    const { q, final } = queue(
      (r) =>
        new Promise<void>((resolve) => {
          started.push(r.notification_id);
          release.push(resolve);
        }),
    );
    q.enqueue(row("i1-opened", { incident_id: "i1" }));
    q.enqueue(row("i1-ack", { incident_id: "i1" }));
    q.enqueue(row("i2-opened", { incident_id: "i2" }));
    q.enqueue(row("i3-opened", { incident_id: "i3" }));
    expect(started).toEqual(["i1-opened", "i2-opened"]); // concurrency 2; i1-ack waits for i1-opened
    expect(q.inFlight()).toBe(2);
    release.shift()?.();
    await vi.waitFor(() => expect(started).toEqual(["i1-opened", "i2-opened", "i1-ack"]));
    for (;;) {
      const r = release.shift();
      if (r === undefined) {
        if (started.length === 4) break;
        await new Promise((x) => setTimeout(x, 2));
        continue;
      }
      r();
    }
    await vi.waitFor(() => expect(final("i3-opened")?.status).toBe("delivered"));
  });

  it("refuses rows beyond its bound, so they wait in the outbox", () => {
    const { q } = queue(() => new Promise<void>(() => {}), { maxQueued: 2 });
    expect(q.enqueue(row("a", { incident_id: "1" }))).toBe(true);
    expect(q.enqueue(row("b", { incident_id: "2" }))).toBe(true);
    expect(q.enqueue(row("c", { incident_id: "3" }))).toBe(false);
    expect(q.size()).toBe(2);
  });

  it("holds a quiet-hours row until its time, and a later urgent row of the same incident supersedes it", async () => {
    const sent: string[] = [];
    const { q, final } = queue(async (r) => {
      sent.push(r.notification_id);
    });
    const later = Date.now() + 60_000;
    q.enqueue(row("quiet-other", { incident_id: "i2", deliver_after: later }));
    q.enqueue(row("quiet", { deliver_after: later }));
    expect(q.held()).toBe(2);
    q.enqueue(row("urgent", { change: "severity_raised" }));
    await vi.waitFor(() => expect(final("urgent")?.status).toBe("delivered"));
    expect(final("quiet")?.status).toBe("superseded");
    expect(sent).toEqual(["urgent"]);
    expect(q.held()).toBe(1);
  });

  it("stop aborts a send under way and leaves its row pending", async () => {
    const signals: AbortSignal[] = [];
    const { q, saved } = queue(
      (_r, signal) =>
        new Promise<void>((_, reject) => {
          signals.push(signal);
          signal.addEventListener("abort", () => reject(signal.reason));
        }),
    );
    q.enqueue(row("a"));
    expect(signals).toHaveLength(1);
    await q.stop();
    expect(signals[0]?.aborted).toBe(true);
    expect(saved).toEqual([]); // no revision: the outbox still says pending
  });
});
