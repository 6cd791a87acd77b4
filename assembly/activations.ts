// SPDX-License-Identifier: MIT
// The parametric activations over n contiguous floats, forward and backward side by side:
// leaky_relu, elu and gelu (torch.nn.functional.leaky_relu / elu / gelu, both of gelu's
// forms). Backward kernels ACCUMULATE dx += dy · f′(x) and take the forward INPUT x; at
// x = 0 leaky_relu and elu take the negative branch's slope, as torch's kernels do.
// Reference: tests/reference/elementwise.ts.
//
// One loop (`run`: 8 lanes, then 4, then the tail through the same lane code) applies f or f′, which
// branch on a kind that every export passes as a constant: each compiles to its own loop.
import { madd } from './simd';

const LEAKY: i32 = 0;
const ELU: i32 = 1;
const GELU: i32 = 2; // x·Φ(x), Φ the normal CDF through erfc
const GELU_TANH: i32 = 3; // x·σ(2u), u = √(2/π)(x + 0.044715x³): 0.5x(1 + tanh u) without cancelling

/** e^x − 1 without cancellation near 0: Taylor to x⁷ for |x| < 0.35 (error < 2e-8 relative), else e^x − 1. */
// @ts-ignore: decorator
@inline
function expm1v(x: v128): v128 {
  let p = f32x4.splat(1.0 / 5040.0);
  p = madd(p, x, f32x4.splat(1.0 / 720.0));
  p = madd(p, x, f32x4.splat(1.0 / 120.0));
  p = madd(p, x, f32x4.splat(1.0 / 24.0));
  p = madd(p, x, f32x4.splat(1.0 / 6.0));
  p = madd(p, x, f32x4.splat(0.5));
  const small = madd(f32x4.mul(p, x), x, x);
  // @ts-ignore: expv is @global in elementwise.ts
  const big = f32x4.sub(expv(x), f32x4.splat(1.0));
  return v128.bitselect(small, big, f32x4.lt(f32x4.abs(x), f32x4.splat(0.35)));
}

/**
 * The tail ½·erfc(|x|/√2) of Φ, given e = e^(−x²/2): t·e·H(t), t = 1/(1 + 0.4|x|/√2), H a
 * degree-8 polynomial (Estrin) fitted by scripts/fit-gelu-erfc.py to ½·erfc(z)·e^(z²)/t (minimax in relative error, fit
 * error < 1.3e-7 over t ∈ [0, 1], so every z ≥ 0). Relative error is kept in the negative
 * tail, where 1 + erf(x/√2) would cancel; float32 rounding of x² in e leaves < 1.3e-6 to |x| = 6.
 */
// @ts-ignore: decorator
@inline
function tailv(x: v128, e: v128): v128 {
  const one = f32x4.splat(1.0);
  const t = f32x4.div(one, madd(f32x4.abs(x), f32x4.splat(0.28284271247461906), one));
  const t2 = f32x4.mul(t, t);
  const t4 = f32x4.mul(t2, t2);
  const h0 = madd(madd(f32x4.splat(0.084270991), t, f32x4.splat(0.10392135)), t2, madd(f32x4.splat(0.1128348), t, f32x4.splat(0.11283793)));
  const h4 = madd(madd(f32x4.splat(-0.091450743), t, f32x4.splat(0.084542729)), t2, madd(f32x4.splat(-0.0028037771), t, f32x4.splat(0.070715718)));
  return f32x4.mul(f32x4.mul(t, e), madd(madd(f32x4.splat(0.025131065), t4, h4), t4, h0));
}

/** e^(−x²/2), shared by Φ and φ. */
// @ts-ignore: decorator
@inline
function gaussv(x: v128): v128 {
  // @ts-ignore: expv is @global in elementwise.ts
  return expv(f32x4.mul(f32x4.mul(x, x), f32x4.splat(-0.5)));
}

/** 2u = 2√(2/π)(x + 0.044715x³) of the tanh form. */
// @ts-ignore: decorator
@inline
function twoU(x: v128): v128 {
  const x3 = f32x4.mul(f32x4.mul(x, x), x);
  return f32x4.mul(madd(x3, f32x4.splat(0.044715), x), f32x4.splat(1.5957691216057308));
}

/** f(x) of the kind; a is the slope (LEAKY) or α (ELU). */
// @ts-ignore: decorator
@inline
function f(x: v128, kind: i32, a: v128): v128 {
  const pos = f32x4.gt(x, f32x4.splat(0));
  if (kind == LEAKY) return v128.bitselect(x, f32x4.mul(x, a), pos);
  if (kind == ELU) return v128.bitselect(x, f32x4.mul(expm1v(x), a), pos);
  if (kind == GELU) {
    // x·Φ(x): x·tail below 0, x − x·tail above.
    const xt = f32x4.mul(x, tailv(x, gaussv(x)));
    return v128.bitselect(xt, f32x4.sub(x, xt), f32x4.lt(x, f32x4.splat(0)));
  }
  // @ts-ignore: expv is @global in elementwise.ts
  return f32x4.div(x, f32x4.add(f32x4.splat(1.0), expv(f32x4.neg(twoU(x)))));
}

