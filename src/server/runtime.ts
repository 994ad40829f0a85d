// Runtime wires one impactd process together: sink, pipeline, topology and
// front ends. `impactd serve`, `impactd demo` and the end-to-end tests all
// start the same runtime.
import { join } from "node:path";
import type { Config } from "../config/config.js";
import { sinkOptions } from "../config/sink.js";
import { P_LATENESS_MS } from "../core/layout.js";
import type { Topology } from "../gen/impactd/v1/topology.js";
import { createMetrics, type Metrics } from "../metrics/index.js";
import {
  Notifier,
  type NotifierOptions,
  registerNotifierMetrics,
  SinkNotificationStore,
} from "../notify/index.js";
import { DEFAULT_TENANT, Pipeline, type PipelineSink } from "../pipeline/pipeline.js";
import type { ValidationLimits } from "../pipeline/validate.js";
import { grpcTenantOf, httpServerFactory, httpTenantOf } from "../security/front-ends.js";
import { Security } from "../security/index.js";
import { grpcServerCredentials, loadTls } from "../security/tls.js";
import { openSink, type Sink } from "../sinks/index.js";
import { type GrpcServer, startGrpcServer } from "../sources/grpc/server.js";
import { type HttpServer, startHttpServer } from "../sources/http/index.js";
import { connectionOptions } from "../sources/nats/connect.js";
import { type NatsSource, registerNatsMetrics, startNatsSource } from "../sources/nats/index.js";
import { type OtlpServer, startOtlpServer } from "../sources/otlp/index.js";
import { loadTopologyFile } from "../topology/index.js";

/** Runtime is a running impactd process. */
export interface Runtime {
  readonly config: Config;
  readonly pipeline: Pipeline;
  readonly sink: Sink;
  readonly grpc: GrpcServer;
  /** The OTLP/gRPC receiver, when enabled. */
  readonly otlp: OtlpServer | undefined;
  /** The HTTP front end (Alertmanager, PagerDuty, /metrics), when enabled. */
  readonly http: HttpServer | undefined;
  readonly metrics: Metrics;
  /** Sends notifications about incident changes to the teams' targets. */
  readonly notifier: Notifier;
  /** The NATS front end, when `nats.enabled`. */
  readonly nats: NatsSource | undefined;
  /** stop drains the pipeline, flushes the sink and closes every front end. */
  stop(): Promise<void>;
}

/** RuntimeOptions adjust a runtime beyond its config (tests, demo). */
export interface RuntimeOptions {
  /** Topology to start with instead of the config's file. */
  topology?: Topology;
  limits?: ValidationLimits;
  now?: () => number;
  /** Restore from and write checkpoints in `<dataDir>/checkpoints`. @default true */
  checkpoints?: boolean;
  /** Notifier settings (group wait, retries, NATS connection, ...). */
  notify?: NotifierOptions;
}

/**
 * notifierOptions are the config file's `notify` section under the caller's
 * overrides; `nats` notification targets publish through the NATS server of
 * the `nats` section unless a connection is given.
 */
export function notifierOptions(config: Config, override?: NotifierOptions): NotifierOptions {
  const o: NotifierOptions = { ...config.notify, ...override };
  if (o.nats === undefined && config.nats.enabled) {
    o.nats = connectionOptions(config.nats, "impactd-notify");
  }
  return o;
}

/** sinkAdapter exposes a Sink's table writers as the pipeline's sink. */
export function sinkAdapter(sink: Sink): PipelineSink {
  return {
    writeEvents: (rows) => sink.events.write(rows),
    writeRejections: (rows) => sink.rejections.write(rows),
    writeIncidents: (rows) => sink.incidents.write(rows),
    // A writer with callers queued for room is full: new work would only wait.
    overloaded: () =>
      sink.events.stats().waiting > 0 ||
      sink.incidents.stats().waiting > 0 ||
      sink.rejections.stats().waiting > 0,
    writeIncidentEvents: (rows) => sink.incidentEvents.write(rows),
    writeServiceHealth: (rows) => sink.serviceHealth.write(rows),
    writeJourneyImpact: (rows) => sink.journeyImpact.write(rows),
    writePredictions: (rows) => sink.predictions.write(rows),
  };
}

// The pipeline and transport bounds must let the most generous client
// through; each client's own limit is checked by the front end.
function largest(config: Config, key: "maxMessageBytes" | "maxBatchEvents"): number {
  return Math.max(config.limits[key], ...config.auth.tokens.map((t) => t.limits[key] ?? 0));
}

