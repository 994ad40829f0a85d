// `impactd eval --dataset petshop --path DIR`: replays the PetShop dataset
// through the pipeline and scores root-cause recall and specificity in the
// dataset's own protocol (see docs/PETSHOP.md).
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { InvalidArgumentError } from "../../errors.js";
import { formatPetshopReport, runPetshopEval } from "../../eval/petshop/index.js";

/** DATASETS are the real datasets `impactd eval --dataset` knows. */
export const DATASETS = ["petshop"] as const;

/** PETSHOP_HELP documents the petshop mode of `impactd eval`. */
export const PETSHOP_HELP = `Usage: impactd eval --dataset petshop --path DIR [--json] [--out FILE]

Replays the PetShop dataset (Hardt et al., CLeaR 2024, CC-BY-4.0) through
the real ingest path (validation, the WASM core, the incident tracker) as
metric samples, one batch per 5-minute step: for each issue, the scenario's
normal data first (baselines), then the issue window. Scores top-1 and top-3
recall of the root cause per scenario and target metric (latency,
availability), and specificity on the normal data: the share of windows in
which nothing was blamed. One configuration for the whole dataset; see
docs/PETSHOP.md for every choice and the reference figures.

Options:
  --dataset petshop   the dataset to replay
  --path DIR          the dataset directory (holding low_traffic/, high_traffic/, ...)
  --json              print the report as one JSON object on stdout, nothing else
  --out FILE          also write the JSON report to FILE
  --reverse-order     number the components in reverse file order (the
                      answers should not depend on it; see docs/PETSHOP.md)
  -h, --help          show this help`;

/** PetshopArgs are the parsed arguments of the petshop mode. */
export interface PetshopArgs {
  path: string;
  json: boolean;
  out: string | undefined;
  reverseOrder: boolean;
}

/** parsePetshopArgs parses `impactd eval --dataset petshop` arguments; throws InvalidArgumentError. */
export function parsePetshopArgs(argv: readonly string[]): PetshopArgs {
  let values: {
    dataset?: string | undefined;
    path?: string | undefined;
    json?: boolean | undefined;
    out?: string | undefined;
    "reverse-order"?: boolean | undefined;
  };
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        dataset: { type: "string" },
        path: { type: "string" },
        json: { type: "boolean" },
        out: { type: "string" },
        "reverse-order": { type: "boolean" },
      },
    }).values;
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message, { cause: err });
  }
  if (values.dataset !== "petshop") {
    throw new InvalidArgumentError(
      `--dataset ${JSON.stringify(values.dataset ?? "")}: expected one of ${DATASETS.join(", ")}`,
    );
  }
  if (values.path === undefined || values.path === "") {
    throw new InvalidArgumentError("--path DIR is required: the PetShop dataset directory");
  }
  return {
    path: values.path,
    json: values.json === true,
    out: values.out,
    reverseOrder: values["reverse-order"] === true,
  };
}

/** runPetshopCommand runs the petshop mode; resolves to the exit code. */
export async function runPetshopCommand(argv: readonly string[]): Promise<number> {
  const args = parsePetshopArgs(argv);
  const path = resolve(args.path);
  process.stderr.write(`impactd eval: replaying PetShop from ${path}\n`);
  const report = await runPetshopEval({
    path,
    reverseOrder: args.reverseOrder,
    onProgress: (done, total, what) =>
      process.stderr.write(`impactd eval: ${done}/${total} ${what}\n`),
  });
  if (args.out !== undefined) {
    const out = resolve(args.out);
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`impactd eval: report written to ${out}\n`);
  }
  if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else console.log(formatPetshopReport(report));
  return 0;
}
