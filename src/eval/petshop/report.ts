// The PetShop report as a terminal table: recall per scenario and target
// metric with specificity, next to the dataset's reference figures.
import { PETSHOP_CREDIT, type PetshopReport } from "./evaluate.js";

const pct = (x: number | null | undefined): string => (x == null ? "-" : x.toFixed(2));

/** formatPetshopReport renders the report as a table with the credit line. */
export function formatPetshopReport(r: PetshopReport): string {
  const head = [
    "scenario",
    "metric",
    "issues",
    "top-1",
    "top-1 (ties)",
    "top-3",
    "missed",
    "specificity",
    "spec (short)",
    "ref top-1",
    "ref top-3",
  ];
  const rows = r.groups.map((g) => [
    g.scenario,
    g.metric,
    String(g.issues),
    pct(g.top1),
    pct(g.top1_tie_adjusted),
    pct(g.top3),
    String(g.missed),
    pct(g.specificity),
    pct(g.specificity_short),
    pct(g.reference?.top1),
    pct(g.reference?.top3),
  ]);
  rows.push(["all", "", String(r.issues), pct(r.top1), "", pct(r.top3), "", "", "", "", ""]);
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(width[i] ?? 0) : c.padStart(width[i] ?? 0))).join("  ");
  const spec = r.specificity
    .map(
      (s) =>
        `${s.scenario}: ${s.quiet}/${s.windows} protocol windows and ${s.shortQuiet}/${s.shortWindows} short windows with nothing blamed (${s.incidents} incidents over the normal data)`,
    )
    .join("\n");
  const rejected = Object.entries(r.rejected)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return [
    line(head),
    line(head.map((_, i) => "-".repeat(width[i] ?? 0))),
    ...rows.map(line),
    "",
    spec,
    `latency statistic ${r.config.latency_statistic}; availability from steps with >= ${r.config.min_requests} requests; scenarios without normal data learn from ${r.config.fallback_normal}; components numbered in ${r.config.component_order} order`,
    `${r.events} events replayed in ${r.elapsed_s.toFixed(1)} s; rejected: ${rejected === "" ? "none" : rejected}`,
    "",
    PETSHOP_CREDIT,
  ].join("\n");
}
