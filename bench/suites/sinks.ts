// Sink write throughput: `events` rows through a TableWriter into the
// embedded engine (chdb) and into a local ClickHouse server (Debian's 18.16,
// started here on a free loopback port), at batch sizes 1k, 10k and 100k.
// Also the pieces apart: RowBinary encoding alone, and the JSON insert path
// the skeleton used, for comparison. Rows are pre-built (the pipeline's cost
// is the ingest suite's); the sink's own work (content ids, encoding,
// staging, the engine's insert) is all inside the timer.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  binaryEncoder,
  EVENTS_DATA,
  type EventRow,
  fillEventIds,
  modernDialect,
  openSink,
  quoteString,
  type Sink,
  type SinkConnection,
  TableWriter,
} from "../../src/sinks/index.js";
import { startClickHouseServer } from "../../test/helpers/clickhouse-server.js";
import { type BenchResult, result, samplePeakRss } from "../result.js";

const BATCHES = [1_000, 10_000, 100_000];
const SERVICES = Array.from({ length: 33 }, (_, i) => `service-${i}`);

/** eventRows builds n events rows like the simulator's mix: mostly error rates, 10% alerts. */
function eventRows(n: number, t0: number): EventRow[] {
  const out: EventRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const alert = i % 10 === 0;
    out[i] = {
      tenant: "default",
      ts: t0 + i,
      received_at: t0 + i + 3,
      event_id: i % 2 === 0 ? "" : `sim-${t0}-${i}`,
      source: alert ? "alertmanager" : "prometheus",
      kind: alert ? "alert" : "metric",
      service: SERVICES[i % SERVICES.length] as string,
      journey: "",
      step: "",
      status: alert ? "firing" : "",
      metric: alert ? "" : "error_rate",
      name: alert ? "HighErrorRate" : "",
      severity: alert ? "critical" : "",
      fingerprint: alert ? `fp-${i % 97}` : "",
      value: (i % 1000) / 1000,
      count: 0,
      scale: "",
      channel: "",
      device_id: "",
      version: "",
      text: "",
      labels: alert ? { region: "eu-west-1", team: "payments" } : {},
    };
  }
  return out;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? null;
}

/** timedConn records how long each INSERT takes. */
function timedConn(conn: SinkConnection, latencies: number[]): SinkConnection {
  return {
    kind: conn.kind,
    dialect: conn.dialect,
    database: conn.database,
    command: (sql) => conn.command(sql),
    query: (sql, params) => conn.query(sql, params),
    close: () => conn.close(),
    async insert(table, rows) {
      const started = performance.now();
      await conn.insert(table, rows);
      latencies.push(performance.now() - started);
      samplePeakRss();
    },
  };
}

/** perCpuSecond is rows per CPU-second of this process (all its threads). */
function perCpuSecond(rows: number, used: NodeJS.CpuUsage): number {
  return Math.round(rows / ((used.user + used.system) / 1e6));
}

/** writeCase writes `total` rows through a writer with batches of `batch` rows. */
async function writeCase(
  sink: Sink,
  name: string,
  batch: number,
  total: number,
  table = EVENTS_DATA.name,
): Promise<BenchResult> {
  const latencies: number[] = [];
  const writer = new TableWriter<EventRow>(timedConn(sink.conn, latencies), table, {
    maxRows: batch,
    maxBufferedRows: 4 * batch,
    lingerMs: 5,
    prepare: fillEventIds,
  });
  // Warm up: encoders compiled, the table's first part written.
  await writer.write(eventRows(Math.min(batch, 1_000), Date.UTC(2025, 0, 1)));
  latencies.length = 0;
  const rows = eventRows(total, Date.now() - total);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await writer.write(rows);
  await writer.close();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  return result(
    "sinks",
    name,
    {
      events_per_sec: Math.round(total / seconds),
      // Only chdb's engine runs in this process; a server's CPU is not counted.
      events_per_cpu_sec: sink.conn.kind === "chdb" ? perCpuSecond(total, used) : null,
      p50_ms: percentile(latencies, 0.5),
      p99_ms: percentile(latencies, 0.99),
    },
    {
      rows: total,
      batch_rows: batch,
      table,
      latency: "one INSERT",
      // CPU time of this process per row: chdb's engine runs in it, a
      // server's does not. Less sensitive than rows/s to other load.
      cpu_us_per_row: Number(((used.user + used.system) / total).toFixed(2)),
    },
  );
}

