/**
 * ImpactdError is the base of every error impactd raises on purpose. `code` is
 * stable (a metric label and part of API errors); `retryable` says whether
 * trying again can help.
 */
export class ImpactdError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(
    code: string,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** InvalidArgumentError reports a bad option, flag or config value. */
export class InvalidArgumentError extends ImpactdError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("INVALID_ARGUMENT", message, options);
  }
}
