// The reference model's state: one object per service, journey and incident,
// and the topology as adjacency lists. Field names follow the core's record
// fields (S_*, J_*, I_* in assembly/) so the two can be read side by side.
import { H_UNKNOWN, P_DEFAULT_ERR_SLO, P_DEFAULT_LAT_SLO, ST_OPEN } from "../core/layout.js";
import type { Params } from "./params.js";

/** Signal is a metric's fast EWMA and its learned baseline (mean and variance). */
export class Signal {
  /** The current value, smoothed. */
  fast = 0;
  /** Learned normal level. */
  base = 0;
  /** Learned variance around the baseline. */
  variance = 0;
  /** Samples seen (u32). */
  n = 0;
}

/** Holt is a level + trend (per ms) forecast and the time of its last update (0 = none). */
export class Holt {
  level = 0;
  trend = 0;
  ts = 0;
}

/** ServiceState is what the core keeps per service id. */
export class ServiceState {
  health = H_UNKNOWN;
  /** Last health-check status. */
  probe = H_UNKNOWN;
  /** Worst health while in the current incident. */
  peak = 0;
  /** Live incident number, 0 = none. */
  incident = 0;
  /** Last incident it was part of (for reopening). */
  lastIncident = 0;
  /** When it turned unhealthy in its current incident (or began to rise, if earlier). */
  onset = 0;
  /**
   * When its metrics first rose above ELEVATED_Z deviations in the current
   * rise (0 = not elevated): ranking compares when failures started.
   */
  early = 0;
  /** When it joined its current incident (its onset may be earlier). */
  joined = 0;
  /** The last change as of joining its incident (a later rollback does not unlink it). */
  linkTs = 0;
  linkId = 0;
  err = new Signal();
  lat = new Signal();
  saturation = 0;
  /** Time of the last error-rate or latency sample (metrics vouch for a service while fresh). */
  lastMetricTs = 0;
  /** Consecutive non-OK health checks (u32). */
  probeStreak = 0;
  /** When alerts started firing (set when the first one fires, not cleared). */
  firingSince = 0;
  /** Highest anomaly announced while in the current incident. */
  peakAnomaly = 0;
  /** Smoothed throughput, requests per second, and throughput samples seen (0: unknown). */
  rps = 0;
  rpsN = 0;
  /** Peaks while in the current incident: excess failures per second, excess requests in flight. */
  peakFail = 0;
  peakSlow = 0;
  /** Pending recovery time, 0 = none. */
  recoverDue = 0;
  changeTs = 0;
  changeId = 0;
  /** Alerts firing and critical alerts firing (u32 counters). */
  firing = 0;
  critical = 0;
  forecast = new Holt();
  /** Active prediction id, 0 = none. */
  predictionId = 0;
  predictionIssued = 0;
  predictionDeadline = 0;
  /** Consecutive forecasts of a breach. */
  predictionStreak = 0;
  /** Owning team id + 1, 0 = none, and failure-kind bits (routing). */
  owner = 0;
  kinds = 0;

  constructor(
    /** Error-rate threshold. */
    public sloErr: number,
    /** p99 latency threshold, ms. */
    public sloLat: number,
  ) {}
}

/** JourneyState is what the core keeps per journey id. */
export class JourneyState {
  /** Incident currently carrying this journey's impact, 0 = none. */
  incident = 0;
  /** Live experience-only incident, 0 = none. */
  experienceIncident = 0;
  /** Customers per minute from the topology. */
  cpm = 0;
  /** SLO target success ratio. */
  slo = 0.99;
  /** Start of the open one-minute bucket, 0 = none, and its counts. */
  bucket = 0;
  started = 0;
  failed = 0;
  abandoned = 0;
  completed = 0;
  /** Buckets closed (u32) and when the last one closed. */
  buckets = 0;
  lastBucket = 0;
  /** Learned customers entering per minute. */
  rate = 0;
  fail = new Signal();
  /** 5-minute and 1-hour average failure ratios (burn-rate windows). */
  failShort = 0;
  failLong = 0;
  abandon = new Signal();
  feedback = new Signal();
  forecast = new Holt();
  predictionId = 0;
  predictionIssued = 0;
  predictionDeadline = 0;
  predictionStreak = 0;
  /** Experience drop bits: 1 feedback, 2 abandonment. */
  drop = 0;
  /** The impact last handed to an incident, and whether it was measured. */
  lastAffected = 0;
  lastSuccess = 0;
  lastBurn = 0;
  lastMeasured = 0;
}

