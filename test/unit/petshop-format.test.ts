// The PetShop readers and the mapping to impactd input: header layout,
// missing cells, clear errors on malformed files, call-graph direction,
// names, units, and the dataset's split points.
import { describe, expect, it } from "vitest";
import {
  columnId,
  graphTopology,
  PetshopFormatError,
  parseGraphCsv,
  parseMetricsCsv,
  parseTarget,
  protocolSplits,
  ServiceNames,
  stepEvents,
} from "../../src/eval/petshop/index.js";
import { DEFAULT_PETSHOP_CONFIG } from "../../src/eval/petshop/run.js";
import { MetricKind } from "../../src/gen/impactd/v1/event.js";
import { DependencyKind } from "../../src/gen/impactd/v1/topology.js";

const METRICS = [
  "microservice,Search_AWS::ECS,Search_AWS::ECS,Search_AWS::ECS,db remote",
  "metric,latency,availability,requests,latency",
  "statistic,Average,Average,Sum,Average",
  "unix_timestamp,,,,",
  "1681000000.0,0.005,100.0,600.0,0.02",
  "1681000300.0,0.030,97.5,600.0,",
  "1681000600.0,0.006,90.0,4.0,0.02",
].join("\n");

const GRAPH = [
  ",Site,Search_AWS::ECS,db remote",
  "Site,0,1,1",
  "Search_AWS::ECS,0,0,0",
  "db remote,0,0,0",
].join("\n");

describe("metrics.csv", () => {
  it("reads the three header rows, the timestamp label row and missing cells", () => {
    const t = parseMetricsCsv(METRICS, "m.csv");
    expect(t.timestamps).toEqual([1681000000000, 1681000300000, 1681000600000]);
    const lat = t.columns.get(
      columnId({ component: "Search_AWS::ECS", metric: "latency", statistic: "Average" }),
    );
    expect(lat).toEqual([0.005, 0.03, 0.006]);
    const db = t.columns.get(
      columnId({ component: "db remote", metric: "latency", statistic: "Average" }),
    );
    expect(db).toEqual([0.02, undefined, 0.02]);
  });

  it("names the file, row and column of a bad cell", () => {
    const bad = METRICS.replace("97.5", "n/a");
    expect(() => parseMetricsCsv(bad, "x/metrics.csv")).toThrow(PetshopFormatError);
    expect(() => parseMetricsCsv(bad, "x/metrics.csv")).toThrow(
      /x\/metrics\.csv: row 6, column 3: "n\/a" is not a number/,
    );
  });

  it("rejects timestamps that are not unix seconds or do not increase", () => {
    expect(() => parseMetricsCsv(METRICS.replace("1681000300.0", "yesterday"), "m")).toThrow(
      /row 6: timestamp "yesterday" is not unix seconds/,
    );
    expect(() => parseMetricsCsv(METRICS.replace("1681000600.0", "1681000000.0"), "m")).toThrow(
      /row 7: timestamps must increase/,
    );
  });

  it("rejects a file without the three header rows", () => {
    expect(() => parseMetricsCsv("microservice,a\nmetric,latency\n", "m")).toThrow(
      /three header rows/,
    );
  });
});

describe("graph.csv", () => {
  it("reads a 1 in row R, column C as R calls C", () => {
    const g = parseGraphCsv(GRAPH, "g.csv");
    expect(g.nodes).toEqual(["Site", "Search_AWS::ECS", "db remote"]);
    expect(g.calls.get("Site")).toEqual(["Search_AWS::ECS", "db remote"]);
    expect(g.calls.get("Search_AWS::ECS")).toEqual([]);
  });

  it("turns calls into hard dependencies of the caller, with valid service names", () => {
    const names = new ServiceNames();
    const topo = graphTopology(parseGraphCsv(GRAPH, "g.csv"), names);
    const site = topo.services.find((s) => s.name === "Site");
    expect(site?.dependsOn.map((d) => [d.service, d.kind])).toEqual([
      ["Search_AWS::ECS", DependencyKind.DEPENDENCY_KIND_HARD],
      ["db-remote", DependencyKind.DEPENDENCY_KIND_HARD],
    ]);
    expect(names.component("db-remote")).toBe("db remote");
  });

  it("rejects a row that names no column", () => {
    expect(() => parseGraphCsv(`${GRAPH}\nghost,0,0,0`, "g.csv")).toThrow(/names "ghost"/);
  });
});

describe("names", () => {
  it("refuses two components that would share one service name", () => {
    const names = new ServiceNames();
    expect(names.service("a@b")).toBe("a-b");
    expect(() => names.service("a b")).toThrow(/maps to service a-b, like component "a@b"/);
  });
});

describe("target.json", () => {
  it("reads the symptom and the root cause", () => {
    const t = parseTarget(
      '{"target":{"node":"Site","metric":"latency","agg":"Average","timestamp":1681000500},"root_cause":{"node":"Search_AWS::ECS","metric":null}}',
      "t.json",
    );
    expect(t).toEqual({
      node: "Site",
      metric: "latency",
      statistic: "Average",
      tsMs: 1681000500000,
      rootCause: "Search_AWS::ECS",
    });
  });

  it("rejects an unknown target metric", () => {
    expect(() =>
      parseTarget(
        '{"target":{"node":"Site","metric":"cpu","timestamp":1},"root_cause":{"node":"x"}}',
        "t.json",
      ),
    ).toThrow(/t\.json: target\.metric "cpu" is not latency or availability/);
  });
});

describe("mapping to metric samples", () => {
  const table = parseMetricsCsv(METRICS, "m.csv");
  const graph = parseGraphCsv(GRAPH, "g.csv");

  it("sends latency in ms, availability as an error rate, requests per second", () => {
    const names = new ServiceNames();
    const batches = stepEvents(table, graph, names, DEFAULT_PETSHOP_CONFIG, 1, 2, 60_000);
    expect(batches).toHaveLength(1);
    const values = (batches[0] ?? []).map((e) => {
      if (e.kind?.$case !== "metric") throw new Error("not a metric");
      return [e.tsUnixMs, e.kind.value.service, e.kind.value.metric, e.kind.value.value];
    });
    expect(values).toEqual([
      [1681000360000, "Search_AWS::ECS", MetricKind.METRIC_KIND_LATENCY_P99_MS, 30],
      [1681000360000, "Search_AWS::ECS", MetricKind.METRIC_KIND_ERROR_RATE, 0.025],
      [1681000360000, "Search_AWS::ECS", MetricKind.METRIC_KIND_THROUGHPUT, 2],
    ]);
  });

  it("sends no latency or availability for a step with too few requests", () => {
    const names = new ServiceNames();
    const [batch] = stepEvents(table, graph, names, DEFAULT_PETSHOP_CONFIG, 2, 3, 0);
    const search = (batch ?? []).filter(
      (e) => e.kind?.$case === "metric" && e.kind.value.service === "Search_AWS::ECS",
    );
    expect(search.map((e) => (e.kind?.$case === "metric" ? e.kind.value.metric : 0))).toEqual([
      MetricKind.METRIC_KIND_THROUGHPUT,
    ]);
  });
});

describe("the dataset's split points", () => {
  it("start at half the normal data and step by a tenth, leaving at least 3 rows", () => {
    expect(protocolSplits(589)).toEqual([294, 352, 410, 468, 526, 584]);
    expect(protocolSplits(5)).toEqual([]);
  });
});
