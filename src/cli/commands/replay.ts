// `impactd replay`: run stored raw events of a time range through a fresh
// core into a separate database, e.g. after a topology or algorithm change.
import { parseArgs } from "node:util";
import { P_LATENESS_MS } from "../../core/layout.js";
import { InvalidArgumentError } from "../../errors.js";
import { replay } from "../../replay/index.js";
import { openConnection, openSink } from "../../sinks/index.js";
import { loadTopologyFile } from "../../topology/index.js";
import { parseDuration } from "../../util/duration.js";
import type { Command } from "../command.js";
import { describeSink, SINK_FLAGS, SINK_HELP, sinkFromFlags } from "../sink-args.js";

const HELP = `Usage: impactd replay --from TIME --to TIME [--into DATABASE] [--topology FILE] [options]

Reads the raw events stored in [from, to) from the sink, in event-time order,
runs them through a fresh core (empty state, the given topology) and writes
incidents, their timeline, service health and rejections into a separate
database of the same sink, leaving the live results untouched. Replaying the
same range into the same database again writes the same rows, which the
views show once. Compare with the live results by querying both databases,
e.g. impactd query open_incidents_by_impact --database DATABASE.

TIME is an ISO 8601 time (2025-05-01T12:00:00Z; without a zone it is UTC),
epoch milliseconds, "now", or "now-2h" / "-2h" (relative to now).

Options:
  --from TIME        start of the range (inclusive)
  --to TIME          end of the range (exclusive)
  --into DATABASE    where the results go (default replay_<from>_<to>)
  --topology FILE    topology for the fresh core (default: the config's)
  --with-events      also copy the raw events into the new database
  -h, --help         show this help

${SINK_HELP}`;

/** parseTime reads a replay bound: ISO time, epoch ms, now, now-2h or -2h. */
export function parseTime(text: string, flag: string, now: number = Date.now()): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const rel = /^(?:now)?\s*([-+])\s*(.+)$/.exec(t);
  if (t === "now") return now;
  if (rel !== null) {
    const d = parseDuration(rel[2] as string, flag);
    return rel[1] === "-" ? now - d : now + d;
  }
  const zoned = /([zZ]|[+-]\d\d:?\d\d)$/.test(t) ? t : `${t.replace(" ", "T")}Z`;
  const ms = Date.parse(zoned);
  if (!Number.isFinite(ms)) {
    throw new InvalidArgumentError(
      `${flag} ${JSON.stringify(text)}: expected an ISO time (2025-05-01T12:00:00Z), epoch ms, now or -2h`,
    );
  }
  return ms;
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "_");
}

/** replayCommand replays a time range of stored events into a new result set. */
export const replayCommand: Command = {
  name: "replay",
  summary: "re-run stored events of a time range through a fresh core into a new database",
  help: HELP,
  async run(argv) {
    let values: ReturnType<typeof parse>["values"];
    try {
      ({ values } = parse(argv));
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message, { cause: err });
    }
    if (values.from === undefined || values.to === undefined) {
      throw new InvalidArgumentError("--from and --to are required (see impactd replay --help)");
    }
    const now = Date.now();
    const from = parseTime(values.from, "--from", now);
    const to = parseTime(values.to, "--to", now);
    if (!(from < to)) throw new InvalidArgumentError("--from must be before --to");
    const { options, topology: configTopology, latenessMs } = sinkFromFlags(values);
    const into = values.into ?? `replay_${stamp(from)}_${stamp(to)}`;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(into)) {
      throw new InvalidArgumentError(`--into ${JSON.stringify(into)}: letters, digits and _ only`);
    }
    const topologyFile = values.topology ?? configTopology;
    const topology = topologyFile === undefined ? undefined : loadTopologyFile(topologyFile);
    const source = await openConnection(options);
    try {
      if (source.database === into) {
        throw new InvalidArgumentError(`--into ${into} is the live database; pick another`);
      }
      console.error(`impactd replay: reading ${describeSink(options)}`);
      console.error(
        `impactd replay: ${new Date(from).toISOString()} to ${new Date(to).toISOString()} into database ${into}` +
          (topology === undefined
            ? " with an empty topology (use --topology FILE)"
            : ` with topology ${topologyFile}`),
      );
      // A fixed seed: replaying the range again writes the same rejection ids.
      const target = await openSink({
        ...options,
        database: into,
        rejectionIdSeed: `replay-${from}-${to}`,
      });
      const started = performance.now();
      try {
        const result = await replay({
          source,
          target,
          from,
          to,
          coreParams: new Map([[P_LATENESS_MS, latenessMs]]),
          withEvents: values["with-events"] === true,
          ...(topology === undefined ? {} : { topology }),
          onProgress: (p) => {
            const s = (performance.now() - started) / 1000;
            console.error(
              `impactd replay: ${p.events.toLocaleString("en-US")} events up to ${new Date(p.position).toISOString()} (${Math.round(p.events / Math.max(s, 0.001)).toLocaleString("en-US")}/s), ${p.incidentVersions} incident versions`,
            );
          },
        });
        console.log(
          `replayed ${result.events} events (${result.accepted} accepted, ${result.rejected} rejected, ${result.duplicates} duplicates) into database ${into}: ${result.incidentVersions} incident versions`,
        );
        console.log(`query them: impactd query open_incidents_by_impact --database ${into}`);
      } finally {
        await target.close();
      }
    } finally {
      await source.close();
    }
    return 0;
  },
};

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      ...SINK_FLAGS,
      from: { type: "string" },
      to: { type: "string" },
      into: { type: "string" },
      topology: { type: "string" },
      "with-events": { type: "boolean" },
    },
  });
}
