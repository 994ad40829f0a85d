// OTLP metrics -> impactd metric samples. Request-duration histograms of the
// HTTP and RPC semantic conventions become error rate, p99 latency and
// throughput per service; `impactd.*` and error-ratio gauges map to the
// matching kind; everything else is stored as a custom metric. The mapping
// table is in docs/INGEST.md.
import { MetricKind } from "../../gen/impactd/v1/event.js";
import type { ExportMetricsServiceRequest } from "../../gen/opentelemetry/proto/collector/metrics/v1/metrics_service.js";
import {
  AggregationTemporality,
  type ExponentialHistogramDataPoint,
  HistogramDataPoint,
  type Metric,
  type NumberDataPoint,
  type SummaryDataPoint,
} from "../../gen/opentelemetry/proto/metrics/v1/metrics.js";
import { Attributes, resourceService } from "./attributes.js";
import {
  type Conversion,
  type ConvertContext,
  emptyConversion,
  event,
  json,
  timestampProblem,
} from "./convert.js";
import { stableId } from "./ids.js";
import { explicitQuantile } from "./quantile.js";
import type { CumulativeSeries, SeriesState } from "./series.js";
import { nanosToMs } from "./time.js";

/** REQUEST_DURATION_METRICS are histograms of server request durations, with their default unit. */
export const REQUEST_DURATION_METRICS: ReadonlyMap<string, string> = new Map([
  ["http.server.request.duration", "s"],
  ["http.server.duration", "ms"],
  ["rpc.server.duration", "ms"],
  ["rpc.server.call.duration", "s"],
]);

/** DIRECT_METRICS are gauge/sum names that carry an impactd metric as is. */
export const DIRECT_METRICS: ReadonlyMap<string, MetricKind> = new Map([
  ["impactd.error_rate", MetricKind.METRIC_KIND_ERROR_RATE],
  ["impactd.latency_p99_ms", MetricKind.METRIC_KIND_LATENCY_P99_MS],
  ["impactd.saturation", MetricKind.METRIC_KIND_SATURATION],
  ["impactd.throughput", MetricKind.METRIC_KIND_THROUGHPUT],
]);

/** ERROR_RATIO_NAME matches gauge names read as an error rate (0..1), e.g. `checkout.error_ratio`. */
export const ERROR_RATIO_NAME = /(^|[._])error[._]?(rate|ratio)$/;

// gRPC codes that count as server errors (OpenTelemetry RPC conventions).
const GRPC_SERVER_ERRORS = new Set([2, 4, 12, 13, 14, 15]);
const NO_RECORDED_VALUE = 1;

const UNIT_TO_MS: Record<string, number> = { s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 1e-6 };

/** isErrorPoint says whether a request data point's attributes describe failed requests. */
export function isErrorPoint(a: Attributes): boolean {
  if (a.has("error.type")) return true;
  const http = a.number("http.response.status_code") ?? a.number("http.status_code");
  if (http !== undefined && http >= 500) return true;
  const grpc = a.number("rpc.grpc.status_code");
  return grpc !== undefined && GRPC_SERVER_ERRORS.has(grpc);
}

interface Window {
  ts: number;
  items: number[];
  total: number;
  errors: number;
  bounds: number[] | undefined;
  buckets: number[];
  /** p99 of points whose bounds differ from the window's, in the metric's unit. */
  extraP99: number;
  intervalMs: number;
  keyParts: string[];
}

/** MetricsConversion adds the series updates to apply once the events are durable. */
export interface MetricsConversion extends Conversion {
  seriesUpdates: [string, SeriesState][];
}

