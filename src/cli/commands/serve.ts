// `impactd serve`: the long-running service.
import { parseArgs } from "node:util";
import { loadConfig } from "../../config/config.js";
import { InvalidArgumentError } from "../../errors.js";
import { type Runtime, startRuntime } from "../../server/runtime.js";
import type { Command } from "../command.js";

const HELP = `Usage: impactd serve [--config FILE] [--data-dir DIR] [--topology FILE] [--port N] [--host ADDR]

Runs impactd as a service: the gRPC API (impactd.v1 Ingest, IncidentService,
TopologyService, grpc.health.v1, reflection) in front of the core, writing to
the embedded ClickHouse in the data directory or a ClickHouse server (sink:
in the config). Prints what it listens on,
whether TLS and auth are on, and the sink. Stops cleanly on SIGINT/SIGTERM
after flushing what was accepted.

Every config key can be set in the environment: IMPACTD_ and the key path in
capitals, e.g. IMPACTD_GRPC_PORT, IMPACTD_GRPC_TLS_CERT_FILE,
IMPACTD_AUTH_ENABLED, IMPACTD_LIMITS_RATE_EVENTS_PER_SEC. Flags override both.

Options:
  --config FILE     YAML/JSON config (see docs/CONFIG.md); IMPACTD_* env vars override it
  --data-dir DIR    embedded ClickHouse directory (default ./impactd-data)
  --topology FILE   topology to load at start (YAML or JSON)
  --host ADDR       address to bind (default 127.0.0.1)
  --port N          gRPC port (default 7070; 0 picks a free one)
  -h, --help        show this help`;

function mib(n: number): string {
  return n % 1_048_576 === 0 ? `${n / 1_048_576} MiB` : `${n} bytes`;
}

function tlsText(tls: { certFile: string; clientCaFile: string | undefined } | undefined): string {
  if (tls === undefined) return "plaintext";
  return tls.clientCaFile === undefined
    ? `TLS (${tls.certFile})`
    : `mTLS (${tls.certFile}; client CA ${tls.clientCaFile})`;
}

function sinkText(rt: Runtime): string {
  const c = rt.config;
  const { dialect, database } = rt.sink.conn;
  return c.sink.kind === "chdb"
    ? `sink chdb in ${c.dataDir} (embedded ClickHouse ${dialect.version})`
    : `sink clickhouse at ${c.sink.url} (${dialect.version}, ${dialect.name} schema, database ${database})`;
}

/** describeRuntime is what `serve` prints at start: front ends, security, sink, limits. */
export function describeRuntime(rt: Runtime): string[] {
  const c = rt.config;
  const topo = rt.pipeline.topology("default");
  const auth = c.auth.enabled
    ? `auth on (${c.auth.tokens.length} token${c.auth.tokens.length === 1 ? "" : "s"}; health and reflection open)`
    : "auth off";
  const l = c.limits;
  const rate = l.rateEventsPerSec === 0 ? "no rate limit" : `${l.rateEventsPerSec} events/s`;
  return [
    `gRPC listening on ${rt.grpc.address} (impactd.v1, grpc.health.v1, reflection), ${tlsText(c.grpc.tls)}, ${auth}`,
    ...(rt.otlp === undefined
      ? ["OTLP/gRPC off"]
      : [
          `OTLP/gRPC listening on ${rt.otlp.address} (traces, metrics, logs), ${tlsText(c.otlp.tls)}, ${auth}`,
        ]),
    ...(rt.http === undefined
      ? ["HTTP off"]
      : [
          `HTTP listening on ${rt.http.url} (/api/v2/alerts, /api/v1/alertmanager/webhook, /v2/enqueue, /metrics, /healthz), ${tlsText(c.http.tls)}, ${auth}`,
        ]),
    ...(rt.nats === undefined ? ["NATS off"] : rt.nats.listening.map((l) => `NATS consuming ${l}`)),
    `${sinkText(rt)}; intake slows past ${c.sink.maxBufferedRows} buffered rows per table`,
    `limits per client: ${mib(l.maxMessageBytes)} per message, ${l.maxBatchEvents} events per batch, ${rate} (burst ${l.burstEvents})`,
    `topology ${c.topology ?? "(none)"}: ${topo.services.length} services, ${topo.journeys.length} journeys`,
  ];
}

/** serveCommand runs the long-running service. */
export const serveCommand: Command = {
  name: "serve",
  summary: "run the service (gRPC API -> core -> ClickHouse)",
  help: HELP,
  async run(argv) {
    let values: Record<string, string | boolean | undefined>;
    try {
      ({ values } = parseArgs({
        args: argv,
        strict: true,
        options: {
          config: { type: "string" },
          "data-dir": { type: "string" },
          topology: { type: "string" },
          host: { type: "string" },
          port: { type: "string" },
        },
      }));
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
    const env = { ...process.env };
    if (typeof values["data-dir"] === "string") env.IMPACTD_DATA_DIR = values["data-dir"];
    if (typeof values.topology === "string") env.IMPACTD_TOPOLOGY = values.topology;
    if (typeof values.host === "string") env.IMPACTD_GRPC_HOST = values.host;
    if (typeof values.port === "string") env.IMPACTD_GRPC_PORT = values.port;
    const config = loadConfig(values.config as string | undefined, env);
    const rt = await startRuntime(config);
    for (const line of describeRuntime(rt)) console.log(`impactd: ${line}`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    console.log("impactd: stopping; flushing accepted events");
    await rt.stop();
    return 0;
  },
};
