// ReferenceEngine is the reference model at the core's level: encoded input
// records in, decision records out, one call per batch, the same exports as
// assembly/index.ts (process, advance, flush, topology). reference-core.ts
// adds the host's naming on top, as src/core/tenant-core.ts does for the core.
import { P_DEFAULT_ERR_SLO, P_DEFAULT_LAT_SLO } from "../core/layout.js";
import { Health } from "./health.js";
import { Incidents } from "./incidents.js";
import { Journeys } from "./journeys.js";
import type { Model } from "./model.js";
import { Params } from "./params.js";
import { Prediction } from "./predict.js";
import { type InputRecord, type OutputRecord, Outputs } from "./records.js";
import { Routing, type RoutingTeam } from "./routing.js";
import { type EncodedTopology, Graph, Tables } from "./state.js";
import { EventStream } from "./stream.js";
import { TimerQueue } from "./timers.js";

/** ReferenceStats are the reference model's counters (a subset of CoreStats). */
export interface ReferenceStats {
  applied: number;
  late: number;
  watermark: number;
  pending: number;
  incidents: number;
  openIncidents: number;
  predictions: number;
}

/** ReferenceEngine is one tenant's reference model on encoded records. */
export class ReferenceEngine {
  private readonly m: Model;
  private readonly stream: EventStream;

  constructor(params: ReadonlyMap<number, number> = new Map()) {
    const p = new Params(params);
    const m = {
      params: p,
      tables: new Tables(p),
      graph: new Graph(),
      timers: new TimerQueue(),
      out: new Outputs(),
    } as Model;
    m.health = new Health(m);
    m.incidents = new Incidents(m);
    m.journeys = new Journeys(m);
    m.prediction = new Prediction(m);
    m.routing = new Routing(m);
    this.m = m;
    this.stream = new EventStream(m);
  }

  /** setTopology swaps the topology in, keeping all service and journey state. */
  setTopology(t: EncodedTopology): void {
    const { params, tables, graph, journeys } = this.m;
    graph.load(t);
    t.services.forEach((spec, s) => {
      const st = tables.service(s);
      st.sloErr = spec.sloErr > 0 ? spec.sloErr : params.get(P_DEFAULT_ERR_SLO);
      st.sloLat = spec.sloLat > 0 ? spec.sloLat : params.get(P_DEFAULT_LAT_SLO);
    });
    journeys.loadTopology(t);
  }

  /** setRouting replaces the teams and each listed service's owner (team id + 1) and kind bits. */
  setRouting(
    teams: readonly RoutingTeam[],
    owners: readonly number[],
    kinds: readonly number[],
  ): void {
    this.m.routing.setRouting(teams, owners, kinds);
  }

  /** process applies one batch and returns its decisions. */
  process(records: readonly InputRecord[]): OutputRecord[] {
    this.stream.ingest(records);
    return this.m.out.take();
  }

  /** advance moves event time to w without new records; returns decisions. */
  advance(w: number): OutputRecord[] {
    this.stream.advanceTo(w);
    return this.m.out.take();
  }

  /** flush applies everything pending (end of stream); returns decisions. */
  flush(): OutputRecord[] {
    this.stream.flush();
    return this.m.out.take();
  }

  /** stats reads the counters. */
  stats(): ReferenceStats {
    const { tables } = this.m;
    return {
      applied: this.stream.applied,
      late: this.stream.late,
      watermark: this.stream.watermark,
      pending: this.stream.pendingCount,
      incidents: tables.incidentCount,
      openIncidents: tables.openIncidents,
      predictions: tables.predictions,
    };
  }
}
