// Deterministic ids for events derived from OTLP items: a retried export
// yields the same ids, so the pipeline's de-duplication drops the repeat.
import { createHash } from "node:crypto";

/** stableId hashes `parts` into a short id with a readable prefix. */
export function stableId(prefix: string, ...parts: readonly (string | number)[]): string {
  const h = createHash("sha1");
  for (const p of parts) {
    h.update(String(p));
    h.update("\u0000");
  }
  return `${prefix}:${h.digest("hex").slice(0, 24)}`;
}

/**
 * messageTemplate replaces the variable parts of a log message (numbers, hex
 * and UUIDs, quoted strings) with placeholders, so "order 123 failed" and
 * "order 456 failed" share one alert fingerprint.
 */
export function messageTemplate(text: string): string {
  return text
    .slice(0, 512)
    .replace(/"[^"]*"|'[^']*'/g, "<str>")
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<uuid>")
    .replace(/\b(?:0x)?(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi, "<hex>")
    .replace(/\d+(?:\.\d+)?/g, "<n>");
}
