// The HTTP front end (node:http): the Alertmanager API v2 and webhook
// payloads, PagerDuty Events v2, /metrics and /healthz. Errors are JSON with
// a stable code; refused payloads are stored in rejected_events; a backed-up
// sink is answered 503 with Retry-After instead of buffering.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Server as TlsServer } from "node:tls";
import { AlertSeverity, AlertState, IncidentActionKind } from "../../gen/impactd/v1/event.js";
import { IncidentStatus } from "../../gen/impactd/v1/incident.js";
import type { Metrics } from "../../metrics/index.js";
import { DEFAULT_TENANT, type Pipeline } from "../../pipeline/pipeline.js";
import { NAME_PATTERN } from "../../pipeline/validate.js";
import {
  type Converted,
  convertApiV2Alerts,
  convertWebhook,
  InvalidPayload,
} from "./alertmanager.js";
import { type Body, parseJson, readBody } from "./body.js";
import { errorBody, HttpError } from "./errors.js";
import { type AlertRef, alert, DedupIndex, type PdEvent, parsePagerDuty } from "./pagerduty.js";

/** DEFAULT_HTTP_PORT: next to the gRPC API's 7070, and not Alertmanager's 9093 so both can run side by side. */
export const DEFAULT_HTTP_PORT = 7071;
/** DEFAULT_HTTP_MAX_BODY_BYTES bounds one request body (also after decompression). */
export const DEFAULT_HTTP_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** DEFAULT_HTTP_RETRY_AFTER_S is the Retry-After of a 503 under overload. */
export const DEFAULT_HTTP_RETRY_AFTER_S = 1;
/** TENANT_HEADER names the tenant of a request (the Grafana Mimir/Cortex convention). */
export const HTTP_TENANT_HEADER = "x-scope-orgid";
/** HTTP_FRONT_END is this front end's name in rejected_events and metrics. */
export const HTTP_FRONT_END = "http";

/** HttpServerOptions configure the HTTP front end. */
export interface HttpServerOptions {
  pipeline: Pipeline;
  /** @default "127.0.0.1" */
  host?: string;
  /** 0 picks a free port. @default DEFAULT_HTTP_PORT */
  port?: number;
  /** @default DEFAULT_HTTP_MAX_BODY_BYTES */
  maxBodyBytes?: number;
  /** @default DEFAULT_HTTP_RETRY_AFTER_S */
  retryAfterSeconds?: number;
  metrics?: Metrics;
  /** PagerDuty routing key -> tenant. Empty: every key is accepted for the request's tenant. */
  routingKeys?: Readonly<Record<string, string>>;
  /** Finds the alert of a PagerDuty dedup key that is no longer in memory (e.g. in the events table). */
  lookupAlert?: (tenant: string, dedupKey: string) => Promise<AlertRef | undefined>;
  now?: () => number;
  /** Authenticated tenant of a request; when set, it overrides the tenant header. */
  tenantOf?: (req: IncomingMessage) => string | undefined;
  /** Wraps the request listener (e.g. TLS or auth); default serves plain HTTP. */
  createServer?: (listener: (req: IncomingMessage, res: ServerResponse) => void) => Server;
}

/** HttpServer is a running HTTP front end. */
export interface HttpServer {
  readonly port: number;
  /** Base URL, e.g. http://127.0.0.1:7071. */
  readonly url: string;
  close(): Promise<void>;
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  tenant: string;
  /** Set when an authenticated client fixes the tenant. */
  authTenant: string | undefined;
  body: () => Promise<Body>;
}

type Handler = (ctx: Ctx) => Promise<void>;

interface RequestState {
  tenant: string;
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** startHttpServer binds the HTTP front end and starts serving. */
export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const pipeline = opts.pipeline;
  const max = opts.maxBodyBytes ?? DEFAULT_HTTP_MAX_BODY_BYTES;
  const now = opts.now ?? Date.now;
  const retryAfter = opts.retryAfterSeconds ?? DEFAULT_HTTP_RETRY_AFTER_S;
  const routingKeys = opts.routingKeys ?? {};
  const dedup = new DedupIndex();

  function checkOverload(): void {
    if (pipeline.overloaded()) {
      opts.metrics?.overloaded.inc({ front_end: HTTP_FRONT_END });
      throw new HttpError(
        503,
        "OVERLOADED",
        "impactd is overloaded (the sink is backed up); retry later",
        {
          retryable: true,
        },
      );
    }
  }

