// SPDX-License-Identifier: MIT
// Local response normalisation across channels (torch.nn.functional.local_response_norm;
// AlexNet §3.3), forward and backward side by side. For x (N, C, S), S the positions (H·W):
//   s_c = k + (α/size)·Σ_{j ∈ W(c)} x_j²,   W(c) = [c − ⌊size/2⌋, c + ⌊(size−1)/2⌋] ∩ [0, C)
//   y_c = x_c · s_c^(−β)
// (torch zero-pads the channel axis by ⌊size/2⌋ before and ⌊(size−1)/2⌋ after and averages
// x² over `size` channels, so the divisor is always size, also where W(c) is clipped).
// Backward, with r_c = s_c^(−β):
//   dx_i += dy_i·r_i − (2αβ/size)·x_i·Σ_{c : i ∈ W(c)} dy_c·x_c·r_c / s_c,
// computed by scattering each channel's term over its own window W(c) (no scratch).
// r is e^(−β·ln s): ln is Cephes' logf in f32x4 (logv), e^ is expv. s must be positive
// (k > 0, or a window that is not all zeros). Reference: tests/reference/lrn.ts.
//
// Positions run four per f32x4, the tail one lane at a time through the same column code
// (`l4` false). The window sum is recomputed per channel, not slid: no drift along C.
import { madd } from './simd';

/** Lane-wise ln x for x > 0 (Cephes logf: x = m·2^e, m ∈ [√½, √2), degree-8 polynomial in m − 1). */
// @ts-ignore: decorator
@inline
function logv(x: v128): v128 {
  let e = i32x4.sub(i32x4.shr_u(x, 23), i32x4.splat(127));
  let m = v128.or(v128.and(x, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000)); // [1, 2)
  const big = f32x4.gt(m, f32x4.splat(1.41421356237));
  m = v128.bitselect(f32x4.mul(m, f32x4.splat(0.5)), m, big);
  e = i32x4.sub(e, big); // big lanes are −1: e + 1
  const ef = f32x4.convert_i32x4_s(e);
  const t = f32x4.sub(m, f32x4.splat(1.0));
  const z = f32x4.mul(t, t);
  let p = f32x4.splat(7.0376836292e-2);
  p = madd(p, t, f32x4.splat(-1.1514610310e-1));
  p = madd(p, t, f32x4.splat(1.1676998740e-1));
  p = madd(p, t, f32x4.splat(-1.2420140846e-1));
  p = madd(p, t, f32x4.splat(1.4249322787e-1));
  p = madd(p, t, f32x4.splat(-1.6668057665e-1));
  p = madd(p, t, f32x4.splat(2.0000714765e-1));
  p = madd(p, t, f32x4.splat(-2.4999993993e-1));
  p = madd(p, t, f32x4.splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, t), z);
  y = madd(ef, f32x4.splat(-2.12194440e-4), y);
  y = madd(z, f32x4.splat(-0.5), y);
  return madd(ef, f32x4.splat(0.693359375), f32x4.add(t, y));
}

// @ts-ignore: decorator
@inline
function ld(p: usize, l4: bool): v128 {
  return l4 ? v128.load(p) : f32x4.splat(load<f32>(p));
}

// @ts-ignore: decorator
@inline
function st(p: usize, v: v128, l4: bool): void {
  if (l4) v128.store(p, v);
  else store<f32>(p, f32x4.extract_lane(v, 0));
}

/**
 * One column of row n (4 positions when l4, else 1): s_c = k + (α/size)·Σ_{j ∈ W(c)} x_j².
 * Forward: out = y = x·r, and scale = r when scale ≠ 0. Backward: out = dx += dy·r, then
 * t = −(2αβ/size)·dy_c·x_c·r_c / s_c is added as t·x_j to every j ∈ W(c); r is read from
 * scale when given, else recomputed.
 */
// @ts-ignore: decorator
@inline
function column(out: usize, dy: usize, x: usize, scale: usize, C: i32, cs: usize, size: i32, alpha: f32, beta: f32, k: f32, backward: bool, l4: bool): void {
  const a = f32x4.splat(alpha / <f32>size);
  const coef = f32x4.splat((-2 * alpha * beta) / <f32>size);
  const before = size >> 1;
  const after = (size - 1) >> 1;
  for (let c = 0; c < C; c++) {
    const q = <usize>c * cs;
    const j0 = max(c - before, 0);
    const j1 = min(c + after, C - 1);
    let sum = f32x4.splat(0);
    for (let j = j0; j <= j1; j++) {
      const v = ld(x + <usize>j * cs, l4);
      sum = madd(v, v, sum);
    }
    const s = madd(sum, a, f32x4.splat(k));
    // r = s^(−β) = e^(−β·ln s)
    // @ts-ignore: expv is @global in elementwise.ts
    const r = backward && scale ? ld(scale + q, l4) : expv(f32x4.mul(logv(s), f32x4.splat(-beta)));
    if (!backward) {
      st(out + q, f32x4.mul(ld(x + q, l4), r), l4);
      if (scale) st(scale + q, r, l4);
      continue;
    }
    const g = ld(dy + q, l4);
    st(out + q, madd(g, r, ld(out + q, l4)), l4);
    const t = f32x4.mul(f32x4.div(f32x4.mul(f32x4.mul(g, ld(x + q, l4)), r), s), coef);
    for (let j = j0; j <= j1; j++) {
      const p = <usize>j * cs;
      st(out + p, madd(t, ld(x + p, l4), ld(out + p, l4)), l4);
    }
  }
}

/** Every column of rows n ∈ [n0, n1): four positions per f32x4, then the tail one at a time. */
// @ts-ignore: decorator
@inline
function rows(out: usize, dy: usize, x: usize, scale: usize, C: i32, S: i32, size: i32, alpha: f32, beta: f32, k: f32, n0: i32, n1: i32, backward: bool): void {
  const cs = <usize>S << 2;
  for (let n = n0; n < n1; n++) {
    let s = 0;
    for (; s + 4 <= S; s += 4) {
      const o = <usize>(n * C * S + s) << 2;
      column(out + o, dy + o, x + o, scale ? scale + o : 0, C, cs, size, alpha, beta, k, backward, true);
    }
    for (; s < S; s++) {
      const o = <usize>(n * C * S + s) << 2;
      column(out + o, dy + o, x + o, scale ? scale + o : 0, C, cs, size, alpha, beta, k, backward, false);
    }
  }
}

/**
 * y = x·s^(−β) for rows n ∈ [n0, n1); writes r = s^(−β) to scale when scale ≠ 0, for the
 * backward. x, y and scale are (N, C, S).
 */
export function lrn_forward(y: usize, scale: usize, x: usize, C: i32, S: i32, size: i32, alpha: f32, beta: f32, k: f32, n0: i32, n1: i32): void {
  rows(y, 0, x, scale, C, S, size, alpha, beta, k, n0, n1, false);
}

/**
 * dx += ∂y/∂xᵀ·dy for rows n ∈ [n0, n1); r = s^(−β) is read from scale (the forward's) when
 * scale ≠ 0, else recomputed. dx, dy, x and scale are (N, C, S). Accumulates.
 */
export function lrn_backward(dx: usize, dy: usize, x: usize, scale: usize, C: i32, S: i32, size: i32, alpha: f32, beta: f32, k: f32, n0: i32, n1: i32): void {
  rows(dx, dy, x, scale, C, S, size, alpha, beta, k, n0, n1, true);
}
