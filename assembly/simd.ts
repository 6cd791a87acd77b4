// SPDX-License-Identifier: MIT
// The one place where the two builds differ. `asc --enable relaxed-simd` sets
// ASC_FEATURE_RELAXED_SIMD and madd becomes a single fused (or not: relaxed FMA may round
// either way, per machine) instruction; the default build uses mul then add.

/** a * b + c, lane-wise over f32x4. */
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/** max(v, 0) lane-wise when on (f32x4.max: a NaN lane stays NaN, −0 becomes +0, as relu_forward), else v. */
// @ts-ignore: decorator
@inline
export function reluIf(v: v128, on: bool): v128 {
  return on ? f32x4.max(v, f32x4.splat(0)) : v;
}

/** The sum of the four lanes. */
// @ts-ignore: decorator
@inline
export function hsum(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) +
    f32x4.extract_lane(v, 1) +
    f32x4.extract_lane(v, 2) +
    f32x4.extract_lane(v, 3)
  );
}

/** dst[i] += src[i] for n floats (f32x4, then a scalar tail). */
// @ts-ignore: decorator
@inline
export function addTo(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}
