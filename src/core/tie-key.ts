// Content keys for input records the core would otherwise order by an
// interned id. The core applies records of one event time in the order of
// their bytes; two alerts, changes or incident actions that differ only in
// an id the host interned (fingerprint, change, actor) would then apply in
// the order the host first saw those names, and a replay that sees them in
// another order would decide differently (another change linked, another
// actor credited). The host writes a key derived from the content alone into
// the record's value field, which these kinds do not use and which the core
// compares before the id. Two names whose keys collide (1 in 2^48 a pair)
// fall back to the id.
import { createHash } from "node:crypto";

/** tieKey is a 48-bit integer derived from `text` alone, the same in every process and run. */
export function tieKey(text: string): number {
  return createHash("sha256").update(text).digest().readUIntBE(0, 6);
}

/** TieKeys caches tieKey by interned id, so a repeated name costs an array read. */
export class TieKeys {
  private readonly keys: number[] = [];

  /** of returns the key of `name`, interned as `id`. */
  of(id: number, name: string): number {
    let k = this.keys[id];
    if (k === undefined) {
      k = tieKey(name);
      this.keys[id] = k;
    }
    return k;
  }
}

/** changeTieKey is the key of a change event: everything the core's decisions report about it. */
export function changeTieKey(
  kind: number,
  version: string,
  description: string,
  eventId: string,
): number {
  return tieKey(`${kind}\u0000${version}\u0000${description}\u0000${eventId}`);
}
