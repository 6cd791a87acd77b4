// SPDX-License-Identifier: MIT
// Elementwise activations over n contiguous floats, forward and backward side by side:
// relu, sigmoid, tanh (torch.nn.functional.relu / sigmoid / tanh), add, and the scale-shift
// y = a·x + b behind input normalisation (torchvision.transforms.Normalize); for threads, a
// fill and the sum of per-thread partials in a fixed order (so a run repeats bit for bit).
// Backward kernels ACCUMULATE: dx += dy · f′. sigmoid and tanh take the forward OUTPUT y
// (f′ = y(1 − y) and 1 − y²), as the articles write them. Reference: tests/reference/elementwise.ts.
// Every loop runs over f32x4 with a scalar tail; exp is a Cephes-style polynomial in
// f32x4 (relative error ~2 ulp), shared with softmax.ts through `expv`.
import { addTo, madd } from './simd';

/**
 * Lane-wise e^x (Cephes expf: range reduction by ln 2, degree-6 polynomial, 2^n by exponent
 * bits). @global rather than exported, so softmax.ts can use it without it becoming a wasm
 * export (index.ts re-exports every export of this file). Below e^−87.3 the result is a
 * float32 subnormal and below e^−103.97 (half the smallest subnormal, 2^−150) it is 0, as
 * torch's float32 exp; above 88 it stays at e^88 instead of overflowing.
 */
// @ts-ignore: decorator
@global @inline
function expv(x: v128): v128 {
  // n = round(x·log2 e) ∈ [−150, 127] after the clamp (e^−104 already rounds to 0). pmax/pmin
  // (one x86 instruction each, where NaN-exact max/min take about eight) let a NaN x through.
  x = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-104.0)), f32x4.splat(88.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = madd(n, f32x4.splat(-0.693359375), x);
  r = madd(n, f32x4.splat(2.12194440e-4), r);
  let p = f32x4.splat(1.9875691500e-4);
  p = madd(p, r, f32x4.splat(1.3981999507e-3));
  p = madd(p, r, f32x4.splat(8.3334519073e-3));
  p = madd(p, r, f32x4.splat(4.1665795894e-2));
  p = madd(p, r, f32x4.splat(1.6666665459e-1));
  p = madd(p, r, f32x4.splat(5.0000001201e-1));
  p = madd(p, f32x4.mul(r, r), f32x4.add(r, f32x4.splat(1.0)));
  // 2^n as 2^h · 2^(n − h), h = ⌊n/2⌋: both factors are normal floats, and a subnormal result
  // is rounded once, by the last multiply.
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const h = i32x4.shr_s(ni, 1);
  const bias = i32x4.splat(127);
  const lo = i32x4.shl(i32x4.add(h, bias), 23);
  const hi = i32x4.shl(i32x4.add(i32x4.sub(ni, h), bias), 23);
  return f32x4.mul(f32x4.mul(p, lo), hi);
}

/** y = max(0, x), NaN kept (torch.relu), in the body and the tail alike. x and y are (n). */
export function relu_forward(y: usize, x: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, max<f32>(v, 0));
  }
}

/** dx += dy where x > 0. dx, dy and x are (n). Accumulates. */
export function relu_backward(dx: usize, dy: usize, x: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const g = v128.and(v128.load(dy + o), f32x4.gt(v128.load(x + o), zero));
    v128.store(dx + o, f32x4.add(v128.load(dx + o), g));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    if (load<f32>(x + o) > 0) store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o));
  }
}

// @ts-ignore: decorator
@inline
function sigmoidv(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, expv(f32x4.neg(x))));
}

/** y = 1 / (1 + e^−x). x and y are (n). */
export function sigmoid_forward(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, sigmoidv(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, f32x4.extract_lane(sigmoidv(f32x4.splat(load<f32>(x + o))), 0));
  }
}

