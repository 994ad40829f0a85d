// A service config for tests: every listener on a free loopback port (or
// off), no heartbeat, no periodic checkpoints. Fixed default ports would
// collide when test files run in parallel.
import { type Config, defaultConfig } from "../../src/config/config.js";

/** testConfig returns a config for a runtime under test in `dataDir`. */
export function testConfig(dataDir: string): Config {
  const d = defaultConfig();
  return {
    ...d,
    dataDir,
    grpc: { ...d.grpc, host: "127.0.0.1", port: 0 },
    otlp: { ...d.otlp, enabled: false, port: 0 },
    http: { ...d.http, enabled: false, port: 0 },
    core: { ...d.core, heartbeatLagMs: 0, checkpointIntervalMs: 0 },
  };
}
