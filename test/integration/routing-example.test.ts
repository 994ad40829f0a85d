// The worked example of docs/ROUTING.md: the `impactd demo` scenario (seed 1,
// 30 simulated minutes of the sample shop) through a real runtime, with the
// payments team's pages going to an Alertmanager webhook and PagerDuty
// receiver started by the test. It checks the routing and paging story the
// doc tells and prints the figures the doc quotes:
//   npx vitest run test/integration/routing-example.test.ts
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { Event } from "../../src/gen/impactd/v1/event.js";
import { IncidentStatus } from "../../src/gen/impactd/v1/incident.js";
import { ownerOf, routingReport } from "../../src/notify/index.js";
import { DEFAULT_LIMITS } from "../../src/pipeline/validate.js";
import { startRuntime } from "../../src/server/runtime.js";
import { demoScenario, Simulator } from "../../src/sim/index.js";
import { loadTopologyFile } from "../../src/topology/index.js";
import { testConfig } from "../helpers/config.js";
import { type Received, Receiver, target } from "../helpers/notify.js";

const DURATION = 30 * 60_000;
const dir = mkdtempSync(join(tmpdir(), "impactd-routing-example-"));
const receiver = new Receiver();
afterAll(async () => {
  await receiver.stop();
  rmSync(dir, { recursive: true, force: true });
});

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

describe("worked example: the payments-db outage of impactd demo", () => {
  it("is routed to payments, pages tier 2 at once for customer impact, and tells only what changed", async () => {
    const base = await receiver.start();
    const topology = loadTopologyFile("examples/shop.yaml");
    topology.teams = topology.teams.map((t) =>
      t.name === "payments"
        ? { ...t, notify: [target("am", "am", `${base}/am`), target("pd", "pd", `${base}/pd`)] }
        : t,
    );
    const start = Math.floor((Date.now() - DURATION) / 60_000) * 60_000;
    const rt = await startRuntime(testConfig(dir), {
      topology,
      checkpoints: false,
      limits: { ...DEFAULT_LIMITS, maxPastMs: DURATION + 86_400_000 },
      notify: { tickMs: 20 },
    });
    try {
      const sim = new Simulator(topology, {
        seed: 1,
        startMs: start,
        durationMs: DURATION,
        faults: demoScenario(DURATION, topology),
      });
      let batch: Event[] = [];
      for (const ev of sim.events()) {
        batch.push(ev);
        if (batch.length < 500) continue;
        await rt.pipeline.submit(batch, { frontEnd: "sim" });
        rt.notifier.tick(); // group waits follow the watermark batch by batch, as in the demo
        batch = [];
      }
      await rt.pipeline.submit(batch, { frontEnd: "sim" });
      await rt.pipeline.flush();
      rt.notifier.tick();
      await rt.notifier.settled();
      await vi.waitFor(() => expect(rt.notifier.stats().queued).toBe(0));

      const all = rt.pipeline.incidents("default");
      const inc = all.find((i) => i.rootCauses[0]?.service === "payments-db");
      expect(inc).toBeDefined();
      if (inc === undefined) return;
      const opened = inc.openedUnixMs;
      const rel = (ms: number) => `+${Math.round((ms - opened) / 1000)} s`;
      console.log(
        `incident ${inc.id} opened ${clock(opened)} (simulation started ${clock(start)})`,
      );
      console.log(
        `  team ${inc.team}: ${inc.routingReason}; failure kinds ${inc.failureKinds.join(", ")}`,
      );
      console.log(`  peak ${Math.round(inc.peakCustomersAffectedPerMin)} customers/min affected`);
      for (const p of inc.pages)
        console.log(`  page tier ${p.tier + 1} ${p.target} (${p.cause}) at ${rel(p.atUnixMs)}`);
      for (const r of receiver.got) {
        const pd = r.path === "/pd";
        const details = (r.json.payload as { custom_details?: Record<string, unknown> } | undefined)
          ?.custom_details;
        const ann = (r.json.alerts as { annotations: Record<string, string> }[] | undefined)?.[0]
          ?.annotations;
        console.log(
          `  ${r.path} ${pd ? r.json.event_action : r.json.status} ${pd ? (details?.what_changed ?? "") : ann?.description} [${r.headers["idempotency-key"]}]`,
        );
      }
      const rows = await rt.sink.conn.query<{ change: string; target: string; ts: string }>(
        "SELECT change, target, toString(ts) AS ts FROM notifications ORDER BY created_at, target",
      );
      for (const row of rows) console.log(`  row ${row.target} ${row.change} at ${row.ts}`);
      const merged = all.filter((i) => i.status === IncidentStatus.INCIDENT_STATUS_MERGED);
      console.log(
        `  merged: ${merged.map((i) => `${i.id} into ${i.mergedInto} ${rel(i.updatedUnixMs)}`).join("; ")}`,
      );
      const truth = sim
        .groundTruth()
        .filter((f) => !f.noise)
        .map((f) => ({ rootCause: f.rootCause, ownerTeam: ownerOf(topology, f.rootCause) }));
      const report = routingReport(truth, all);
      console.log(
        `  routing: ${report.correct}/${report.scored} faults routed first to the owner; unrouted incidents: ${report.unrouted.length}`,
      );
      for (const c of report.cases)
        console.log(
          `    ${c.rootCause}: owner ${c.ownerTeam}, first routed to ${c.firstTeam} (${c.incident})`,
        );

      // Routed to the owner of the root cause, with the skill noted.
      expect(inc.team).toBe("payments");
      expect(inc.routingReason).toBe("owns payments-db (skill match: database)");
      // Tier 1 when routed; tier 2 before tier 1's 5 minutes ran out, because the
      // outage cost more than the team's 200 customers a minute; tier 3 when
      // tier 2 did not acknowledge within its 10 minutes.
      expect(inc.pages.map((p) => [p.tier, p.target, p.cause])).toEqual([
        [0, "@payments-primary", "routed"],
        [1, "@payments-secondary", "customer impact"],
        [2, "@payments-manager", "not acknowledged in time"],
      ]);
      const [t1, t2, t3] = inc.pages.map((p) => p.atUnixMs) as [number, number, number];
      expect(t1).toBe(opened);
      expect(t2 - t1).toBeLessThan(5 * 60_000);
      expect(t3 - t2).toBe(10 * 60_000);
      // One notification per change to each of the team's two targets, about
      // this incident only (the incidents merged into it never notified).
      const change = (r: Received) =>
        (r.json.alerts as { annotations: { change: string } }[])[0]?.annotations.change;
      expect(receiver.on("/am").map(change)).toEqual([
        "opened",
        "escalated",
        "escalated",
        "resolved",
      ]);
      const pd = receiver.on("/pd");
      expect(pd.map((r) => r.json.event_action)).toEqual([
        "trigger",
        "trigger",
        "trigger",
        "resolve",
      ]);
      expect(merged.length).toBeGreaterThan(0);
      const key = `impactd/default/${inc.id}`;
      expect(receiver.got.every((r) => r.headers["x-impactd-dedup-key"] === key)).toBe(true);
      expect(new Set(pd.map((r) => r.json.dedup_key))).toEqual(new Set([key]));
      expect(new Set(receiver.got.map((r) => r.headers["idempotency-key"])).size).toBe(8);
      // Every fault's incident went first to the owner of its root cause.
      expect(report.accuracy).toBe(1);
      expect(report.unrouted).toEqual([]);
    } finally {
      await rt.stop();
    }
  });
});