/** dx += dy · y(1 − y), y the forward output. dx, dy and y are (n). Accumulates. */
export function sigmoid_backward(dx: usize, dy: usize, y: usize, n: i32): void {
  const one = f32x4.splat(1.0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const yv = v128.load(y + o);
    const d = f32x4.mul(yv, f32x4.sub(one, yv));
    v128.store(dx + o, madd(v128.load(dy + o), d, v128.load(dx + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const yv = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) * yv * (1 - yv));
  }
}

// @ts-ignore: decorator
@inline
function tanhv(x: v128): v128 {
  const a = f32x4.abs(x);
  // |x| ≥ 0.625: (1 − e^−2|x|) / (1 + e^−2|x|) with x's sign.
  const e = expv(f32x4.mul(a, f32x4.splat(-2.0)));
  const one = f32x4.splat(1.0);
  const big = f32x4.div(f32x4.sub(one, e), f32x4.add(one, e));
  // |x| < 0.625: Cephes tanhf's odd polynomial, no cancellation near 0.
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = madd(p, z, f32x4.splat(2.06390887954e-2));
  p = madd(p, z, f32x4.splat(-5.37397155531e-2));
  p = madd(p, z, f32x4.splat(1.33314422036e-1));
  p = madd(p, z, f32x4.splat(-3.33332819422e-1));
  const small = madd(f32x4.mul(p, z), x, x);
  const signed = v128.or(big, v128.and(x, f32x4.splat(-0.0)));
  return v128.bitselect(small, signed, f32x4.lt(a, f32x4.splat(0.625)));
}

/** y = tanh(x). x and y are (n). */
export function tanh_forward(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, tanhv(v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, f32x4.extract_lane(tanhv(f32x4.splat(load<f32>(x + o))), 0));
  }
}

/** dx += dy · (1 − y²), y the forward output. dx, dy and y are (n). Accumulates. */
export function tanh_backward(dx: usize, dy: usize, y: usize, n: i32): void {
  const one = f32x4.splat(1.0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const yv = v128.load(y + o);
    const d = f32x4.sub(one, f32x4.mul(yv, yv));
    v128.store(dx + o, madd(v128.load(dy + o), d, v128.load(dx + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const yv = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) * (1 - yv * yv));
  }
}

/** out = a + b. out, a and b are (n); out may alias a or b. */
export function add_forward(out: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

/** da += dy, db += dy: δ passes to both inputs unchanged. da, db and dy are (n); a 0 pointer is skipped. Accumulates. */
export function add_backward(da: usize, db: usize, dy: usize, n: i32): void {
  if (da) addTo(da, dy, n);
  if (db) addTo(db, dy, n);
}

/** y = a·x + b (a per-channel normalisation is one call per plane). y and x are (n); y may alias x. */
export function scale_shift_forward(y: usize, x: usize, a: f32, b: f32, n: i32): void {
  const av = f32x4.splat(a);
  const bv = f32x4.splat(b);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, madd(v128.load(x + o), av, bv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(x + o) * a + b);
  }
}

/** dx += a·dy, the backward of scale_shift_forward. dx and dy are (n). Accumulates. */
export function scale_shift_backward(dx: usize, dy: usize, a: f32, n: i32): void {
  const av = f32x4.splat(a);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, madd(v128.load(dy + o), av, v128.load(dx + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dx + o) + a * load<f32>(dy + o));
  }
}

/** p[i0:i1] = v. */
export function fill_f32(p: usize, v: f32, i0: i32, i1: i32): void {
  let i = i0;
  for (; i + 4 <= i1; i += 4) v128.store(p + (<usize>i << 2), f32x4.splat(v));
  for (; i < i1; i++) store<f32>(p + (<usize>i << 2), v);
}

/** dst[i] += src[t·stride + i] for t = 0 … count − 1 in that order, i in [i0, i1). */
export function sum_partials(dst: usize, src: usize, stride: i32, count: i32, i0: i32, i1: i32): void {
  for (let t = 0; t < count; t++) addTo(dst + (<usize>i0 << 2), src + (<usize>(t * stride + i0) << 2), i1 - i0);
}
