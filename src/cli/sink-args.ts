// Command-line flags that pick a sink, shared by `impactd query`, `migrate`
// and `replay`: a config file's sink section, overridden by flags, which
// become IMPACTD_* variables so one validation path applies to all three.
import { loadConfig } from "../config/config.js";
import { sinkOptions } from "../config/sink.js";
import type { SinkOptions } from "../sinks/sink.js";

/** SINK_FLAGS are the parseArgs options for choosing a sink. */
export const SINK_FLAGS = {
  config: { type: "string" },
  "data-dir": { type: "string" },
  sink: { type: "string" },
  url: { type: "string" },
  database: { type: "string" },
} as const;

/** SINK_HELP documents SINK_FLAGS for help texts. */
export const SINK_HELP = `Sink options (default: the embedded ClickHouse in ./impactd-data):
  --config FILE       YAML/JSON config; its sink section picks the sink
  --data-dir DIR      embedded ClickHouse directory ($IMPACTD_DATA_DIR)
  --sink KIND         chdb or clickhouse ($IMPACTD_SINK_KIND)
  --url URL           ClickHouse server HTTP URL ($IMPACTD_SINK_URL); the user and
                      password come from the config or IMPACTD_SINK_USER and
                      IMPACTD_SINK_PASSWORD, never from a flag
  --database NAME     database of impactd's tables ($IMPACTD_SINK_DATABASE)`;

/** SinkFlagValues are the parsed SINK_FLAGS. */
export type SinkFlagValues = {
  config?: string | undefined;
  "data-dir"?: string | undefined;
  sink?: string | undefined;
  url?: string | undefined;
  database?: string | undefined;
};

/** sinkFromFlags resolves the sink the flags, config file and environment name. */
export function sinkFromFlags(
  values: SinkFlagValues,
  env: NodeJS.ProcessEnv = process.env,
): { options: SinkOptions; topology: string | undefined; latenessMs: number } {
  const merged: NodeJS.ProcessEnv = { ...env };
  if (values["data-dir"] !== undefined) merged.IMPACTD_DATA_DIR = values["data-dir"];
  if (values.sink !== undefined) merged.IMPACTD_SINK_KIND = values.sink;
  if (values.url !== undefined) {
    merged.IMPACTD_SINK_URL = values.url;
    merged.IMPACTD_SINK_KIND ??= "clickhouse";
  }
  if (values.database !== undefined) merged.IMPACTD_SINK_DATABASE = values.database;
  const config = loadConfig(values.config, merged);
  return {
    options: sinkOptions(config.sink, config.dataDir),
    topology: config.topology,
    latenessMs: config.core.latenessMs,
  };
}

/** describeSink names a sink for progress output. */
export function describeSink(o: SinkOptions): string {
  return o.kind === "chdb"
    ? `embedded ClickHouse in ${o.dataDir}${o.database === undefined ? "" : `, database ${o.database}`}`
    : `ClickHouse at ${o.url}, database ${o.database ?? "impactd"}`;
}
