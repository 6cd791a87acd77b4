// SPDX-License-Identifier: MIT
// Batch normalisation over NCHW (torch.nn.functional.batch_norm), forward and backward side
// by side. Channel ch holds the N planes x[i, ch] of HW floats each (HW = 1 for an (N, C)
// input), M = N·HW values. Training normalises with the batch mean and BIASED variance and,
// when running statistics are given, updates them (rvar with the unbiased variance, ·M/(M−1));
// evaluation normalises with the running statistics. Reference: tests/reference/norm.ts.
//
// Numerics: two passes (the mean, then the mean of squared deviations from it); each pass
// sums one plane in f32x4 lanes and adds the planes' sums in f64, as PyTorch's CPU kernel
// accumulates in double. Every kernel works on channels [c0, c1); a pointer 0 is an absent
// tensor (weight 1, bias 0, statistics not written, gradient not computed).
import { hsum, madd } from './simd';

/** Σ (x − m), or Σ (x − m)² when square, over the M values of channel ch. */
// @ts-ignore: decorator
@inline
function channelSum(x: usize, N: i32, C: i32, HW: i32, ch: i32, m: f32, square: bool): f64 {
  const mv = f32x4.splat(m);
  let s: f64 = 0;
  for (let i = 0; i < N; i++) {
    const p = x + (<usize>((i * C + ch) * HW) << 2);
    let acc = f32x4.splat(0);
    let t: f32 = 0;
    let j = 0;
    for (; j + 4 <= HW; j += 4) {
      const d = f32x4.sub(v128.load(p + (<usize>j << 2)), mv);
      acc = square ? madd(d, d, acc) : f32x4.add(acc, d);
    }
    for (; j < HW; j++) {
      const d = load<f32>(p + (<usize>j << 2)) - m;
      t += square ? d * d : d;
    }
    s += <f64>(hsum(acc) + t);
  }
  return s;
}

/** y = (x − mean)·invstd·w + b over channel ch (w = 1, b = 0 when absent); y may be x. */
// @ts-ignore: decorator
@inline
function normalizeChannel(y: usize, x: usize, w: usize, b: usize, N: i32, C: i32, HW: i32, ch: i32, mean: f32, invstd: f32): void {
  const k = (w ? load<f32>(w + (<usize>ch << 2)) : 1) * invstd;
  const s: f32 = b ? load<f32>(b + (<usize>ch << 2)) : 0;
  const mv = f32x4.splat(mean), kv = f32x4.splat(k), sv = f32x4.splat(s);
  for (let i = 0; i < N; i++) {
    const o = <usize>((i * C + ch) * HW) << 2;
    let j = 0;
    for (; j + 4 <= HW; j += 4) {
      const q = o + (<usize>j << 2);
      v128.store(y + q, madd(f32x4.sub(v128.load(x + q), mv), kv, sv));
    }
    for (; j < HW; j++) {
      const q = o + (<usize>j << 2);
      store<f32>(y + q, (load<f32>(x + q) - mean) * k + s);
    }
  }
}

/**
 * Training: y = (x − mean)/sqrt(var + eps)·w + b with the batch's mean and biased var; writes
 * mean and invstd = 1/sqrt(var + eps) when given; updates rmean = (1−m)·rmean + m·mean and
 * rvar = (1−m)·rvar + m·var·M/(M−1) when given (M > 1). y may be x.
 * x and y are (N, C, HW); mean, invstd, rmean, rvar, w, b are (C).
 */
export function batchnorm2d_forward_train(
  y: usize, mean: usize, invstd: usize, rmean: usize, rvar: usize, x: usize, w: usize, b: usize,
  N: i32, C: i32, HW: i32, momentum: f64, eps: f64, c0: i32, c1: i32,
): void {
  const M = <f64>N * <f64>HW;
  for (let ch = c0; ch < c1; ch++) {
    const o = <usize>ch << 2;
    const mu = channelSum(x, N, C, HW, ch, 0, false) / M;
    const v = channelSum(x, N, C, HW, ch, <f32>mu, true) / M;
    const is = 1.0 / Math.sqrt(v + eps);
    if (mean) store<f32>(mean + o, <f32>mu);
    if (invstd) store<f32>(invstd + o, <f32>is);
    if (rmean) store<f32>(rmean + o, <f32>((1 - momentum) * <f64>load<f32>(rmean + o) + momentum * mu));
    if (rvar) store<f32>(rvar + o, <f32>((1 - momentum) * <f64>load<f32>(rvar + o) + momentum * v * M / (M - 1)));
    normalizeChannel(y, x, w, b, N, C, HW, ch, <f32>mu, <f32>is);
  }
}

/**
 * Evaluation: y = (x − rmean)/sqrt(rvar + eps)·w + b. y may be x.
 * x and y are (N, C, HW); rmean, rvar, w, b are (C).
 */
export function batchnorm2d_forward_eval(
  y: usize, x: usize, rmean: usize, rvar: usize, w: usize, b: usize,
  N: i32, C: i32, HW: i32, eps: f64, c0: i32, c1: i32,
): void {
  for (let ch = c0; ch < c1; ch++) {
    const o = <usize>ch << 2;
    normalizeChannel(y, x, w, b, N, C, HW, ch, load<f32>(rmean + o), <f32>(1.0 / Math.sqrt(<f64>load<f32>(rvar + o) + eps)));
  }
}

