// Renders the capacity plot and page from a run and hands them to `write`.
import { join } from "node:path";
import type { BenchResult } from "../result.js";
import { facts, renderCapacity } from "./capacity-md.js";
import { capacityPlot } from "./plot.js";
import { alertmanagerSection, passSection, profileSection } from "./sections.js";

/** PLOT_FILE is the plot's file name inside the report directory. */
export const PLOT_FILE = "capacity.svg";
/** PAGE_FILE is the capacity page's file name inside the report directory. */
export const PAGE_FILE = "CAPACITY.md";

/** writeReport renders both files for `rows` into `outDir`; returns their paths. */
export function writeReport(
  rows: readonly BenchResult[],
  opts: { outDir: string; runFile: string; write: (path: string, text: string) => void },
): string[] {
  const plot = join(opts.outDir, PLOT_FILE);
  const page = join(opts.outDir, PAGE_FILE);
  opts.write(plot, capacityPlot(rows));
  opts.write(
    page,
    renderCapacity(rows, {
      runFile: opts.runFile,
      plotFile: PLOT_FILE,
      profileText: profileSection(rows),
      passText: passSection(rows, facts(rows)),
      amText: alertmanagerSection(rows),
    }),
  );
  return [plot, page];
}
