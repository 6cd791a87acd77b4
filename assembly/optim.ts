// SPDX-License-Identifier: MIT
// Optimiser updates and gradient clipping: one f32x4 pass over a flat parameter array, its
// gradient and its state arrays, in place. The equations are torch.optim's single-tensor
// paths (torch 1.13); L2 weight decay is added to a copy of the gradient, the gradient array
// itself is left unchanged. Reference: tests/reference/optim.ts.
//
// Every loop runs the same f32x4 body over 4 lanes, then over single floats for the tail
// (ld/st splat one float and keep lane 0), so each update is written once.
import { madd } from './simd';

// @ts-ignore: decorator
@inline
function ld(a: usize, o: usize, full: bool): v128 {
  return full ? v128.load(a + o) : f32x4.splat(load<f32>(a + o));
}

// @ts-ignore: decorator
@inline
function st(a: usize, o: usize, x: v128, full: bool): void {
  if (full) v128.store(a + o, x);
  else store<f32>(a + o, f32x4.extract_lane(x, 0));
}

/**
 * SGD, as torch.optim.SGD:
 *   g' = g + wd·p
 *   v  = first ? g' : μ·v + (1 − dampening)·g'   (only when μ ≠ 0; PyTorch's buffer starts as g')
 *   d  = nesterov ? g' + μ·v : v                 (d = g' when μ = 0)
 *   p -= lr·d
 * p, v and g are (n); v may be 0 when μ = 0.
 */
export function sgd_step(
  p: usize, v: usize, g: usize, n: i32,
  lr: f32, momentum: f32, dampening: f32, weightDecay: f32, nesterov: i32, first: i32,
): void {
  const lrv = f32x4.splat(-lr);
  const mu = f32x4.splat(momentum);
  const wd = f32x4.splat(weightDecay);
  const keep = first ? f32x4.splat(0) : mu;
  const damp = f32x4.splat(first ? 1 : <f32>1.0 - dampening);
  for (let i = 0; i < n; ) {
    const full = n - i >= 4;
    const o = <usize>i << 2;
    const pv = ld(p, o, full);
    const gv = madd(wd, pv, ld(g, o, full));
    let d = gv;
    if (momentum != 0) {
      const buf = madd(keep, ld(v, o, full), f32x4.mul(damp, gv));
      st(v, o, buf, full);
      d = nesterov ? madd(mu, buf, gv) : buf;
    }
    st(p, o, madd(lrv, d, pv), full);
    i += full ? 4 : 1;
  }
}

/**
 * Adam and AdamW, as torch.optim.Adam / torch.optim.AdamW, at step t ≥ 1:
 *   g' = g + wd·p                 (Adam: L2 decay; AdamW: g' = g and p *= 1 − lr·wd first)
 *   m  = β1·m + (1 − β1)·g'
 *   v  = β2·v + (1 − β2)·g'²
 *   v̂  = amsgrad ? (vmax = max(vmax, v)) : v
 *   p -= lr/(1 − β1^t) · m / (sqrt(v̂)/sqrt(1 − β2^t) + eps)
 * p, m, v, vmax and g are (n); vmax is 0 without amsgrad.
 */
export function adam_step(
  p: usize, m: usize, v: usize, vmax: usize, g: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32, decoupled: i32, t: i32,
): void {
  const stepSize = <f32>(<f64>lr / (1.0 - Math.pow(<f64>beta1, <f64>t)));
  const ib = f32x4.splat(<f32>(1.0 / Math.sqrt(1.0 - Math.pow(<f64>beta2, <f64>t))));
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const c1 = f32x4.splat(<f32>1.0 - beta1);
  const c2 = f32x4.splat(<f32>1.0 - beta2);
  const wd = f32x4.splat(decoupled ? 0 : weightDecay);
  const shrink = f32x4.splat(decoupled ? <f32>(1.0 - <f64>lr * <f64>weightDecay) : 1);
  const ss = f32x4.splat(-stepSize);
  const ev = f32x4.splat(eps);
  for (let i = 0; i < n; ) {
    const full = n - i >= 4;
    const o = <usize>i << 2;
    const p0 = ld(p, o, full);
    const gv = madd(wd, p0, ld(g, o, full));
    const pv = f32x4.mul(shrink, p0);
    const mv = madd(b1, ld(m, o, full), f32x4.mul(c1, gv));
    let vv = madd(b2, ld(v, o, full), f32x4.mul(c2, f32x4.mul(gv, gv)));
    st(m, o, mv, full);
    st(v, o, vv, full);
    if (vmax) {
      vv = f32x4.max(ld(vmax, o, full), vv);
      st(vmax, o, vv, full);
    }
    const denom = madd(f32x4.sqrt(vv), ib, ev);
    st(p, o, madd(ss, f32x4.div(mv, denom), pv), full);
    i += full ? 4 : 1;
  }
}

