#!/usr/bin/env node
// Launcher for the compiled CLI. `npm install` builds dist/ through the
// `prepare` script; a missing build gets a clear message instead of a trace.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error(
    "impactd: not built yet. Run `npm install` (or `npm run build`) in the impactd checkout.",
  );
  process.exit(1);
}
await import(main.href);
