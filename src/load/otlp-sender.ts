// Batches as OTLP/gRPC exports (metrics and logs services), as an
// OpenTelemetry Collector would send them. An UNAVAILABLE answer (impactd's
// overload signal) is retried after a pause, as the OTLP spec asks of
// exporters; partial_success counts the rejected items.
import { Client, credentials, Metadata, type ServiceError, status } from "@grpc/grpc-js";
import type { Event } from "../gen/impactd/v1/event.js";
import {
  ExportLogsServiceRequest,
  ExportLogsServiceResponse,
} from "../gen/opentelemetry/proto/collector/logs/v1/logs_service.js";
import {
  ExportMetricsServiceRequest,
  ExportMetricsServiceResponse,
} from "../gen/opentelemetry/proto/collector/metrics/v1/metrics_service.js";
import { toOtlp } from "./otlp.js";
import {
  type Ack,
  DEFAULT_MAX_RETRIES,
  DEFAULT_RETRY_DELAY_MS,
  LoadTargetError,
  type Prepared,
  type Sender,
  sleep,
} from "./sender.js";

const METRICS_PATH = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
const LOGS_PATH = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

/** OtlpPayload is one batch as encoded export requests. */
export interface OtlpPayload {
  metrics: Buffer | undefined;
  metricPoints: number;
  logs: Buffer | undefined;
  logRecords: number;
}

/** OtlpSender exports batches to an OTLP/gRPC receiver. */
export class OtlpSender implements Sender<OtlpPayload> {
  readonly via = "otlp" as const;
  private readonly client: Client;
  private readonly md = new Metadata();

  constructor(
    readonly address: string,
    tenant?: string,
  ) {
    this.client = new Client(address, credentials.createInsecure(), {
      "grpc.max_send_message_length": 64 * 1024 * 1024,
    });
    if (tenant !== undefined && tenant !== "default") this.md.set("x-scope-orgid", tenant);
  }

  prepare(events: readonly Event[], firstSeq: number): Prepared<OtlpPayload> {
    const b = toOtlp(events, firstSeq);
    let metricPoints = 0;
    for (const rm of b.metrics?.resourceMetrics ?? [])
      for (const sm of rm.scopeMetrics)
        for (const m of sm.metrics)
          metricPoints += m.data?.$case === "gauge" ? m.data.value.dataPoints.length : 0;
    return {
      count: b.items,
      firstSeq,
      payload: {
        metrics:
          b.metrics === undefined
            ? undefined
            : Buffer.from(ExportMetricsServiceRequest.encode(b.metrics).finish()),
        metricPoints,
        logs:
          b.logs === undefined
            ? undefined
            : Buffer.from(ExportLogsServiceRequest.encode(b.logs).finish()),
        logRecords: b.items - metricPoints,
      },
    };
  }

  private unary<R>(path: string, body: Buffer, decode: (b: Buffer) => R): Promise<R> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest<Buffer, R>(
        path,
        (b) => b,
        decode,
        body,
        this.md,
        {},
        (err: ServiceError | null, res?: R) => (err ? reject(err) : resolve(res as R)),
      );
    });
  }

  // One export, retried while the receiver answers UNAVAILABLE.
  private async exportOnce<R>(
    path: string,
    body: Buffer,
    decode: (b: Buffer) => R,
    ack: Ack,
  ): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.unary(path, body, decode);
      } catch (err) {
        const e = err as ServiceError;
        if (e.code !== status.UNAVAILABLE || attempt >= DEFAULT_MAX_RETRIES) {
          throw new LoadTargetError(`OTLP export to ${this.address}: ${e.message}`, { cause: e });
        }
        ack.retries++;
        await sleep(DEFAULT_RETRY_DELAY_MS);
      }
    }
  }

  async send(batch: Prepared<OtlpPayload>): Promise<Ack> {
    const p = batch.payload;
    const ack: Ack = { accepted: 0, rejected: 0, duplicates: 0, retries: 0 };
    const [m, l] = await Promise.all([
      p.metrics === undefined
        ? undefined
        : this.exportOnce(
            METRICS_PATH,
            p.metrics,
            (b) => ExportMetricsServiceResponse.decode(b),
            ack,
          ),
      p.logs === undefined
        ? undefined
        : this.exportOnce(LOGS_PATH, p.logs, (b) => ExportLogsServiceResponse.decode(b), ack),
    ]);
    ack.rejected =
      Number(m?.partialSuccess?.rejectedDataPoints ?? 0) +
      Number(l?.partialSuccess?.rejectedLogRecords ?? 0);
    ack.accepted = batch.count - ack.rejected;
    return ack;
  }

  close(): Promise<void> {
    this.client.close();
    return Promise.resolve();
  }
}
