/**
 * A flat dict pickled at protocol 2, for nanoGPT's `meta.pkl` (its train.py reads `meta['vocab_size']` with
 * `pickle.load`). Opcodes from CPython's Lib/pickletools.py: PROTO 2 (0x80 0x02), EMPTY_DICT `}`, MARK `(`, then per
 * item the key and the value — BINUNICODE `X` (uint32 little-endian byte length, UTF-8), BININT `J` (int32
 * little-endian) or BINFLOAT `G` (float64 big-endian) — SETITEMS `u`, STOP `.`.
 */

/** Keys to strings, integers (int32) or finite floats → the pickle's bytes. Throws for a value it cannot write. */
export function pickleDict(d: Record<string, string | number>): Uint8Array {
  const enc = new TextEncoder();
  const parts: number[] = [0x80, 0x02, 0x7d, 0x28];
  const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  const str = (s: string) => {
    const b = enc.encode(s);
    parts.push(0x58, ...u32(b.length), ...b);
  };
  for (const [k, v] of Object.entries(d)) {
    str(k);
    if (typeof v === 'string') str(v);
    else if (Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) parts.push(0x4a, ...u32(v >>> 0));
    else if (Number.isFinite(v)) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, v, false);
      parts.push(0x47, ...b);
    } else throw new Error(`pickleDict: value of "${k}" (${v}) is not a string, an int32 or a finite number`);
  }
  parts.push(0x75, 0x2e);
  return Uint8Array.from(parts);
}