/** f′(x) of the kind. */
// @ts-ignore: decorator
@inline
function df(x: v128, kind: i32, a: v128): v128 {
  const one = f32x4.splat(1.0);
  const pos = f32x4.gt(x, f32x4.splat(0));
  if (kind == LEAKY) return v128.bitselect(one, a, pos);
  // @ts-ignore: expv is @global in elementwise.ts
  if (kind == ELU) return v128.bitselect(one, f32x4.mul(expv(x), a), pos);
  if (kind == GELU) {
    // Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π): one exponential for both.
    const e = gaussv(x);
    const tail = tailv(x, e);
    const phi = v128.bitselect(tail, f32x4.sub(one, tail), f32x4.lt(x, f32x4.splat(0)));
    return madd(x, f32x4.mul(e, f32x4.splat(0.3989422804014327)), phi);
  }
  // d/dx x·σ(2u) = σ + x·σ(1 − σ)·2u′, 2u′ = 2√(2/π)(1 + 3·0.044715x²); with e = e^(−2u),
  // σ = 1/(1 + e) and σ(1 − σ) = e·σ², which does not cancel as 1 − σ would for large x.
  // @ts-ignore: expv is @global in elementwise.ts
  const e = expv(f32x4.neg(twoU(x)));
  const s = f32x4.div(one, f32x4.add(one, e));
  const du = f32x4.mul(madd(f32x4.mul(x, x), f32x4.splat(0.134145), one), f32x4.splat(1.5957691216057308));
  return madd(f32x4.mul(x, f32x4.mul(e, f32x4.mul(s, s))), du, s);
}

/** Four lanes at byte offset o: f(x) (backward = 0) or out + dy · f′(x). */
// @ts-ignore: decorator
@inline
function lanes(out: usize, dy: usize, x: usize, o: usize, kind: i32, a: v128, backward: bool): v128 {
  const xv = v128.load(x + o);
  return backward ? madd(v128.load(dy + o), df(xv, kind, a), v128.load(out + o)) : f(xv, kind, a);
}

/**
 * backward = 0: out = f(x); backward ≠ 0: out += dy · f′(x). out, x and dy are (n). Eight
 * lanes at a time (stored together: two independent chains in flight), then four, then the
 * tail runs the same lane code on one splatted float.
 */
// @ts-ignore: decorator
@inline
function run(out: usize, dy: usize, x: usize, n: i32, kind: i32, a: f32, backward: bool): void {
  const av = f32x4.splat(a);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const o = <usize>i << 2;
    const v0 = lanes(out, dy, x, o, kind, av, backward);
    const v1 = lanes(out, dy, x, o + 16, kind, av, backward);
    v128.store(out + o, v0);
    v128.store(out + o, v1, 16);
  }
  for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), lanes(out, dy, x, <usize>i << 2, kind, av, backward));
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const xv = f32x4.splat(load<f32>(x + o));
    const v = backward ? load<f32>(out + o) + load<f32>(dy + o) * f32x4.extract_lane(df(xv, kind, av), 0) : f32x4.extract_lane(f(xv, kind, av), 0);
    store<f32>(out + o, v);
  }
}

/** y = x if x > 0, else slope·x. x and y are (n). */
export function leaky_relu_forward(y: usize, x: usize, n: i32, slope: f32): void {
  run(y, 0, x, n, LEAKY, slope, false);
}

/** dx += dy if x > 0, else slope·dy. dx, dy and x are (n). Accumulates. */
export function leaky_relu_backward(dx: usize, dy: usize, x: usize, n: i32, slope: f32): void {
  run(dx, dy, x, n, LEAKY, slope, true);
}

/** y = x if x > 0, else α(e^x − 1). x and y are (n). */
export function elu_forward(y: usize, x: usize, n: i32, alpha: f32): void {
  run(y, 0, x, n, ELU, alpha, false);
}

/** dx += dy if x > 0, else dy·α·e^x. dx, dy and x are (n). Accumulates. */
export function elu_backward(dx: usize, dy: usize, x: usize, n: i32, alpha: f32): void {
  run(dx, dy, x, n, ELU, alpha, true);
}

/** y = x·Φ(x) (tanhForm = 0) or 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))) (tanhForm ≠ 0). x and y are (n). */
export function gelu_forward(y: usize, x: usize, n: i32, tanhForm: i32): void {
  if (tanhForm) geluTanhForward(y, x, n);
  else run(y, 0, x, n, GELU, 0, false);
}

/** dx += dy · gelu′(x) of the chosen form. dx, dy and x are (n). Accumulates. */
export function gelu_backward(dx: usize, dy: usize, x: usize, n: i32, tanhForm: i32): void {
  if (tanhForm) geluTanhBackward(dx, dy, x, n);
  else run(dx, dy, x, n, GELU, 0, true);
}

/**
 * The tanh form's loops, each in a function of its own: were both forms' `run` inlined side by
 * side, the optimizer would fold them into one loop that tests the kind on every element.
 */
function geluTanhForward(y: usize, x: usize, n: i32): void {
  run(y, 0, x, n, GELU_TANH, 0, false);
}

function geluTanhBackward(dx: usize, dy: usize, x: usize, n: i32): void {
  run(dx, dy, x, n, GELU_TANH, 0, true);
}
