// Semantic checks of a topology. Shared by the file loader (which adds line
// numbers) and PutTopology (which has none), so an estate is held to the same
// rules however it arrives. Paths use the proto/file field names (snake_case)
// because those are what an operator wrote or sent.
import { ImpactdError } from "../errors.js";
import {
  DependencyKind,
  NotificationTargetKind,
  type Team,
  type Topology,
} from "../gen/impactd/v1/topology.js";

/** TopologyIssue is one problem with a topology, at a key path and, for files, a position. */
export interface TopologyIssue {
  /** Key path such as `services[3].depends_on[1]`; empty for the document as a whole. */
  path: string;
  message: string;
  /** 1-based line in the source file, when the topology came from one. */
  line?: number;
  /** 1-based column in the source file, when the topology came from one. */
  column?: number;
}

/** TOPOLOGY_NAME_PATTERN is what service, journey, step, team and kind names must match. */
// Same rule as event names (src/pipeline/validate.ts), so every service an event
// can name is a service a topology can declare.
export const TOPOLOGY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

/** MAX_TIER is the least critical tier; 0 means unset. */
export const MAX_TIER = 4;

const MAX_LATENCY_MS = 3_600_000; // an hour: anything above is a unit mistake
const MAX_CUSTOMERS_PER_MIN = 1e9; // far above any real journey; catches unit mistakes
const MAX_SLO_WINDOW_DAYS = 366;
// Messages list at most this many issues; the full list stays on `issues`.
const MAX_ISSUES_IN_MESSAGE = 50;

/** formatIssue renders an issue as `file:line:col: path: message`, omitting what is unknown. */
export function formatIssue(issue: TopologyIssue, filename?: string): string {
  let where = filename ?? "";
  if (issue.line !== undefined) {
    where += `${where === "" ? "line " : ":"}${issue.line}`;
    if (issue.column !== undefined) where += `:${issue.column}`;
  }
  const parts = [where, issue.path, issue.message].filter((p) => p !== "");
  return parts.join(": ");
}

/** TopologyError reports every problem found in a topology file or PutTopology request. */
export class TopologyError extends ImpactdError {
  readonly issues: readonly TopologyIssue[];
  /** The file the topology came from, when it came from one. */
  readonly filename: string | undefined;

  constructor(
    issues: readonly TopologyIssue[],
    filename?: string,
    options: { cause?: unknown } = {},
  ) {
    const shown = issues
      .slice(0, MAX_ISSUES_IN_MESSAGE)
      .map((i) => `  ${formatIssue(i, filename)}`);
    if (issues.length > shown.length) shown.push(`  ... and ${issues.length - shown.length} more`);
    const source = filename === undefined ? "" : ` in ${filename}`;
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    super(
      "INVALID_TOPOLOGY",
      [`invalid topology${source} (${count}):`, ...shown].join("\n"),
      options,
    );
    this.issues = issues;
    this.filename = filename;
  }
}

/** assertValidTopology throws a TopologyError listing every issue validateTopology finds. */
export function assertValidTopology(t: Topology): void {
  const issues = validateTopology(t);
  if (issues.length > 0) throw new TopologyError(issues);
}

function checkName(value: string, path: string, what: string, out: TopologyIssue[]): boolean {
  if (value === "") {
    out.push({ path, message: `${what} name is empty` });
    return false;
  }
  if (!TOPOLOGY_NAME_PATTERN.test(value)) {
    out.push({
      path,
      message: `${what} name ${JSON.stringify(value.slice(0, 64))} is not valid (a letter or digit, then letters, digits, ._:/- and at most 128 characters)`,
    });
    return false;
  }
  return true;
}

/** Records names in declaration order and reports the second use of any. */
function checkUnique(
  seen: Map<string, string>,
  value: string,
  path: string,
  what: string,
  out: TopologyIssue[],
): void {
  const first = seen.get(value);
  if (first !== undefined) {
    out.push({ path, message: `duplicate ${what} ${JSON.stringify(value)} (first at ${first})` });
  } else {
    seen.set(value, path);
  }
}

