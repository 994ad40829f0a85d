// `impactd serve`: the long-running service.
import { parseArgs } from "node:util";
import { loadConfig } from "../../config/config.js";
import { InvalidArgumentError } from "../../errors.js";
import { startRuntime } from "../../server/runtime.js";
import type { Command } from "../command.js";

const HELP = `Usage: impactd serve [--config FILE] [--data-dir DIR] [--topology FILE] [--port N] [--host ADDR]

Runs impactd as a service: the gRPC API (impactd.v1 Ingest, IncidentService,
TopologyService, grpc.health.v1, reflection) in front of the core, writing to
the embedded ClickHouse in the data directory. Stops cleanly on SIGINT/SIGTERM
after flushing what was accepted.

Options:
  --config FILE     YAML/JSON config (see docs/CONFIG.md); IMPACTD_* env vars override it
  --data-dir DIR    embedded ClickHouse directory (default ./impactd-data)
  --topology FILE   topology to load at start (YAML or JSON)
  --host ADDR       address to bind (default 127.0.0.1)
  --port N          gRPC port (default 7070; 0 picks a free one)
  -h, --help        show this help`;

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
    const topo = rt.pipeline.topology("default");
    console.log(
      `impactd: gRPC listening on ${rt.grpc.address} (impactd.v1, grpc.health.v1, reflection)`,
    );
    if (rt.otlp !== undefined)
      console.log(`impactd: OTLP/gRPC listening on ${rt.otlp.address} (traces, metrics, logs)`);
    if (rt.http !== undefined)
      console.log(
        `impactd: HTTP listening on ${rt.http.url} (/api/v2/alerts, /api/v1/alertmanager/webhook, /v2/enqueue, /metrics, /healthz)`,
      );
    console.log(
      config.sink.kind === "chdb"
        ? `impactd: data in ${config.dataDir} (embedded ClickHouse)`
        : `impactd: writing to ClickHouse at ${config.sink.url} (${rt.sink.conn.dialect.version}, database ${rt.sink.conn.database})`,
    );
    console.log(
      `impactd: topology ${config.topology ?? "(none)"}: ${topo.services.length} services, ${topo.journeys.length} journeys`,
    );
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
