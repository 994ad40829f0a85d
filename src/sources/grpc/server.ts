// The gRPC front end: impactd.v1 services plus standard health checking and
// server reflection, so stock tools (grpcurl, grpc_health_probe) work. With
// TLS material it serves TLS (mTLS with a client CA); with auth on, every
// impactd.v1 call needs a bearer token. Health and reflection stay open:
// they reveal nothing about a tenant, and probes rarely carry tokens.
import { join } from "node:path";
import { Server } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation, protoPath as healthProtoPath } from "grpc-health-check";
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_OVERLOAD_WAIT_MS } from "../../config/security.js";
import { IncidentServiceService, TopologyServiceService } from "../../gen/impactd/v1/api.js";
import type { Pipeline } from "../../pipeline/pipeline.js";
import { grpcServerCredentials, type TlsMaterial } from "../../security/tls.js";
import { packageRoot } from "../../util/package-root.js";
import { type GrpcSecurity, openSecurity } from "./guard.js";
import { incidentHandlers } from "./incident-service.js";
import { ingestHandler, ingestServiceDefinition } from "./ingest-service.js";
import { topologyHandlers } from "./topology-service.js";
import { DEFAULT_UPDATE_HISTORY, UpdateLog } from "./update-log.js";

/** DEFAULT_GRPC_PORT is the port `impactd serve` listens on by default. */
export const DEFAULT_GRPC_PORT = 7070;
/** DEFAULT_MAX_MESSAGE_BYTES bounds one gRPC message (a batch). */
export { DEFAULT_MAX_MESSAGE_BYTES };

/** GrpcServerOptions configure the gRPC front end. */
export interface GrpcServerOptions {
  pipeline: Pipeline;
  /** @default "127.0.0.1" */
  host?: string;
  /** 0 picks a free port. @default DEFAULT_GRPC_PORT */
  port?: number;
  /**
   * Largest message any client may send (the largest per-client limit). The
   * transport refuses messages over twice this before decoding them; between
   * the client's limit and that, the batch is refused and recorded.
   * @default DEFAULT_MAX_MESSAGE_BYTES
   */
  maxMessageBytes?: number;
  /** TLS material; absent = plaintext. */
  tls?: TlsMaterial | undefined;
  /** Auth and rate limits. @default auth off, default limits */
  security?: GrpcSecurity;
  /** @default DEFAULT_OVERLOAD_WAIT_MS */
  overloadWaitMs?: number;
  /** Incident updates kept per tenant for WatchIncidents resume. @default DEFAULT_UPDATE_HISTORY */
  watchHistory?: number;
}

/** GrpcServer is a running gRPC front end. */
export interface GrpcServer {
  readonly port: number;
  readonly address: string;
  /** The update log WatchIncidents resumes from. */
  readonly updates: UpdateLog;
  close(): Promise<void>;
}

const SERVICES = [
  "impactd.v1.IngestService",
  "impactd.v1.IncidentService",
  "impactd.v1.TopologyService",
];

/** startGrpcServer binds the gRPC front end and starts serving. */
export async function startGrpcServer(opts: GrpcServerOptions): Promise<GrpcServer> {
  const max = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const security = opts.security ?? openSecurity();
  const server = new Server({
    "grpc.max_receive_message_length": 2 * max,
    "grpc.max_send_message_length": 2 * max,
  });
  const updates = new UpdateLog(opts.pipeline, opts.watchHistory ?? DEFAULT_UPDATE_HISTORY);
  server.addService(ingestServiceDefinition, {
    ingest: ingestHandler(opts.pipeline, {
      security,
      overloadWaitMs: opts.overloadWaitMs ?? DEFAULT_OVERLOAD_WAIT_MS,
    }),
  });
  server.addService(IncidentServiceService, incidentHandlers(opts.pipeline, updates, security));
  server.addService(TopologyServiceService, topologyHandlers(opts.pipeline, security));
  const health = new HealthImplementation(
    Object.fromEntries([["", "SERVING"], ...SERVICES.map((s) => [s, "SERVING"])]),
  );
  health.addToServer(server);
  const protoDir = join(packageRoot(), "proto");
  const definitions = loadSync([join(protoDir, "impactd/v1/api.proto"), healthProtoPath], {
    includeDirs: [protoDir],
  });
  new ReflectionService(definitions).addToServer(server);
  const host = opts.host ?? "127.0.0.1";
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(
        `${host}:${opts.port ?? DEFAULT_GRPC_PORT}`,
        grpcServerCredentials(opts.tls),
        (err, p) => (err ? reject(err) : resolve(p)),
      );
    });
  } catch (err) {
    updates.close();
    throw err;
  }
  return {
    port,
    address: `${host}:${port}`,
    updates,
    close: () =>
      new Promise<void>((resolve) => {
        health.setStatus("", "NOT_SERVING");
        updates.close();
        // Streams (watchers, idle ingest streams) would hold a graceful
        // shutdown open forever; give them a moment, then cut them.
        const force = setTimeout(() => server.forceShutdown(), 2_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
