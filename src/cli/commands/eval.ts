// `impactd eval`: scores impactd against ground truth. This build has the
// real-data mode only (--dataset petshop); the simulator mode joins it.
import { InvalidArgumentError } from "../../errors.js";
import type { Command } from "../command.js";
import { PETSHOP_HELP, runPetshopCommand } from "./eval-petshop.js";

/** evalCommand runs an evaluation and prints its report. */
export const evalCommand: Command = {
  name: "eval",
  summary: "score root cause and specificity against ground truth (--dataset petshop)",
  help: PETSHOP_HELP,
  async run(argv) {
    if (!argv.some((a) => a === "--dataset" || a.startsWith("--dataset="))) {
      throw new InvalidArgumentError(
        "--dataset is required: impactd eval --dataset petshop --path DIR",
      );
    }
    return runPetshopCommand(argv);
  },
};
