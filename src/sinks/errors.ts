// Sink errors and the one place that decides whether a ClickHouse failure is
// worth retrying. Shared by every sink (embedded chdb, ClickHouse server), as in
// Vector's ClickHouse sink: bad data or bad SQL never gets better by retrying,
// everything else (memory limits, too many parts, timeouts, network) might.
import { ImpactdError } from "../errors.js";

/**
 * PERMANENT_CLICKHOUSE_CODES are ClickHouse exception codes that mean the
 * statement or its data is wrong (syntax, types, parsing, unknown names), so a
 * retry would fail the same way.
 */
export const PERMANENT_CLICKHOUSE_CODES: ReadonlySet<number> = new Set([
  6, // CANNOT_PARSE_TEXT
  16, // NO_SUCH_COLUMN_IN_TABLE
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  32, // ATTEMPT_TO_READ_AFTER_EOF
  33, // CANNOT_READ_ALL_DATA
  36, // BAD_ARGUMENTS
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  42, // NUMBER_OF_ARGUMENTS_DOESNT_MATCH
  43, // ILLEGAL_TYPE_OF_ARGUMENT
  44, // ILLEGAL_COLUMN
  46, // UNKNOWN_FUNCTION
  47, // UNKNOWN_IDENTIFIER
  48, // NOT_IMPLEMENTED
  50, // UNKNOWN_TYPE
  53, // TYPE_MISMATCH
  57, // TABLE_ALREADY_EXISTS
  60, // UNKNOWN_TABLE
  62, // SYNTAX_ERROR
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  81, // UNKNOWN_DATABASE
  115, // UNKNOWN_SETTING
  117, // INCORRECT_DATA
  130, // CANNOT_READ_ARRAY_FROM_TEXT
  131, // TOO_LARGE_STRING_SIZE
  184, // ILLEGAL_AGGREGATION
  215, // NOT_AN_AGGREGATE
  352, // AMBIGUOUS_COLUMN_NAME
  386, // NO_COMMON_TYPE
  456, // UNKNOWN_QUERY_PARAMETER
  457, // BAD_QUERY_PARAMETER
]);

/**
 * SinkError reports a failed sink operation. `clickhouseCode` is the ClickHouse
 * exception code when there is one; `retryable` is false for syntax, type and
 * data errors and true for everything that may pass on a later attempt.
 */
export class SinkError extends ImpactdError {
  readonly clickhouseCode: number | undefined;

  constructor(
    message: string,
    options: { cause?: unknown; retryable?: boolean; clickhouseCode?: number | undefined } = {},
  ) {
    super("SINK_ERROR", message, options);
    this.clickhouseCode = options.clickhouseCode;
  }
}

/** isRetryableClickHouseCode says whether an error with this code may pass on retry. */
export function isRetryableClickHouseCode(code: number | undefined): boolean {
  return code === undefined || !PERMANENT_CLICKHOUSE_CODES.has(code);
}

/** clickHouseMessage shortens a ClickHouse error to its first line plus the error name. */
export function clickHouseMessage(message: string): string {
  // Parse errors carry a multi-line dump of the row being parsed; the first
  // line names the problem and the trailing "(NAME)" the error class, which is
  // what a log line or the CLI should show.
  const firstLine = (message.split("\n", 1)[0] ?? message).replace(/[:\s]+$/, "");
  const name = /\(([A-Z][A-Z0-9_]+)\)\s*$/.exec(message)?.[1];
  return name === undefined || firstLine.includes(`(${name})`)
    ? firstLine
    : `${firstLine} (${name})`;
}

/**
 * SinkDataError reports rows the engine (or the encoder) refused because of
 * their content. Never retried as is; a TableWriter splits the batch to find
 * the bad rows and stores them in rejected_events.
 */
export class SinkDataError extends SinkError {
  constructor(message: string, options: { cause?: unknown; clickhouseCode?: number } = {}) {
    super(message, { ...options, retryable: false });
  }
}

/**
 * DATA_ERROR_CODES are the ClickHouse codes that blame the inserted data
 * rather than the statement: splitting the batch can isolate the bad rows.
 */
export const DATA_ERROR_CODES: ReadonlySet<number> = new Set([
  6, 26, 27, 32, 33, 38, 41, 53, 69, 70, 72, 117, 130, 131,
]);

/** isDataError tells whether a failed INSERT was refused because of its rows. */
export function isDataError(err: unknown): boolean {
  if (err instanceof SinkDataError) return true;
  return (
    err instanceof SinkError &&
    !err.retryable &&
    err.clickhouseCode !== undefined &&
    DATA_ERROR_CODES.has(err.clickhouseCode)
  );
}
