// The `impactd` command line: dispatches to one Command per sub-command.
import { ImpactdError } from "../errors.js";
import type { Command } from "./command.js";
import { commands } from "./registry.js";

function usage(all: readonly Command[]): string {
  const width = Math.max(...all.map((c) => c.name.length));
  const lines = all.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "impactd: real-time service-health stream processor",
    "",
    "Usage: impactd <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run `impactd <command> --help` for the options of one command.",
  ].join("\n");
}

/** main runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage(commands));
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v") {
    const { version } = await import("./version.js");
    console.log(version());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    console.error(`impactd: unknown command "${name}"\n\n${usage(commands)}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof ImpactdError) {
      console.error(`impactd ${name}: ${err.message}`);
      return err.code === "INVALID_ARGUMENT" ? 2 : 1;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