/** convertMetrics turns an OTLP metrics export into metric samples. */
export function convertMetrics(
  req: ExportMetricsServiceRequest,
  ctx: ConvertContext,
  series: CumulativeSeries,
): MetricsConversion {
  const out: MetricsConversion = { ...emptyConversion(), seriesUpdates: [] };
  for (const rm of req.resourceMetrics) {
    const service = resourceService(rm.resource);
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        const first = out.items;
        const n = pointCount(m);
        out.items += n;
        if (service === undefined) {
          for (let i = 0; i < n; i++) {
            out.problems.push({
              item: first + i,
              code: "MISSING_FIELD",
              reason: `metric ${JSON.stringify(m.name)}: the resource has no service.name attribute`,
              payload: json(() => ({ metric: m.name })),
            });
          }
          continue;
        }
        const duration = REQUEST_DURATION_METRICS.get(m.name);
        if (duration !== undefined && m.data?.$case === "histogram") {
          requestHistogram(out, ctx, series, service, m, duration, first);
        } else {
          perPoint(out, ctx, service, m, first);
        }
      }
    }
  }
  return out;
}

function pointCount(m: Metric): number {
  const d = m.data;
  return d === undefined ? 0 : d.value.dataPoints.length;
}

function num(p: NumberDataPoint): number {
  const v = p.value;
  if (v === undefined) return Number.NaN;
  return v.$case === "asDouble" ? v.value : Number(v.value);
}

function perPoint(
  out: Conversion,
  ctx: ConvertContext,
  service: string,
  m: Metric,
  first: number,
): void {
  const d = m.data;
  if (d === undefined) return;
  let kind = DIRECT_METRICS.get(m.name);
  if (kind === undefined && d.$case === "gauge" && ERROR_RATIO_NAME.test(m.name))
    kind = MetricKind.METRIC_KIND_ERROR_RATE;
  if (d.$case !== "gauge" && d.$case !== "sum") kind = undefined;
  const metric = kind ?? MetricKind.METRIC_KIND_CUSTOM;
  const customName = kind === undefined ? m.name : "";
  d.value.dataPoints.forEach((p, i) => {
    const item = first + i;
    if ((p.flags & NO_RECORDED_VALUE) !== 0) {
      out.ignored++;
      return;
    }
    let value: number;
    switch (d.$case) {
      case "gauge":
      case "sum":
        value = num(p as NumberDataPoint);
        break;
      case "histogram":
      case "exponentialHistogram": {
        // Histograms outside the request conventions are stored as their mean.
        const h = p as HistogramDataPoint | ExponentialHistogramDataPoint;
        const n = Number(h.count);
        value = h.sum !== undefined && n > 0 ? h.sum / n : n;
        break;
      }
      case "summary": {
        const s = p as SummaryDataPoint;
        const q99 = s.quantileValues.find((q) => q.quantile === 0.99);
        const n = Number(s.count);
        value = q99?.value ?? (n > 0 ? s.sum / n : 0);
        break;
      }
    }
    const ts = nanosToMs(p.timeUnixNano);
    const attrs = new Attributes(p.attributes);
    out.events.push(
      event(ctx, ts, stableId("otlp-m", service, m.name, attrs.key(), p.timeUnixNano), {
        $case: "metric",
        value: { service, metric, customName, value },
      }),
    );
    out.origins.push([item]);
  });
}

