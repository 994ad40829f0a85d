// The notifier's counters on /metrics: deliveries by kind and outcome,
// failed attempts by error code, and the queue's depth, so a receiver that
// is down shows up before anyone misses a page.
import { Counter, Gauge, type Registry } from "prom-client";
import type { NotifierStats } from "./notifier.js";
import { NOTIFICATION_KINDS } from "./rows.js";

/** registerNotifierMetrics adds the notifier's metrics to a runtime's registry, read at each scrape. */
export function registerNotifierMetrics(registry: Registry, stats: () => NotifierStats): void {
  new Counter({
    name: "impactd_notifications_total",
    help: "Notifications that reached an end, by target kind and outcome (delivered, failed, superseded).",
    labelNames: ["kind", "outcome"] as const,
    registers: [registry],
    collect() {
      const s = stats();
      this.reset();
      for (const kind of NOTIFICATION_KINDS) {
        this.inc({ kind, outcome: "delivered" }, s.delivered[kind]);
        this.inc({ kind, outcome: "failed" }, s.failed[kind]);
      }
      this.inc({ kind: "", outcome: "superseded" }, s.superseded);
    },
  });
  new Counter({
    name: "impactd_notification_retries_total",
    help: "Failed delivery attempts that will be retried, by target kind.",
    labelNames: ["kind"] as const,
    registers: [registry],
    collect() {
      const s = stats();
      this.reset();
      for (const kind of NOTIFICATION_KINDS) this.inc({ kind }, s.retries[kind]);
    },
  });
  new Counter({
    name: "impactd_notification_errors_total",
    help: "Failed delivery attempts by error code (RECEIVER_UNAVAILABLE, RECEIVER_REJECTED, ...).",
    labelNames: ["code"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, n] of Object.entries(stats().errors)) this.inc({ code }, n);
    },
  });
  new Counter({
    name: "impactd_notification_outbox_errors_total",
    help: "Notifications that could not be written to the notifications table, and so were not sent.",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats().outboxErrors);
    },
  });
  new Gauge({
    name: "impactd_notification_queue",
    help: "Notifications in the delivery queue, by state: in_flight, waiting (quiet hours, retry backoff), ready.",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const s = stats();
      this.set({ state: "in_flight" }, s.inFlight);
      this.set({ state: "waiting" }, s.waiting);
      this.set({ state: "ready" }, Math.max(0, s.queued - s.inFlight - s.waiting));
    },
  });
  new Gauge({
    name: "impactd_notification_group_wait",
    help: "Incidents inside their group wait (not yet notified).",
    registers: [registry],
    collect() {
      this.set(stats().grouping);
    },
  });
  new Counter({
    name: "impactd_notification_overflow_total",
    help: "Notifications that did not fit the delivery queue and waited in the notifications table.",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats().overflowed);
    },
  });
}
