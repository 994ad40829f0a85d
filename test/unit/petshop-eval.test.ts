// The PetShop evaluation end to end on a small fixture in the dataset's
// format, the reading of impactd's answer from incidents, the command's
// arguments, and (when the dataset is there) the real PetShop data.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parsePetshopArgs } from "../../src/cli/commands/eval-petshop.js";
import { InvalidArgumentError } from "../../src/errors.js";
import {
  blamedIn,
  DEFAULT_PETSHOP_CONFIG,
  explain,
  formatPetshopReport,
  PETSHOP_CREDIT,
  parseGraphCsv,
  parseMetricsCsv,
  replay,
  runPetshopEval,
} from "../../src/eval/petshop/index.js";
import { Incident, IncidentStatus } from "../../src/gen/impactd/v1/incident.js";

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = join(here, "..", "fixtures", "petshop");
const MIN = 60_000;

describe("PetShop evaluation on the fixture", () => {
  it("ranks the slowed and the failing service first, blames nothing on normal data", async () => {
    const r = await runPetshopEval({ path: FIXTURE });
    expect(r.issues).toBe(2);
    expect(r.rejected).toEqual({});
    for (const res of r.issue_results) {
      expect(res.normalFrom).toBe("tiny_traffic");
      expect(res.ranked[0]).toBe("Search_AWS::ECS");
      expect(res.hops).toBe(0);
      expect(res.top1).toBe(true);
    }
    expect(r.groups.map((g) => [g.metric, g.top1, g.top3, g.specificity])).toEqual([
      ["latency", 1, 1, 1],
      ["availability", 1, 1, 1],
    ]);
    const spec = r.specificity[0];
    expect(spec?.incidents).toBe(0);
    expect(spec?.windows).toBe(4);
    const table = formatPetshopReport(r);
    expect(table).toContain("tiny_traffic");
    expect(table).toContain(PETSHOP_CREDIT);
  });

  it("learns from the scenario's own normal data, not the fallback", async () => {
    const r = await runPetshopEval({
      path: FIXTURE,
      config: { ...DEFAULT_PETSHOP_CONFIG, fallbackNormal: "none" },
    });
    // Still has its own normal data: the fallback is not used.
    expect(r.issue_results.every((x) => x.top1)).toBe(true);
  });
});

describe("replay", () => {
  it("counts samples the pipeline refuses instead of dropping them silently", async () => {
    const graph = parseGraphCsv(",A\nA,0\n", "g.csv");
    const rows = ["microservice,A", "metric,availability", "statistic,Average"];
    for (let i = 0; i < 3; i++) rows.push(`${1681000000 + 300 * i}.0,${i === 1 ? 150 : 100}`);
    const table = parseMetricsCsv(rows.join("\n"), "m.csv");
    const r = await replay(graph, [{ table, from: 0, to: 3, offsetMs: 0 }], DEFAULT_PETSHOP_CONFIG);
    expect(r.events).toBe(3);
    expect(r.rejected).toEqual({ INVALID_VALUE: 1 });
  });
});

function incident(id: string, services: string[], opened: number, resolved = 0): Incident {
  return Incident.fromPartial({
    id,
    status:
      resolved > 0 ? IncidentStatus.INCIDENT_STATUS_RESOLVED : IncidentStatus.INCIDENT_STATUS_OPEN,
    openedUnixMs: opened,
    resolvedUnixMs: resolved,
    services,
    rootCauses: services.map((s, i) => ({ service: s, rank: i + 1, score: 3 - i })),
  });
}