function requestHistogram(
  out: MetricsConversion,
  ctx: ConvertContext,
  series: CumulativeSeries,
  service: string,
  m: Metric,
  defaultUnit: string,
  first: number,
): void {
  if (m.data?.$case !== "histogram") return;
  const h = m.data.value;
  const factor = UNIT_TO_MS[m.unit] ?? UNIT_TO_MS[defaultUnit] ?? 1;
  const cumulative =
    h.aggregationTemporality === AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE;
  const windows = new Map<number, Window>();
  h.dataPoints.forEach((p, i) => {
    const item = first + i;
    const problem = histogramProblem(p, ctx);
    if (problem !== undefined) {
      out.problems.push({ item, ...problem, payload: json(() => HistogramDataPoint.toJSON(p)) });
      return;
    }
    if ((p.flags & NO_RECORDED_VALUE) !== 0) {
      out.ignored++;
      return;
    }
    const attrs = new Attributes(p.attributes);
    const ts = nanosToMs(p.timeUnixNano);
    let counts = p.bucketCounts.map(Number);
    let count = Number(p.count);
    let intervalMs = ts - nanosToMs(p.startTimeUnixNano);
    if (cumulative) {
      // Cumulative points count since start: the interval's share is the
      // difference from the previous point of the same series.
      const key = `${ctx.tenant}\u0000${service}\u0000${m.name}\u0000${attrs.key()}`;
      const prev = series.get(key);
      if (
        prev !== undefined &&
        prev.start === p.startTimeUnixNano &&
        prev.count <= count &&
        prev.buckets.length === counts.length &&
        prev.ts < ts
      ) {
        count -= prev.count;
        counts = counts.map((c, j) => Math.max(0, c - (prev.buckets[j] as number)));
        intervalMs = ts - prev.ts;
      }
      out.seriesUpdates.push([
        key,
        {
          start: p.startTimeUnixNano,
          ts,
          count: Number(p.count),
          buckets: p.bucketCounts.map(Number),
        },
      ]);
    }
    let w = windows.get(ts);
    if (w === undefined) {
      w = {
        ts,
        items: [],
        total: 0,
        errors: 0,
        bounds: undefined,
        buckets: [],
        extraP99: 0,
        intervalMs,
        keyParts: [],
      };
      windows.set(ts, w);
    }
    w.items.push(item);
    w.keyParts.push(attrs.key(), String(count));
    w.total += count;
    if (isErrorPoint(attrs)) w.errors += count;
    w.intervalMs = Math.max(w.intervalMs, intervalMs);
    if (count === 0) return;
    if (w.bounds === undefined) {
      w.bounds = p.explicitBounds;
      w.buckets = counts;
    } else if (sameBounds(w.bounds, p.explicitBounds)) {
      for (let j = 0; j < counts.length; j++) w.buckets[j] = (w.buckets[j] ?? 0) + (counts[j] ?? 0);
    } else {
      const q = explicitQuantile(0.99, p.explicitBounds, counts, p.max);
      if (q !== undefined) w.extraP99 = Math.max(w.extraP99, q);
    }
  });
  for (const w of windows.values()) {
    if (w.total <= 0) {
      // No requests in the interval: nothing to say about errors or latency.
      out.ignored += w.items.length;
      continue;
    }
    const base = stableId("otlp-h", service, m.name, w.ts, ...w.keyParts);
    const add = (metric: MetricKind, value: number) => {
      out.events.push(
        event(ctx, w.ts, `${base}:${metric}`, {
          $case: "metric",
          value: { service, metric, customName: "", value },
        }),
      );
      out.origins.push(w.items);
    };
    add(MetricKind.METRIC_KIND_ERROR_RATE, w.errors / w.total);
    // Points without buckets (count and sum only) say nothing about the tail.
    const q = explicitQuantile(0.99, w.bounds ?? [], w.buckets);
    if (q !== undefined || w.extraP99 > 0)
      add(MetricKind.METRIC_KIND_LATENCY_P99_MS, Math.max(q ?? 0, w.extraP99) * factor);
    if (w.intervalMs > 0) add(MetricKind.METRIC_KIND_THROUGHPUT, w.total / (w.intervalMs / 1000));
  }
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function histogramProblem(
  p: HistogramDataPoint,
  ctx: ConvertContext,
): { code: string; reason: string } | undefined {
  const ts = timestampProblem(nanosToMs(p.timeUnixNano), ctx, "time_unix_nano");
  if (ts !== undefined) return ts;
  const n = p.explicitBounds.length;
  if (p.bucketCounts.length !== 0 && p.bucketCounts.length !== n + 1) {
    return {
      code: "INVALID_VALUE",
      reason: `bucket_counts has ${p.bucketCounts.length} entries for ${n} explicit_bounds (want ${n + 1})`,
    };
  }
  for (let i = 0; i < n; i++) {
    const b = p.explicitBounds[i] as number;
    if (!Number.isFinite(b) || (i > 0 && b <= (p.explicitBounds[i - 1] as number))) {
      return {
        code: "INVALID_VALUE",
        reason: `explicit_bounds must be finite and increasing (bound ${i} is ${b})`,
      };
    }
  }
  if (!Number.isSafeInteger(Number(p.count))) {
    return {
      code: "INVALID_VALUE",
      reason: `count ${p.count} is not a plausible number of observations`,
    };
  }
  return undefined;
}
