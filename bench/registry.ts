// The benchmark suites, found by file: bench/suites/<name>.ts exporting
// run<Name>Suite(opts) is suite <name>. Adding a suite touches no shared
// file, so suites written on different branches merge without conflict.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { BenchResult } from "./result.js";

/** SuiteOptions are what every suite is given. */
export interface SuiteOptions {
  quick: boolean;
}

/** Suite runs one group of cases. */
export type Suite = (o: SuiteOptions) => Promise<BenchResult[]>;

/** SUITE_ORDER runs cheap, in-process suites first; suites not named here follow alphabetically. */
export const SUITE_ORDER = [
  "core",
  "reference",
  "decode",
  "sinks",
  "ingest",
  "otlp",
  "nats",
  "scaling",
  "latency",
  "alertmanager",
  "profile",
];

/** exportName is the function a suite file exports: "core-cpu" -> "runCoreCpuSuite". */
export function exportName(suite: string): string {
  return `run${suite
    .split(/[-_]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("")}Suite`;
}

/** discoverSuites lists the suites compiled next to this file, in SUITE_ORDER. */
export function discoverSuites(dir: string): string[] {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith(".js"))
    .map((f) => f.slice(0, -3));
  const rank = (n: string) => {
    const i = SUITE_ORDER.indexOf(n);
    return i === -1 ? SUITE_ORDER.length : i;
  };
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** loadSuite imports suite `name` from `dir` (compiled suites). */
export async function loadSuite(dir: string, name: string): Promise<Suite> {
  const mod = (await import(pathToFileURL(join(dir, `${name}.js`)).href)) as Record<
    string,
    unknown
  >;
  const fn = mod[exportName(name)];
  if (typeof fn !== "function") {
    throw new Error(`bench/suites/${name}.ts does not export ${exportName(name)}(opts)`);
  }
  return fn as Suite;
}
