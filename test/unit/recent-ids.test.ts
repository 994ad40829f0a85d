// The de-dup window against the plainest model of it (a Set and a ring) on
// seeded random streams with many repeats: the same answers, the same ids in
// the same order, through evictions and table growth.
import { describe, expect, it } from "vitest";
import { RecentIds } from "../../src/pipeline/recent-ids.js";
import { Rng } from "../../src/sim/rng.js";

class Model {
  private readonly set = new Set<string>();
  private readonly order: string[] = [];
  constructor(private readonly capacity: number) {}
  add(id: string): boolean {
    if (this.set.has(id)) return false;
    if (this.order.length === this.capacity) this.set.delete(this.order.shift() as string);
    this.order.push(id);
    this.set.add(id);
    return true;
  }
  ids(): string[] {
    return [...this.order];
  }
}

describe("RecentIds", () => {
  for (const capacity of [1, 3, 100, 5_000]) {
    it(`answers as a Set with a ring of ${capacity} would`, () => {
      const rng = new Rng(capacity);
      const r = new RecentIds(capacity);
      const m = new Model(capacity);
      // Draw from a pool about twice the capacity: plenty of repeats, in and
      // out of the window.
      const pool = Math.max(4, capacity * 2);
      for (let i = 0; i < 40_000; i++) {
        const id = `id-${rng.int(pool)}`;
        expect(r.add(id)).toBe(m.add(id));
      }
      expect(r.ids()).toEqual(m.ids());
      expect(r.size).toBe(m.ids().length);
    });
  }

  it("holds a full window of a million ids", () => {
    const r = new RecentIds(1_000_000);
    for (let i = 0; i < 1_200_000; i++) r.add(`load-1-${i}`);
    expect(r.size).toBe(1_000_000);
    expect(r.add("load-1-1199999")).toBe(false);
    expect(r.add("load-1-199999")).toBe(true); // forgotten: the oldest 200,000 are gone
    expect(r.ids()[0]).toBe("load-1-200001");
  });
});
