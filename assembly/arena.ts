// Block allocator for the core's tables.
//
// The core runs on AssemblyScript's stub runtime: no garbage collector, so no
// collection pause can ever stall a batch. Tables are plain blocks of linear
// memory addressed with load/store. Blocks come in power-of-two size classes;
// a freed block goes on its class's free list and is handed out again, so a
// table that doubles leaves its old block for the next table of that size
// instead of leaking it.

import { get, put } from "./state";

const CLASSES: i32 = 40;
// Free-list heads, one per size class (2^k bytes).
const freeHeads: usize = memory.data(CLASSES * 8);
// Blocks start on a 64-byte cache line: a table of line-sized records (the
// services, 5 lines each) then has every record on its own lines, and the
// fields services.ts groups in one line are fetched together.
const ALIGN: usize = 64;
// The next free byte above everything handed out. The core keeps its own
// bump pointer (rather than the runtime's) so a checkpoint captures it.
let top: usize = (__heap_base + ALIGN - 1) & ~(ALIGN - 1);

// Carves a fresh block of `size` bytes (a power of two) off the top,
// growing memory when needed.
function carve(size: usize): usize {
  const ptr = (top + ALIGN - 1) & ~(ALIGN - 1);
  const end = ptr + size;
  const have = <usize>memory.size() << 16;
  if (end > have) {
    const need = <i32>((end - have + 0xffff) >>> 16);
    // Grow by at least as much as we have (doubling) to keep grows rare.
    if (memory.grow(max(need, memory.size())) < 0 && memory.grow(need) < 0) unreachable();
  }
  top = end;
  return ptr;
}

// @ts-ignore: decorator
@inline
function classOf(bytes: usize): i32 {
  if (bytes <= 16) return 4;
  return 64 - <i32>clz<u64>(<u64>(bytes - 1));
}

/** allocBlock returns a zeroed block of at least `bytes` bytes. */
export function allocBlock(bytes: usize): usize {
  const k = classOf(bytes);
  const size: usize = (<usize>1) << k;
  const headAt = freeHeads + (<usize>k << 3);
  let ptr = load<usize>(headAt);
  if (ptr != 0) {
    store<usize>(headAt, load<usize>(ptr));
  } else {
    ptr = carve(size);
  }
  memory.fill(ptr, 0, size);
  return ptr;
}

/** freeBlock returns a block obtained from allocBlock with the same size. */
export function freeBlock(ptr: usize, bytes: usize): void {
  if (ptr == 0) return;
  const k = classOf(bytes);
  const headAt = freeHeads + (<usize>k << 3);
  store<usize>(ptr, load<usize>(headAt));
  store<usize>(headAt, ptr);
}

/** growBlock copies a block into a larger one and frees the old one. */
export function growBlock(ptr: usize, oldBytes: usize, newBytes: usize): usize {
  const fresh = allocBlock(newBytes);
  if (ptr != 0) {
    memory.copy(fresh, ptr, oldBytes);
    freeBlock(ptr, oldBytes);
  }
  return fresh;
}

/** blockCapacity is the usable size of a block requested with `bytes`. */
export function blockCapacity(bytes: usize): usize {
  return (<usize>1) << classOf(bytes);
}

/** saveState writes the allocator's bump pointer for a checkpoint. */
export function saveState(): void {
  put(<u64>top);
}

/** loadState reads it back. */
export function loadState(): void {
  top = <usize>get();
}
