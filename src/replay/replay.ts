// Replay: stored raw events from a time range run again through a fresh core
// (a new Pipeline, empty state) into a separate result set, for backfill
// after a topology or algorithm change. Events are read in event-time order
// (ties by tenant and id), in windows sized by a histogram of the range so
// memory stays bounded whatever the volume. The pipeline's clock is the
// replay position, so receive times, written_at and validation follow event
// time and replaying the same range twice writes the same rows (which the
// result set's FINAL views then show once).
import type { Topology } from "../gen/impactd/v1/topology.js";
import { DEFAULT_MAX_BATCH_EVENTS, Pipeline, type PipelineSink } from "../pipeline/pipeline.js";
import { DEFAULT_LIMITS } from "../pipeline/validate.js";
import type { SinkConnection } from "../sinks/connection.js";
import { ms } from "../sinks/queries/pack.js";
import { readRows } from "../sinks/read.js";
import type { EventRow } from "../sinks/rows.js";
import { EVENTS_DATA } from "../sinks/schema/tables.js";
import type { Sink } from "../sinks/sink.js";
import { eventFromRow } from "./event-from-row.js";

/** DEFAULT_REPLAY_WINDOW_ROWS is about how many events are read and replayed at a time. */
export const DEFAULT_REPLAY_WINDOW_ROWS = 100_000;
/** DEFAULT_REPLAY_INFLIGHT is how many submitted batches may await durability at once. */
export const DEFAULT_REPLAY_INFLIGHT = 4;

/** ReplayOptions say what to replay and where the results go. */
export interface ReplayOptions {
  /** Where the raw events are (migrated). */
  source: SinkConnection;
  /** The fresh result set (a sink on another database). */
  target: Sink;
  /** Event-time range, epoch ms, from inclusive, to exclusive. */
  from: number;
  to: number;
  /** Topology every tenant starts with. */
  topology?: Topology;
  /** Core parameters (P_* ids), as the runtime passes them. */
  coreParams?: ReadonlyMap<number, number>;
  /** Also write the raw events into the target. @default false */
  withEvents?: boolean;
  /** @default DEFAULT_REPLAY_WINDOW_ROWS */
  windowRows?: number;
  /** Called after each window. */
  onProgress?: (p: ReplayProgress) => void;
}

/** ReplayProgress is where a replay is. */
export interface ReplayProgress {
  /** Events read so far. */
  readonly events: number;
  /** Event time of the last event read, epoch ms. */
  readonly position: number;
  /** Incident versions written so far. */
  readonly incidentVersions: number;
}

/** ReplayResult sums up a replay. */
export interface ReplayResult extends ReplayProgress {
  readonly accepted: number;
  readonly rejected: number;
  readonly duplicates: number;
}

/** replayAdapter is the pipeline's sink for a replay: everything but (optionally) raw events. */
function replayAdapter(sink: Sink, withEvents: boolean): PipelineSink {
  return {
    writeEvents: (rows) => (withEvents ? sink.events.write(rows) : Promise.resolve()),
    writeRejections: (rows) => sink.rejections.write(rows),
    writeIncidents: (rows) => sink.incidents.write(rows),
    writeIncidentEvents: (rows) => sink.incidentEvents.write(rows),
    writeServiceHealth: (rows) => sink.serviceHealth.write(rows),
    writeJourneyImpact: (rows) => sink.journeyImpact.write(rows),
    writePredictions: (rows) => sink.predictions.write(rows),
  };
}

