// Checkpoints. All of the core's state lives in linear memory except the
// modules' own globals (table addresses, counters, the watermark). Before a
// checkpoint each module writes its globals, eight bytes apiece, into the
// static block below; the host then copies the whole memory. To restore, the
// host copies the memory into a fresh instance and each module reads its
// globals back in the same order. The block sits at a fixed address of the
// module's static data, the same in every instance of the same build.
export const STATE_BYTES: i32 = 1024;
export const stateBlock: usize = memory.data(STATE_BYTES);
let cursor: usize = 0;

/** rewind positions the cursor at the start of the block. */
export function rewind(): void {
  cursor = stateBlock;
}

/** put writes an unsigned value (counts, addresses). */
export function put(v: u64): void {
  store<u64>(cursor, v);
  cursor += 8;
}

/** putF writes a float value (times). */
export function putF(v: f64): void {
  store<f64>(cursor, v);
  cursor += 8;
}

/** get reads an unsigned value written by put. */
export function get(): u64 {
  const v = load<u64>(cursor);
  cursor += 8;
  return v;
}

/** getF reads a float value written by putF. */
export function getF(): f64 {
  const v = load<f64>(cursor);
  cursor += 8;
  return v;
}

/** used is how many bytes of the block the last save or load used. */
export function used(): u32 {
  return <u32>(cursor - stateBlock);
}
