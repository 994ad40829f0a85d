// `impactd load`: the seeded workload generator against a running server,
// over gRPC, OTLP, NATS JetStream or the Alertmanager API. Bounded in count
// and time, loopback only unless --allow-remote, with progress on stderr and
// a summary (sent, acked, rejected, events/s, ack latency p50/p99) at the end.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ImpactdClient } from "../../client/client.js";
import { InvalidArgumentError } from "../../errors.js";
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_FANOUT,
  DEFAULT_FAULT_RATE,
  DEFAULT_INFLIGHT,
  DEFAULT_JOURNEYS,
  DEFAULT_LOAD_TENANT,
  DEFAULT_MIX,
  DEFAULT_PRODUCERS,
  DEFAULT_RATE,
  DEFAULT_SEED,
  DEFAULT_SERVICES,
  DEFAULT_TARGETS,
  formatMix,
  type LoadSummary,
  openSenders,
  parseMix,
  parseTarget,
  runLoad,
  topologyFileText,
  VIAS,
  type Via,
  Workload,
} from "../../load/index.js";
import { parseDuration } from "../../util/duration.js";
import type { Command } from "../command.js";

/** DEFAULT_LOAD_COUNT is the most events one run sends unless told otherwise. */
export const DEFAULT_LOAD_COUNT = 100_000;
/** DEFAULT_LOAD_DURATION is the longest one run sends unless told otherwise. */
export const DEFAULT_LOAD_DURATION = "60s";

const HELP = `Usage: impactd load [--via grpc|otlp|nats|alertmanager] [--target ADDR] [options]

Sends a seeded synthetic workload to a running impactd (or any server that
speaks the protocol) and reports what it acknowledged. The estate is layered
(edge -> api -> backend -> data); each service calls --fanout services of the
next layer; faults take a backend or data service down and degrade its
callers. The same options always send the same events.

Stops after --count events or --duration, whichever comes first. Targets
must be loopback addresses unless --allow-remote is given.

Protocols (--via) and their default targets:
  grpc           impactd.v1 Ingest stream             ${DEFAULT_TARGETS.grpc}
  otlp           OTLP/gRPC metrics and logs exports    ${DEFAULT_TARGETS.otlp}
  nats           JetStream, <prefix>.<tenant> subjects ${DEFAULT_TARGETS.nats}
                 (acks are JetStream's: stored in the stream)
  alertmanager   POST /api/v2/alerts (alert events only) ${DEFAULT_TARGETS.alertmanager}

Options:
  --target ADDR        host:port (or nats://, http://) of the server
  --allow-remote       allow a target that is not a loopback address
  --count N            most events to send (default ${DEFAULT_LOAD_COUNT})
  --duration D         longest time to send, e.g. 30s, 5m (default ${DEFAULT_LOAD_DURATION})
  --rate N             events/s to offer; 0 = as fast as acks allow (default ${DEFAULT_RATE})
  --batch N            events per batch/message/export (default ${DEFAULT_BATCH_SIZE})
  --producers N        concurrent connections/streams (default ${DEFAULT_PRODUCERS})
  --inflight N         batches in flight per producer (default ${DEFAULT_INFLIGHT})
  --services N         services in the estate (default ${DEFAULT_SERVICES})
  --fanout N           dependencies per service (default ${DEFAULT_FANOUT})
  --journeys N         customer journeys (default ${DEFAULT_JOURNEYS})
  --mix SPEC           kind weights (default ${formatMix(DEFAULT_MIX)})
  --fault-rate N       injected faults per minute of event time (default ${DEFAULT_FAULT_RATE})
  --seed N             random seed (default ${DEFAULT_SEED})
  --tenant NAME        tenant of the events (default ${DEFAULT_LOAD_TENANT})
  --no-topology        do not send the estate first (grpc sends it with PutTopology by default)
  --topology-to ADDR   gRPC address to send the estate to (for otlp, nats, alertmanager)
  --write-topology F   also write the estate as a topology file (impactd serve --topology F)
  --nats-prefix P      JetStream subject prefix (default impactd.events)
  --json               print the summary as JSON on stdout
  -h, --help           show this help

Event times: paced runs start at the current time and advance at --rate
events per second; unpaced runs (--rate 0) cover the same span ending now,
so keep them shorter than the server's heartbeat lag (core.heartbeat_lag_ms,
60 s by default) or their oldest events arrive late.

Exit status: 0 when every batch was acknowledged, 1 when some failed, 2 on
bad usage.`;

