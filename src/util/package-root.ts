import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

/** packageRoot finds the impactd checkout root (the directory holding package.json). */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("impactd: cannot find package.json above " + import.meta.url);
    dir = up;
  }
  cached = dir;
  return dir;
}
