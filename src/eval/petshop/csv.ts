// Readers for the two CSV files of the PetShop dataset (Hardt et al., CLeaR
// 2024, CC-BY-4.0): metrics.csv (a three-row header, then one row per
// 5-minute step) and graph.csv (the call graph as an adjacency matrix).
import { parse } from "csv-parse/sync";
import { ImpactdError } from "../../errors.js";

/** PetshopFormatError reports a dataset file that does not have the documented layout. */
export class PetshopFormatError extends ImpactdError {
  constructor(file: string, message: string, options: { cause?: unknown } = {}) {
    super("PETSHOP_FORMAT", `${file}: ${message}`, options);
  }
}

/** ColumnKey names one metrics.csv column: component, metric, statistic. */
export interface ColumnKey {
  component: string;
  metric: string;
  statistic: string;
}

/** MetricsTable is one metrics.csv: timestamps and a series per column. */
export interface MetricsTable {
  /** Start of each 5-minute step, ms since the epoch, ascending. */
  timestamps: number[];
  /** One series per column, keyed by columnId(); undefined marks a missing sample. */
  columns: Map<string, (number | undefined)[]>;
}

/** columnId is the map key of a column. */
export function columnId(k: ColumnKey): string {
  return `${k.component}\u0000${k.metric}\u0000${k.statistic}`;
}

function rows(text: string, file: string): string[][] {
  try {
    return parse(text, { relaxColumnCount: false, skipEmptyLines: true }) as string[][];
  } catch (err) {
    throw new PetshopFormatError(file, (err as Error).message, { cause: err });
  }
}

/**
 * parseMetricsCsv reads a metrics.csv: header rows component / metric /
 * statistic, an optional `unix_timestamp` label row, then one row per step
 * keyed by its unix timestamp in seconds. Empty cells are missing samples.
 */
export function parseMetricsCsv(text: string, file: string): MetricsTable {
  const all = rows(text, file);
  const [components, metrics, statistics] = all;
  if (components === undefined || metrics === undefined || statistics === undefined) {
    throw new PetshopFormatError(file, "expected three header rows (component, metric, statistic)");
  }
  let first = 3;
  if (all[3]?.[0] === "unix_timestamp") first = 4;
  const width = components.length;
  const keys: string[] = [];
  const columns = new Map<string, (number | undefined)[]>();
  for (let c = 1; c < width; c++) {
    const k = {
      component: components[c] ?? "",
      metric: metrics[c] ?? "",
      statistic: statistics[c] ?? "",
    };
    if (k.component === "" || k.metric === "" || k.statistic === "") {
      throw new PetshopFormatError(file, `column ${c + 1} has an empty header cell`);
    }
    const id = columnId(k);
    if (columns.has(id)) {
      throw new PetshopFormatError(
        file,
        `column ${c + 1} repeats ${k.component} ${k.metric} ${k.statistic}`,
      );
    }
    keys.push(id);
    columns.set(id, []);
  }
  const timestamps: number[] = [];
  for (let r = first; r < all.length; r++) {
    const row = all[r] as string[];
    const sec = Number(row[0]);
    if (row[0] === "" || !Number.isFinite(sec) || sec <= 0) {
      throw new PetshopFormatError(
        file,
        `row ${r + 1}: timestamp ${JSON.stringify(row[0])} is not unix seconds`,
      );
    }
    const ms = Math.round(sec * 1000);
    const prev = timestamps[timestamps.length - 1];
    if (prev !== undefined && ms <= prev) {
      throw new PetshopFormatError(file, `row ${r + 1}: timestamps must increase`);
    }
    timestamps.push(ms);
    for (let c = 1; c < width; c++) {
      const cell = row[c] ?? "";
      let v: number | undefined;
      if (cell !== "") {
        v = Number(cell);
        if (!Number.isFinite(v)) {
          throw new PetshopFormatError(
            file,
            `row ${r + 1}, column ${c + 1}: ${JSON.stringify(cell)} is not a number`,
          );
        }
      }
      columns.get(keys[c - 1] as string)?.push(v);
    }
  }
  return { timestamps, columns };
}

/** CallGraph is graph.csv: the components and who calls whom. */
export interface CallGraph {
  /** Components in file order. */
  nodes: string[];
  /** For each component, the components it calls (it depends on them). */
  calls: Map<string, string[]>;
}

/**
 * parseGraphCsv reads the adjacency matrix: a non-zero cell in row R,
 * column C means R calls C.
 */
export function parseGraphCsv(text: string, file: string): CallGraph {
  const all = rows(text, file);
  const header = all[0];
  if (header === undefined || header.length < 2) {
    throw new PetshopFormatError(file, "expected a header row naming the components");
  }
  const nodes = header.slice(1);
  if (new Set(nodes).size !== nodes.length) {
    throw new PetshopFormatError(file, "a component is named twice in the header");
  }
  const calls = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (let r = 1; r < all.length; r++) {
    const row = all[r] as string[];
    const from = row[0] ?? "";
    const out = calls.get(from);
    if (out === undefined) {
      throw new PetshopFormatError(
        file,
        `row ${r + 1} names ${JSON.stringify(from)}, not a column`,
      );
    }
    for (let c = 1; c < row.length; c++) {
      const cell = row[c] ?? "";
      const v = Number(cell);
      if (cell === "" || !Number.isFinite(v)) {
        throw new PetshopFormatError(
          file,
          `row ${r + 1}, column ${c + 1}: ${JSON.stringify(cell)} is not a number`,
        );
      }
      if (v !== 0) out.push(nodes[c - 1] as string);
    }
  }
  return { nodes, calls };
}
