// IncidentService: watch (with resume), list (filters, pages), get, journey
// impact, acknowledge and resolve. Every call acts on the caller's tenant: a
// token bound to a tenant overrides the tenant a request names.
import { type ServerWritableStream, status } from "@grpc/grpc-js";
import { InvalidArgumentError } from "../../errors.js";
import type {
  AcknowledgeRequest,
  GetIncidentRequest,
  GetJourneyImpactRequest,
  GetJourneyImpactResponse,
  IncidentUpdate,
  ListIncidentsRequest,
  ListIncidentsResponse,
  ResolveRequest,
  WatchIncidentsRequest,
} from "../../gen/impactd/v1/api.js";
import { IncidentActionKind } from "../../gen/impactd/v1/event.js";
import type { Incident } from "../../gen/impactd/v1/incident.js";
import { NotFoundError, type Pipeline } from "../../pipeline/pipeline.js";
import { type Identity, tenantFor } from "../../security/auth.js";
import { type GrpcSecurity, identify, toStatus, unary } from "./guard.js";
import type { UpdateLog } from "./update-log.js";

/** DEFAULT_PAGE_SIZE is how many incidents ListIncidents returns by default. */
export const DEFAULT_PAGE_SIZE = 100;
/** MAX_PAGE_SIZE caps page_size. */
export const MAX_PAGE_SIZE = 1_000;
/** DEFAULT_WATCH_BACKLOG is how many updates may queue for a slow watcher before its stream ends. */
export const DEFAULT_WATCH_BACKLOG = 10_000;

// Newest first; the id breaks ties so the order is total (page tokens need it).
function newestFirst(a: Incident, b: Incident): number {
  return b.openedUnixMs - a.openedUnixMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** pageToken encodes the position after `inc` in newest-first order. */
export function pageToken(inc: Incident): string {
  return Buffer.from(JSON.stringify([inc.openedUnixMs, inc.id])).toString("base64url");
}

function afterToken(token: string): (i: Incident) => boolean {
  let pos: unknown;
  try {
    pos = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    pos = undefined;
  }
  if (!Array.isArray(pos) || typeof pos[0] !== "number" || typeof pos[1] !== "string")
    throw new InvalidArgumentError(
      `page_token ${JSON.stringify(token)} is not one this server issued`,
    );
  const [opened, id] = pos as [number, string];
  return (i) => i.openedUnixMs < opened || (i.openedUnixMs === opened && i.id < id);
}

/** filterIncidents applies a ListIncidentsRequest to incidents: filters, order and page. */
export function filterIncidents(all: Incident[], req: ListIncidentsRequest): ListIncidentsResponse {
  const statuses = new Set(req.statuses);
  const severities = new Set(req.severities);
  const size = Math.min(req.pageSize === 0 ? DEFAULT_PAGE_SIZE : req.pageSize, MAX_PAGE_SIZE);
  if (req.sinceUnixMs > 0 && req.untilUnixMs > 0 && req.untilUnixMs <= req.sinceUnixMs)
    throw new InvalidArgumentError("until_unix_ms must be after since_unix_ms");
  const after = req.pageToken === "" ? () => true : afterToken(req.pageToken);
  const matching = all
    .filter(
      (i) =>
        (statuses.size === 0 || statuses.has(i.status)) &&
        (severities.size === 0 || severities.has(i.severity)) &&
        (req.service === "" || i.services.includes(req.service)) &&
        (req.untilUnixMs <= 0 || i.openedUnixMs < req.untilUnixMs) &&
        (req.sinceUnixMs <= 0 || i.resolvedUnixMs === 0 || i.resolvedUnixMs >= req.sinceUnixMs),
    )
    .sort(newestFirst)
    .filter(after);
  const incidents = matching.slice(0, size);
  const last = incidents[incidents.length - 1];
  return {
    incidents,
    nextPageToken: matching.length > size && last !== undefined ? pageToken(last) : "",
  };
}

// With auth on, the token's name is recorded; the request's actor says on
// whose behalf (a shared chat-ops token acting for a person).
function actorOf(req: { actor: string }, id: Identity): string {
  if (!id.authenticated) return req.actor === "" ? id.name : req.actor;
  return req.actor === "" || req.actor === id.name ? id.name : `${req.actor} (via ${id.name})`;
}

/** incidentHandlers implements IncidentServiceServer over a pipeline. */
export function incidentHandlers(
  pipeline: Pipeline,
  updates: UpdateLog,
  security: GrpcSecurity,
  opts: { maxBacklog?: number } = {},
) {
  const maxBacklog = opts.maxBacklog ?? DEFAULT_WATCH_BACKLOG;
  const act =
    (kind: IncidentActionKind) => (req: AcknowledgeRequest | ResolveRequest, id: Identity) =>
      pipeline
        .act(tenantFor(id, req.tenant), req.id, kind, actorOf(req, id), req.note)
        .catch((err) => {
          // The message must not tell one tenant about another's incidents.
          if (err instanceof NotFoundError)
            throw new NotFoundError(`incident ${JSON.stringify(req.id)} not found`);
          throw err;
        });
  return {
    watchIncidents(call: ServerWritableStream<WatchIncidentsRequest, IncidentUpdate>): void {
      let identity: Identity;
      try {
        identity = identify(call, security, "read");
      } catch (err) {
        call.emit("error", toStatus(err));
        return;
      }
      const tenant = tenantFor(identity, call.request.tenant);
      let stopped = false;
      const stop = () => {
        stopped = true;
        unsubscribe();
      };
      const unsubscribe = updates.subscribe(
        tenant,
        { cursor: call.request.cursor, includeOpen: call.request.includeOpen },
        (u) => {
          if (stopped) return;
          // A watcher that cannot keep up is cut off rather than buffered
          // without bound; it resumes from its last sequence.
          if (call.writableLength >= maxBacklog) {
            stop();
            call.emit("error", {
              code: status.RESOURCE_EXHAUSTED,
              details: `watcher fell ${maxBacklog} updates behind; reconnect with cursor set to the last sequence received`,
            });
            return;
          }
          call.write(u);
        },
      );
      call.on("cancelled", stop);
      call.on("close", stop);
      call.on("error", stop);
    },

    listIncidents: unary<ListIncidentsRequest, ListIncidentsResponse>(security, "read", (req, id) =>
      filterIncidents(pipeline.incidents(tenantFor(id, req.tenant)), req),
    ),

    getIncident: unary<GetIncidentRequest, Incident>(security, "read", (req, id) => {
      const inc = pipeline.incident(tenantFor(id, req.tenant), req.id);
      if (inc === undefined)
        throw new NotFoundError(`incident ${JSON.stringify(req.id)} not found`);
      return inc;
    }),

    getJourneyImpact: unary<GetJourneyImpactRequest, GetJourneyImpactResponse>(
      security,
      "read",
      (req, id) => {
        const journeys = pipeline
          .journeyImpact(tenantFor(id, req.tenant))
          .filter((j) => req.journey === "" || j.journey === req.journey);
        if (req.journey !== "" && journeys.length === 0)
          throw new NotFoundError(`journey ${JSON.stringify(req.journey)} not found`);
        return { journeys };
      },
    ),

    acknowledge: unary<AcknowledgeRequest, Incident>(
      security,
      "respond",
      act(IncidentActionKind.INCIDENT_ACTION_KIND_ACKNOWLEDGE),
    ),

    resolve: unary<ResolveRequest, Incident>(
      security,
      "respond",
      act(IncidentActionKind.INCIDENT_ACTION_KIND_RESOLVE),
    ),
  };
}
