// Errors raised by the NATS front end.
import { ImpactdError } from "../../errors.js";

/** NatsSourceError reports a NATS connection or JetStream set-up failure. */
export class NatsSourceError extends ImpactdError {
  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super("NATS_ERROR", message, options);
  }
}
