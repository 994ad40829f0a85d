// Every sub-command, in the order `impactd --help` lists them. Add new
// commands here.
import type { Command } from "./command.js";
import { ackCommand, resolveCommand } from "./commands/act.js";
import { demoCommand } from "./commands/demo.js";
import { evalCommand } from "./commands/eval.js";
import { incidentsCommand } from "./commands/incidents.js";
import { loadCommand } from "./commands/load.js";
import { queryCommand } from "./commands/query.js";
import { serveCommand } from "./commands/serve.js";

export const commands: readonly Command[] = [
  demoCommand,
  serveCommand,
  queryCommand,
  evalCommand,
  incidentsCommand,
  ackCommand,
  resolveCommand,
  loadCommand,
];
