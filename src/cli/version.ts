import { readFileSync } from "node:fs";
import { packageRoot } from "../util/package-root.js";

/** version returns the package version from package.json. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(`${packageRoot()}/package.json`, "utf8")) as {
    version: string;
  };
  return pkg.version;
}
