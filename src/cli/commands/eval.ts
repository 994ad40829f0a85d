// `impactd eval`: scores the pipeline against the simulator's ground truth on
// seeded fault cases, prints a table (or one JSON object), writes the report
// to a file and stores it in ClickHouse.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { InvalidArgumentError } from "../../errors.js";
import {
  DEFAULT_EVAL_CASES,
  ESTATE_NAMES,
  type EvalReport,
  isEstateName,
  runEval,
} from "../../eval/index.js";
import { formatEvalReport } from "../../eval/report.js";
import { storeEvalReport } from "../../eval/store.js";
import { DEFAULT_DATA_DIR, openSink } from "../../sinks/index.js";
import type { Command } from "../command.js";
import { version } from "../version.js";
import { PETSHOP_HELP, runPetshopCommand } from "./eval-petshop.js";

const HELP = `Usage: impactd eval [--cases ${DEFAULT_EVAL_CASES}] [--seed 1] [--estate NAME]... [--json] [--out FILE]
                    [--data-dir DIR] [--no-store] [--no-replay] [--throughput]

Runs seeded fault cases through the real ingest path (validation,
de-duplication, the WASM core, the incident tracker) and scores what impactd
produced against the simulator's ground truth: root-cause accuracy (top 1 and
top 3), missed faults, noise reduction, detection latency, prediction lead
time and false alarms, the error of its customer-impact estimates, and
whether a replay with another arrival order and batching reproduces every
output. Cases are spread over the estates (${ESTATE_NAMES.join(", ")}) and
the fault kinds; each has one or two overlapping faults, background noise,
and late and duplicated events. See docs/EVAL.md for every definition.

Prints a table per estate and fault kind with the totals (progress goes to
stderr), and stores the report in the eval_reports table of the embedded
ClickHouse.

Options:
  --cases N        number of cases (default ${DEFAULT_EVAL_CASES})
  --seed N         seed of the cases (default 1)
  --estate NAME    only these estates; repeat or comma-separate (default all)
  --json           print the report as one JSON object on stdout, nothing else
  --out FILE       also write the JSON report to FILE
  --data-dir DIR   embedded ClickHouse directory for the report
                   (default $IMPACTD_DATA_DIR or ${DEFAULT_DATA_DIR})
  --no-store       do not store the report in ClickHouse
  --no-replay      skip the determinism replay (deterministic is then null)
  --throughput     services also send their request rates, so the
                   traffic-aware ranking applies (docs/CORE.md, "Root cause")
  -h, --help       show this help`;

/** EvalArgs are the parsed arguments of `impactd eval`. */
export interface EvalArgs {
  cases: number;
  seed: number;
  estates: string[];
  json: boolean;
  out: string | undefined;
  dataDir: string;
  store: boolean;
  replay: boolean;
  throughput: boolean;
}

function integer(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new InvalidArgumentError(
      `--${flag} ${JSON.stringify(text)}: expected an integer >= ${min}`,
    );
  }
  return n;
}

/** parseEvalArgs parses `impactd eval` arguments; throws InvalidArgumentError on bad ones. */
export function parseEvalArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): EvalArgs {
  let v: ReturnType<typeof parse>["values"];
  try {
    v = parse(argv).values;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message, { cause: err });
  }
  const estates = (v.estate ?? [])
    .flatMap((e) => e.split(","))
    .map((e) => e.trim())
    .filter((e) => e !== "");
  for (const e of estates) {
    if (!isEstateName(e)) {
      throw new InvalidArgumentError(
        `--estate ${JSON.stringify(e)}: expected one of ${ESTATE_NAMES.join(", ")}`,
      );
    }
  }
  return {
    cases: integer(v.cases ?? String(DEFAULT_EVAL_CASES), "cases", 1),
    seed: integer(v.seed ?? "1", "seed", 0),
    estates: estates.length > 0 ? [...new Set(estates)] : [...ESTATE_NAMES],
    json: v.json === true,
    out: v.out,
    dataDir: v["data-dir"] ?? env.IMPACTD_DATA_DIR ?? DEFAULT_DATA_DIR,
    store: v["no-store"] !== true,
    replay: v["no-replay"] !== true,
    throughput: v.throughput === true,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    options: {
      cases: { type: "string" },
      seed: { type: "string" },
      estate: { type: "string", multiple: true },
      json: { type: "boolean" },
      out: { type: "string" },
      "data-dir": { type: "string" },
      "no-store": { type: "boolean" },
      "no-replay": { type: "boolean" },
      throughput: { type: "boolean" },
    },
  });
}

// Progress goes to stderr so stdout carries only the result: redrawn in place
// on a terminal, a line every tenth of the run otherwise.
function progress(total: number): (done: number, caseId: string, ms: number) => void {
  const tty = process.stderr.isTTY === true && process.env.CI === undefined;
  const every = Math.max(1, Math.round(total / 10));
  return (done, caseId, ms) => {
    const line = `impactd eval: ${done}/${total} cases (${caseId}, ${ms} ms)`;
    if (tty) process.stderr.write(`\r\x1b[K${line}${done === total ? "\n" : ""}`);
    else if (done % every === 0 || done === total) process.stderr.write(`${line}\n`);
  };
}

async function store(report: EvalReport, dataDir: string): Promise<string> {
  const sink = await openSink({ kind: "chdb", dataDir });
  try {
    return await storeEvalReport(sink.conn, report, version());
  } finally {
    await sink.close();
  }
}

/** evalCommand runs the evaluation and reports it. */
export const evalCommand: Command = {
  name: "eval",
  summary:
    "score root cause, noise, detection, prediction and impact against simulated ground truth",
  help: `${HELP}

${PETSHOP_HELP}`,
  async run(argv) {
    // Real data (PetShop) has its own mode, flags and report.
    if (argv.some((a) => a === "--dataset" || a.startsWith("--dataset=")))
      return runPetshopCommand(argv);
    const args = parseEvalArgs(argv);
    const show = progress(args.cases);
    process.stderr.write(
      `impactd eval: ${args.cases} cases on ${args.estates.join(", ")} (seed ${args.seed})\n`,
    );
    const report = await runEval({
      cases: args.cases,
      seed: args.seed,
      estates: args.estates,
      replay: args.replay,
      throughput: args.throughput,
      onCase: (done, total, r) => {
        if (total > 0) show(done, r.score.caseId, r.elapsedMs);
      },
    });
    const json = JSON.stringify(report);
    if (args.out !== undefined) {
      const path = resolve(args.out);
      writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
      process.stderr.write(`impactd eval: report written to ${path}\n`);
    }
    if (args.store) {
      const dir = resolve(args.dataDir);
      const runId = await store(report, dir);
      process.stderr.write(`impactd eval: report ${runId} stored in eval_reports (${dir})\n`);
    }
    if (args.json) process.stdout.write(`${json}\n`);
    else console.log(formatEvalReport(report));
    return 0;
  },
};
