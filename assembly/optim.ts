// SPDX-License-Identifier: MIT
// Optimiser updates: one f32x4 pass over a flat parameter array, its gradient and its
// state arrays, in place. The equations are torch.optim.SGD and torch.optim.Adam
// (single-tensor path, dampening 0, L2 weight decay added to the gradient; the gradient
// array itself is left unchanged). Reference: tests/reference/optim.ts.
import { madd } from './simd';

/**
 * SGD, as torch.optim.SGD (dampening 0):
 *   g' = g + wd·p
 *   v  = first ? g' : μ·v + g'           (only when μ ≠ 0; PyTorch's buffer starts as g')
 *   d  = nesterov ? g' + μ·v : v         (d = g' when μ = 0)
 *   p -= lr·d
 * p, v and g are (n); v may be 0 when μ = 0.
 */
export function sgd_step(
  p: usize, v: usize, g: usize, n: i32,
  lr: f32, momentum: f32, weightDecay: f32, nesterov: i32, first: i32,
): void {
  const lrv = f32x4.splat(-lr);
  const mu = f32x4.splat(momentum);
  const wd = f32x4.splat(weightDecay);
  const keep = first ? f32x4.splat(0) : mu;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const pv = v128.load(p + o);
    const gv = madd(wd, pv, v128.load(g + o));
    let d = gv;
    if (momentum != 0) {
      const buf = madd(keep, v128.load(v + o), gv);
      v128.store(v + o, buf);
      d = nesterov ? madd(mu, buf, gv) : buf;
    }
    v128.store(p + o, madd(lrv, d, pv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o);
    const gv = load<f32>(g + o) + weightDecay * pv;
    let d = gv;
    if (momentum != 0) {
      const buf = first ? gv : momentum * load<f32>(v + o) + gv;
      store<f32>(v + o, buf);
      d = nesterov ? gv + momentum * buf : buf;
    }
    store<f32>(p + o, pv - lr * d);
  }
}

/**
 * Adam, as torch.optim.Adam (amsgrad off), at step t ≥ 1:
 *   g' = g + wd·p
 *   m  = β1·m + (1 − β1)·g'
 *   v  = β2·v + (1 − β2)·g'²
 *   p -= lr/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + eps)
 * p, m, v and g are (n).
 */
export function adam_step(
  p: usize, m: usize, v: usize, g: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32, t: i32,
): void {
  const bc1 = 1.0 - Math.pow(<f64>beta1, <f64>t);
  const bc2 = 1.0 - Math.pow(<f64>beta2, <f64>t);
  const stepSize = <f32>(<f64>lr / bc1);
  const invBc2Sqrt = <f32>(1.0 / Math.sqrt(bc2));
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const c1 = f32x4.splat(<f32>1.0 - beta1);
  const c2 = f32x4.splat(<f32>1.0 - beta2);
  const wd = f32x4.splat(weightDecay);
  const ss = f32x4.splat(-stepSize);
  const ib = f32x4.splat(invBc2Sqrt);
  const ev = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const pv = v128.load(p + o);
    const gv = madd(wd, pv, v128.load(g + o));
    const mv = madd(b1, v128.load(m + o), f32x4.mul(c1, gv));
    const vv = madd(b2, v128.load(v + o), f32x4.mul(c2, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const denom = madd(f32x4.sqrt(vv), ib, ev);
    v128.store(p + o, madd(ss, f32x4.div(mv, denom), pv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o);
    const gv = load<f32>(g + o) + weightDecay * pv;
    const mv = beta1 * load<f32>(m + o) + (<f32>1.0 - beta1) * gv;
    const vv = beta2 * load<f32>(v + o) + (<f32>1.0 - beta2) * gv * gv;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(p + o, pv - stepSize * (mv / (Mathf.sqrt(vv) * invBc2Sqrt + eps)));
  }
}
