// SPDX-License-Identifier: MIT
// Dropout's mask in plain JS, from the definition documented in assembly/dropout.ts:
//   h = MurmurHash3_x86_32(4-byte little-endian index i, seed)
//   keep i ⟺ (h >>> 8)·2⁻²⁴ ≥ rate;  mask = keep ? fround(1/(1 − rate)) : 0;  y = fround(x·mask)
// Written with Math.imul from Appleby's algorithm (not from the kernel), so masks compare bit for bit.

const rotl = (v: number, r: number): number => (v << r) | (v >>> (32 - r));

/** MurmurHash3_x86_32 of one 4-byte block `key` (little-endian) with `seed`, as an unsigned 32-bit integer. */
export function murmur3Ref(seed: number, key: number): number {
  let k = Math.imul(key >>> 0, 0xcc9e2d51);
  k = rotl(k, 15);
  k = Math.imul(k, 0x1b873593);
  let h = (seed >>> 0) ^ k;
  h = rotl(h, 13);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  h ^= 4; // length in bytes
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The mask of elements [i0, i1) (index i0 first). */
export function dropoutMaskRef(rate: number, seed: number, i0: number, i1: number): Float32Array {
  const keepValue = Math.fround(rate < 1 ? 1 / (1 - rate) : 0);
  const mask = new Float32Array(i1 - i0);
  for (let i = i0; i < i1; i++) mask[i - i0] = (murmur3Ref(seed, i) >>> 8) / 2 ** 24 >= rate ? keepValue : 0;
  return mask;
}

export function dropoutRef(x: ArrayLike<number>, rate: number, seed: number): { y: Float32Array; mask: Float32Array } {
  const mask = dropoutMaskRef(rate, seed, 0, x.length);
  return { y: Float32Array.from(mask, (m, i) => Math.fround(x[i] * m)), mask };
}
