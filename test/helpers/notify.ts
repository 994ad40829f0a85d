// Shared pieces of the notification tests: incidents and teams built by
// hand, an in-memory outbox, and a webhook receiver on 127.0.0.1.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type Incident,
  IncidentKind,
  IncidentSeverity,
  IncidentStatus,
  type Page,
} from "../../src/gen/impactd/v1/incident.js";
import {
  type EscalationTier,
  type NotificationTarget,
  NotificationTargetKind,
  type Team,
} from "../../src/gen/impactd/v1/topology.js";
import type { NotificationStore } from "../../src/notify/outbox.js";
import type { NotificationRow } from "../../src/notify/rows.js";

/** T0 is a fixed event time for hand-made incidents. */
export const T0 = Date.UTC(2026, 10, 2, 12, 0, 0);

/** incident builds an open, routed incident version; fields override. */
export function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: "inc-1",
    tenant: "default",
    status: IncidentStatus.INCIDENT_STATUS_OPEN,
    severity: IncidentSeverity.INCIDENT_SEVERITY_HIGH,
    title: "db down; 2 services affected",
    openedUnixMs: T0,
    updatedUnixMs: T0,
    acknowledgedUnixMs: 0,
    mitigatedUnixMs: 0,
    resolvedUnixMs: 0,
    services: ["db", "web"],
    rootCauses: [{ service: "db", rank: 1, score: 4, reason: "down", change: "" }],
    journeys: [],
    alertCount: 2,
    version: 1,
    team: "data",
    mergedInto: "",
    acknowledgedBy: "",
    resolvedBy: "",
    kind: IncidentKind.INCIDENT_KIND_SERVICE,
    experience: [],
    reopened: false,
    peakCustomersAffectedPerMin: 0,
    routingReason: "owns db (skill match: database)",
    failureKinds: ["database"],
    pages: [page(0, T0)],
    ...over,
  };
}

/** page is a page of team data's policy. */
export function page(tier: number, at: number, over: Partial<Page> = {}): Page {
  return {
    team: "data",
    tier,
    target: `@d${tier + 1}`,
    channel: tier === 1 ? "pd" : "",
    cause: tier === 0 ? "routed" : "not acknowledged in time",
    atUnixMs: at,
    ...over,
  };
}

/** target builds a notification target. */
export function target(
  name: string,
  kind: "am" | "pd" | "nats",
  address: string,
): NotificationTarget {
  return {
    name,
    kind:
      kind === "am"
        ? NotificationTargetKind.NOTIFICATION_TARGET_KIND_ALERTMANAGER_WEBHOOK
        : kind === "pd"
          ? NotificationTargetKind.NOTIFICATION_TARGET_KIND_PAGERDUTY
          : NotificationTargetKind.NOTIFICATION_TARGET_KIND_NATS,
    url: kind === "nats" ? "" : address,
    subject: kind === "nats" ? address : "",
    routingKey: kind === "pd" ? "0123456789abcdef0123456789abcdef" : "",
  };
}

/** team builds a team with targets and tiers. */
export function team(
  name: string,
  notify: NotificationTarget[],
  escalation: EscalationTier[],
  over: Partial<Team> = {},
): Team {
  return {
    name,
    skills: [],
    services: [],
    escalation,
    notify,
    fallback: false,
    pageTier2AboveCpm: 0,
    quietHours: undefined,
    ...over,
  };
}

/** dataTeams is team data (targets am and pd; tier 2 pages through pd) and team front (target fam). */
export function dataTeams(base = "http://127.0.0.1:9"): Team[] {
  return [
    team(
      "data",
      [target("am", "am", `${base}/am`), target("pd", "pd", `${base}/pd`)],
      [
        { delayMinutes: 5, target: "@d1", channel: "" },
        { delayMinutes: 10, target: "@d2", channel: "pd" },
      ],
    ),
    team(
      "front",
      [target("fam", "am", `${base}/front`)],
      [{ delayMinutes: 5, target: "@f1", channel: "" }],
    ),
  ];
}

/** MemoryStore is an outbox in memory, keeping every revision. */
export class MemoryStore implements NotificationStore {
  readonly revisions: NotificationRow[] = [];
  closed = false;

  async write(rows: readonly NotificationRow[]): Promise<void> {
    this.revisions.push(...rows.map((r) => ({ ...r })));
  }

  /** latest is the newest revision of every notification, in creation order. */
  latest(): NotificationRow[] {
    const by = new Map<string, NotificationRow>();
    for (const r of this.revisions) {
      const seen = by.get(r.notification_id);
      if (seen === undefined || r.revision >= seen.revision) by.set(r.notification_id, r);
    }
    return [...by.values()].sort((a, b) => a.created_at - b.created_at);
  }

  async pending(limit: number): Promise<NotificationRow[]> {
    return this.latest()
      .filter((r) => r.status === "pending")
      .slice(0, limit);
  }

  async since(createdMs: number): Promise<NotificationRow[]> {
    return this.latest().filter((r) => r.created_at >= createdMs);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Received is one request a Receiver got. */
export interface Received {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  json: Record<string, unknown>;
}

/** Reply decides how a Receiver answers a request: a status, or "hold" to never answer. */
export type Reply = (r: Received) => number | "hold";

/** Receiver is a plain HTTP server on 127.0.0.1 that records what it is sent. */
export class Receiver {
  readonly got: Received[] = [];
  reply: Reply = () => 200;
  private readonly held: ServerResponse[] = [];
  private readonly server = createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const r: Received = {
        path: req.url ?? "",
        headers: req.headers,
        body,
        json: JSON.parse(body) as Record<string, unknown>,
      };
      this.got.push(r);
      const answer = this.reply(r);
      if (answer === "hold") {
        this.held.push(res);
        return;
      }
      res.writeHead(answer, { "content-type": "application/json" });
      res.end(answer < 300 ? '{"status":"success"}' : '{"status":"unavailable"}');
    });
  }

  /** on lists what reached a path, in order. */
  on(path: string): Received[] {
    return this.got.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
