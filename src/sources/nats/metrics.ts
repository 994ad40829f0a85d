// The NATS front end's own metrics, read from its counters at scrape time:
// messages by outcome, in-flight depth, fetch pauses (backpressure), core
// messages dropped under overload, and partition ownership. Events accepted
// and rejected are counted by the pipeline (front_end="nats").
import { Gauge, type Registry } from "prom-client";
import type { NatsSource } from "./source.js";

/** registerNatsMetrics adds impactd_nats_* gauges for `source` to `registry`. */
export function registerNatsMetrics(registry: Registry, source: NatsSource): void {
  const gauge = (name: string, help: string, read: () => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const v = read();
        if (v !== undefined) this.set(v);
      },
    });
  const js = () => source.stats().jetstream;
  new Gauge({
    name: "impactd_nats_messages",
    help: "JetStream messages since start, by outcome (fetched, acked, termed, naked, redelivered).",
    labelNames: ["outcome"] as const,
    registers: [registry],
    collect() {
      const s = js();
      if (s === undefined) return;
      for (const k of ["fetched", "acked", "termed", "naked", "redelivered"] as const)
        this.set({ outcome: k }, s[k]);
    },
  });
  gauge(
    "impactd_nats_inflight_messages",
    "JetStream messages fetched and not yet acked.",
    () => js()?.inflight,
  );
  gauge(
    "impactd_nats_inflight_bytes",
    "Payload bytes of those messages.",
    () => js()?.inflightBytes,
  );
  gauge(
    "impactd_nats_fetch_pauses",
    "Times fetching paused because the sink was backed up or max_inflight was reached, since start.",
    () => js()?.pauses,
  );
  gauge(
    "impactd_nats_fetch_errors",
    "Failed JetStream fetches since start.",
    () => js()?.fetchErrors,
  );
  gauge(
    "impactd_nats_core_dropped",
    "Core NATS messages dropped while the sink was backed up, since start.",
    () => source.stats().core?.dropped,
  );
  gauge(
    "impactd_nats_partition_owner",
    "1 while this instance holds the partition lease (exclusive mode).",
    () => {
      const p = source.stats().partition;
      return p === undefined ? undefined : p.owner ? 1 : 0;
    },
  );
}
