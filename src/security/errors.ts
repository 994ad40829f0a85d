// Errors the security layer raises. Each maps to one gRPC status and one HTTP
// status, so every front end answers the same failure the same way.
import { status } from "@grpc/grpc-js";
import { ImpactdError } from "../errors.js";

/** UnauthenticatedError: no credentials, or credentials nobody issued. */
export class UnauthenticatedError extends ImpactdError {
  constructor(message: string) {
    super("UNAUTHENTICATED", message);
  }
}

/** PermissionDeniedError: the caller is known but its roles do not allow the call. */
export class PermissionDeniedError extends ImpactdError {
  constructor(message: string) {
    super("PERMISSION_DENIED", message);
  }
}

/** LimitExceededError: the client sent more than its message, batch or rate limit. */
export class LimitExceededError extends ImpactdError {
  constructor(
    /** Stable reject code: RATE_LIMITED, MESSAGE_TOO_LARGE or BATCH_TOO_LARGE. */
    readonly reject: string,
    message: string,
    /** When a retry may succeed (rate limits); 0 = do not retry as is. */
    readonly retryAfterMs = 0,
  ) {
    super("RESOURCE_EXHAUSTED", message, { retryable: retryAfterMs > 0 });
  }
}

/** OverloadedError: the sink is not keeping up; retry later. */
export class OverloadedError extends ImpactdError {
  constructor(
    message: string,
    /** Suggested wait before retrying. */
    readonly retryAfterMs: number,
  ) {
    super("UNAVAILABLE", message, { retryable: true });
  }
}

const GRPC: Record<string, status> = {
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
};

const HTTP: Record<string, number> = {
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 429,
  UNAVAILABLE: 503,
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
};

/** grpcStatusOf maps an error to the gRPC status a front end answers with. */
export function grpcStatusOf(err: unknown): status {
  if (err instanceof ImpactdError)
    return GRPC[err.code] ?? (err.retryable ? status.UNAVAILABLE : status.INTERNAL);
  return status.INTERNAL;
}

/** httpStatusOf maps an error to the HTTP status a front end answers with. */
export function httpStatusOf(err: unknown): number {
  if (err instanceof ImpactdError) return HTTP[err.code] ?? (err.retryable ? 503 : 500);
  return 500;
}
