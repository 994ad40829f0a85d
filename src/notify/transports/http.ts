// POSTs a notification's JSON body (Alertmanager webhook, PagerDuty Events
// v2) with Node's fetch. The status decides what happens next: 2xx is
// delivered, 408/429/5xx and connection failures are retried (honouring
// Retry-After), any other answer is a refusal no retry can fix.
import { DeliveryError } from "../errors.js";
import type { NotificationRow } from "../rows.js";
import { deliveryHeaders, type Transport } from "./transport.js";

/** MAX_ERROR_BODY bounds the part of a refusal's body kept in last_error. */
const MAX_ERROR_BODY = 300;

/** retryAfterMs reads a Retry-After header (seconds or an HTTP date), or undefined. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** HttpTransport posts JSON bodies to webhook and PagerDuty URLs. */
export class HttpTransport implements Transport {
  constructor(
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async send(row: NotificationRow, signal: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(row.address, {
        method: "POST",
        headers: deliveryHeaders(row),
        body: row.payload,
        signal: AbortSignal.any([signal, timeout]),
        redirect: "error",
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted)
        throw new DeliveryError(
          "DELIVERY_TIMEOUT",
          `no answer from ${row.address} within ${this.timeoutMs} ms`,
          {
            retryable: true,
            cause: err,
          },
        );
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new DeliveryError(
        "RECEIVER_UNREACHABLE",
        `cannot reach ${row.address}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
        { retryable: true, cause: err },
      );
    }
    const text = await res.text().catch(() => "");
    if (res.ok) return;
    const excerpt = text.length > MAX_ERROR_BODY ? `${text.slice(0, MAX_ERROR_BODY)}…` : text;
    const message = `${row.address} answered ${res.status}${excerpt === "" ? "" : `: ${excerpt}`}`;
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      const after = retryAfterMs(res.headers.get("retry-after"), this.now());
      throw new DeliveryError("RECEIVER_UNAVAILABLE", message, {
        retryable: true,
        ...(after === undefined ? {} : { retryAfterMs: after }),
      });
    }
    throw new DeliveryError("RECEIVER_REJECTED", message, { retryable: false });
  }

  async close(): Promise<void> {}
}
