/**
 * RecentIds remembers the last `capacity` event ids, so a retried event is
 * recognised and not applied twice. Memory is bounded: the oldest id is
 * forgotten first.
 *
 * The ids live in a ring (oldest first); an open-addressing table of ring
 * positions, keyed by a 32-bit hash of the id and compared on the id itself,
 * finds them. A JavaScript Set of a million churning strings cost a fifth of
 * the pipeline's time per event (profiled: bench suite decode, pipeline
 * submit); this table does one probe sequence per event, allocates nothing
 * per event, and grows with the ids actually held.
 */
export class RecentIds {
  private readonly ring: (string | undefined)[];
  /** Ring position + 1 per slot; 0 is empty. */
  private slots = new Int32Array(1024);
  /** The hash of the id in each slot (compared before the strings). */
  private hashes = new Uint32Array(1024);
  private mask = 1023;
  private count = 0;
  private next = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<string | undefined>(capacity).fill(undefined);
  }

  /** add records `id`; returns false when it was already seen. */
  add(id: string): boolean {
    const h = hashId(id);
    let i = h & this.mask;
    for (let s = this.slots[i] as number; s !== 0; s = this.slots[i] as number) {
      if (this.hashes[i] === h && this.ring[s - 1] === id) return false;
      i = (i + 1) & this.mask;
    }
    // i is now the first empty slot of h's probe sequence, unless the table
    // changes first: forgetting the oldest id shifts entries, growing rehashes.
    const old = this.ring[this.next];
    if (old !== undefined) {
      this.remove(old, this.next);
      i = this.free(h);
    } else if ((this.count + 1) * 2 > this.slots.length) {
      this.grow();
      i = this.free(h);
    }
    this.slots[i] = this.next + 1;
    this.hashes[i] = h;
    this.ring[this.next] = id;
    this.count++;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    return true;
  }

  /** ids lists the remembered ids, oldest first. */
  ids(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.capacity; i++) {
      const id = this.ring[(this.next + i) % this.capacity];
      if (id !== undefined) out.push(id);
    }
    return out;
  }

  /** size is the number of ids remembered. */
  get size(): number {
    return this.count;
  }

  // The first empty slot on h's probe sequence.
  private free(h: number): number {
    let i = h & this.mask;
    while (this.slots[i] !== 0) i = (i + 1) & this.mask;
    return i;
  }

  // Removes the entry for ring position `pos` (holding `id`), shifting later
  // entries of the probe run back so lookups need no tombstones.
  private remove(id: string, pos: number): void {
    const mask = this.mask;
    let i = hashId(id) & mask;
    while (this.slots[i] !== pos + 1) i = (i + 1) & mask;
    let hole = i;
    let j = (i + 1) & mask;
    for (let s = this.slots[j] as number; s !== 0; s = this.slots[j] as number) {
      const home = (this.hashes[j] as number) & mask;
      // Move j into the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!stays) {
        this.slots[hole] = s;
        this.hashes[hole] = this.hashes[j] as number;
        hole = j;
      }
      j = (j + 1) & mask;
    }
    this.slots[hole] = 0;
    this.count--;
  }

  private grow(): void {
    const oldSlots = this.slots;
    const oldHashes = this.hashes;
    this.slots = new Int32Array(oldSlots.length * 2);
    this.hashes = new Uint32Array(oldSlots.length * 2);
    this.mask = this.slots.length - 1;
    for (let k = 0; k < oldSlots.length; k++) {
      const s = oldSlots[k] as number;
      if (s === 0) continue;
      const h = oldHashes[k] as number;
      const i = this.free(h);
      this.slots[i] = s;
      this.hashes[i] = h;
    }
  }
}

/** hashId is FNV-1a over the id's UTF-16 code units, mixed so low bits spread. */
function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}
