/**
 * Interner maps names to dense integer ids (0, 1, 2, ...) so the core can
 * index its tables by id. Ids are never reused for the life of the interner.
 */
export class Interner {
  private readonly ids = new Map<string, number>();
  private readonly list: string[] = [];

  /** id returns the id of `name`, assigning the next one if it is new. */
  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.list.length;
      this.ids.set(name, id);
      this.list.push(name);
    }
    return id;
  }

  /** lookup returns the id of `name` without assigning one. */
  lookup(name: string): number | undefined {
    return this.ids.get(name);
  }

  /** name returns the name of `id`; throws on an id never handed out. */
  name(id: number): string {
    const name = this.list[id];
    if (name === undefined) throw new RangeError(`interner: unknown id ${id}`);
    return name;
  }

  /** size is the number of names interned. */
  get size(): number {
    return this.list.length;
  }

  /** names lists every name, indexed by id. */
  names(): readonly string[] {
    return this.list;
  }
}
