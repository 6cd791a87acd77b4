// SPDX-License-Identifier: MIT
// Inverted dropout (torch.nn.functional.dropout in training), forward and backward side by
// side, with a counter-based mask: element i is kept iff u(seed, i) ≥ rate, where
//   u(seed, i) = (murmur3(seed, i) >>> 8) · 2⁻²⁴
// and murmur3(seed, i) is MurmurHash3_x86_32 of the index as one 4-byte little-endian block
// with `seed` as its seed (Appleby's reference: body round, length 4, fmix32). The mask
// depends only on (seed, i), so every engine and every slice [i0, i1) a worker computes gives
// the same bits. Kept values are scaled by 1/(1 − rate); rate = 1 drops everything.
// Reference: tests/reference/dropout.ts.
import { madd } from './simd';

// @ts-ignore: decorator
@inline
function rotl(v: v128, r: i32): v128 {
  return v128.or(i32x4.shl(v, r), i32x4.shr_u(v, 32 - r));
}

/** MurmurHash3_x86_32 of the 4-byte block k with seed `seed`, lane-wise. */
// @ts-ignore: decorator
@inline
function murmur3(seed: v128, k: v128): v128 {
  k = i32x4.mul(rotl(i32x4.mul(k, i32x4.splat(<i32>0xcc9e2d51)), 15), i32x4.splat(<i32>0x1b873593));
  let h = rotl(v128.xor(seed, k), 13);
  h = i32x4.add(i32x4.mul(h, i32x4.splat(5)), i32x4.splat(<i32>0xe6546b64));
  h = v128.xor(h, i32x4.splat(4)); // the length in bytes
  h = i32x4.mul(v128.xor(h, i32x4.shr_u(h, 16)), i32x4.splat(<i32>0x85ebca6b));
  h = i32x4.mul(v128.xor(h, i32x4.shr_u(h, 13)), i32x4.splat(<i32>0xc2b2ae35));
  return v128.xor(h, i32x4.shr_u(h, 16));
}

/**
 * mask[i] = u(seed, i) ≥ rate ? 1/(1 − rate) : 0, y[i] = x[i]·mask[i], for i ∈ [i0, i1).
 * x, y and mask are (n) (only [i0, i1) is touched); y may alias x.
 */
export function dropout_forward(y: usize, mask: usize, x: usize, rate: f64, seed: u32, i0: i32, i1: i32): void {
  // u ≥ rate ⟺ (h >>> 8) ≥ ⌈rate·2²⁴⌉, exactly (both sides are integers below 2²⁴ + 1).
  const thr = i32x4.splat(<i32>Math.ceil(rate * 16777216.0));
  const scale = f32x4.splat(rate < 1 ? <f32>(1.0 / (1.0 - rate)) : 0);
  const sv = i32x4.splat(seed);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const h = murmur3(sv, i32x4.add(i32x4.splat(i), i32x4(0, 1, 2, 3)));
    const m = v128.and(i32x4.ge_s(i32x4.shr_u(h, 8), thr), scale);
    v128.store(mask + o, m);
    v128.store(y + o, f32x4.mul(v128.load(x + o), m));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const h = murmur3(sv, i32x4.splat(i));
    const m = f32x4.extract_lane(v128.and(i32x4.ge_s(i32x4.shr_u(h, 8), thr), scale), 0);
    store<f32>(mask + o, m);
    store<f32>(y + o, load<f32>(x + o) * m);
  }
}

/** dx += dy·mask. dx, dy and mask are (n). Accumulates. */
export function dropout_backward(dx: usize, dy: usize, mask: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, madd(v128.load(dy + o), v128.load(mask + o), v128.load(dx + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) * load<f32>(mask + o));
  }
}