/**
 * RMSprop, as torch.optim.RMSprop (a = α, b = 1 − α), and Adagrad, as torch.optim.Adagrad
 * (a = b = 1, no centring, no momentum, lr = lr/(1 + (t − 1)·lrDecay) given by the caller):
 *   g' = g + wd·p
 *   s  = a·s + b·g'²
 *   c  = a·c + b·g'                        (centered only)
 *   r  = sqrt(centered ? s − c² : s) + eps
 *   u  = μ·u + g'/r; p -= lr·u             (μ > 0; the buffer u starts at zero)
 *   p -= lr·g'/r                           (μ = 0)
 * p, s, c, u and g are (n); c is 0 unless centered, u is 0 when μ = 0.
 */
export function rmsprop_step(
  p: usize, s: usize, c: usize, u: usize, g: usize, n: i32,
  lr: f32, a: f32, b: f32, eps: f32, weightDecay: f32, momentum: f32,
): void {
  const lrv = f32x4.splat(-lr);
  const av = f32x4.splat(a);
  const bv = f32x4.splat(b);
  const ev = f32x4.splat(eps);
  const wd = f32x4.splat(weightDecay);
  const mu = f32x4.splat(momentum);
  for (let i = 0; i < n; ) {
    const full = n - i >= 4;
    const o = <usize>i << 2;
    const pv = ld(p, o, full);
    const gv = madd(wd, pv, ld(g, o, full));
    const sv = madd(av, ld(s, o, full), f32x4.mul(bv, f32x4.mul(gv, gv)));
    st(s, o, sv, full);
    let r = sv;
    if (c) {
      const cv = madd(av, ld(c, o, full), f32x4.mul(bv, gv));
      st(c, o, cv, full);
      r = f32x4.sub(sv, f32x4.mul(cv, cv));
    }
    let d = f32x4.div(gv, f32x4.add(f32x4.sqrt(r), ev));
    if (u) {
      d = madd(mu, ld(u, o, full), d);
      st(u, o, d, full);
    }
    st(p, o, madd(lrv, d, pv), full);
    i += full ? 4 : 1;
  }
}

/**
 * Adadelta, as torch.optim.Adadelta:
 *   g' = g + wd·p
 *   s  = ρ·s + (1 − ρ)·g'²
 *   δ  = sqrt(a + eps) / sqrt(s + eps) · g'
 *   a  = ρ·a + (1 − ρ)·δ²
 *   p -= lr·δ
 * p, s, a and g are (n).
 */
export function adadelta_step(p: usize, s: usize, a: usize, g: usize, n: i32, lr: f32, rho: f32, eps: f32, weightDecay: f32): void {
  const lrv = f32x4.splat(-lr);
  const rv = f32x4.splat(rho);
  const cv = f32x4.splat(<f32>1.0 - rho);
  const ev = f32x4.splat(eps);
  const wd = f32x4.splat(weightDecay);
  for (let i = 0; i < n; ) {
    const full = n - i >= 4;
    const o = <usize>i << 2;
    const pv = ld(p, o, full);
    const gv = madd(wd, pv, ld(g, o, full));
    const sv = madd(rv, ld(s, o, full), f32x4.mul(cv, f32x4.mul(gv, gv)));
    st(s, o, sv, full);
    const av = ld(a, o, full);
    const d = f32x4.mul(f32x4.div(f32x4.sqrt(f32x4.add(av, ev)), f32x4.sqrt(f32x4.add(sv, ev))), gv);
    st(a, o, madd(rv, av, f32x4.mul(cv, f32x4.mul(d, d))), full);
    st(p, o, madd(lrv, d, pv), full);
    i += full ? 4 : 1;
  }
}

/**
 * Σ g², for torch.nn.utils.clip_grad_norm_: each float squared in f64 (exact) and summed in
 * four f64 lanes, then the lanes and the tail in order. g is (n).
 */
export function grad_sum_squares(g: usize, n: i32): f64 {
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x = v128.load(g + (<usize>i << 2));
    const lo = f64x2.promote_low_f32x4(x);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 2, 3));
    acc0 = f64x2.add(acc0, f64x2.mul(lo, lo));
    acc1 = f64x2.add(acc1, f64x2.mul(hi, hi));
  }
  const sum = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
  for (; i < n; i++) {
    const x = <f64>load<f32>(g + (<usize>i << 2));
    s += x * x;
  }
  return s;
}

/**
 * g = min(max(scale·g, lo), hi) in place: clip_grad_norm_ (scale = its coefficient, lo = −∞,
 * hi = ∞) and clip_grad_value_ (scale = 1, lo = −v, hi = v). NaN stays NaN. g is (n).
 */
export function grad_clip(g: usize, n: i32, scale: f32, lo: f32, hi: f32): void {
  const sv = f32x4.splat(scale);
  const lv = f32x4.splat(lo);
  const hv = f32x4.splat(hi);
  for (let i = 0; i < n; ) {
    const full = n - i >= 4;
    const o = <usize>i << 2;
    st(g, o, f32x4.min(f32x4.max(f32x4.mul(sv, ld(g, o, full)), lv), hv), full);
    i += full ? 4 : 1;
  }
}