  async function alerts(
    ctx: Ctx,
    convert: typeof convertApiV2Alerts,
    okBody: string,
  ): Promise<void> {
    checkOverload();
    const body = await ctx.body();
    let c: Converted;
    try {
      c = convert(parseJson(body), now(), ctx.authTenant ?? ctx.tenant);
    } catch (err) {
      if (err instanceof InvalidPayload)
        throw new HttpError(400, "INVALID_PAYLOAD", err.message, {
          record: true,
          payload: body.excerpt,
        });
      throw err;
    }
    const meta = {
      frontEnd: HTTP_FRONT_END,
      ...(ctx.authTenant === undefined ? {} : { tenant: ctx.authTenant }),
    };
    const [result] = await Promise.all([
      pipeline.submit(c.events, meta),
      ...c.rejections.map((r) =>
        pipeline.recordRejection({
          frontEnd: HTTP_FRONT_END,
          tenant: ctx.tenant,
          code: r.code,
          reason: `alert ${r.index}: ${r.reason}`,
          payload: body.excerpt,
        }),
      ),
    ]);
    const rejected = [
      ...c.rejections,
      ...result.rejections.map((r) => ({
        index: c.origins[r.index] ?? -1,
        code: r.code,
        reason: r.reason,
      })),
    ].sort((a, b) => a.index - b.index);
    if (rejected.length === 0) {
      send(ctx.res, 200, okBody);
      return;
    }
    const first = rejected[0];
    send(
      ctx.res,
      400,
      errorBody(
        "REJECTED",
        `${rejected.length} of ${c.items} alerts rejected (each stored in rejected_events); first: alert ${first?.index}: ${first?.code}: ${first?.reason}`,
        { accepted: result.accepted, duplicates: result.duplicates, rejected },
      ),
    );
  }

  async function pagerDuty(ctx: Ctx): Promise<void> {
    checkOverload();
    const body = await ctx.body();
    const reject = async (status: number, code: string, reason: string) => {
      await pipeline.recordRejection({
        frontEnd: HTTP_FRONT_END,
        tenant: ctx.tenant,
        code,
        reason,
        payload: body.excerpt,
        source: "pagerduty",
      });
      // PagerDuty's own error shape plus impactd's.
      send(
        ctx.res,
        status,
        JSON.stringify({
          status: "invalid event",
          message: reason,
          errors: [reason],
          error: { code, message: reason },
        }),
      );
    };
    let raw: unknown;
    try {
      raw = parseJson(body);
    } catch (err) {
      await reject(400, "MALFORMED", (err as Error).message);
      return;
    }
    const routingKey =
      typeof raw === "object" && raw !== null
        ? (raw as { routing_key?: unknown }).routing_key
        : undefined;
    let tenant = ctx.authTenant ?? ctx.tenant;
    if (Object.keys(routingKeys).length > 0) {
      const mapped = typeof routingKey === "string" ? routingKeys[routingKey] : undefined;
      if (mapped === undefined) {
        await reject(400, "INVALID_ROUTING_KEY", "routing_key is not configured for this impactd");
        return;
      }
      tenant = ctx.authTenant ?? mapped;
    }
    const ev = parsePagerDuty(raw, now(), tenant);
    if ("reason" in ev) {
      await reject(400, ev.code, ev.reason);
      return;
    }
    const meta = { frontEnd: HTTP_FRONT_END, tenant };
    const ok = () =>
      send(
        ctx.res,
        202,
        JSON.stringify({ status: "success", message: "Event processed", dedup_key: ev.dedupKey }),
      );
    if (ev.action === "trigger") {
      const r = await pipeline.submit([ev.event], meta);
      const rej = r.rejections[0];
      if (rej !== undefined) {
        send(
          ctx.res,
          400,
          JSON.stringify({
            status: "invalid event",
            message: rej.reason,
            errors: [rej.reason],
            error: { code: rej.code, message: rej.reason },
          }),
        );
        return;
      }
      dedup.set(tenant, ev.dedupKey, ev.ref);
      ok();
      return;
    }
    const ref = dedup.get(tenant, ev.dedupKey) ?? (await opts.lookupAlert?.(tenant, ev.dedupKey));
    if (ref === undefined) {
      await reject(
        400,
        "UNKNOWN_DEDUP_KEY",
        `dedup_key ${JSON.stringify(ev.dedupKey.slice(0, 64))} names no alert triggered at this impactd`,
      );
      return;
    }
    if (ev.action === "resolve") {
      const e = alert(
        tenant,
        now(),
        ev.dedupKey,
        ref,
        AlertState.ALERT_STATE_RESOLVED,
        AlertSeverity.ALERT_SEVERITY_UNSPECIFIED,
        {},
        "",
      );
      const r = await pipeline.submit([e], meta);
      const rej = r.rejections[0];
      if (rej !== undefined) {
        send(ctx.res, 400, errorBody(rej.code, rej.reason));
        return;
      }
      ok();
      return;
    }
    await acknowledge(tenant, ev, ref, reject, ok);
  }

  async function acknowledge(
    tenant: string,
    ev: PdEvent,
    ref: AlertRef,
    reject: (status: number, code: string, reason: string) => Promise<void>,
    ok: () => void,
  ): Promise<void> {
    const open = pipeline
      .incidents(tenant)
      .find(
        (i) =>
          i.status !== IncidentStatus.INCIDENT_STATUS_RESOLVED && i.services.includes(ref.service),
      );
    if (open === undefined) {
      await reject(
        409,
        "NO_OPEN_INCIDENT",
        `no open incident holds service ${ref.service} (alert ${ev.dedupKey.slice(0, 64)})`,
      );
      return;
    }
    await pipeline.act(
      tenant,
      open.id,
      IncidentActionKind.INCIDENT_ACTION_KIND_ACKNOWLEDGE,
      "pagerduty",
      `dedup_key ${ev.dedupKey}`,
    );
    ok();
  }

