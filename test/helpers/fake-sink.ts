// A SinkConnection that can be switched down, slow or up, for backpressure
// tests that need no database. It counts rows per table and keeps only the
// rejected_events rows (few, and the tests read them).
import type { QueryParams, SinkConnection } from "../../src/sinks/connection.js";
import { modernDialect } from "../../src/sinks/dialect.js";
import { SinkError } from "../../src/sinks/errors.js";
import { REJECTED_EVENTS_DATA } from "../../src/sinks/schema/index.js";

/** ControlledConnection is a fake sink whose availability the test controls. */
export class ControlledConnection implements SinkConnection {
  readonly kind = "chdb" as const;
  readonly dialect = modernDialect("26.7");
  readonly database = "default";
  /** "down" fails every insert (retryably); "up" accepts after `delayMs`. */
  mode: "up" | "down" = "up";
  delayMs = 0;
  readonly rows = new Map<string, number>();
  readonly rejected: Record<string, unknown>[] = [];
  inserts = 0;

  async insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    this.inserts++;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.mode === "down")
      throw new SinkError("connection refused (test sink is down)", { retryable: true });
    this.rows.set(table, (this.rows.get(table) ?? 0) + rows.length);
    if (table === REJECTED_EVENTS_DATA.name) this.rejected.push(...rows);
  }

  async command(_sql: string): Promise<void> {}

  async query<T>(_sql: string, _params?: QueryParams): Promise<T[]> {
    return [];
  }

  async close(): Promise<void> {}

  /** count is the rows written to `table`. */
  count(table: string): number {
    return this.rows.get(table) ?? 0;
  }
}