/** encodeCase measures RowBinary encoding alone. */
function encodeCase(total: number): BenchResult {
  const enc = binaryEncoder(EVENTS_DATA, modernDialect("26.7"));
  const rows = eventRows(total, Date.now());
  fillEventIds(rows);
  enc.encode(rows.slice(0, 10_000));
  const cpu = process.cpuUsage();
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < rows.length; i += 10_000)
    bytes += enc.encode(rows.slice(i, i + 10_000)).length;
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return result(
    "sinks",
    "encode RowBinary (no engine)",
    {
      events_per_sec: Math.round(total / seconds),
      events_per_cpu_sec: perCpuSecond(total, used),
      p50_ms: null,
      p99_ms: null,
    },
    {
      rows: total,
      bytes_per_row: Math.round(bytes / total),
      cpu_us_per_row: Number(((used.user + used.system) / total).toFixed(2)),
    },
  );
}

/**
 * engineCase measures chdb's side alone: RowBinary payloads encoded before
 * the clock starts, inserted one after another the way the chdb connection
 * does (from a file), so the time is the engine's parsing, sorting, part
 * writing and merging.
 */
async function engineCase(
  sink: Sink,
  dir: string,
  batch: number,
  total: number,
): Promise<BenchResult> {
  const enc = binaryEncoder(EVENTS_DATA, sink.conn.dialect);
  const files: string[] = [];
  for (let i = 0; i < total; i += batch) {
    const rows = eventRows(Math.min(batch, total - i), Date.now() - total + i);
    fillEventIds(rows);
    const file = join(dir, `engine-${i}.rowbinary`);
    writeFileSync(file, enc.encode(rows));
    files.push(file);
  }
  const columns = enc.columns.map((c) => (c.includes(".") ? `\`${c}\`` : c)).join(", ");
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const file of files) {
    const t = performance.now();
    await sink.conn.command(
      `INSERT INTO ${sink.conn.database}.${EVENTS_DATA.name} (${columns}) SELECT * FROM file(${quoteString(file)}, 'RowBinary', ${quoteString(enc.structure)}) SETTINGS optimize_on_insert = 0, input_format_parallel_parsing = 0`,
    );
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  return result(
    "sinks",
    `chdb engine alone, batch ${batch / 1000}k`,
    {
      events_per_sec: Math.round(total / seconds),
      events_per_cpu_sec: perCpuSecond(total, used),
      p50_ms: percentile(latencies, 0.5),
      p99_ms: percentile(latencies, 0.99),
    },
    {
      rows: total,
      batch_rows: batch,
      latency: "one INSERT",
      cpu_us_per_row: Number(((used.user + used.system) / total).toFixed(2)),
    },
  );
}

/** logged prints a case as it finishes, with its CPU cost per row in this process. */
function logged(r: BenchResult): BenchResult {
  const cpu = r.params.cpu_us_per_row;
  console.log(
    `  ${r.case}: ${r.events_per_sec?.toLocaleString("en-US")} rows/s${cpu === undefined ? "" : `, ${cpu} µs CPU per row in this process`}`,
  );
  return r;
}

/** runSinksSuite measures sink write throughput for both sinks and three batch sizes. */
export async function runSinksSuite(opts: { quick: boolean }): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const chdbTotal = opts.quick ? 100_000 : 1_000_000;
  const serverTotal = opts.quick ? 50_000 : 300_000;
  out.push(logged(encodeCase(chdbTotal)));

  const dir = mkdtempSync(join(tmpdir(), "impactd-bench-sinks-"));
  const chdb = await openSink({ kind: "chdb", dataDir: dir, database: "bench" });
  try {
    for (const batch of BATCHES) {
      out.push(
        logged(await writeCase(chdb, `chdb events, batch ${batch / 1000}k`, batch, chdbTotal)),
      );
    }
    out.push(logged(await engineCase(chdb, dir, 100_000, chdbTotal)));
    // The skeleton's path: JSONCompactEachRow through chdb's insert API, into
    // a table the logical schema does not know (so no RowBinary).
    await chdb.conn.command("CREATE TABLE bench.events_json AS bench.events_data");
    const json = "chdb events, batch 10k, JSON path";
    out.push(logged(await writeCase(chdb, json, 10_000, chdbTotal / 2, "events_json")));
  } finally {
    await chdb.close();
    rmSync(dir, { recursive: true, force: true });
  }

  let server: Awaited<ReturnType<typeof startClickHouseServer>> | undefined;
  try {
    server = await startClickHouseServer();
  } catch (err) {
    console.error(`bench sinks: skipping the server cases: ${(err as Error).message}`);
    return out;
  }
  try {
    const sink = await openSink({ kind: "clickhouse", url: server.url, database: "bench" });
    try {
      const version = sink.conn.dialect.version;
      for (const batch of BATCHES) {
        const name = `clickhouse ${version} events, batch ${batch / 1000}k`;
        out.push(logged(await writeCase(sink, name, batch, serverTotal)));
      }
    } finally {
      await sink.close();
    }
  } finally {
    await server.stop();
  }
  return out;
}
