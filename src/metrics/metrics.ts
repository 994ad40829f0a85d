// Self-observability in the Prometheus format (prom-client): events received,
// accepted and rejected per front end and code, batch and core latency, the
// sink's depth and lag, open incidents, and the process's own metrics. One
// registry per runtime, so several runtimes in one process (tests) do not
// collide.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Pipeline } from "../pipeline/pipeline.js";
import type { Sink, TableWriterStats } from "../sinks/index.js";

/** LATENCY_BUCKETS (seconds) cover sub-millisecond core runs to multi-second sink stalls. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Metrics is one runtime's registry and the instruments front ends update. */
export interface Metrics {
  readonly registry: Registry;
  /** OTLP items by signal (traces, metrics, logs) and outcome (accepted, rejected, ignored). */
  readonly otlpItems: Counter<"signal" | "outcome">;
  /** Requests refused for overload, by front end. */
  readonly overloaded: Counter<"front_end">;
  /** HTTP requests by route and status code. */
  readonly httpRequests: Counter<"route" | "status">;
  /** stop detaches the metrics from the pipeline. */
  stop(): void;
}

/** createMetrics registers impactd's metrics over a pipeline and its sink. */
export function createMetrics(pipeline: Pipeline, sink: Sink | undefined): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "impactd_" });
  const labels = ["front_end"] as const;
  const received = new Counter({
    name: "impactd_events_received_total",
    help: "Events (or undecodable payloads) received, by front end.",
    labelNames: labels,
    registers: [registry],
  });
  const accepted = new Counter({
    name: "impactd_events_accepted_total",
    help: "Events accepted into the pipeline, by front end.",
    labelNames: labels,
    registers: [registry],
  });
  const duplicates = new Counter({
    name: "impactd_events_duplicate_total",
    help: "Events dropped as repeats of an event id already seen, by front end.",
    labelNames: labels,
    registers: [registry],
  });
  const rejected = new Counter({
    name: "impactd_events_rejected_total",
    help: "Events or payloads rejected (each stored in rejected_events), by front end and code.",
    labelNames: ["front_end", "code"] as const,
    registers: [registry],
  });
  const batchSeconds = new Histogram({
    name: "impactd_batch_duration_seconds",
    help: "From a batch's arrival in the pipeline until its rows are durable in the sink.",
    labelNames: labels,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const coreSeconds = new Histogram({
    name: "impactd_core_duration_seconds",
    help: "Time a batch spends in the core (interning, WASM, incident tracking).",
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const pending = new Map<number, number>();
  let seq = 0;
  new Gauge({
    name: "impactd_sink_lag_seconds",
    help: "Age of the oldest batch still waiting to be durable in the sink (0 when none).",
    registers: [registry],
    collect() {
      let oldest = Number.POSITIVE_INFINITY;
      for (const t of pending.values()) oldest = Math.min(oldest, t);
      this.set(pending.size === 0 ? 0 : (performance.now() - oldest) / 1000);
    },
  });
  const off = pipeline.observe((b, durable) => {
    const fe = { front_end: b.frontEnd };
    received.inc(fe, b.received);
    if (b.accepted > 0) accepted.inc(fe, b.accepted);
    if (b.duplicates > 0) duplicates.inc(fe, b.duplicates);
    for (const r of b.rejections) rejected.inc({ front_end: b.frontEnd, code: r.code });
    if (b.coreMs > 0) coreSeconds.observe(b.coreMs / 1000);
    const start = performance.now();
    const id = seq++;
    pending.set(id, start);
    const done = () => {
      pending.delete(id);
      batchSeconds.observe(fe, (performance.now() - start) / 1000);
    };
    durable.then(done, done);
  });
  new Gauge({
    name: "impactd_open_incidents",
    help: "Incidents not yet resolved, over all tenants.",
    registers: [registry],
    collect() {
      this.set(pipeline.openIncidents());
    },
  });
  if (sink !== undefined) {
    const writers = { events: sink.events, incidents: sink.incidents, rejections: sink.rejections };
    const each = (g: Gauge<"table">, pick: (s: TableWriterStats) => number) => {
      for (const [table, w] of Object.entries(writers)) g.set({ table }, pick(w.stats()));
    };
    new Gauge({
      name: "impactd_sink_buffered_rows",
      help: "Rows accepted by a table writer and not yet written (buffer depth).",
      labelNames: ["table"] as const,
      registers: [registry],
      collect() {
        each(this, (s) => s.buffered);
      },
    });
    new Gauge({
      name: "impactd_sink_waiting_writes",
      help: "Writes waiting for room in a full table writer (backpressure).",
      labelNames: ["table"] as const,
      registers: [registry],
      collect() {
        each(this, (s) => s.waiting);
      },
    });
    new Gauge({
      name: "impactd_sink_rows_written",
      help: "Rows written to each table since start.",
      labelNames: ["table"] as const,
      registers: [registry],
      collect() {
        each(this, (s) => s.rowsWritten);
      },
    });
    new Gauge({
      name: "impactd_sink_retries",
      help: "Failed INSERT attempts that were retried, per table, since start.",
      labelNames: ["table"] as const,
      registers: [registry],
      collect() {
        each(this, (s) => s.retries);
      },
    });
  }
  return {
    registry,
    otlpItems: new Counter({
      name: "impactd_otlp_items_total",
      help: "OTLP spans, data points and log records by signal and outcome (ignored: accepted, no event, e.g. info logs).",
      labelNames: ["signal", "outcome"] as const,
      registers: [registry],
    }),
    overloaded: new Counter({
      name: "impactd_overload_refusals_total",
      help: "Requests refused with UNAVAILABLE / 503 because the sink is backed up.",
      labelNames: labels,
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: "impactd_http_requests_total",
      help: "HTTP requests by route and status code.",
      labelNames: ["route", "status"] as const,
      registers: [registry],
    }),
    stop: off,
  };
}