function checkServices(
  t: Topology,
  services: Set<string>,
  teams: Set<string>,
  out: TopologyIssue[],
): void {
  const seen = new Map<string, string>();
  t.services.forEach((s, i) => {
    const at = `services[${i}]`;
    if (checkName(s.name, `${at}.name`, "service", out)) {
      checkUnique(seen, s.name, `${at}.name`, "service", out);
    }
    if (
      s.team !== "" &&
      checkName(s.team, `${at}.team`, "team", out) &&
      teams.size > 0 &&
      !teams.has(s.team)
    ) {
      out.push({ path: `${at}.team`, message: `unknown team ${JSON.stringify(s.team)}` });
    }
    if (!Number.isInteger(s.tier) || s.tier < 0 || s.tier > MAX_TIER) {
      out.push({
        path: `${at}.tier`,
        message: `tier must be an integer from 1 to ${MAX_TIER} (0 = unset), got ${s.tier}`,
      });
    }
    s.kinds.forEach((k, j) => {
      checkName(k, `${at}.kinds[${j}]`, "kind", out);
    });
    const deps = new Map<string, string>();
    s.dependsOn.forEach((d, j) => {
      const dp = `${at}.depends_on[${j}]`;
      if (d.service === "") {
        out.push({ path: dp, message: "dependency names no service" });
      } else if (d.service === s.name) {
        out.push({ path: dp, message: `service ${JSON.stringify(s.name)} depends on itself` });
      } else if (!services.has(d.service)) {
        out.push({ path: dp, message: `unknown service ${JSON.stringify(d.service)}` });
      } else {
        checkUnique(deps, d.service, dp, "dependency on", out);
      }
      if (
        d.kind !== DependencyKind.DEPENDENCY_KIND_UNSPECIFIED &&
        d.kind !== DependencyKind.DEPENDENCY_KIND_HARD &&
        d.kind !== DependencyKind.DEPENDENCY_KIND_SOFT
      ) {
        out.push({
          path: `${dp}.kind`,
          message: `unknown dependency kind ${d.kind} (expected hard or soft)`,
        });
      }
    });
    if (s.slo !== undefined) {
      // Zero means "use the default" in impactd.v1, so only other values are checked.
      const { errorRate, latencyP99Ms } = s.slo;
      if (errorRate !== 0 && !(Number.isFinite(errorRate) && errorRate > 0 && errorRate <= 1)) {
        out.push({
          path: `${at}.slo.error_rate`,
          message: `error_rate must be in (0, 1], got ${errorRate}`,
        });
      }
      if (
        latencyP99Ms !== 0 &&
        !(Number.isFinite(latencyP99Ms) && latencyP99Ms > 0 && latencyP99Ms <= MAX_LATENCY_MS)
      ) {
        out.push({
          path: `${at}.slo.latency_p99_ms`,
          message: `latency_p99_ms must be in (0, ${MAX_LATENCY_MS}] milliseconds, got ${latencyP99Ms}`,
        });
      }
    }
  });
}

