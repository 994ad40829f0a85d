// Why a delivery failed, as a stable code (a metric label and the
// notifications table's last_error prefix) and whether a retry can help.
import { ImpactdError } from "../errors.js";

/** DeliveryErrorCode names the ways a delivery fails. */
export type DeliveryErrorCode =
  /** The receiver answered 429 or 5xx: try again later. */
  | "RECEIVER_UNAVAILABLE"
  /** The receiver refused the payload (4xx): sending it again cannot help. */
  | "RECEIVER_REJECTED"
  /** No connection (refused, reset, DNS): try again later. */
  | "RECEIVER_UNREACHABLE"
  /** No answer within the request timeout. */
  | "DELIVERY_TIMEOUT"
  /** A nats target exists but impactd has no NATS server to publish to. */
  | "NATS_NOT_CONFIGURED";

/** DeliveryError reports one failed delivery attempt. */
export class DeliveryError extends ImpactdError {
  /** How long the receiver asked us to wait (Retry-After), if it did. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: DeliveryErrorCode,
    message: string,
    options: { cause?: unknown; retryable: boolean; retryAfterMs?: number },
  ) {
    super(code, message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}