/** eventWindows splits [from, to) into windows of about `rows` events, by a histogram per minute (per second where a minute is too full). */
export async function eventWindows(
  conn: SinkConnection,
  from: number,
  to: number,
  rows: number,
): Promise<[number, number][]> {
  const histogram = async (lo: number, hi: number, stepMs: number) =>
    (
      await conn.query<{ bucket: string; n: string }>(
        `SELECT intDiv(${ms(conn.dialect, "ts")}, ${stepMs}) AS bucket, count() AS n
         FROM ${conn.database}.events
         WHERE ${rangeFilter(conn)}
         GROUP BY bucket ORDER BY bucket`,
        rangeParams(lo, hi),
      )
    ).map((r) => ({ lo: Number(r.bucket) * stepMs, n: Number(r.n), step: stepMs }));
  const buckets: { lo: number; n: number; step: number }[] = [];
  for (const m of await histogram(from, to, 60_000)) {
    if (m.n <= rows) buckets.push(m);
    else
      buckets.push(...(await histogram(Math.max(from, m.lo), Math.min(to, m.lo + 60_000), 1_000)));
  }
  const windows: [number, number][] = [];
  let start: number | undefined;
  let count = 0;
  let end = from;
  for (const b of buckets) {
    const lo = Math.max(from, b.lo);
    if (start !== undefined && count + b.n > rows) {
      windows.push([start, lo]);
      start = undefined;
      count = 0;
    }
    start ??= lo;
    count += b.n;
    end = Math.min(to, b.lo + b.step);
  }
  if (start !== undefined) windows.push([start, end]);
  return windows;
}

// Index-friendly whole-second bounds first, then the exact millisecond range.
function rangeFilter(conn: SinkConnection): string {
  const m = ms(conn.dialect, "ts");
  return `ts >= toDateTime({lo_s:UInt32}) AND ts < toDateTime({hi_s:UInt32})
  AND ${m} >= {lo:Int64} AND ${m} < {hi:Int64}`;
}

// hi_s is the second after the one holding `hi`: on current engines ts keeps
// its milliseconds, so the second of `hi` itself must be inside the bound.
function rangeParams(lo: number, hi: number) {
  return { lo_s: Math.floor(lo / 1000), hi_s: Math.floor(hi / 1000) + 1, lo, hi };
}

/** replay runs the stored events of [from, to) through a fresh pipeline into the target. */
export async function replay(opts: ReplayOptions): Promise<ReplayResult> {
  const { source } = opts;
  let clock = opts.from;
  const pipeline = new Pipeline({
    sink: replayAdapter(opts.target, opts.withEvents ?? false),
    // Old events are the point of a replay: no past limit.
    limits: { ...DEFAULT_LIMITS, maxPastMs: Number.MAX_SAFE_INTEGER },
    now: () => clock,
    ...(opts.coreParams === undefined ? {} : { coreParams: opts.coreParams }),
    ...(opts.topology === undefined ? {} : { defaultTopology: opts.topology }),
  });
  let events = 0;
  const inflight: Promise<unknown>[] = [];
  const submit = async (batch: EventRow[], tenant: string) => {
    inflight.push(pipeline.submit(batch.map(eventFromRow), { frontEnd: "replay", tenant }));
    if (inflight.length >= DEFAULT_REPLAY_INFLIGHT) await inflight.shift();
  };
  for (const [lo, hi] of await eventWindows(
    source,
    opts.from,
    opts.to,
    opts.windowRows ?? DEFAULT_REPLAY_WINDOW_ROWS,
  )) {
    const rows = await readRows<EventRow>(source, EVENTS_DATA, {
      where: rangeFilter(source),
      params: rangeParams(lo, hi),
      orderBy: `${ms(source.dialect, "ts")}, tenant, event_id`,
    });
    // Tenants have separate cores, so each tenant's events of the window go
    // through in order as a few large batches rather than interleaved.
    const byTenant = new Map<string, EventRow[]>();
    for (const row of rows) {
      const list = byTenant.get(row.tenant);
      if (list === undefined) byTenant.set(row.tenant, [row]);
      else list.push(row);
    }
    for (const [tenant, list] of byTenant) {
      for (let i = 0; i < list.length; i += DEFAULT_MAX_BATCH_EVENTS) {
        const batch = list.slice(i, i + DEFAULT_MAX_BATCH_EVENTS);
        clock = Math.max(clock, (batch[batch.length - 1] as EventRow).ts);
        await submit(batch, tenant);
      }
    }
    events += rows.length;
    opts.onProgress?.({
      events,
      position: clock,
      incidentVersions: pipeline.stats.incidentVersions,
    });
  }
  await Promise.all(inflight);
  await pipeline.flush();
  await opts.target.flush();
  const s = pipeline.stats;
  return {
    events,
    position: clock,
    incidentVersions: s.incidentVersions,
    accepted: s.accepted,
    rejected: s.rejected,
    duplicates: s.duplicates,
  };
}