describe("reading impactd's answer", () => {
  const graph = parseGraphCsv(
    ",Site,Search,Table,Lb\nSite,0,1,0,1\nSearch,0,0,1,0\nTable,0,0,0,0\nLb,0,0,0,0\n",
    "g.csv",
  );
  const w = { startMs: 100 * MIN, endMs: 125 * MIN };
  const id = (s: string) => s;

  it("prefers the incident that contains the target over a nearer-in-time one", () => {
    const a = incident("a", ["Table"], 110 * MIN);
    const b = incident("b", ["Site", "Search"], 112 * MIN);
    const ans = explain([a, b], graph, "Site", 108 * MIN, w, id);
    expect(ans?.hops).toBe(0);
    expect(ans?.ranked).toEqual(["Site", "Search"]);
  });

  it("merges the candidates of equally near incidents by score", () => {
    const a = incident("a", ["Lb"], 110 * MIN);
    const b = incident("b", ["Search", "Table"], 110 * MIN);
    const ans = explain([a, b], graph, "Site", 108 * MIN, w, id);
    expect(ans?.hops).toBe(1);
    expect(ans?.incidents.map((i) => i.id).sort()).toEqual(["a", "b"]);
    expect(ans?.ranked).toEqual(["Lb", "Search", "Table"]);
    // Lb and Search both score 3: first place is a tie, whatever the order.
    expect(ans?.tiedFirst).toBe(2);
  });

  it("counts a clear first place as untied", () => {
    const b = incident("b", ["Search", "Table"], 110 * MIN);
    expect(explain([b], graph, "Site", 108 * MIN, w, id)?.tiedFirst).toBe(1);
  });

  it("ignores incidents resolved before the window or opened after it", () => {
    const before = incident("x", ["Site"], 50 * MIN, 60 * MIN);
    const after = incident("y", ["Site"], 130 * MIN);
    expect(explain([before, after], graph, "Site", 108 * MIN, w, id)).toBeUndefined();
    expect(blamedIn([before, after], w)).toEqual([]);
    const open = incident("z", ["Table"], 20 * MIN);
    expect(blamedIn([open], w).map((i) => i.id)).toEqual(["z"]);
  });
});

describe("impactd eval --dataset petshop arguments", () => {
  it("needs the petshop dataset and a path", () => {
    expect(parsePetshopArgs(["--dataset", "petshop", "--path", "d", "--json"])).toEqual({
      path: "d",
      json: true,
      out: undefined,
      reverseOrder: false,
    });
    expect(
      parsePetshopArgs(["--dataset", "petshop", "--path", "d", "--reverse-order"]).reverseOrder,
    ).toBe(true);
    expect(() => parsePetshopArgs(["--dataset", "other", "--path", "d"])).toThrow(
      InvalidArgumentError,
    );
    expect(() => parsePetshopArgs(["--dataset", "petshop"])).toThrow(/--path DIR is required/);
    expect(() => parsePetshopArgs(["--dataset", "petshop", "--path", "d", "--bogus"])).toThrow(
      InvalidArgumentError,
    );
  });

  it("refuses a directory without scenarios", async () => {
    await expect(runPetshopEval({ path: here })).rejects.toThrow(/no scenario folders/);
  });
});

// The real dataset lives beside the repository (../shared/datasets/petshop)
// or where IMPACTD_PETSHOP_DIR says.
const REAL = [
  process.env.IMPACTD_PETSHOP_DIR,
  resolve(here, "..", "..", "..", "shared", "datasets", "petshop"),
  resolve(here, "..", "..", "..", "..", "shared", "datasets", "petshop"),
].find((p) => p !== undefined && p !== "" && existsSync(join(p, "low_traffic", "graph.csv")));

if (REAL === undefined) {
  console.warn(
    "petshop-eval: the PetShop dataset is not there (set IMPACTD_PETSHOP_DIR or put it in ../shared/datasets/petshop): skipping the real-data test",
  );
}

describe.skipIf(REAL === undefined)("PetShop dataset (real data)", () => {
  it.each([
    ["file", false],
    ["reversed", true],
  ])(
    "replays every issue without a rejection and beats every reference top-1 figure (components in %s order)",
    async (_order, reverseOrder) => {
      const r = await runPetshopEval({ path: REAL as string, reverseOrder });
      expect(r.groups.length).toBeGreaterThanOrEqual(8);
      expect(r.issues).toBeGreaterThanOrEqual(20);
      expect(r.rejected).toEqual({});
      expect(r.issue_results.every((x) => x.ranked.length > 0)).toBe(true);
      const referenced = r.groups.filter((g) => g.reference !== null);
      expect(referenced).toHaveLength(4);
      for (const g of referenced) {
        expect(g.top1, `${g.scenario} ${g.metric} top-1`).toBeGreaterThan(g.reference?.top1 ?? 1);
        expect(g.top3, `${g.scenario} ${g.metric} top-3`).toBeGreaterThanOrEqual(
          g.reference?.top3 ?? 1,
        );
      }
      // No first place may rest on a tie-break.
      expect(r.issue_results.filter((x) => x.top1 && x.tiedFirst > 1)).toEqual([]);
      for (const s of r.specificity) expect(s.shortSpecificity).toBeGreaterThan(0.5);
    },
  );
});
