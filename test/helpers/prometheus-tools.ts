// Finding the Debian-packaged Prometheus tools the acceptance tests run, with
// a message that says what to install when one is missing.
import { execFileSync } from "node:child_process";

/** requireBinary throws unless `name` is on PATH, naming the Debian package that has it. */
export function requireBinary(name: string, debianPackage: string): void {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "pipe" });
  } catch {
    throw new Error(
      `${name} is not installed: run "apt-get install ${debianPackage}" (bash .ci/run installs it on CI)`,
    );
  }
}
