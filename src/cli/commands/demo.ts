// `impactd demo`: the whole pipeline on a laptop. Starts the embedded
// runtime, loads the sample shop estate through the real PutTopology API,
// streams a seeded simulation with injected faults through the real Ingest
// API and shows incidents live as WatchIncidents reports them.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { ImpactdClient } from "../../client/client.js";
import { DEFAULT_DATA_DIR, defaultConfig } from "../../config/config.js";
import { describe, Progress, type ProgressState } from "../../demo/progress.js";
import { InvalidArgumentError } from "../../errors.js";
import type { Event } from "../../gen/impactd/v1/event.js";
import { type Incident, IncidentStatus } from "../../gen/impactd/v1/incident.js";
import { DEFAULT_LIMITS } from "../../pipeline/validate.js";
import { startRuntime } from "../../server/runtime.js";
import { demoScenario, Simulator } from "../../sim/index.js";
import { loadTopologyFile } from "../../topology/index.js";
import { parseDuration } from "../../util/duration.js";
import { packageRoot } from "../../util/package-root.js";
import type { Command } from "../command.js";

/** DEFAULT_DEMO_DURATION is the simulated time the demo covers. */
export const DEFAULT_DEMO_DURATION = "30m";
/** DEFAULT_DEMO_SPEED: simulated seconds per wall-clock second (0 = as fast as possible). */
export const DEFAULT_DEMO_SPEED = 60;
const BATCH_EVENTS = 500;
const MAX_INFLIGHT = 8;
const RENDER_EVERY_MS = 200;

const HELP = `Usage: impactd demo [--duration 30m] [--speed 60] [--seed 1] [--port 0] [--data-dir DIR]

Starts the embedded pipeline (gRPC server, WASM core, embedded ClickHouse),
loads the sample shop estate (examples/shop.yaml: 33 services, 5 journeys),
and streams a seeded simulation through the real gRPC API with injected
faults: a payments database outage that cascades to its callers, a slow
deploy regression on search, a flapping health check on recommendations and
an unrelated noisy alert. Incidents appear live with their root cause and
impacted services; at the end the demo prints where the data is and a query
to try.

Options:
  --duration D     simulated time to cover, e.g. 30m, 2h (default ${DEFAULT_DEMO_DURATION})
  --speed X        simulated seconds per real second; 0 = as fast as possible (default ${DEFAULT_DEMO_SPEED})
  --seed N         simulation seed (default 1)
  --port N         gRPC port; 0 picks a free one (default 0)
  --data-dir DIR   embedded ClickHouse directory (default ${DEFAULT_DATA_DIR})
  -h, --help       show this help`;

function flags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      options: {
        duration: { type: "string", default: DEFAULT_DEMO_DURATION },
        speed: { type: "string", default: String(DEFAULT_DEMO_SPEED) },
        seed: { type: "string", default: "1" },
        port: { type: "string", default: "0" },
        "data-dir": { type: "string", default: DEFAULT_DATA_DIR },
      },
    }).values;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function number(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min)
    throw new InvalidArgumentError(
      `--${flag} ${JSON.stringify(text)}: expected a number >= ${min}`,
    );
  return n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** demoCommand runs the end-to-end demo. */