const OPTIONS = {
  target: { type: "string" },
  via: { type: "string", default: "grpc" },
  "allow-remote": { type: "boolean", default: false },
  count: { type: "string", default: String(DEFAULT_LOAD_COUNT) },
  duration: { type: "string", default: DEFAULT_LOAD_DURATION },
  rate: { type: "string", default: String(DEFAULT_RATE) },
  batch: { type: "string", default: String(DEFAULT_BATCH_SIZE) },
  producers: { type: "string", default: String(DEFAULT_PRODUCERS) },
  inflight: { type: "string", default: String(DEFAULT_INFLIGHT) },
  services: { type: "string", default: String(DEFAULT_SERVICES) },
  fanout: { type: "string", default: String(DEFAULT_FANOUT) },
  journeys: { type: "string", default: String(DEFAULT_JOURNEYS) },
  mix: { type: "string" },
  "fault-rate": { type: "string", default: String(DEFAULT_FAULT_RATE) },
  seed: { type: "string", default: String(DEFAULT_SEED) },
  tenant: { type: "string", default: DEFAULT_LOAD_TENANT },
  "no-topology": { type: "boolean", default: false },
  "topology-to": { type: "string" },
  "write-topology": { type: "string" },
  "nats-prefix": { type: "string" },
  json: { type: "boolean", default: false },
} as const;

function number(text: string, flag: string, min: number, integer = true): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new InvalidArgumentError(
      `--${flag} ${JSON.stringify(text)}: expected ${integer ? "an integer" : "a number"} >= ${min}`,
    );
  }
  return n;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number | null) => (n === null ? "-" : `${n.toFixed(1)} ms`);

/** renderSummary prints a load summary for people. */
export function renderSummary(s: LoadSummary, target: string): string {
  const items = s.via === "alertmanager" ? "alerts" : "events";
  const lines = [
    `impactd load: sent ${fmt(s.sent)} ${items} in ${fmt(s.batches)} batches over ${s.via} to ${target} in ${s.seconds.toFixed(1)} s (stopped by ${s.stoppedBy})`,
    `  acked ${fmt(s.acked)}: accepted ${fmt(s.accepted)}, rejected ${fmt(s.rejected)}, duplicates ${fmt(s.duplicates)}; failed ${fmt(s.failed)}; overload retries ${fmt(s.retries)}`,
    `  ${fmt(s.eventsPerSec)} ${items}/s acked; ack latency p50 ${ms(s.ackP50Ms)}, p99 ${ms(s.ackP99Ms)}`,
    `  faults injected: ${s.faults}`,
  ];
  if (s.error !== undefined) lines.push(`  first error: ${s.error}`);
  return lines.join("\n");
}

