// HTTP errors with a stable code, answered as
// {"error": {"code": "...", "message": "..."}} (codes in docs/INGEST.md).
import { ImpactdError } from "../../errors.js";

/** HttpError is a refusal with an HTTP status and a stable code. */
export class HttpError extends ImpactdError {
  /** HTTP status to answer with. */
  readonly status: number;
  /** Whether the refused payload is stored in rejected_events. */
  readonly record: boolean;
  /** Extra response fields (per-item rejections). */
  readonly extra: Record<string, unknown>;
  /** The start of the refused payload, for rejected_events. */
  readonly payload: string;

  constructor(
    status: number,
    code: string,
    message: string,
    options: {
      record?: boolean;
      retryable?: boolean;
      extra?: Record<string, unknown>;
      payload?: string;
    } = {},
  ) {
    super(code, message, { retryable: options.retryable ?? false });
    this.status = status;
    this.record = options.record ?? false;
    this.extra = options.extra ?? {};
    this.payload = options.payload ?? "";
  }
}

/** errorBody renders the JSON body of an error response. */
export function errorBody(
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({ error: { code, message }, ...extra });
}