function checkJourneys(t: Topology, services: Set<string>, out: TopologyIssue[]): void {
  const seen = new Map<string, string>();
  t.journeys.forEach((j, i) => {
    const at = `journeys[${i}]`;
    if (checkName(j.name, `${at}.name`, "journey", out)) {
      checkUnique(seen, j.name, `${at}.name`, "journey", out);
    }
    const cpm = j.customersPerMin;
    if (!(Number.isFinite(cpm) && cpm >= 0 && cpm <= MAX_CUSTOMERS_PER_MIN)) {
      out.push({
        path: `${at}.customers_per_min`,
        message: `customers_per_min must be in [0, ${MAX_CUSTOMERS_PER_MIN}], got ${cpm}`,
      });
    }
    if (!(Number.isFinite(j.sloTarget) && j.sloTarget > 0 && j.sloTarget < 1)) {
      out.push({
        path: `${at}.slo_target`,
        message: `slo_target must be a success ratio in (0, 1), e.g. 0.995, got ${j.sloTarget}`,
      });
    }
    const w = j.sloWindowDays;
    if (!Number.isInteger(w) || w < 0 || w > MAX_SLO_WINDOW_DAYS) {
      out.push({
        path: `${at}.slo_window_days`,
        message: `slo_window_days must be an integer from 1 to ${MAX_SLO_WINDOW_DAYS} (0 = 30), got ${w}`,
      });
    }
    if (j.steps.length === 0) out.push({ path: `${at}.steps`, message: "journey has no steps" });
    const steps = new Map<string, string>();
    j.steps.forEach((step, k) => {
      const sp = `${at}.steps[${k}]`;
      if (checkName(step.name, `${sp}.name`, "step", out)) {
        checkUnique(steps, step.name, `${sp}.name`, "step", out);
      }
      if (step.services.length === 0)
        out.push({ path: `${sp}.services`, message: "step needs at least one service" });
      step.services.forEach((svc, m) => {
        if (!services.has(svc))
          out.push({
            path: `${sp}.services[${m}]`,
            message: `unknown service ${JSON.stringify(svc)}`,
          });
      });
    });
  });
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const MAX_TIERS = 8;

// Escalation tiers, notification targets and quiet hours of one team.
function checkTeamPolicy(team: Team, at: string, out: TopologyIssue[]): void {
  if (team.escalation.length > MAX_TIERS) {
    out.push({
      path: `${at}.escalation`,
      message: `has ${team.escalation.length} tiers (at most ${MAX_TIERS})`,
    });
  }
  const targets = new Set(team.notify.map((n) => n.name));
  team.escalation.forEach((tier, k) => {
    const tp = `${at}.escalation[${k}]`;
    if (
      !Number.isInteger(tier.delayMinutes) ||
      tier.delayMinutes < 1 ||
      tier.delayMinutes > 7 * 24 * 60
    ) {
      out.push({
        path: `${tp}.delay_minutes`,
        message: `must be a whole number of minutes from 1 to 10080, got ${tier.delayMinutes}`,
      });
    }
    if (tier.target === "")
      out.push({ path: `${tp}.target`, message: "is empty (an on-call handle or a team)" });
    if (tier.channel !== "" && !targets.has(tier.channel)) {
      out.push({
        path: `${tp}.channel`,
        message: `names no notification target of team ${JSON.stringify(team.name)}`,
      });
    }
  });
  const names = new Map<string, string>();
  team.notify.forEach((n, k) => {
    const np = `${at}.notify[${k}]`;
    if (checkName(n.name, `${np}.name`, "notification target", out))
      checkUnique(names, n.name, `${np}.name`, "notification target", out);
    if (n.kind === NotificationTargetKind.NOTIFICATION_TARGET_KIND_UNSPECIFIED) {
      out.push({
        path: `${np}.kind`,
        message: "is missing (alertmanager_webhook, pagerduty or nats)",
      });
    } else if (n.kind === NotificationTargetKind.NOTIFICATION_TARGET_KIND_NATS) {
      if (n.subject === "")
        out.push({ path: `${np}.subject`, message: "is required for a nats target" });
    } else if (!/^https?:\/\/\S+$/.test(n.url)) {
      out.push({
        path: `${np}.url`,
        message: `must be an http(s) URL, got ${JSON.stringify(n.url)}`,
      });
    }
  });
  if (!Number.isFinite(team.pageTier2AboveCpm) || team.pageTier2AboveCpm < 0) {
    out.push({ path: `${at}.page_tier2_above_cpm`, message: "must be a number >= 0" });
  }
  const q = team.quietHours;
  if (q !== undefined) {
    if (!HHMM.test(q.start))
      out.push({
        path: `${at}.quiet_hours.start`,
        message: `must be HH:MM, got ${JSON.stringify(q.start)}`,
      });
    if (!HHMM.test(q.end))
      out.push({
        path: `${at}.quiet_hours.end`,
        message: `must be HH:MM, got ${JSON.stringify(q.end)}`,
      });
    if (q.timezone !== "") {
      try {
        new Intl.DateTimeFormat("en", { timeZone: q.timezone });
      } catch {
        out.push({
          path: `${at}.quiet_hours.timezone`,
          message: `unknown time zone ${JSON.stringify(q.timezone)}`,
        });
      }
    }
  }
}

function checkTeams(t: Topology, services: Set<string>, out: TopologyIssue[]): void {
  const seen = new Map<string, string>();
  // Ownership must be unambiguous: routing sends an incident to exactly one team.
  const declared = new Map<string, string>();
  for (const s of t.services) {
    if (s.team !== "" && !declared.has(s.name)) declared.set(s.name, s.team);
  }
  const listedBy = new Map<string, string>();
  t.teams.forEach((team, i) => {
    const at = `teams[${i}]`;
    if (checkName(team.name, `${at}.name`, "team", out)) {
      checkUnique(seen, team.name, `${at}.name`, "team", out);
    }
    team.skills.forEach((skill, k) => {
      checkName(skill, `${at}.skills[${k}]`, "skill", out);
    });
    checkTeamPolicy(team, at, out);
    team.services.forEach((svc, k) => {
      const sp = `${at}.services[${k}]`;
      if (!services.has(svc)) {
        out.push({ path: sp, message: `unknown service ${JSON.stringify(svc)}` });
        return;
      }
      const owner = declared.get(svc);
      const other = listedBy.get(svc);
      if (owner !== undefined && owner !== team.name) {
        out.push({
          path: sp,
          message: `service ${JSON.stringify(svc)} names team ${JSON.stringify(owner)} as its owner`,
        });
      } else if (other !== undefined && other !== team.name) {
        out.push({
          path: sp,
          message: `service ${JSON.stringify(svc)} is already owned by team ${JSON.stringify(other)}`,
        });
      } else {
        listedBy.set(svc, team.name);
      }
    });
  });
}

/**
 * validateTopology returns every semantic problem of `t`: bad or duplicate
 * names, references to unknown services or teams, out-of-range values and
 * ambiguous ownership. Dependency cycles are allowed: real estates have them.
 */
export function validateTopology(t: Topology): TopologyIssue[] {
  const out: TopologyIssue[] = [];
  const services = new Set(t.services.map((s) => s.name));
  const teams = new Set(t.teams.map((x) => x.name));
  checkServices(t, services, teams, out);
  checkJourneys(t, services, out);
  checkTeams(t, services, out);
  return out;
}