  const routes = new Map<string, { method: string; name: string; handle: Handler }>([
    [
      "/api/v2/alerts",
      { method: "POST", name: "alertmanager_v2", handle: (c) => alerts(c, convertApiV2Alerts, "") },
    ],
    [
      "/api/v1/alertmanager/webhook",
      {
        method: "POST",
        name: "alertmanager_webhook",
        handle: (c) => alerts(c, convertWebhook, JSON.stringify({ status: "success" })),
      },
    ],
    ["/v2/enqueue", { method: "POST", name: "pagerduty", handle: pagerDuty }],
    [
      "/metrics",
      {
        method: "GET",
        name: "metrics",
        handle: async (c) => {
          if (opts.metrics === undefined)
            throw new HttpError(404, "NOT_FOUND", "metrics are not enabled");
          const text = await opts.metrics.registry.metrics();
          c.res.writeHead(200, { "content-type": opts.metrics.registry.contentType });
          c.res.end(text);
        },
      },
    ],
    [
      "/healthz",
      {
        method: "GET",
        name: "healthz",
        handle: async (c) =>
          send(c.res, 200, JSON.stringify({ status: "ok", overloaded: pipeline.overloaded() })),
      },
    ],
  ]);

  async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    state: RequestState,
  ): Promise<string> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const route = routes.get(path);
    if (route === undefined) throw new HttpError(404, "NOT_FOUND", `no route ${path}`);
    if (req.method !== route.method && !(route.method === "GET" && req.method === "HEAD")) {
      res.setHeader("allow", route.method);
      throw new HttpError(
        405,
        "METHOD_NOT_ALLOWED",
        `${path} takes ${route.method}, not ${req.method}`,
      );
    }
    const authTenant = opts.tenantOf?.(req);
    const header = req.headers[HTTP_TENANT_HEADER];
    const headerTenant = typeof header === "string" && header !== "" ? header : undefined;
    if (headerTenant !== undefined && !NAME_PATTERN.test(headerTenant))
      throw new HttpError(
        400,
        "INVALID_TENANT",
        `${HTTP_TENANT_HEADER} ${JSON.stringify(headerTenant.slice(0, 64))} is not a valid tenant name`,
      );
    let body: Promise<Body> | undefined;
    state.tenant = authTenant ?? headerTenant ?? DEFAULT_TENANT;
    await route.handle({
      req,
      res,
      tenant: state.tenant,
      authTenant,
      body: () => {
        body ??= readBody(req, max);
        return body;
      },
    });
    return route.name;
  }

  async function answerError(
    req: IncomingMessage,
    res: ServerResponse,
    state: RequestState,
    err: unknown,
  ): Promise<void> {
    // A sink that fails for now (retryable) is a 503 the sender retries; anything else is a bug.
    const retryable = (err as { retryable?: boolean }).retryable === true;
    const e =
      err instanceof HttpError
        ? err
        : retryable
          ? new HttpError(
              503,
              "UNAVAILABLE",
              `cannot store events now: ${(err as Error).message}`,
              {
                retryable,
              },
            )
          : new HttpError(500, "INTERNAL", `internal error: ${(err as Error).message}`);
    if (e.record) {
      await pipeline
        .recordRejection({
          frontEnd: HTTP_FRONT_END,
          tenant: state.tenant,
          code: e.code,
          reason: `${req.method} ${req.url}: ${e.message}`,
          payload: e.payload,
        })
        .catch(() => {});
    }
    const headers: Record<string, string> = {};
    if (e.retryable || e.status === 503) headers["retry-after"] = String(retryAfter);
    // An unread body (too large) must not be read: close the connection.
    if (e.status === 413) headers.connection = "close";
    if (!res.headersSent) send(res, e.status, errorBody(e.code, e.message, e.extra), headers);
    else res.end();
    if (e.status === 413) res.once("finish", () => req.destroy());
    opts.metrics?.httpRequests.inc({ route: "error", status: String(e.status) });
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const state: RequestState = { tenant: DEFAULT_TENANT };
    serve(req, res, state)
      .then((name) =>
        opts.metrics?.httpRequests.inc({ route: name, status: String(res.statusCode) }),
      )
      .catch(async (err: unknown) => {
        try {
          await answerError(req, res, state, err);
        } catch {
          // The client went away mid-answer: nothing left to tell it.
          res.destroy();
        }
      });
  };
  const server = (opts.createServer ?? createServer)(listener);
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? DEFAULT_HTTP_PORT, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : 0;
  return {
    port,
    url: `${server instanceof TlsServer ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
