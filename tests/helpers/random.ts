// SPDX-License-Identifier: MIT
// Seeded random data for tests, and the sizes that break SIMD code.

/** mulberry32, independent of the library's own generator. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values uniform in [lo, hi), as float32 (what goes into wasm) . */
export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

/** n integers in [0, k). */
export function randomInts(n: number, k: number, seed: number): Int32Array {
  const r = rng(seed);
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.floor(r() * k);
  return a;
}

/** Channel counts that straddle the 4-lane and 8-wide tiles. */
export const EDGE_CHANNELS = [1, 3, 4, 5, 17] as const;
