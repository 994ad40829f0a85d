// Docs and tests share their config snippets: a test reads the fenced block
// that follows `<!-- snippet: NAME -->` in a doc, so the doc shows what the
// test runs.
import { readFileSync } from "node:fs";

/** docBlock returns the body of the fenced code block after `<!-- snippet: name -->` in `file`. */
export function docBlock(file: string, name: string): string {
  const text = readFileSync(file, "utf8");
  const marker = `<!-- snippet: ${name} -->`;
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`${file} has no ${marker}`);
  const m = /```[^\n]*\n([\s\S]*?)```/.exec(text.slice(at + marker.length));
  if (m === null) throw new Error(`${file}: no fenced block after ${marker}`);
  return m[1] ?? "";
}
