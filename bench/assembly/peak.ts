// SPDX-License-Identifier: MIT
// @ts-nocheck — AssemblyScript source (v128, f32x4), compiled by bench/run.mjs, not by tsc.
// One-core f32x4 multiply-add throughput. Twelve independent accumulators, each updated as
// acc = acc * x + y, so the multiply depends on the accumulator (nothing can be hoisted out
// of the loop) and twelve chains hide the latency: the loop is throughput-bound.
// Built twice from this one file: `--enable simd` (mul then add: 2 instructions, 8 flops
// per lane-quad) and `--enable relaxed-simd` (one f32x4.relaxed_madd, same 8 flops).
// x < 1 keeps every chain bounded (it converges to y / (1 − x)), so no inf, no denormals.

// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

/** Flops done per loop iteration: 12 accumulators × 4 lanes × (1 mul + 1 add). */
export const FLOPS_PER_ITERATION: i32 = 96;

/** Runs `iterations` loop turns; returns a sum of the accumulators (keeps them live). */
export function peak(iterations: i32, xs: f32, ys: f32): f32 {
  const x = f32x4.splat(xs);
  const y = f32x4.splat(ys);
  let a0 = f32x4.splat(0.0);
  let a1 = f32x4.splat(0.1);
  let a2 = f32x4.splat(0.2);
  let a3 = f32x4.splat(0.3);
  let a4 = f32x4.splat(0.4);
  let a5 = f32x4.splat(0.5);
  let a6 = f32x4.splat(0.6);
  let a7 = f32x4.splat(0.7);
  let a8 = f32x4.splat(0.8);
  let a9 = f32x4.splat(0.9);
  let a10 = f32x4.splat(1.0);
  let a11 = f32x4.splat(1.1);
  for (let i = 0; i < iterations; i++) {
    a0 = madd(a0, x, y);
    a1 = madd(a1, x, y);
    a2 = madd(a2, x, y);
    a3 = madd(a3, x, y);
    a4 = madd(a4, x, y);
    a5 = madd(a5, x, y);
    a6 = madd(a6, x, y);
    a7 = madd(a7, x, y);
    a8 = madd(a8, x, y);
    a9 = madd(a9, x, y);
    a10 = madd(a10, x, y);
    a11 = madd(a11, x, y);
  }
  const s = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7))),
    f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)),
  );
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}
