// Publishes a notification on its NATS subject with the notification id as
// Nats-Msg-Id: a JetStream stream capturing the subject drops a resend
// within its duplicate window, and plain subscribers can de-duplicate on it.
// The send resolves after a flush, i.e. once the server has the message.
import { connect, headers, type NatsConnection } from "nats";
import { DeliveryError } from "../errors.js";
import type { NotifierSettings } from "../options.js";
import type { NotificationRow } from "../rows.js";
import type { Transport } from "./transport.js";

/** NatsTransport publishes on the subjects of nats targets over one lazy connection. */
export class NatsTransport implements Transport {
  private conn: Promise<NatsConnection> | undefined;
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly options: NotifierSettings["nats"],
    private readonly timeoutMs: number,
  ) {}

  private connection(): Promise<NatsConnection> {
    if (this.options === undefined) {
      return Promise.reject(
        new DeliveryError(
          "NATS_NOT_CONFIGURED",
          "a nats notification target needs a NATS server: set the notifier's nats options",
          { retryable: false },
        ),
      );
    }
    this.conn ??= connect({ ...this.options, name: this.options.name ?? "impactd-notify" }).catch(
      (err: unknown) => {
        this.conn = undefined;
        throw new DeliveryError(
          "RECEIVER_UNREACHABLE",
          `cannot connect to NATS: ${(err as Error).message}`,
          {
            retryable: true,
            cause: err,
          },
        );
      },
    );
    return this.conn;
  }

  async send(row: NotificationRow, signal: AbortSignal): Promise<void> {
    const nc = await this.connection();
    if (signal.aborted) throw signal.reason;
    const h = headers();
    h.set("Nats-Msg-Id", row.notification_id);
    h.set("Impactd-Dedup-Key", row.dedup_key);
    nc.publish(row.address, this.encoder.encode(row.payload), { headers: h });
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await Promise.race([
        nc.flush(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new DeliveryError(
                  "DELIVERY_TIMEOUT",
                  `NATS did not confirm within ${this.timeoutMs} ms`,
                  {
                    retryable: true,
                  },
                ),
              ),
            this.timeoutMs,
          );
          onAbort = () => reject(signal.reason);
          signal.addEventListener("abort", onAbort, { once: true });
        }),
      ]);
    } catch (err) {
      if (err instanceof DeliveryError || signal.aborted) throw err;
      throw new DeliveryError(
        "RECEIVER_UNREACHABLE",
        `NATS publish failed: ${(err as Error).message}`,
        {
          retryable: true,
          cause: err,
        },
      );
    } finally {
      clearTimeout(timer);
      if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
    }
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = undefined;
    if (c === undefined) return;
    try {
      await (await c).close();
    } catch {
      // never connected: nothing to close
    }
  }
}
