// The runtime's pipeline sink says "overloaded" exactly while a table writer
// has callers queued for room, which is what makes OTLP answer UNAVAILABLE
// and HTTP answer 503.
import { describe, expect, it } from "vitest";
import { sinkAdapter } from "../../src/server/runtime.js";
import { modernDialect } from "../../src/sinks/dialect.js";
import type { SinkConnection } from "../../src/sinks/index.js";
import { sinkOver } from "../../src/sinks/index.js";
import type { EventRow } from "../../src/sinks/rows.js";

describe("sink overload signal", () => {
  it("turns on while writers wait for room and off once the sink drains", async () => {
    let release: () => void = () => {};
    const stalled = new Promise<void>((r) => {
      release = r;
    });
    const conn: SinkConnection = {
      kind: "chdb",
      dialect: modernDialect("26.7"),
      database: "default",
      command: async () => {},
      insert: () => stalled,
      query: async () => [],
      close: async () => {},
    };
    const sink = sinkOver(conn, { maxRows: 2, maxBufferedRows: 2, lingerMs: 1 });
    const adapter = sinkAdapter(sink);
    const row = {} as EventRow;
    expect(adapter.overloaded?.()).toBe(false);
    const first = adapter.writeEvents([row, row]);
    expect(adapter.overloaded?.()).toBe(false);
    const second = adapter.writeEvents([row]);
    await new Promise((r) => setTimeout(r, 10));
    expect(adapter.overloaded?.()).toBe(true);
    release();
    await Promise.all([first, second]);
    expect(adapter.overloaded?.()).toBe(false);
    await sink.close();
  });
});
