// The shared sink suite against a real clickhouse-server (Debian's 18.16, the
// legacy mapping) that this file starts on free loopback ports in a temp dir.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openSink } from "../../src/sinks/index.js";
import { type ClickHouseServer, startClickHouseServer } from "../harness/clickhouse-server.js";
import { sinkSuite } from "./sink-suite.js";

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

  sinkSuite(() => ({
    open: (writer) =>
      openSink({ kind: "clickhouse", url: server.url, database: `s${++databases}`, writer }),
  }));
});
