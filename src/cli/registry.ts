// Every sub-command, in the order `impactd --help` lists them. Add new
// commands here.
import type { Command } from "./command.js";

export const commands: readonly Command[] = [];