/** loadCommand runs the workload generator against a server. */
export const loadCommand: Command = {
  name: "load",
  summary: "send a seeded synthetic workload to a running server and report acks and latency",
  help: HELP,
  async run(argv) {
    let values: Record<string, string | boolean | undefined>;
    try {
      ({ values } = parseArgs({ args: argv, strict: true, options: OPTIONS }));
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
    const via = values.via as string;
    if (!(VIAS as readonly string[]).includes(via)) {
      throw new InvalidArgumentError(
        `--via ${JSON.stringify(via)}: expected one of ${VIAS.join(", ")}`,
      );
    }
    const v = via as Via;
    const allowRemote = values["allow-remote"] === true;
    const scheme = v === "alertmanager" ? "http" : v === "nats" ? "nats" : "grpc";
    const target = parseTarget(
      (values.target as string | undefined) ?? DEFAULT_TARGETS[v],
      scheme,
      allowRemote,
    );
    const topologyTo =
      typeof values["topology-to"] === "string"
        ? parseTarget(values["topology-to"], "grpc", allowRemote).address
        : v === "grpc" && values["no-topology"] !== true
          ? target.address
          : undefined;
    const count = number(values.count as string, "count", 1);
    const durationMs = parseDuration(values.duration as string, "--duration");
    const rate = number(values.rate as string, "rate", 0, false);
    const inflight = number(values.inflight as string, "inflight", 1);
    const knobs = {
      seed: number(values.seed as string, "seed", 0),
      services: number(values.services as string, "services", 1),
      fanout: number(values.fanout as string, "fanout", 0),
      journeys: number(values.journeys as string, "journeys", 0),
      faultRate: number(values["fault-rate"] as string, "fault-rate", 0, false),
      batchSize: number(values.batch as string, "batch", 1),
      producers: number(values.producers as string, "producers", 1),
      tenant: values.tenant as string,
      // Alertmanager takes alerts only; elsewhere the default mix.
      mix:
        typeof values.mix === "string"
          ? parseMix(values.mix)
          : v === "alertmanager"
            ? parseMix("alert=1")
            : { ...DEFAULT_MIX },
    };
    const density = rate > 0 ? rate : DEFAULT_RATE;
    const spanMs = Math.ceil((count * 1000) / density);
    const startMs = rate > 0 ? Date.now() : Date.now() - spanMs;
    const workload = new Workload({ ...knobs, rate: density, startMs });
    const log = (line: string) => {
      if (values.json !== true) console.error(line);
    };
    if (typeof values["write-topology"] === "string") {
      writeFileSync(values["write-topology"], topologyFileText(workload.topology));
      log(`impactd load: wrote the estate to ${values["write-topology"]}`);
    }
    if (topologyTo !== undefined) {
      const client = new ImpactdClient(topologyTo);
      try {
        await client.putTopology(workload.topology, knobs.tenant);
      } catch (err) {
        throw new InvalidArgumentError(
          `cannot send the estate to ${topologyTo} (PutTopology): ${(err as Error).message}; is impactd serving there? (--no-topology skips this)`,
        );
      } finally {
        client.close();
      }
      log(
        `impactd load: sent the estate (${fmt(workload.topology.services.length)} services, ${workload.topology.journeys.length} journeys) to ${topologyTo}`,
      );
    }
    const senders = await openSenders({
      via: v,
      address: target.address,
      producers: knobs.producers,
      tenant: knobs.tenant,
      idPrefix: workload.runId,
      ...(typeof values["nats-prefix"] === "string" ? { natsPrefix: values["nats-prefix"] } : {}),
    });
    log(
      `impactd load: up to ${fmt(count)} events over ${v} to ${target.address}, ${rate > 0 ? `${fmt(rate)}/s` : "as fast as acks allow"}, for at most ${values.duration}`,
    );
    let summary: LoadSummary;
    try {
      summary = await runLoad({
        workload,
        senders,
        maxEvents: count,
        maxDurationMs: durationMs,
        rate,
        inflight,
        onProgress: (p) =>
          log(
            `  ${(p.elapsedMs / 1000).toFixed(1)}s  sent ${fmt(p.sent)}  acked ${fmt(p.acked)}  rejected ${fmt(p.rejected)}  batches in flight ${p.inflightBatches}`,
          ),
      });
    } finally {
      await Promise.all(senders.map((s) => s.close()));
    }
    if (values.json === true) {
      console.log(JSON.stringify({ target: target.address, ...summary }));
    } else {
      console.log(renderSummary(summary, target.address));
    }
    return summary.failed > 0 ? 1 : 0;
  },
};
