// Public names of the metrics module: impactd's Prometheus metrics.
export { createMetrics, LATENCY_BUCKETS, type Metrics } from "./metrics.js";
