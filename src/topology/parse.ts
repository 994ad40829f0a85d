// Reading a topology file (YAML or JSON, snake_case keys) into impactd.v1
// Topology. Shape errors (unknown keys, wrong types) are found here; meaning
// errors by validateTopology. Both are reported together, each at the file
// line of the key path it names, so one run shows an operator every mistake.
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { type Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import { InvalidArgumentError } from "../errors.js";
import {
  type Dependency,
  DependencyKind,
  type EscalationTier,
  type Journey,
  type JourneyStep,
  type NotificationTarget,
  NotificationTargetKind,
  type Service,
  type Slo,
  type Team,
  type Topology,
} from "../gen/impactd/v1/topology.js";
import { TopologyError, type TopologyIssue, validateTopology } from "./validate.js";

/** TopologyFormat is the syntax of a topology file. */
export type TopologyFormat = "yaml" | "json";

/** ParseTopologyOptions say where the text came from and how to read it. */
export interface ParseTopologyOptions {
  /** Named in every error; its extension picks the format when `format` is not given. */
  filename?: string;
  /** @default inferred from `filename` (".json" → json), else "yaml" */
  format?: TopologyFormat;
}

type Segment = string | number;
type Obj = Record<string, unknown>;

interface RawIssue {
  path: Segment[];
  message: string;
}

const SERVICE_KEYS = ["name", "team", "tier", "kinds", "depends_on", "slo"];
const DEPENDENCY_KEYS = ["service", "kind"];
const SLO_KEYS = ["error_rate", "latency_p99_ms"];
const JOURNEY_KEYS = ["name", "customers_per_min", "slo_target", "slo_window_days", "steps"];
const STEP_KEYS = ["name", "services"];
const TEAM_KEYS = [
  "name",
  "skills",
  "services",
  "escalation",
  "notify",
  "fallback",
  "page_tier2_above_cpm",
  "quiet_hours",
];
const TIER_KEYS = ["delay_minutes", "target", "channel"];
const TARGET_KEYS = ["name", "kind", "url", "subject", "routing_key"];
const QUIET_KEYS = ["start", "end", "timezone"];
const TARGET_KINDS: Record<string, NotificationTargetKind> = {
  alertmanager_webhook: NotificationTargetKind.NOTIFICATION_TARGET_KIND_ALERTMANAGER_WEBHOOK,
  pagerduty: NotificationTargetKind.NOTIFICATION_TARGET_KIND_PAGERDUTY,
  nats: NotificationTargetKind.NOTIFICATION_TARGET_KIND_NATS,
};
const TOP_KEYS = ["services", "journeys", "teams"];

/** formatPath renders key path segments as `services[3].depends_on[1]`. */
function formatPath(path: readonly Segment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** parsePath is the inverse of formatPath, for issues found by validateTopology. */
function parsePath(path: string): Segment[] {
  const out: Segment[] = [];
  for (const m of path.matchAll(/\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|([^.[\]]+)/g)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(m[2]) as string);
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, (prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `string ${JSON.stringify(value.slice(0, 64))}`;
  return `${typeof value} ${String(value)}`;
}

/** Reader converts plain JS values (from the YAML document) and collects shape problems. */
class Reader {
  readonly issues: RawIssue[] = [];

  private problem(path: Segment[], message: string): undefined {
    this.issues.push({ path, message });
    return undefined;
  }

  obj(
    value: unknown,
    path: Segment[],
    allowed: readonly string[],
    required: readonly string[] = [],
  ): Obj | undefined {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return this.problem(path, `expected a mapping, got ${describe(value)}`);
    }
    const o = value as Obj;
    for (const key of Object.keys(o)) {
      if (allowed.includes(key)) continue;
      const near = allowed.find((k) => editDistance(k, key) <= 2);
      const hint =
        near === undefined ? `expected one of ${allowed.join(", ")}` : `did you mean "${near}"?`;
      this.problem([...path, key], `unknown key ${JSON.stringify(key)} (${hint})`);
    }
    for (const key of required) {
      if (o[key] === undefined || o[key] === null) {
        this.problem([...path, key], `missing required key "${key}"`);
      }
    }
    return o;
  }

  /** list returns [] for an absent or empty (null) key so `kinds:` with nothing after it is fine. */
  list(value: unknown, path: Segment[]): unknown[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    this.problem(path, `expected a list, got ${describe(value)}`);
    return [];
  }

  str(value: unknown, path: Segment[]): string {
    if (value === undefined || value === null) return "";
    if (typeof value === "string") return value;
    // YAML reads `name: 007` as the number 7; quoting keeps what was meant.
    const hint = typeof value === "number" || typeof value === "boolean" ? " (quote it)" : "";
    this.problem(path, `expected a string, got ${describe(value)}${hint}`);
    return "";
  }

  /** num reads a number; `positive` rejects an explicit 0, which impactd.v1 would read as "default". */
  num(value: unknown, path: Segment[], positive = false): number {
    if (value === undefined || value === null) return 0;
    if (typeof value !== "number") {
      this.problem(path, `expected a number, got ${describe(value)}`);
      return 0;
    }
    if (positive && value === 0) {
      this.problem(path, "must be greater than 0 (leave the key out to use the default)");
    }
    return value;
  }

  strings(value: unknown, path: Segment[]): string[] {
    return this.list(value, path).map((v, i) => this.str(v, [...path, i]));
  }
}

function readDependency(r: Reader, value: unknown, path: Segment[]): Dependency {
  const dep: Dependency = {
    service: "",
    kind: DependencyKind.DEPENDENCY_KIND_HARD,
    discovered: false,
  };
  if (typeof value === "string") return { ...dep, service: value };
  const o = r.obj(value, path, DEPENDENCY_KEYS, ["service"]);
  if (o === undefined) return dep;
  dep.service = r.str(o.service, [...path, "service"]);
  const kind = r.str(o.kind, [...path, "kind"]);
  if (kind === "soft") dep.kind = DependencyKind.DEPENDENCY_KIND_SOFT;
  else if (kind !== "" && kind !== "hard") {
    r.issues.push({
      path: [...path, "kind"],
      message: `unknown dependency kind ${JSON.stringify(kind)} (expected hard or soft)`,
    });
  }
  return dep;
}

function readService(r: Reader, value: unknown, path: Segment[]): Service {
  const svc: Service = { name: "", team: "", tier: 0, dependsOn: [], slo: undefined, kinds: [] };
  const o = r.obj(value, path, SERVICE_KEYS, ["name"]);
  if (o === undefined) return svc;
  svc.name = r.str(o.name, [...path, "name"]);
  svc.team = r.str(o.team, [...path, "team"]);
  svc.tier = r.num(o.tier, [...path, "tier"]);
  svc.kinds = r.strings(o.kinds, [...path, "kinds"]);
  svc.dependsOn = r
    .list(o.depends_on, [...path, "depends_on"])
    .map((d, i) => readDependency(r, d, [...path, "depends_on", i]));
  if (o.slo !== undefined && o.slo !== null) {
    const sp = [...path, "slo"];
    const s = r.obj(o.slo, sp, SLO_KEYS);
    const slo: Slo = { errorRate: 0, latencyP99Ms: 0 };
    if (s !== undefined) {
      slo.errorRate = r.num(s.error_rate, [...sp, "error_rate"], true);
      slo.latencyP99Ms = r.num(s.latency_p99_ms, [...sp, "latency_p99_ms"], true);
    }
    svc.slo = slo;
  }
  return svc;
}

function readStep(r: Reader, value: unknown, path: Segment[]): JourneyStep {
  const o = r.obj(value, path, STEP_KEYS, ["name", "services"]);
  if (o === undefined) return { name: "", services: [] };
  return {
    name: r.str(o.name, [...path, "name"]),
    services: r.strings(o.services, [...path, "services"]),
  };
}

function readJourney(r: Reader, value: unknown, path: Segment[]): Journey {
  const j: Journey = { name: "", steps: [], customersPerMin: 0, sloTarget: 0, sloWindowDays: 0 };
  const o = r.obj(value, path, JOURNEY_KEYS, ["name", "slo_target", "steps"]);
  if (o === undefined) return j;
  j.name = r.str(o.name, [...path, "name"]);
  j.customersPerMin = r.num(o.customers_per_min, [...path, "customers_per_min"]);
  j.sloTarget = r.num(o.slo_target, [...path, "slo_target"]);
  j.sloWindowDays = r.num(o.slo_window_days, [...path, "slo_window_days"], true);
  j.steps = r
    .list(o.steps, [...path, "steps"])
    .map((s, i) => readStep(r, s, [...path, "steps", i]));
  return j;
}

function readTier(r: Reader, value: unknown, path: Segment[]): EscalationTier {
  const o = r.obj(value, path, TIER_KEYS, ["delay_minutes", "target"]);
  if (o === undefined) return { delayMinutes: 0, target: "", channel: "" };
  return {
    delayMinutes: r.num(o.delay_minutes, [...path, "delay_minutes"]),
    target: r.str(o.target, [...path, "target"]),
    channel: r.str(o.channel, [...path, "channel"]),
  };
}

function readTarget(r: Reader, value: unknown, path: Segment[]): NotificationTarget {
  const t: NotificationTarget = {
    name: "",
    kind: NotificationTargetKind.NOTIFICATION_TARGET_KIND_UNSPECIFIED,
    url: "",
    subject: "",
    routingKey: "",
  };
  const o = r.obj(value, path, TARGET_KEYS, ["name", "kind"]);
  if (o === undefined) return t;
  t.name = r.str(o.name, [...path, "name"]);
  const kind = r.str(o.kind, [...path, "kind"]);
  const k = TARGET_KINDS[kind];
  if (k === undefined) {
    if (kind !== "") {
      r.issues.push({
        path: [...path, "kind"],
        message: `unknown notification kind ${JSON.stringify(kind)} (expected ${Object.keys(TARGET_KINDS).join(", ")})`,
      });
    }
  } else {
    t.kind = k;
  }
  t.url = r.str(o.url, [...path, "url"]);
  t.subject = r.str(o.subject, [...path, "subject"]);
  t.routingKey = r.str(o.routing_key, [...path, "routing_key"]);
  return t;
}

function readTeam(r: Reader, value: unknown, path: Segment[]): Team {
  const team: Team = {
    name: "",
    skills: [],
    services: [],
    escalation: [],
    notify: [],
    fallback: false,
    pageTier2AboveCpm: 0,
    quietHours: undefined,
  };
  const o = r.obj(value, path, TEAM_KEYS, ["name"]);
  if (o === undefined) return team;
  team.name = r.str(o.name, [...path, "name"]);
  team.skills = r.strings(o.skills, [...path, "skills"]);
  team.services = r.strings(o.services, [...path, "services"]);
  team.escalation = r
    .list(o.escalation, [...path, "escalation"])
    .map((x, i) => readTier(r, x, [...path, "escalation", i]));
  team.notify = r
    .list(o.notify, [...path, "notify"])
    .map((x, i) => readTarget(r, x, [...path, "notify", i]));
  if (o.fallback !== undefined && o.fallback !== null) {
    if (typeof o.fallback === "boolean") team.fallback = o.fallback;
    else
      r.issues.push({
        path: [...path, "fallback"],
        message: `expected true or false, got ${describe(o.fallback)}`,
      });
  }
  team.pageTier2AboveCpm = r.num(o.page_tier2_above_cpm, [...path, "page_tier2_above_cpm"], true);
  if (o.quiet_hours !== undefined && o.quiet_hours !== null) {
    const qp = [...path, "quiet_hours"];
    const q = r.obj(o.quiet_hours, qp, QUIET_KEYS, ["start", "end"]);
    if (q !== undefined) {
      team.quietHours = {
        start: r.str(q.start, [...qp, "start"]),
        end: r.str(q.end, [...qp, "end"]),
        timezone: r.str(q.timezone, [...qp, "timezone"]),
      };
    }
  }
  return team;
}

/** Builds the topology from plain values; elements that fail keep a placeholder so indexes in paths still match the file. */
function readTopology(r: Reader, value: unknown): Topology {
  const t: Topology = { services: [], journeys: [], teams: [] };
  if (value === null || value === undefined) {
    r.issues.push({ path: [], message: `the file is empty (expected ${TOP_KEYS.join(", ")})` });
    return t;
  }
  const o = r.obj(value, [], TOP_KEYS);
  if (o === undefined) return t;
  t.services = r.list(o.services, ["services"]).map((s, i) => readService(r, s, ["services", i]));
  t.journeys = r.list(o.journeys, ["journeys"]).map((j, i) => readJourney(r, j, ["journeys", i]));
  t.teams = r.list(o.teams, ["teams"]).map((x, i) => readTeam(r, x, ["teams", i]));
  return t;
}

/**
 * Finds the source offset of a key path: the key itself when the path ends at
 * a mapping key, else the item. A path that runs past the document (a missing
 * key) stops at its deepest existing ancestor.
 */
function locate(doc: Document, path: readonly Segment[]): number {
  let node: unknown = doc.contents;
  let offset = (isScalar(node) || isMap(node) || isSeq(node) ? node.range?.[0] : undefined) ?? 0;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node) && typeof seg === "string") {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
      if (pair === undefined || !isScalar(pair.key)) break;
      offset = pair.key.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg];
      if (!(isScalar(item) || isMap(item) || isSeq(item) || isAlias(item))) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

function inferFormat(filename: string | undefined): TopologyFormat {
  return filename !== undefined && extname(filename).toLowerCase() === ".json" ? "json" : "yaml";
}

/** Drops semantic issues at or below a path that already has a shape issue: they would only repeat it. */
function isShadowed(path: string, shapePaths: ReadonlySet<string>): boolean {
  for (let p = path; ; ) {
    if (shapePaths.has(p)) return true;
    const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
    if (cut <= 0) return false;
    p = p.slice(0, cut);
  }
}

/**
 * parseTopology reads a YAML or JSON topology and returns it, or throws one
 * TopologyError listing every problem with its file, line, column and key path.
 */
export function parseTopology(text: string, opts: ParseTopologyOptions = {}): Topology {
  const { filename } = opts;
  const format = opts.format ?? inferFormat(filename);
  const lineCounter = new LineCounter();
  // YAML 1.2 reads JSON too; the json schema keeps a .json file to JSON's own scalars.
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    schema: format === "json" ? "json" : "core",
  });
  const at = (offset: number): { line: number; column: number } => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    // The tree is unreliable after a syntax error, so report only those.
    const issues = doc.errors.map((e) => ({ path: "", message: e.message, ...at(e.pos[0]) }));
    throw new TopologyError(issues, filename);
  }
  let value: unknown;
  try {
    // The alias cap stops a "billion laughs" file from expanding without bound.
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new TopologyError([{ path: "", message: (err as Error).message }], filename, {
      cause: err,
    });
  }
  const reader = new Reader();
  const topology = readTopology(reader, value);
  const shape = reader.issues.map((i) => ({
    path: formatPath(i.path),
    message: i.message,
    ...at(locate(doc, i.path)),
  }));
  const shapePaths = new Set(shape.map((i) => i.path));
  const meaning = validateTopology(topology)
    .filter((i) => !isShadowed(i.path, shapePaths))
    .map((i) => ({ ...i, ...at(locate(doc, parsePath(i.path))) }));
  const issues: TopologyIssue[] = [...shape, ...meaning].sort(
    (a, b) => a.line - b.line || a.column - b.column,
  );
  if (issues.length > 0) throw new TopologyError(issues, filename);
  return topology;
}

/** loadTopologyFile reads and parses the topology file at `path` (format from its extension). */
export function loadTopologyFile(path: string): Topology {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new InvalidArgumentError(`cannot read topology file ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parseTopology(text, { filename: path });
}
