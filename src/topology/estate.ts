// Estate is the read side of a topology: name lookups the pipeline makes per
// event or per incident, answered from maps built once. It never changes;
// discovered edges and unknown services make a new Estate, so a reader holding
// the old one (a batch in flight) sees a consistent graph.
import {
  type Dependency,
  DependencyKind,
  type Journey,
  type Service,
  type Team,
  type Topology,
} from "../gen/impactd/v1/topology.js";

const NONE: readonly never[] = Object.freeze([]);

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function unattached(name: string): Service {
  return { name, team: "", tier: 0, dependsOn: [], slo: undefined, kinds: [] };
}

/**
 * Estate is an immutable index over a Topology (assumed valid, see
 * validateTopology). Lookups are O(1) or O(degree); building one is O(size).
 */
export class Estate {
  /** The topology indexed, deep-frozen (a private copy of the one given). */
  readonly topology: Topology;
  /** Service names in declaration order; `serviceIndex` gives a name's position. */
  readonly services: readonly string[];
  /** Journey names in declaration order. */
  readonly journeys: readonly string[];
  /** Team names in declaration order. */
  readonly teams: readonly string[];

  private readonly serviceByName = new Map<string, { index: number; service: Service }>();
  private readonly dependentsByName = new Map<string, Dependency[]>();
  private readonly ownerByService = new Map<string, string>();
  private readonly journeyByName = new Map<string, Journey>();
  private readonly journeysByService = new Map<string, string[]>();
  private readonly teamByName = new Map<string, Team>();

  /** Builds the index over a private, frozen copy of `topology`. */
  constructor(topology: Topology) {
    this.topology = deepFreeze(structuredClone(topology));
    const t = this.topology;
    // First declaration wins on duplicates; validateTopology reports them.
    t.services.forEach((service, index) => {
      if (!this.serviceByName.has(service.name)) {
        this.serviceByName.set(service.name, { index, service });
      }
    });
    this.services = Object.freeze(t.services.map((s) => s.name));
    for (const s of t.services) {
      if (s.team !== "" && !this.ownerByService.has(s.name)) {
        this.ownerByService.set(s.name, s.team);
      }
      for (const d of s.dependsOn) {
        push(this.dependentsByName, d.service, { ...d, service: s.name });
      }
    }
    for (const team of t.teams) {
      if (!this.teamByName.has(team.name)) this.teamByName.set(team.name, team);
      for (const svc of team.services) {
        if (!this.ownerByService.has(svc)) this.ownerByService.set(svc, team.name);
      }
    }
    this.teams = Object.freeze(t.teams.map((x) => x.name));
    for (const j of t.journeys) {
      if (!this.journeyByName.has(j.name)) this.journeyByName.set(j.name, j);
      const members = new Set(j.steps.flatMap((s) => s.services));
      for (const svc of members) push(this.journeysByService, svc, j.name);
    }
    this.journeys = Object.freeze(t.journeys.map((j) => j.name));
    for (const list of this.dependentsByName.values()) deepFreeze(list);
    for (const list of this.journeysByService.values()) Object.freeze(list);
  }

  /** serviceIndex returns the position of `name` in `services`, or undefined when unknown. */
  serviceIndex(name: string): number | undefined {
    return this.serviceByName.get(name)?.index;
  }

  /** service returns the declaration of `name`, or undefined when unknown. */
  service(name: string): Service | undefined {
    return this.serviceByName.get(name)?.service;
  }

  /** hasService says whether `name` is a service of the estate. */
  hasService(name: string): boolean {
    return this.serviceByName.has(name);
  }

  /** dependencies returns the edges from `name` to the services it calls (configured and discovered). */
  dependencies(name: string): readonly Dependency[] {
    return this.serviceByName.get(name)?.service.dependsOn ?? NONE;
  }

  /**
   * dependents returns the edges into `name`, one per caller, in declaration
   * order; each edge's `service` is the caller and `kind` how it depends.
   */
  dependents(name: string): readonly Dependency[] {
    return this.dependentsByName.get(name) ?? NONE;
  }

  /** ownerOf returns the team owning `service` (its `team`, else a team listing it), or undefined. */
  ownerOf(service: string): string | undefined {
    return this.ownerByService.get(service);
  }

  /** team returns the declaration of team `name`, or undefined when unknown. */
  team(name: string): Team | undefined {
    return this.teamByName.get(name);
  }

  /** journeysOf returns the names of the journeys with a step that needs `service`, in declaration order. */
  journeysOf(service: string): readonly string[] {
    return this.journeysByService.get(service) ?? NONE;
  }

  /** journey returns the declaration of journey `name`, or undefined when unknown. */
  journey(name: string): Journey | undefined {
    return this.journeyByName.get(name);
  }

  /** withDiscoveredEdge returns an estate with the edge from → to; see withDiscoveredEdges. */
  withDiscoveredEdge(from: string, to: string): Estate {
    return this.withDiscoveredEdges([[from, to]]);
  }

  /**
   * withDiscoveredEdges returns an estate with each edge (caller, callee) seen
   * in traces added as a discovered dependency, or this estate when none is
   * new. Unknown endpoints are added as unattached services first. Self-calls
   * are ignored. Batch edges when you can: each new estate costs O(size).
   */
  withDiscoveredEdges(edges: Iterable<readonly [from: string, to: string]>): Estate {
    const added = new Map<string, Dependency[]>();
    const newServices = new Set<string>();
    for (const [from, to] of edges) {
      if (from === to) continue;
      const pending = added.get(from) ?? [];
      if (
        this.dependencies(from).some((d) => d.service === to) ||
        pending.some((d) => d.service === to)
      )
        continue;
      for (const name of [from, to]) if (!this.serviceByName.has(name)) newServices.add(name);
      // A trace cannot tell a hard dependency from a soft one; hard is impactd.v1's default.
      pending.push({ service: to, kind: DependencyKind.DEPENDENCY_KIND_HARD, discovered: true });
      added.set(from, pending);
    }
    if (added.size === 0) return this;
    const services = [...this.topology.services, ...[...newServices].map(unattached)].map((s) => {
      const extra = added.get(s.name);
      return extra === undefined ? s : { ...s, dependsOn: [...s.dependsOn, ...extra] };
    });
    return new Estate({ ...this.topology, services });
  }

  /** withUnattachedService returns an estate with `name` added (no team, no edges), or this one if known. */
  withUnattachedService(name: string): Estate {
    return this.withUnattachedServices([name]);
  }

  /**
   * withUnattachedServices returns an estate with each unknown name added at
   * the end (so existing service indexes do not move), or this estate when all
   * are known.
   */
  withUnattachedServices(names: Iterable<string>): Estate {
    const fresh = [...new Set(names)].filter((n) => !this.serviceByName.has(n));
    if (fresh.length === 0) return this;
    return new Estate({
      ...this.topology,
      services: [...this.topology.services, ...fresh.map(unattached)],
    });
  }
}