/**
 * One channel's backward, with x̂ = (x − mean)·invstd: db += Σ dy, dw += Σ dy·x̂, and
 *   training:   dx += w·invstd·(dy − Σdy/M − x̂·Σ(dy·x̂)/M)
 *   evaluation: dx += w·invstd·dy           (the statistics are constants)
 */
// @ts-ignore: decorator
@inline
function backwardChannel(
  dx: usize, dw: usize, db: usize, dy: usize, x: usize, w: usize,
  N: i32, C: i32, HW: i32, ch: i32, mean: f32, invstd: f32, training: bool,
): void {
  const mv = f32x4.splat(mean);
  let sdy: f64 = 0, sdyx: f64 = 0;
  for (let i = 0; i < N; i++) {
    const o = <usize>((i * C + ch) * HW) << 2;
    let a = f32x4.splat(0), d = f32x4.splat(0);
    let ta: f32 = 0, td: f32 = 0;
    let j = 0;
    for (; j + 4 <= HW; j += 4) {
      const q = o + (<usize>j << 2);
      const g = v128.load(dy + q);
      a = f32x4.add(a, g);
      d = madd(g, f32x4.sub(v128.load(x + q), mv), d);
    }
    for (; j < HW; j++) {
      const q = o + (<usize>j << 2);
      const g = load<f32>(dy + q);
      ta += g;
      td += g * (load<f32>(x + q) - mean);
    }
    sdy += <f64>(hsum(a) + ta);
    sdyx += <f64>(hsum(d) + td);
  }
  const co = <usize>ch << 2;
  if (db) store<f32>(db + co, load<f32>(db + co) + <f32>sdy);
  if (dw) store<f32>(dw + co, load<f32>(dw + co) + <f32>(sdyx * <f64>invstd));
  if (!dx) return;
  // dx += k·dy + (x − mean)·c2 + c1, with c1 = c2 = 0 in evaluation.
  const k = (w ? load<f32>(w + co) : 1) * invstd;
  const M = <f64>N * <f64>HW;
  const c1: f32 = training ? <f32>(-<f64>k * sdy / M) : 0;
  const c2: f32 = training ? <f32>(-<f64>k * <f64>invstd * <f64>invstd * sdyx / M) : 0;
  const kv = f32x4.splat(k), c1v = f32x4.splat(c1), c2v = f32x4.splat(c2);
  for (let i = 0; i < N; i++) {
    const o = <usize>((i * C + ch) * HW) << 2;
    let j = 0;
    for (; j + 4 <= HW; j += 4) {
      const q = o + (<usize>j << 2);
      const t = madd(f32x4.sub(v128.load(x + q), mv), c2v, c1v);
      v128.store(dx + q, madd(v128.load(dy + q), kv, f32x4.add(v128.load(dx + q), t)));
    }
    for (; j < HW; j++) {
      const q = o + (<usize>j << 2);
      store<f32>(dx + q, load<f32>(dx + q) + load<f32>(dy + q) * k + (load<f32>(x + q) - mean) * c2 + c1);
    }
  }
}

/**
 * Backward of batchnorm2d_forward_train, with the batch's mean and invstd from the forward,
 * or recomputed from x (with eps) when mean = 0. Accumulates into dx, dw, db (each optional).
 * dx, dy and x are (N, C, HW); mean, invstd, w, dw, db are (C).
 */
export function batchnorm2d_backward_train(
  dx: usize, dw: usize, db: usize, dy: usize, x: usize, mean: usize, invstd: usize, w: usize,
  N: i32, C: i32, HW: i32, eps: f64, c0: i32, c1: i32,
): void {
  const M = <f64>N * <f64>HW;
  for (let ch = c0; ch < c1; ch++) {
    let mu: f32, is: f32;
    if (mean) {
      mu = load<f32>(mean + (<usize>ch << 2));
      is = load<f32>(invstd + (<usize>ch << 2));
    } else {
      mu = <f32>(channelSum(x, N, C, HW, ch, 0, false) / M);
      is = <f32>(1.0 / Math.sqrt(channelSum(x, N, C, HW, ch, mu, true) / M + eps));
    }
    backwardChannel(dx, dw, db, dy, x, w, N, C, HW, ch, mu, is, true);
  }
}

/**
 * Backward of batchnorm2d_forward_eval (running statistics are constants). Accumulates into
 * dx, dw, db (each optional). dx, dy and x are (N, C, HW); rmean, rvar, w, dw, db are (C).
 */
export function batchnorm2d_backward_eval(
  dx: usize, dw: usize, db: usize, dy: usize, x: usize, rmean: usize, rvar: usize, w: usize,
  N: i32, C: i32, HW: i32, eps: f64, c0: i32, c1: i32,
): void {
  for (let ch = c0; ch < c1; ch++) {
    const o = <usize>ch << 2;
    const is = <f32>(1.0 / Math.sqrt(<f64>load<f32>(rvar + o) + eps));
    backwardChannel(dx, dw, db, dy, x, w, N, C, HW, ch, load<f32>(rmean + o), is, false);
  }
}
