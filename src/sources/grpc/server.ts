// The gRPC front end: impactd.v1 services plus standard health checking and
// server reflection, so stock tools (grpcurl, grpc_health_probe) work.
import { join } from "node:path";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation, protoPath as healthProtoPath } from "grpc-health-check";
import { IncidentServiceService, TopologyServiceService } from "../../gen/impactd/v1/api.js";
import type { Pipeline } from "../../pipeline/pipeline.js";
import { packageRoot } from "../../util/package-root.js";
import { incidentHandlers } from "./incident-service.js";
import { ingestHandler, ingestServiceDefinition } from "./ingest-service.js";
import { topologyHandlers } from "./topology-service.js";

/** DEFAULT_GRPC_PORT is the port `impactd serve` listens on by default. */
export const DEFAULT_GRPC_PORT = 7070;
/** DEFAULT_MAX_MESSAGE_BYTES bounds one gRPC message (a batch). */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** GrpcServerOptions configure the gRPC front end. */
export interface GrpcServerOptions {
  pipeline: Pipeline;
  /** @default "127.0.0.1" */
  host?: string;
  /** 0 picks a free port. @default DEFAULT_GRPC_PORT */
  port?: number;
  /** @default DEFAULT_MAX_MESSAGE_BYTES */
  maxMessageBytes?: number;
}

/** GrpcServer is a running gRPC front end. */
export interface GrpcServer {
  readonly port: number;
  readonly address: string;
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
  const server = new Server({
    "grpc.max_receive_message_length": max,
    "grpc.max_send_message_length": max,
  });
  server.addService(ingestServiceDefinition, { ingest: ingestHandler(opts.pipeline) });
  server.addService(IncidentServiceService, incidentHandlers(opts.pipeline));
  server.addService(TopologyServiceService, topologyHandlers(opts.pipeline));
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
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${host}:${opts.port ?? DEFAULT_GRPC_PORT}`,
      ServerCredentials.createInsecure(),
      (err, p) => (err ? reject(err) : resolve(p)),
    );
  });
  return {
    port,
    address: `${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        health.setStatus("", "NOT_SERVING");
        server.tryShutdown(() => resolve());
      }),
  };
}
