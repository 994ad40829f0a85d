/**
 * RecentIds remembers the last `capacity` event ids, so a retried event is
 * recognised and not applied twice. Memory is bounded: the oldest id is
 * forgotten first.
 */
export class RecentIds {
  private readonly set = new Set<string>();
  private readonly ring: string[];
  private next = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<string>(capacity);
  }

  /** add records `id`; returns false when it was already seen. */
  add(id: string): boolean {
    // One hash lookup, not two (has + add): this runs once per event.
    const size = this.set.size;
    this.set.add(id);
    if (this.set.size === size) return false;
    const old = this.ring[this.next];
    if (old !== undefined) this.set.delete(old);
    this.ring[this.next] = id;
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
    return this.set.size;
  }
}
