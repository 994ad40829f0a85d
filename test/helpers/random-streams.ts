// Seeded random topologies and event streams for the differential and
// property tests: small estates (DAGs with soft edges, the odd cycle,
// journeys, services the topology does not name) and streams with every
// event kind, faults (hard failures, cascades, ramps, spikes, flaps, latency,
// alert-only), deploys before faults, journey signals, feedback, incident
// actions, jitter, arrival disorder within the lateness bound and a few
// events far beyond it. Everything is a function of the seed.
import * as L from "../../src/core/layout.js";
import type { Event } from "../../src/gen/impactd/v1/event.js";
import { DependencyKind, type Topology } from "../../src/gen/impactd/v1/topology.js";

/** Rng is a small seeded generator (mulberry32). */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** next returns a float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** int returns an integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** chance is true with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** pick returns a random element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
}

/** RandomCase is one generated scenario. */
export interface RandomCase {
  seed: number;
  topology: Topology;
  /** A second topology applied before event `at` of the arrival order (live topology change). */
  change?: { at: number; topology: Topology };
  params: Map<number, number>;
  lateness: number;
  /** Events in arrival order. */
  events: Event[];
}

/** Incident ids used in generated actions map to core incident numbers: "inc-<n>". */
export function incidentNumber(id: string): number | undefined {
  const n = Number(id.slice(4));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

const ev = (ts: number, kind: Event["kind"]): Event => ({
  tsUnixMs: ts,
  source: "gen",
  tenant: "",
  id: "",
  kind,
});

/**
 * actionEvent builds an acknowledgement (1) or resolution (2) of incident n.
 * The actor follows from the time, so two actions at one time never differ
 * only by actor (see distinctTies).
 */
export function actionEvent(ts: number, n: number, action: number): Event {
  return ev(ts, {
    $case: "incidentAction",
    value: { incidentId: `inc-${n}`, action, actor: actorAt(ts), note: "" },
  });
}

function actorAt(ts: number): string {
  return ["alice", "bob", "carol"][Math.floor(ts / 1_000) % 3] as string;
}

const TEAMS = ["front", "data", "sre"];
const KINDS = ["database", "network", "queue"];

function randomTopology(rng: Rng, n: number): Topology {
  const names = Array.from({ length: n }, (_, i) => `s${i}`);
  const teamNames = rng.chance(0.3) ? [] : TEAMS.filter(() => rng.chance(0.7));
  // One owner at most per service, named by the service, listed by the
  // team, or both (validation wants ownership unambiguous).
  const owner = names.map(() =>
    teamNames.length > 0 && rng.chance(0.5) ? rng.pick(teamNames) : "",
  );
  const listed = names.map(() => rng.chance(0.5));
  const services = names.map((name, i) => {
    const deps: { service: string; kind: DependencyKind; discovered: boolean }[] = [];
    const add = (j: number) => {
      const kind = rng.chance(0.25)
        ? DependencyKind.DEPENDENCY_KIND_SOFT
        : DependencyKind.DEPENDENCY_KIND_HARD;
      deps.push({ service: names[j] as string, kind, discovered: false });
    };
    // Calls go "down" the list, so the graph is a DAG...
    for (let j = i + 1; j < n; j++) if (rng.chance(0.4)) add(j);
    // ...except for the odd back edge: validation allows cycles.
    if (i > 0 && rng.chance(0.05)) add(rng.int(0, i - 1));
    const errorRate = rng.chance(0.3) ? rng.pick([0.01, 0.05, 0.1, 0.2]) : 0;
    const latencyP99Ms = rng.chance(0.2) ? rng.pick([200, 500, 2000]) : 0;
    return {
      name,
      team: owner[i] !== "" && (!listed[i] || rng.chance(0.5)) ? (owner[i] as string) : "",
      tier: 0,
      kinds: rng.chance(0.4) ? [rng.pick(KINDS)] : [],
      slo: errorRate === 0 && latencyP99Ms === 0 ? undefined : { errorRate, latencyP99Ms },
      dependsOn: deps,
    };
  });
  const journeys = Array.from({ length: rng.int(0, 3) }, (_, j) => ({
    name: `j${j}`,
    customersPerMin: rng.pick([0, 5, 50, 300, 2000]),
    sloTarget: rng.pick([0.9, 0.99, 0.995, 0.999]),
    sloWindowDays: 30,
    steps: Array.from({ length: rng.int(1, 3) }, (_, k) => ({
      name: `step${k}`,
      services: Array.from({ length: rng.int(1, 2) }, () => rng.pick(names)),
    })),
  }));
  // Teams: some own services (directly or through `services`), some have
  // skills matching service kinds or "deploy"/"experience", one may be the
  // fallback; escalation policies of 0-3 tiers.
  const teams = teamNames.map((name) => ({
    name,
    skills: [...KINDS, "deploy", "experience"].filter(() => rng.chance(0.25)),
    services: names.filter((_, i) => owner[i] === name && listed[i]),
    escalation: Array.from({ length: rng.int(0, 3) }, (_, k) => ({
      delayMinutes: rng.pick([1, 2, 5]),
      target: `@${name}${k}`,
      channel: "",
    })),
    notify: [],
    fallback: rng.chance(0.3),
    pageTier2AboveCpm: rng.pick([0, 0, 20, 500]),
    quietHours: undefined,
  }));
  return { services, journeys, teams };
}

function randomParams(rng: Rng): Map<number, number> {
  const p = new Map<number, number>();
  if (rng.chance(0.5)) return p; // defaults
  // Shorter windows and warm-ups make more happen in a short stream.
  if (rng.chance(0.5)) p.set(L.P_LATENESS_MS, rng.pick([0, 500, 5_000, 30_000]));
  if (rng.chance(0.6)) p.set(L.P_WARMUP, rng.int(2, 10));
  if (rng.chance(0.5)) p.set(L.P_PRED_STREAK, rng.int(1, 3));
  if (rng.chance(0.5)) p.set(L.P_RECOVER_MS, rng.pick([10_000, 60_000]));
  if (rng.chance(0.5)) p.set(L.P_QUIET_MS, rng.pick([30_000, 120_000]));
  if (rng.chance(0.4)) p.set(L.P_HORIZON_MS, rng.pick([5 * 60_000, 10 * 60_000]));
  if (rng.chance(0.3)) p.set(L.P_REOPEN_MS, rng.pick([60_000, 3_600_000]));
  if (rng.chance(0.3)) p.set(L.P_PROPAGATION_MS, rng.pick([0, 10_000, 600_000]));
  if (rng.chance(0.3)) p.set(L.P_CORRELATION_WINDOW_MS, rng.pick([0, 60_000]));
  if (rng.chance(0.3)) p.set(L.P_MAX_HOPS, rng.int(0, 4));
  if (rng.chance(0.3)) p.set(L.P_Z_UNHEALTHY, rng.pick([3, 4]));
  if (rng.chance(0.3)) p.set(L.P_FEEDBACK_DROP, rng.pick([0.05, 0.1]));
  if (rng.chance(0.3)) p.set(L.P_ABANDON_RISE, rng.pick([0.02, 0.1]));
  if (rng.chance(0.3)) p.set(L.P_SEV_HIGH_CPM, rng.pick([1, 50]));
  return p;
}

type FaultKind = "hard" | "degrade" | "ramp" | "spike" | "flap" | "latency" | "alerts";

interface Fault {
  service: string;
  kind: FaultKind;
  start: number;
  end: number;
}

/** StreamOptions shape a generated stream. */
export interface StreamOptions {
  /** Events delivered far beyond the lateness bound (differential test only). */
  veryLate: boolean;
  /** Ticks of event time (a tick is 15-60 s). */
  ticks: [number, number];
  /**
   * Keep out a known gap in the determinism the property test checks: two
   * actions at one time arriving in separate calls (each applies at the
   * watermark as it arrives, which a replay cannot know; docs/CORE.md).
   */
  distinctTies: boolean;
}

/** randomCase generates the scenario for `seed`. */
export function randomCase(seed: number, options: StreamOptions): RandomCase {
  const rng = new Rng(seed);
  const n = rng.int(2, 6);
  const topology = randomTopology(rng, n);
  const params = randomParams(rng);
  const lateness = params.get(L.P_LATENESS_MS) ?? 2_000;
  const services = topology.services.map((s) => s.name);
  const ghosts = rng.chance(0.3) ? ["ghost0", "ghost1"].slice(0, rng.int(1, 2)) : [];
  const deps = (name: string): string[] =>
    (topology.services.find((s) => s.name === name)?.dependsOn ?? [])
      .filter((d) => d.kind === DependencyKind.DEPENDENCY_KIND_HARD)
      .map((d) => d.service);
  const callers = new Map<string, string[]>();
  for (const s of topology.services)
    for (const d of s.dependsOn)
      if (d.kind === DependencyKind.DEPENDENCY_KIND_HARD)
        callers.set(d.service, [...(callers.get(d.service) ?? []), s.name]);

  const t0 = Date.UTC(2026, 0, 1) + rng.int(0, 1_000) * 60_000 + rng.int(0, 59_999);
  // Busy streams have overlapping faults on services that call each other,
  // sampled densely: merges, and symptoms moving between incidents as
  // causes recover.
  const busy = rng.chance(0.25);
  const tick = (busy ? rng.int(10, 20) : rng.int(15, 60)) * 1_000;

  const ticks = Math.round(rng.int(options.ticks[0], options.ticks[1]) * (busy ? 1.5 : 1));
  const end = t0 + ticks * tick;
  const faults: Fault[] = [];
  for (let k = busy ? rng.int(3, 5) : rng.int(0, 3); k > 0; k--) {
    const previous = faults[faults.length - 1];
    const start =
      busy && previous !== undefined
        ? previous.start + rng.int(0, 6) * 60_000
        : t0 + Math.floor(rng.next() * 0.8 * ticks * tick);
    const kinds: FaultKind[] = ["hard", "degrade", "ramp", "spike", "flap", "latency", "alerts"];
    // Busy streams mostly fail hard: that is what hurts callers too.
    const kind = busy && rng.chance(0.6) ? "hard" : rng.pick(kinds);
    const length =
      kind === "spike"
        ? tick * rng.int(1, 3)
        : (busy ? rng.int(8, 20) * (faults.length + 1) : rng.int(2, 40)) * 60_000;
    // Near the previous fault: its callers, its dependencies, and what its
    // callers also depend on (a caller hurt by two failures in turn).
    const up = previous === undefined ? [] : (callers.get(previous.service) ?? []);
    const near =
      previous === undefined
        ? []
        : [...up, ...deps(previous.service), ...up.flatMap((c) => deps(c))];
    const service =
      busy && near.length > 0 && rng.chance(0.7) ? rng.pick(near) : rng.pick(services);
    faults.push({ service, kind, start, end: start + length });
  }
  const baseErr = new Map(services.map((s) => [s, rng.pick([0.001, 0.005, 0.02])]));
  const metricRate = busy ? 0.9 : rng.pick([0.2, 0.4, 0.7]);
  const feedbackRate = rng.pick([0, 0.3, 0.9]);

  // Error rate of service s at time t: its baseline with noise, the faults
  // on it, and half of the worst fault on a hard dependency (one hop).
  const faultErr = (s: string, t: number): number => {
    let x = 0;
    for (const f of faults) {
      if (f.service !== s || t < f.start || t >= f.end) continue;
      const into = (t - f.start) / 60_000;
      if (f.kind === "hard") x = Math.max(x, 0.9);
      else if (f.kind === "degrade") x = Math.max(x, 0.08);
      else if (f.kind === "ramp") x = Math.max(x, Math.min(0.5, 0.004 * into));
      else if (f.kind === "spike") x = Math.max(x, 0.6);
    }
    return x;
  };
  const errAt = (s: string, t: number): number => {
    let x = (baseErr.get(s) ?? 0.005) * (1 + 0.3 * (rng.next() * 2 - 1)) + faultErr(s, t);
    for (const f of faults)
      if ((callers.get(f.service) ?? []).includes(s)) x += 0.5 * faultErr(f.service, t);
    return Math.min(1, Math.max(0, x));
  };
  const faulty = (s: string, t: number, kind?: FaultKind): boolean =>
    faults.some((f) => f.service === s && t >= f.start && t < f.end && (!kind || f.kind === kind));
  // Share of a journey's customers that fail: what its steps' services fail
  // (a ramp on a service ramps the journey too), most of them when one is down.
  const journeyFail = (j: Topology["journeys"][number], t: number): number => {
    let x = 0;
    for (const st of j.steps)
      for (const s of st.services)
        x += faulty(s, t, "hard") ? 0.3 + 0.3 * rng.next() : faultErr(s, t);
    return Math.min(0.9, x + 0.005 * rng.next());
  };

  const events: Event[] = [];
  // Some sources stamp whole seconds or ten seconds: equal times are common
  // then, and so are timers falling due together, which exercises every
  // tie-break of the event order.
  const grain = rng.pick([1, 1, 1_000, 10_000]);
  const jitter = () => rng.int(0, Math.min(tick - 1, 5_000));
  for (const f of faults)
    if (rng.chance(0.5))
      events.push(
        ev(f.start - rng.int(1, 10) * 60_000, {
          $case: "change",
          value: { service: f.service, kind: rng.int(1, 4), version: `v${seed}`, description: "" },
        }),
      );
  const openAlerts = new Map<string, { service: string; name: string; shared: boolean }>();
  let flap = false;
  for (let k = 0; k < ticks; k++) {
    const t = t0 + k * tick;
    flap = !flap;
    for (const s of [...services, ...ghosts]) {
      if (rng.chance(metricRate)) {
        const value = errAt(s, t);
        events.push(
          ev(t + jitter(), {
            $case: "metric",
            value: { service: s, metric: 1, customName: "", value },
          }),
        );
      }
      if (rng.chance(0.2)) {
        const slow = faulty(s, t, "latency") || faulty(s, t, "hard");
        const value = (slow ? 2_500 : 120) * (1 + 0.2 * rng.next());
        events.push(
          ev(t + jitter(), {
            $case: "metric",
            value: { service: s, metric: 2, customName: "", value },
          }),
        );
      }
      if (rng.chance(0.05)) {
        const metric = rng.pick([3, 4, 5]);
        const value = metric === 4 ? rng.int(0, 1000) : rng.next();
        const customName = metric === 5 ? "queue_depth" : "";
        events.push(
          ev(t + jitter(), { $case: "metric", value: { service: s, metric, customName, value } }),
        );
      }
      if (rng.chance(0.03)) {
        const deviceId = `dev${rng.int(0, 2)}`;
        events.push(
          ev(t + jitter(), {
            $case: "deviceTelemetry",
            value: {
              deviceId,
              service: s,
              metric: rng.pick([1, 2]),
              customName: "",
              value: rng.next() * 0.1,
            },
          }),
        );
      }
      if (rng.chance(0.15)) {
        let status = 1;
        if (faulty(s, t, "hard")) status = 3;
        else if (faulty(s, t, "flap")) status = flap ? 3 : 1;
        else if (faulty(s, t, "degrade") && rng.chance(0.5)) status = 2;
        events.push(
          ev(t + jitter(), { $case: "healthCheck", value: { service: s, status, message: "" } }),
        );
      }
      // Alerts: repeated fingerprints while a fault lasts, each resolved
      // some time after it ends, unrelated noise, and an explicit
      // fingerprint shared by services (now and then resolved on another
      // service than it fired on).
      const alerting = faulty(s, t, "hard") || faulty(s, t, "alerts");
      const alert = (service: string, name: string, shared: boolean, state: number) =>
        events.push(
          ev(t + jitter(), {
            $case: "alert",
            value: {
              service,
              name,
              severity: rng.int(1, 4),
              labels: { env: "prod" },
              state,
              fingerprint: shared ? "fp-shared" : "",
              summary: "",
            },
          }),
        );
      if ((alerting && rng.chance(0.5)) || rng.chance(0.01)) {
        const a = {
          name: rng.pick(["HighErrorRate", "Down", "Latency"]),
          shared: rng.chance(0.05),
        };
        alert(s, a.name, a.shared, 1);
        openAlerts.set(`${s} ${a.name} ${a.shared}`, { service: s, ...a });
      }
      for (const [key, a] of openAlerts) {
        if (a.service !== s || alerting || !rng.chance(0.4)) continue;
        alert(a.shared && rng.chance(0.3) ? rng.pick(services) : s, a.name, a.shared, 2);
        openAlerts.delete(key);
      }
      if (rng.chance(0.003)) alert(s, "Stray", false, 2); // resolution of an alert never seen
      if (rng.chance(0.005))
        events.push(
          ev(t + jitter(), {
            $case: "change",
            value: { service: s, kind: 1, version: `r${k}`, description: "" },
          }),
        );
    }
    for (const j of topology.journeys) {
      const fail = journeyFail(j, t);
      const hurt = fail > 0.05;
      if (j.customersPerMin > 0 && rng.chance(0.8)) {
        const started = Math.max(1, Math.round((j.customersPerMin * tick) / 60_000));
        const failed = Math.round(started * fail);
        const abandoned = Math.round(started * (hurt ? 0.2 * rng.next() : 0.02 * rng.next()));
        const last = j.steps[j.steps.length - 1]?.name ?? "step0";
        const signal = (step: string, outcome: number, count: number) =>
          events.push(
            ev(t + jitter(), {
              $case: "journeySignal",
              value: { journey: j.name, step, outcome, count },
            }),
          );
        signal("step0", 1, started);
        if (failed > 0 || rng.chance(0.3)) signal(last, 4, failed);
        if (abandoned > 0) signal(rng.pick([last, "step0", "elsewhere"]), 3, abandoned);
        signal(last, 2, Math.max(0, started - failed - abandoned));
      }
      if (rng.chance(feedbackRate)) {
        const nps = rng.chance(0.7);
        const score = nps
          ? Math.min(10, Math.max(0, Math.round((hurt ? 3 : 9) + 2 * (rng.next() - 0.5))))
          : Math.min(5, Math.max(1, Math.round((hurt ? 2 : 4.5) + rng.next() - 0.5)));
        events.push(
          ev(t + jitter(), {
            $case: "feedback",
            value: { journey: j.name, score, scale: nps ? 1 : 2, channel: "app", text: "" },
          }),
        );
      }
    }
    if (rng.chance(0.02))
      events.push(
        ev(t + jitter(), {
          $case: "journeySignal",
          value: { journey: "jghost", step: "", outcome: rng.int(1, 4), count: rng.int(0, 20) },
        }),
      );
  }
  // Actions stored with the stream, on the incidents faults are likely to open.
  if (faults.length > 0)
    for (let a = rng.int(0, 3); a > 0; a--) {
      const f = rng.pick(faults);
      let ts = Math.min(end, f.start + rng.int(0, 20) * 60_000);
      // Often at the very time of another event near the fault, where the
      // order of the two (actions first) decides the outcome.
      const near = events.filter((e) => e.tsUnixMs >= f.start && e.tsUnixMs < f.end + 5 * 60_000);
      if (near.length > 0 && rng.chance(0.6)) ts = rng.pick(near).tsUnixMs;
      events.push(actionEvent(ts, rng.int(1, faults.length + 1), rng.int(1, 2)));
    }
  // Arrival order: each event is delayed by less than the lateness bound, so
  // none is late; a few are delayed far beyond it.
  for (const e of events) {
    e.tsUnixMs = Math.max(grain, e.tsUnixMs - (e.tsUnixMs % grain));
    if (e.kind?.$case === "incidentAction") e.kind.value.actor = actorAt(e.tsUnixMs);
  }
  if (options.distinctTies) {
    const seen = new Set<string>();
    const tie = (e: Event): string | undefined =>
      e.kind?.$case === "incidentAction" ? `x ${e.tsUnixMs}` : undefined;
    const kept = events.filter((e) => {
      const key = tie(e);
      if (key === undefined) return true;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    events.splice(0, events.length, ...kept);
  }
  const keyed = events.map((e) => {
    let key = e.tsUnixMs + (lateness > 0 ? rng.int(0, lateness - 1) : 0);
    if (options.veryLate && rng.chance(0.01)) key += lateness + rng.int(1_000, 20 * 60_000);
    return { e, key };
  });
  keyed.sort((a, b) => a.key - b.key);
  const kase: RandomCase = { seed, topology, params, lateness, events: keyed.map((k) => k.e) };
  if (rng.chance(0.1)) {
    // Live topology change: a new random estate over the same names plus one.
    const next = randomTopology(rng, Math.min(n + 1, 8));
    kase.change = { at: rng.int(0, kase.events.length), topology: next };
  }
  return kase;
}

/** rearrive reorders events as another arrival order within the lateness bound. */
export function rearrive(events: readonly Event[], lateness: number, rng: Rng): Event[] {
  return events
    .map((e) => ({ e, key: e.tsUnixMs + (lateness > 0 ? rng.int(0, lateness - 1) : 0) }))
    .sort((a, b) => a.key - b.key)
    .map((k) => k.e);
}

/** batchSize draws a batch size: mostly small, sometimes large. */
export function batchSize(rng: Rng): number {
  const r = rng.next();
  if (r < 0.3) return rng.int(1, 3);
  if (r < 0.7) return rng.int(4, 30);
  if (r < 0.95) return rng.int(31, 200);
  return 100_000;
}
