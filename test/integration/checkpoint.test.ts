// A restart resumes from the checkpoint written at a clean stop: open
// incidents, de-duplication and pending events carry over.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Event } from "../../src/gen/impactd/v1/event.js";
import { IncidentStatus } from "../../src/gen/impactd/v1/incident.js";
import { startRuntime } from "../../src/server/runtime.js";
import { loadTopologyFile } from "../../src/topology/index.js";
import { testConfig } from "../helpers/config.js";

const dir = mkdtempSync(join(tmpdir(), "impactd-ckpt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = testConfig(dir);
const T0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;
const health = (ts: number, service: string, status: number, id: string): Event => ({
  tsUnixMs: ts,
  source: "t",
  tenant: "",
  id,
  kind: { $case: "healthCheck", value: { service, status, message: "" } },
});

describe("checkpoints", () => {
  it("carries open incidents and seen ids across a restart and continues them", async () => {
    const topology = loadTopologyFile("examples/shop.yaml");
    const first = await startRuntime(config, { topology });
    await first.pipeline.submit(
      [
        health(T0, "orders-db", 3, "a"),
        health(T0 + 5_000, "orders", 3, "b"),
        health(T0 + 10_000, "search", 1, "c"),
      ],
      { frontEnd: "test" },
    );
    const before = first.pipeline.incidents("default");
    expect(before.map((i) => i.status)).toEqual([IncidentStatus.INCIDENT_STATUS_OPEN]);
    await first.stop();
    expect(readdirSync(join(dir, "checkpoints"))).toEqual(["default.ckpt"]);

    const second = await startRuntime(config);
    try {
      expect(second.pipeline.incidents("default")).toEqual(before);
      // The same ids again are recognised as duplicates after the restart.
      const again = await second.pipeline.submit([health(T0, "orders-db", 3, "a")], {
        frontEnd: "test",
      });
      expect(again.duplicates).toBe(1);
      // Recovery and time passing resolve the incident opened before the restart.
      await second.pipeline.submit(
        [
          health(T0 + 60_000, "orders-db", 1, "d"),
          health(T0 + 60_000, "orders", 1, "e"),
          health(T0 + 3_600_000, "search", 1, "f"),
        ],
        { frontEnd: "test" },
      );
      const after = second.pipeline.incidents("default");
      expect(after[0]?.id).toBe(before[0]?.id);
      expect(after[0]?.status).toBe(IncidentStatus.INCIDENT_STATUS_RESOLVED);
    } finally {
      await second.stop();
    }
  });
});