export const demoCommand: Command = {
  name: "demo",
  summary: "run the embedded pipeline on a simulated online shop with injected faults",
  help: HELP,
  async run(argv) {
    const v = flags(argv);
    const durationMs = parseDuration(v.duration, "--duration");
    if (durationMs < 60_000) throw new InvalidArgumentError("--duration must be at least 1m");
    const speed = number(v.speed, "speed", 0);
    const seed = number(v.seed, "seed", 0);
    const port = number(v.port, "port", 0);
    const dataDir = resolve(v["data-dir"]);
    const topology = loadTopologyFile(resolve(packageRoot(), "examples/shop.yaml"));
    // The simulation ends now, so every event time is in the recent past.
    const simStart = Math.floor((Date.now() - durationMs) / 60_000) * 60_000;
    const simEnd = simStart + durationMs;

    const config = {
      ...defaultConfig(),
      dataDir,
      grpc: { host: "127.0.0.1", port },
      // The demo speaks only the native API; it must not take the OTLP and HTTP ports.
      otlp: { ...defaultConfig().otlp, enabled: false },
      http: { ...defaultConfig().http, enabled: false },
      core: {
        ...defaultConfig().core,
        latenessMs: 2_000,
        heartbeatLagMs: 0,
        checkpointIntervalMs: 0,
      },
    };
    console.log(`impactd demo: starting embedded pipeline (data in ${dataDir})`);
    // Each demo is a fresh simulation: no resuming from an earlier run.
    const rt = await startRuntime(config, {
      limits: { ...DEFAULT_LIMITS, maxPastMs: durationMs + 86_400_000 },
      checkpoints: false,
    });
    const client = new ImpactdClient(rt.grpc.address);
    const progress = new Progress();
    const incidents = new Map<string, Incident>();
    try {
      await client.putTopology(topology);
      console.log(
        `impactd demo: gRPC on ${rt.grpc.address}; topology ${topology.services.length} services, ${topology.journeys.length} journeys; ` +
          `simulating ${v.duration} at ${speed === 0 ? "full speed" : `${speed}x`}`,
      );
      const stopWatch = client.watchIncidents((u) => {
        const inc = u.incident;
        if (inc === undefined) return;
        const before = incidents.get(inc.id);
        incidents.set(inc.id, inc);
        if (before === undefined) {
          progress.event(`+ opened   ${describe(inc)}`);
        } else if (
          before.status !== inc.status &&
          inc.status === IncidentStatus.INCIDENT_STATUS_RESOLVED
        ) {
          const minutes = Math.round((inc.resolvedUnixMs - inc.openedUnixMs) / 60_000);
          progress.event(`- resolved ${inc.id} after ${minutes} min`);
        } else if (
          before.status !== inc.status &&
          inc.status === IncidentStatus.INCIDENT_STATUS_MERGED
        ) {
          progress.event(`= merged   ${inc.id} into ${inc.mergedInto} (same failure)`);
        } else if (u.changes.includes("root_cause_changed")) {
          progress.event(`~ root cause ${describe(inc)}`);
        }
      });

      const faults = demoScenario(durationMs).filter((f) =>
        topology.services.some((s) => s.name === f.service),
      );
      const sim = new Simulator(topology, { seed, startMs: simStart, durationMs, faults });
      const stream = client.ingest();
      const state: ProgressState = {
        simStartMs: simStart,
        simNowMs: simStart,
        simEndMs: simEnd,
        sent: 0,
        accepted: 0,
        rejected: 0,
        eventsPerSec: 0,
        incidents,
      };
      const wallStart = Date.now();
      let lastRender = 0;
      const inflight: Promise<void>[] = [];
      let batch: Event[] = [];
      const send = async (events: Event[]) => {
        const last = events[events.length - 1] as Event;
        if (speed > 0) {
          const due = wallStart + (last.tsUnixMs - simStart) / speed;
          const wait = due - Date.now();
          if (wait > 0) await sleep(wait);
        }
        state.sent += events.length;
        state.simNowMs = last.tsUnixMs;
        inflight.push(
          stream.send(events).then((ack) => {
            state.accepted += ack.accepted;
            state.rejected += ack.rejections.length;
          }),
        );
        if (inflight.length >= MAX_INFLIGHT) await inflight.shift();
        const now = Date.now();
        state.eventsPerSec = state.sent / Math.max(0.001, (now - wallStart) / 1000);
        if (now - lastRender >= RENDER_EVERY_MS) {
          lastRender = now;
          progress.render(state);
        }
      };
      for (const ev of sim.events()) {
        batch.push(ev);
        if (batch.length >= BATCH_EVENTS) {
          await send(batch);
          batch = [];
        }
      }
      if (batch.length > 0) await send(batch);
      await Promise.all(inflight);
      await stream.end();
      // End of stream: apply what still waits for the watermark.
      await rt.pipeline.flush();
      await sleep(100); // let the last WatchIncidents messages arrive
      stopWatch();
      state.simNowMs = simEnd;
      progress.render(state, true);
      summarize(incidents, sim.groundTruth(), dataDir, (Date.now() - wallStart) / 1000);
    } finally {
      client.close();
      await rt.stop();
    }
    return 0;
  },
};

function summarize(
  incidents: ReadonlyMap<string, Incident>,
  truth: readonly { kind: string; rootCause: string; startMs: number; noise: boolean }[],
  dataDir: string,
  seconds: number,
): void {
  const everything = [...incidents.values()].sort((a, b) => a.openedUnixMs - b.openedUnixMs);
  const all = everything.filter((i) => i.status !== IncidentStatus.INCIDENT_STATUS_MERGED);
  const merged = everything.length - all.length;
  console.log(
    `\nimpactd demo: finished in ${seconds.toFixed(1)} s; ${all.length} incidents (${merged} more were merged into them as detection revealed they were one failure)`,
  );
  for (const inc of all) {
    const state =
      inc.status === IncidentStatus.INCIDENT_STATUS_MERGED
        ? "merged"
        : inc.status === IncidentStatus.INCIDENT_STATUS_RESOLVED
          ? "resolved"
          : "open";
    console.log(`  ${state.padEnd(8)} ${describe(inc)}`);
  }
  console.log("\ninjected faults and what impactd made of them:");
  for (const f of truth) {
    const hit = all.find(
      (i) => i.services.includes(f.rootCause) && i.openedUnixMs >= f.startMs - 60_000,
    );
    const verdict =
      hit === undefined
        ? f.noise
          ? "no incident: healthy metrics contradicted it (noise suppressed)"
          : "no incident"
        : f.noise
          ? `became ${hit.id} (noise that was not suppressed)`
          : hit.rootCauses[0]?.service === f.rootCause
            ? `found: ${hit.id}, root cause ranked first`
            : `in ${hit.id}, root cause ranked ${hit.rootCauses.findIndex((c) => c.service === f.rootCause) + 1 || "below 3"}`;
    console.log(`  ${f.kind.padEnd(20)} ${f.rootCause.padEnd(16)} ${verdict}`);
  }
  console.log(`\nData is in ${dataDir}. Try:`);
  console.log(
    `  npx impactd query --data-dir ${dataDir} "SELECT incident_id, status, severity, root_cause, length(services) AS services FROM incidents ORDER BY opened_at"`,
  );
}
