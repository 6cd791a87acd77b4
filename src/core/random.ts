// SPDX-License-Identifier: MIT
// A small seeded generator (mulberry32) so that initialisation, shuffling and dropout are
// reproducible from one seed, in every runtime.

export class Rng {
  private state: number;

  constructor(seed = 42) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Normal(mean, std) by Box–Muller. */
  normal(mean = 0, std = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Fisher–Yates shuffle in place (allocates nothing). */
  shuffle(a: { length: number; [i: number]: number }): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}

const rotl = (v: number, r: number): number => (v << r) | (v >>> (32 - r));

/**
 * MurmurHash3_x86_32 of one 4-byte key with a seed: the hash assembly/dropout.ts draws its
 * masks with, used here to derive streams — the seed of training step `key` of a run seeded
 * `seed`, or of node `key` within a step. Integer arithmetic only, so every engine agrees.
 */
export function murmur3(seed: number, key: number): number {
  let h = (seed >>> 0) ^ Math.imul(rotl(Math.imul(key >>> 0, 0xcc9e2d51), 15), 0x1b873593);
  h = (Math.imul(rotl(h, 13), 5) + 0xe6546b64) ^ 4; // 4: the key's length in bytes
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
