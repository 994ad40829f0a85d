// A small seeded PRNG (xoshiro128**, seeded through splitmix32). The simulator
// needs runs that replay bit for bit from a seed, on every platform and Node
// version, which Math.random cannot give.
import { InvalidArgumentError } from "../errors.js";

const TWO_32 = 2 ** 32;

// splitmix32 spreads a weak seed (0, 1, 2, ...) over the whole state space so
// neighbouring seeds give unrelated streams.
function splitmix32(state: number): [next: number, out: number] {
  const s = (state + 0x9e3779b9) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [s, z >>> 0];
}

// FNV-1a (32-bit): a stable hash of a fork label, independent of the JS engine.
function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Rng is a deterministic random stream: the same seed gives the same sequence. */
export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  /** seed is the integer the stream was created from. */
  readonly seed: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new InvalidArgumentError(`rng: seed must be a safe integer, got ${seed}`);
    }
    this.seed = seed;
    // Both halves of a 53-bit seed matter, so 1 and 2**32 + 1 differ.
    let s = (seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_32) | 0, 0x27d4eb2d);
    let out = 0;
    [s, out] = splitmix32(s);
    this.a = out;
    [s, out] = splitmix32(s);
    this.b = out;
    [s, out] = splitmix32(s);
    this.c = out;
    [, out] = splitmix32(s);
    this.d = out;
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1; // xoshiro's one bad state
  }

  /** nextU32 returns the next raw 32-bit output as an unsigned integer. */
  nextU32(): number {
    const b5 = Math.imul(this.b, 5);
    const result = Math.imul((b5 << 7) | (b5 >>> 25), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = (this.d << 11) | (this.d >>> 21);
    return result;
  }

  /** next returns a uniform number in [0, 1). */
  next(): number {
    return this.nextU32() / TWO_32;
  }

  /** int returns a uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) {
      throw new InvalidArgumentError(`rng: int(n) needs a positive integer, got ${n}`);
    }
    return Math.floor(this.next() * n);
  }

  /** range returns a uniform number in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** normal returns a standard normal sample (mean 0, standard deviation 1). */
  normal(): number {
    // Box-Muller; the second value is dropped so the state stays four words.
    const u = 1 - this.next(); // (0, 1]: log(0) would be -Infinity
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** poisson returns a Poisson-distributed count with the given mean. */
  poisson(mean: number): number {
    if (!(mean > 0)) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    // Knuth's method: exact and cheap for the small means the simulator uses.
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** pick returns a uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new InvalidArgumentError("rng: pick from an empty array");
    return items[this.int(items.length)] as T;
  }

  /** chance returns true with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /**
   * fork returns an independent stream named `label`, derived from the seed
   * only (not from how far this stream has advanced), so adding draws to one
   * part of the simulation does not shift the randomness of another.
   */
  fork(label: string): Rng {
    const mixed = (Math.imul(fnv1a32(label), 0x9e3779b1) ^ (this.seed >>> 0)) >>> 0;
    return new Rng(Math.floor(this.seed / TWO_32) * TWO_32 + mixed);
  }
}
