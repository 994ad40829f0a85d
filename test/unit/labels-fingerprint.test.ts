// Prometheus's label-set fingerprint, as the Alertmanager front end computes
// it with 32-bit halves, against the plain 64-bit FNV-1a definition.
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/sim/rng.js";
import { labelsFingerprint } from "../../src/sources/http/alertmanager.js";

function reference(labels: Record<string, string>): string {
  let h = 0xcbf29ce484222325n;
  const add = (bytes: Iterable<number>) => {
    for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  };
  const enc = new TextEncoder();
  for (const name of Object.keys(labels).sort()) {
    add(enc.encode(name));
    add([0xff]);
    add(enc.encode(labels[name] ?? ""));
    add([0xff]);
  }
  return h.toString(16).padStart(16, "0");
}

describe("labelsFingerprint", () => {
  it("is FNV-1a 64 over sorted names and values, ASCII or not", () => {
    const rng = new Rng(5);
    const alphabet = ["a", "Z", "9", "_", "-", ":", " ", "é", "ß", "世", "😀", "\u0000"];
    const word = () => Array.from({ length: rng.int(12) }, () => rng.pick(alphabet)).join("");
    for (let i = 0; i < 500; i++) {
      const labels: Record<string, string> = {};
      for (let k = rng.int(6); k > 0; k--) labels[`${word()}${k}`] = word();
      expect(labelsFingerprint(labels)).toBe(reference(labels));
    }
    expect(labelsFingerprint({ alertname: "Down", job: "api" })).toBe(
      reference({ job: "api", alertname: "Down" }),
    );
  });
});
