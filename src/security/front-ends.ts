// Security hooks for the OTLP and HTTP front ends: they ask for the caller's
// tenant through a `tenantOf` hook, which answers the identity's tenant or
// throws UNAUTHENTICATED / PERMISSION_DENIED (401 / 403 on HTTP), and for
// TLS through their credentials / server factory.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Metadata } from "@grpc/grpc-js";
import { ImpactdError } from "../errors.js";
import { peerHost } from "../sources/grpc/guard.js";
import { HttpError } from "../sources/http/errors.js";
import { httpStatusOf } from "./errors.js";
import type { Security } from "./security.js";
import { httpsServerOptions, type TlsMaterial } from "./tls.js";

/** OPEN_HTTP_PATHS need no token: probes and scrapers rarely carry one, and they show no tenant's data. */
export const OPEN_HTTP_PATHS: ReadonlySet<string> = new Set(["/healthz", "/metrics"]);

/** grpcTenantOf authenticates a gRPC call for ingest; throws when it may not. */
export function grpcTenantOf(security: Security) {
  return (call: { metadata: Metadata; getPeer(): string }): string | undefined => {
    const id = security.authenticate(call.metadata, peerHost(call.getPeer()));
    if (id instanceof ImpactdError) throw id;
    security.authorize(id, "ingest");
    return id.tenant;
  };
}

/** httpTenantOf authenticates an HTTP request for ingest; throws 401/403 HttpErrors. */
export function httpTenantOf(security: Security) {
  return (req: IncomingMessage): string | undefined => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (OPEN_HTTP_PATHS.has(path)) return undefined;
    try {
      const id = security.authenticate(req.headers, req.socket.remoteAddress ?? "unknown");
      if (id instanceof ImpactdError) throw id;
      security.authorize(id, "ingest");
      return id.tenant;
    } catch (err) {
      if (!(err instanceof ImpactdError)) throw err;
      throw new HttpError(httpStatusOf(err), err.code, err.message);
    }
  };
}

/** httpServerFactory serves HTTPS with the material, or plain HTTP without. */
export function httpServerFactory(tls: TlsMaterial | undefined) {
  return (listener: RequestListener): Server =>
    tls === undefined
      ? createHttpServer(listener)
      : createHttpsServer(httpsServerOptions(tls), listener);
}
