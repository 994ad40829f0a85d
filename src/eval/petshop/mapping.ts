// How the PetShop data becomes impactd input: components become services
// (the call graph becomes hard dependencies), and each 5-minute step's
// latency, availability and request count become metric samples. One
// configuration serves every scenario and issue; docs/PETSHOP.md says why
// each value was chosen.
import { type Event, MetricKind } from "../../gen/impactd/v1/event.js";
import { DependencyKind, type Topology } from "../../gen/impactd/v1/topology.js";
import { NAME_PATTERN } from "../../pipeline/validate.js";
import { type CallGraph, columnId, type MetricsTable, PetshopFormatError } from "./csv.js";

/** LATENCY_STATISTICS are the latency statistics metrics.csv carries. */
export const LATENCY_STATISTICS = ["Average", "p50", "p90", "p95", "p99"] as const;

/** LatencyStatistic is one of LATENCY_STATISTICS. */
export type LatencyStatistic = (typeof LATENCY_STATISTICS)[number];

/** PetshopConfig is the one configuration used for the whole dataset. */
export interface PetshopConfig {
  /** Which latency statistic becomes impactd's latency sample. */
  latencyStatistic: LatencyStatistic;
  /**
   * Steps with fewer requests than this send no availability sample: a
   * ratio over one or two calls says nothing about the service.
   */
  minRequests: number;
  /**
   * Scenario whose normal data serves scenarios that have none (the
   * dataset has normal data for low_traffic and high_traffic only).
   */
  fallbackNormal: string;
  /** Core parameters (P_* ids in src/core/layout.ts), set once for the dataset. */
  coreParams: ReadonlyMap<number, number>;
}

/** STEP_MS is the dataset's resolution: one row every 5 minutes. */
export const STEP_MS = 5 * 60_000;

/** SOURCE is the event source of replayed samples. */
export const SOURCE = "petshop";

/**
 * ServiceNames maps component names to impactd service names. Component
 * names carry characters service names may not (spaces, `@`), so each of
 * those becomes `-`; two components mapping to one name is an error.
 */
export class ServiceNames {
  private readonly toService = new Map<string, string>();
  private readonly toComponent = new Map<string, string>();

  /** service returns the impactd name of a component, assigning it on first use. */
  service(component: string): string {
    const known = this.toService.get(component);
    if (known !== undefined) return known;
    let name = component.replace(/[^A-Za-z0-9._:/-]/g, "-").slice(0, 128);
    if (!/^[A-Za-z0-9]/.test(name)) name = `c${name}`.slice(0, 128);
    if (!NAME_PATTERN.test(name)) {
      throw new PetshopFormatError(component, "cannot be turned into a service name");
    }
    const other = this.toComponent.get(name);
    if (other !== undefined) {
      throw new PetshopFormatError(
        component,
        `maps to service ${name}, like component ${JSON.stringify(other)}`,
      );
    }
    this.toService.set(component, name);
    this.toComponent.set(name, component);
    return name;
  }

  /** component returns the component a service name stands for (or the name itself). */
  component(service: string): string {
    return this.toComponent.get(service) ?? service;
  }
}

/** graphTopology turns the call graph into a topology: R calls C => R depends on C (hard). */
export function graphTopology(graph: CallGraph, names: ServiceNames): Topology {
  return {
    services: graph.nodes.map((n) => ({
      name: names.service(n),
      team: "",
      tier: 0,
      kinds: [],
      // No SLO: the dataset has none, so health comes from learned baselines.
      slo: undefined,
      dependsOn: (graph.calls.get(n) ?? []).map((c) => ({
        service: names.service(c),
        kind: DependencyKind.DEPENDENCY_KIND_HARD,
        discovered: false,
      })),
    })),
    journeys: [],
    teams: [],
  };
}

interface ComponentColumns {
  service: string;
  latency: (number | undefined)[] | undefined;
  availability: (number | undefined)[] | undefined;
  requests: (number | undefined)[] | undefined;
}

/** components lists each component of a table with its columns, in graph order first. */
function components(
  table: MetricsTable,
  graph: CallGraph,
  names: ServiceNames,
  config: PetshopConfig,
): ComponentColumns[] {
  const seen = new Set<string>();
  const order: string[] = [];
  for (const n of graph.nodes) {
    seen.add(n);
    order.push(n);
  }
  for (const id of table.columns.keys()) {
    const c = id.slice(0, id.indexOf("\u0000"));
    if (!seen.has(c)) {
      seen.add(c);
      order.push(c);
    }
  }
  const col = (component: string, metric: string, statistic: string) =>
    table.columns.get(columnId({ component, metric, statistic }));
  return order
    .map((c) => ({
      service: names.service(c),
      latency: col(c, "latency", config.latencyStatistic),
      availability: col(c, "availability", "Average"),
      requests: col(c, "requests", "Sum"),
    }))
    .filter((c) => c.latency !== undefined || c.availability !== undefined);
}

const metricEvent = (ts: number, service: string, metric: MetricKind, value: number): Event => ({
  tsUnixMs: ts,
  source: SOURCE,
  tenant: "",
  id: "",
  kind: { $case: "metric", value: { service, metric, customName: "", value } },
});

/**
 * stepEvents returns one batch per row in [from, to) of `table`, each
 * event's time being the row's timestamp plus `offsetMs`. Latency (seconds)
 * becomes a latency sample in ms; availability (percent) an error rate
 * 1 - a/100; requests per step a throughput in requests per second.
 */
export function stepEvents(
  table: MetricsTable,
  graph: CallGraph,
  names: ServiceNames,
  config: PetshopConfig,
  from: number,
  to: number,
  offsetMs: number,
): Event[][] {
  const cols = components(table, graph, names, config);
  const batches: Event[][] = [];
  for (let r = from; r < to; r++) {
    const ts = (table.timestamps[r] as number) + offsetMs;
    const batch: Event[] = [];
    for (const c of cols) {
      const lat = c.latency?.[r];
      const avail = c.availability?.[r];
      const req = c.requests?.[r];
      const enough = req === undefined || req >= config.minRequests;
      if (lat !== undefined && enough) {
        batch.push(metricEvent(ts, c.service, MetricKind.METRIC_KIND_LATENCY_P99_MS, lat * 1000));
      }
      if (avail !== undefined && enough) {
        // Rounded to a millionth so 100.0 % is exactly 0, not -1e-16.
        const err = Math.round((1 - avail / 100) * 1e6) / 1e6;
        batch.push(metricEvent(ts, c.service, MetricKind.METRIC_KIND_ERROR_RATE, err));
      }
      if (req !== undefined) {
        batch.push(metricEvent(ts, c.service, MetricKind.METRIC_KIND_THROUGHPUT, req / 300));
      }
    }
    batches.push(batch);
  }
  return batches;
}