/** Incident is one incident's record. */
export class Incident {
  status = ST_OPEN;
  /** Set once acknowledged (restored when it leaves MITIGATED, cleared on close). */
  acked = false;
  /** SEV_I_*, 0 = not set yet. */
  severity = 0;
  /** Members, newest first (the core's member list is pushed at the head). */
  members: number[] = [];
  /** Member and unhealthy-member counters (u32), kept apart from the list as in the core. */
  memberCount = 0;
  unhealthy = 0;
  alerts = 0;
  /** Last member change. */
  activity: number;
  /** Pending resolution, 0 = none. */
  resolveDue = 0;
  resolvedTs = 0;
  version = 0;
  /** Current top candidates (service ids). */
  top: number[] = [];
  /** Their scores as last emitted, rounded to f32 as the core stores them. */
  topScores: number[] = [];
  /** Experience incidents: journey id + 1 (0 = none). */
  journey = 0;
  /** Routed team id + 1, 0 = none; whether a routing decision was emitted. */
  team = 0;
  routed = false;
  /** Escalation tier last paged, and when the next is due (0 = not escalating). */
  tier = 0;
  escalationDue = 0;

  constructor(
    readonly kind: number,
    readonly opened: number,
  ) {
    this.activity = opened;
  }
}

/** Edge is a dependency (or, reversed, a caller) and whether it is soft. */
export interface Edge {
  service: number;
  soft: boolean;
}

/** ServiceSpec is one service of an encoded topology. */
export interface ServiceSpec {
  deps: Edge[];
  /** SLO thresholds; 0 = use the default. */
  sloErr: number;
  sloLat: number;
}

/** JourneySpec is one journey of an encoded topology. */
export interface JourneySpec {
  /** The services the journey needs: first the `direct` ones its steps name, then their dependencies. */
  services: number[];
  direct: number;
  cpm: number;
  slo: number;
}

/** EncodedTopology is a topology by id, as the host hands it to the core. */
export interface EncodedTopology {
  services: ServiceSpec[];
  journeys: JourneySpec[];
}

const NONE: readonly never[] = [];

/** Graph is the topology with both directions of every relation. */
export class Graph {
  private deps: Edge[][] = [];
  private callers: Edge[][] = [];
  private journeySvcs: number[][] = [];
  private journeyDirect: number[] = [];
  private svcJourneys: number[][] = [];

  /** load replaces the topology. */
  load(t: EncodedTopology): void {
    const n = t.services.length;
    this.deps = t.services.map((s) => s.deps);
    // Callers of each service in ascending caller id, as the core's reversed CSR lists them.
    this.callers = Array.from({ length: n }, () => []);
    t.services.forEach((s, from) => {
      for (const e of s.deps) this.callers[e.service]?.push({ service: from, soft: e.soft });
    });
    this.journeySvcs = t.journeys.map((j) => j.services);
    this.journeyDirect = t.journeys.map((j) => j.direct);
    this.svcJourneys = Array.from({ length: n }, () => []);
    t.journeys.forEach((j, jid) => {
      for (const s of j.services) this.svcJourneys[s]?.push(jid);
    });
  }

  /** dependencies of service s (what it calls). */
  dependencies(s: number): readonly Edge[] {
    return this.deps[s] ?? NONE;
  }

  /** callersOf service s (what calls it). */
  callersOf(s: number): readonly Edge[] {
    return this.callers[s] ?? NONE;
  }

  /** journeyServices lists the services journey j needs. */
  journeyServices(j: number): readonly number[] {
    return this.journeySvcs[j] ?? NONE;
  }

  /** directServices lists the services journey j's steps name. */
  directServices(j: number): readonly number[] {
    return this.journeyServices(j).slice(0, this.journeyDirect[j] ?? 0);
  }

  /** journeysOf lists the journeys that need service s, ascending. */
  journeysOf(s: number): readonly number[] {
    return this.svcJourneys[s] ?? NONE;
  }
}

/** Tables holds services, journeys and incidents, created on first use. */
export class Tables {
  private readonly svcs: ServiceState[] = [];
  private readonly jrns: JourneyState[] = [];
  /** Incidents by number (index 0 unused). */
  readonly incidents: Incident[] = [];
  openIncidents = 0;
  predictions = 0;
  /** Sum of every service's smoothed throughput: all the calls the estate reports per second. */
  totalRps = 0;

  constructor(private readonly params: Params) {}

  /** service returns service s's state; a new one gets the default SLOs. */
  service(s: number): ServiceState {
    let st = this.svcs[s];
    if (st === undefined) {
      st = new ServiceState(this.params.get(P_DEFAULT_ERR_SLO), this.params.get(P_DEFAULT_LAT_SLO));
      this.svcs[s] = st;
    }
    return st;
  }

  /** journey returns journey j's state. */
  journey(j: number): JourneyState {
    let st = this.jrns[j];
    if (st === undefined) {
      st = new JourneyState();
      this.jrns[j] = st;
    }
    return st;
  }

  /** incident returns incident n; n must have been opened. */
  incident(n: number): Incident {
    const inc = this.incidents[n];
    if (inc === undefined) throw new RangeError(`reference: no incident ${n}`);
    return inc;
  }

  /** incidentCount is the highest incident number handed out. */
  get incidentCount(): number {
    return Math.max(0, this.incidents.length - 1);
  }
}
