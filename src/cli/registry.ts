// Every sub-command, in the order `impactd --help` lists them. Add new
// commands here.
import type { Command } from "./command.js";
import { ackCommand, resolveCommand } from "./commands/act.js";
import { demoCommand } from "./commands/demo.js";
import { evalCommand } from "./commands/eval.js";
import { incidentsCommand } from "./commands/incidents.js";
import { loadCommand } from "./commands/load.js";
import { migrateCommand } from "./commands/migrate.js";
import { queryCommand } from "./commands/query.js";
import { replayCommand } from "./commands/replay.js";
import { serveCommand } from "./commands/serve.js";

export const commands: readonly Command[] = [
  demoCommand,
  serveCommand,
  queryCommand,
  migrateCommand,
  replayCommand,
  evalCommand,
  incidentsCommand,
  ackCommand,
  resolveCommand,
  loadCommand,
];