/** startRuntime opens the sink (running migrations) and starts serving. */
export async function startRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const topology =
    options.topology ??
    (config.topology === undefined ? undefined : loadTopologyFile(config.topology));
  // TLS files are read before anything starts, so a bad path fails fast.
  const grpcTls = config.grpc.tls === undefined ? undefined : loadTls(config.grpc.tls);
  const otlpTls = config.otlp.tls === undefined ? undefined : loadTls(config.otlp.tls);
  const httpTls = config.http.tls === undefined ? undefined : loadTls(config.http.tls);
  const security = Security.fromConfig(config.auth, config.limits);
  const sink = await openSink(sinkOptions(config.sink, config.dataDir));
  const pipeline = new Pipeline({
    sink: sinkAdapter(sink),
    maxBatchEvents: largest(config, "maxBatchEvents"),
    coreParams: new Map([[P_LATENESS_MS, config.core.latenessMs]]),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const checkpointDir = join(config.dataDir, "checkpoints");
  const checkpoints = options.checkpoints ?? true;
  if (checkpoints) {
    const restored = pipeline.restoreCheckpoints(checkpointDir);
    if (restored.tenants > 0) {
      console.error(
        `impactd: resumed ${restored.tenants} tenant(s) from checkpoints taken at ${new Date(restored.takenAtMs ?? 0).toISOString()}`,
      );
    }
  }
  // A topology given explicitly applies over a checkpoint's (state is kept).
  if (topology !== undefined) pipeline.setTopology(DEFAULT_TENANT, topology);
  const metrics = createMetrics(pipeline, sink);
  let grpc: GrpcServer | undefined;
  let otlp: OtlpServer | undefined;
  let http: HttpServer | undefined;
  let notifier: Notifier | undefined;
  let nats: NatsSource | undefined;
  try {
    // Before the front ends, so no incident version goes by unwatched.
    notifier = await Notifier.start({
      source: pipeline,
      store: new SinkNotificationStore(sink.conn, options.now),
      options: notifierOptions(config, options.notify),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    const n = notifier;
    registerNotifierMetrics(metrics.registry, () => n.stats());
    grpc = await startGrpcServer({
      pipeline,
      host: config.grpc.host,
      port: config.grpc.port,
      tls: grpcTls,
      security,
      maxMessageBytes: largest(config, "maxMessageBytes"),
      overloadWaitMs: config.limits.overloadWaitMs,
      ...(config.grpc.watchHistory === undefined ? {} : { watchHistory: config.grpc.watchHistory }),
    });
    if (config.otlp.enabled) {
      otlp = await startOtlpServer({
        pipeline,
        host: config.otlp.host,
        port: config.otlp.port,
        metrics,
        credentials: grpcServerCredentials(otlpTls),
        ...(security.auth.enabled ? { tenantOf: grpcTenantOf(security) } : {}),
        ...(options.limits === undefined ? {} : { limits: options.limits }),
        ...(options.now === undefined ? {} : { now: options.now }),
      });
    }
    if (config.http.enabled) {
      http = await startHttpServer({
        pipeline,
        host: config.http.host,
        port: config.http.port,
        maxBodyBytes: config.http.maxBodyBytes,
        routingKeys: config.http.pagerdutyRoutingKeys,
        metrics,
        createServer: httpServerFactory(httpTls),
        ...(security.auth.enabled ? { tenantOf: httpTenantOf(security) } : {}),
        lookupAlert: (tenant, fingerprint) => lookupAlert(sink, tenant, fingerprint),
        ...(options.now === undefined ? {} : { now: options.now }),
      });
    }
    if (config.nats.enabled) {
      nats = await startNatsSource({ pipeline, config: config.nats, security });
      registerNatsMetrics(metrics.registry, nats);
    }
  } catch (err) {
    await Promise.all([grpc?.close(), otlp?.close(), http?.close()]);
    await notifier?.stop();
    await sink.close();
    throw err;
  }
  let checkpointTimer: NodeJS.Timeout | undefined;
  if (checkpoints && config.core.checkpointIntervalMs > 0) {
    checkpointTimer = setInterval(() => {
      try {
        pipeline.checkpoint(checkpointDir);
      } catch (err) {
        console.error(`impactd: checkpoint failed: ${(err as Error).message}`);
      }
    }, config.core.checkpointIntervalMs);
    checkpointTimer.unref();
  }
  let heartbeat: NodeJS.Timeout | undefined;
  if (config.core.heartbeatLagMs > 0) {
    heartbeat = setInterval(() => {
      pipeline.heartbeat(config.core.heartbeatLagMs).catch((err: unknown) => {
        console.error(`impactd: heartbeat failed: ${(err as Error).message}`);
      });
    }, 1_000);
    heartbeat.unref();
  }
  return {
    config,
    pipeline,
    sink,
    grpc,
    otlp,
    http,
    metrics,
    notifier,
    nats,
    async stop() {
      if (heartbeat !== undefined) clearInterval(heartbeat);
      if (checkpointTimer !== undefined) clearInterval(checkpointTimer);
      await nats?.close();
      await Promise.all([grpc.close(), otlp?.close(), http?.close()]);
      metrics.stop();
      // A clean stop checkpoints before flushing: what still waits for the
      // watermark stays pending and is resumed, not forced through.
      if (checkpoints) pipeline.checkpoint(checkpointDir);
      // A leased NATS partition goes on at the next owner, which replays the
      // stream: forcing pending events through here would write decisions
      // the stream has not reached yet.
      if (!(config.nats.enabled && config.nats.exclusive)) await pipeline.flush();
      // Sends under way are cut off and stay pending: the next start resends them.
      await notifier.stop();
      await sink.flush();
      await sink.close();
    },
  };
}

/** lookupAlert finds the service and name of the latest alert with `fingerprint` in the events table. */
export async function lookupAlert(
  sink: Sink,
  tenant: string,
  fingerprint: string,
): Promise<{ service: string; name: string } | undefined> {
  const rows = await sink.conn.query<{ service: string; name: string }>(
    `SELECT service, name FROM ${sink.conn.database}.events WHERE tenant = {tenant:String} AND kind = 'alert' AND fingerprint = {fp:String} ORDER BY ts DESC LIMIT 1`,
    { tenant, fp: fingerprint },
  );
  return rows[0];
}
