// The shared sink suite against a real clickhouse-server (Debian's 18.16, the
// legacy mapping) that this file starts on free loopback ports in a temp dir.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openSink } from "../../src/sinks/index.js";
import { type ClickHouseServer, startClickHouseServer } from "../helpers/clickhouse-server.js";
import { event } from "../helpers/sink-fixtures.js";
import { sinkSuite } from "../helpers/sink-suite.js";

let server: ClickHouseServer;
let databases = 0;

beforeAll(async () => {
  server = await startClickHouseServer();
});

afterAll(async () => {
  await server?.stop();
});

describe("clickhouse-server", () => {
  test("the server is 18.16 and gets the legacy mapping", async () => {
    const sink = await openSink({ kind: "clickhouse", url: server.url, database: "version_check" });
    try {
      expect(sink.conn.dialect).toMatchObject({ name: "legacy", queryParams: false, ttl: false });
      expect(sink.conn.dialect.version).toMatch(/^18\.16\./);
    } finally {
      await sink.close();
    }
  });

  test("without TTL, retention drops the partitions older than it", async () => {
    const day = 86_400_000;
    const now = Date.now();
    const first = await openSink({ kind: "clickhouse", url: server.url, database: "retention" });
    try {
      await first.events.write([
        event(1, { ts: now - 40 * day }),
        event(2, { ts: now - 35 * day }),
        event(3, { ts: now - 2 * day }),
        event(4, { ts: now }),
      ]);
    } finally {
      await first.close();
    }
    const messages: string[] = [];
    const again = await openSink({
      kind: "clickhouse",
      url: server.url,
      database: "retention",
      retentionDays: { events_data: 30 },
      onProgress: (m) => messages.push(m),
    });
    try {
      expect(messages.filter((m) => m.includes("DROP PARTITION"))).toHaveLength(2);
      const left = await again.conn.query<{ event_id: string }>(
        "SELECT event_id FROM retention.events ORDER BY event_id",
      );
      expect(left.map((r) => r.event_id)).toEqual(["ev-3", "ev-4"]);
    } finally {
      await again.close();
    }
  });

  sinkSuite(() => ({
    open: (writer) =>
      openSink({ kind: "clickhouse", url: server.url, database: `s${++databases}`, writer }),
  }));
});
