// SPDX-License-Identifier: MIT
// Softmax over dim 1 of (N, C, S) — S = 1 for logits (N, C), S = H·W for per-pixel class
// maps — and log_softmax, forward and backward side by side, then the losses that seed
// backward: the fused softmax-cross-entropy (torch.nn.functional.cross_entropy, mean over
// N), the squared error behind mse (torch.nn.functional.mse_loss, 'mean') and the
// Euclidean loss ½‖a − y‖², and count_correct (accuracy). Reference: tests/reference/softmax.ts.
// Losses return f64 and OVERWRITE their gradient (it is the first δ). Softmax is
// max-subtracted; exp is `expv` (@global in elementwise.ts), whose results below float32's
// smallest normal are subnormal and then 0, as torch's.
import { hsum } from './simd';

// @ts-ignore: decorator
@inline
function exp1(x: f32): f32 {
  // @ts-ignore: expv is @global in elementwise.ts
  return f32x4.extract_lane(expv(f32x4.splat(x)), 0);
}

/** Max of n floats at p (n ≥ 1). */
// @ts-ignore: decorator
@inline
function rowMax(p: usize, n: i32): f32 {
  let m: f32 = -Infinity;
  let i = 0;
  if (n >= 4) {
    let mv = v128.load(p);
    for (i = 4; i + 4 <= n; i += 4) mv = f32x4.max(mv, v128.load(p + (<usize>i << 2)));
    m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
  }
  for (; i < n; i++) m = max(m, load<f32>(p + (<usize>i << 2)));
  return m;
}

/** out[i] = e^(x[i] − m) for n floats; returns their sum. */
// @ts-ignore: decorator
@inline
function rowExp(out: usize, x: usize, n: i32, m: f32): f32 {
  const mv = f32x4.splat(m);
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    // @ts-ignore: expv is @global in elementwise.ts
    const e = expv(f32x4.sub(v128.load(x + o), mv));
    v128.store(out + o, e);
    acc = f32x4.add(acc, e);
  }
  let s = hsum(acc);
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const e = exp1(load<f32>(x + o) - m);
    store<f32>(out + o, e);
    s += e;
  }
  return s;
}

/** p[i] *= k for n floats. */
// @ts-ignore: decorator
@inline
function rowScale(p: usize, n: i32, k: f32): void {
  const kv = f32x4.splat(k);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(p + (<usize>i << 2), f32x4.mul(v128.load(p + (<usize>i << 2)), kv));
  for (; i < n; i++) store<f32>(p + (<usize>i << 2), load<f32>(p + (<usize>i << 2)) * k);
}

/** out[i] = (x[i] − m) − ls for n floats: log-softmax from the max and the log of the sum. */
// @ts-ignore: decorator
@inline
function rowShift(out: usize, x: usize, n: i32, m: f32, ls: f32): void {
  const mv = f32x4.splat(m);
  const lv = f32x4.splat(ls);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), f32x4.sub(f32x4.sub(v128.load(x + (<usize>i << 2)), mv), lv));
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) - m - ls);
}

/** ln of each lane (four scalar logs: one per position, not per element). */
// @ts-ignore: decorator
@inline
function logLanes(v: v128): v128 {
  let r = f32x4.splat(<f32>Math.log(<f64>f32x4.extract_lane(v, 0)));
  r = f32x4.replace_lane(r, 1, <f32>Math.log(<f64>f32x4.extract_lane(v, 1)));
  r = f32x4.replace_lane(r, 2, <f32>Math.log(<f64>f32x4.extract_lane(v, 2)));
  return f32x4.replace_lane(r, 3, <f32>Math.log(<f64>f32x4.extract_lane(v, 3)));
}

/**
 * y[n, :, s] = softmax(x[n, :, s]) = e^(x − max) / Σ e^(x − max), or with logOut ≠ 0
 * log_softmax = (x − max) − log Σ e^(x − max) (torch.nn.functional.log_softmax).
 * x and y are (N, C, S); rows n ∈ [n0, n1). With S > 1, four positions s run per f32x4.
 */
export function softmax_forward(y: usize, x: usize, N: i32, C: i32, S: i32, logOut: i32, n0: i32, n1: i32): void {
  if (logOut) softmaxRows(y, x, C, S, n0, n1, true);
  else softmaxRows(y, x, C, S, n0, n1, false);
}

// @ts-ignore: decorator
@inline
function softmaxRows(y: usize, x: usize, C: i32, S: i32, n0: i32, n1: i32, log: bool): void {
  for (let n = n0; n < n1; n++) {
    const base = <usize>(n * C * S) << 2;
    if (S == 1) {
      const m = rowMax(x + base, C);
      const s = rowExp(y + base, x + base, C, m);
      if (log) rowShift(y + base, x + base, C, m, <f32>Math.log(<f64>s));
      else rowScale(y + base, C, <f32>1.0 / s);
      continue;
    }
    const cs = <usize>S << 2;
    let s = 0;
    for (; s < S; s += 4) {
      // A tail of fewer than 4 positions runs the same code one lane at a time.
      const lanes = min(S - s, 4);
      const o = base + (<usize>s << 2);
      if (lanes == 4) {
        let mv = v128.load(x + o);
        for (let c = 1; c < C; c++) mv = f32x4.max(mv, v128.load(x + o + <usize>c * cs));
        let sum = f32x4.splat(0);
        for (let c = 0; c < C; c++) {
          const q = o + <usize>c * cs;
          // @ts-ignore: expv is @global in elementwise.ts
          const e = expv(f32x4.sub(v128.load(x + q), mv));
          v128.store(y + q, e);
          sum = f32x4.add(sum, e);
        }
        const k = log ? logLanes(sum) : f32x4.div(f32x4.splat(1.0), sum);
        for (let c = 0; c < C; c++) {
          const q = o + <usize>c * cs;
          v128.store(y + q, log ? f32x4.sub(f32x4.sub(v128.load(x + q), mv), k) : f32x4.mul(v128.load(y + q), k));
        }
      } else {
        for (let t = 0; t < lanes; t++) {
          const ot = o + (<usize>t << 2);
          let m: f32 = -Infinity;
          for (let c = 0; c < C; c++) m = max(m, load<f32>(x + ot + <usize>c * cs));
          let sum: f32 = 0;
          for (let c = 0; c < C; c++) {
            const e = exp1(load<f32>(x + ot + <usize>c * cs) - m);
            store<f32>(y + ot + <usize>c * cs, e);
            sum += e;
          }
          const k: f32 = log ? <f32>Math.log(<f64>sum) : <f32>1.0 / sum;
          for (let c = 0; c < C; c++) {
            const q = ot + <usize>c * cs;
            store<f32>(y + q, log ? load<f32>(x + q) - m - k : load<f32>(y + q) * k);
          }
        }
      }
    }
  }
}

/** The term of the row's reduction: dy·y (softmax) or dy (log_softmax). */
// @ts-ignore: decorator
@inline
function dotTerm(d: v128, yv: v128, log: bool): v128 {
  return log ? d : f32x4.mul(d, yv);
}

/** The gradient from the reduction: y·(dy − dot) (softmax) or dy − e^y·dot (log_softmax). */
// @ts-ignore: decorator
@inline
function gradTerm(d: v128, yv: v128, dot: v128, log: bool): v128 {
  // @ts-ignore: expv is @global in elementwise.ts
  return log ? f32x4.sub(d, f32x4.mul(expv(yv), dot)) : f32x4.mul(yv, f32x4.sub(d, dot));
}

/**
 * softmax: dx[n, c, s] += y · (dy − Σ_k dy[n, k, s] · y[n, k, s]);
 * log_softmax (logOut ≠ 0): dx[n, c, s] += dy − e^y · Σ_k dy[n, k, s].
 * dx, dy and y (the forward output) are (N, C, S); rows n ∈ [n0, n1). Accumulates.
 */
export function softmax_backward(dx: usize, dy: usize, y: usize, N: i32, C: i32, S: i32, logOut: i32, n0: i32, n1: i32): void {
  if (logOut) softmaxBackwardRows(dx, dy, y, C, S, n0, n1, true);
  else softmaxBackwardRows(dx, dy, y, C, S, n0, n1, false);
}

// @ts-ignore: decorator
@inline
function softmaxBackwardRows(dx: usize, dy: usize, y: usize, C: i32, S: i32, n0: i32, n1: i32, log: bool): void {
  const cs = <usize>S << 2;
  for (let n = n0; n < n1; n++) {
    const base = <usize>(n * C * S) << 2;
    let s = 0;
    // Four positions s at a time (S = 1 falls through to the scalar-position loop below,
    // whose inner loop over c is itself f32x4 when S = 1).
    for (; s + 4 <= S; s += 4) {
      const o = base + (<usize>s << 2);
      let dot = f32x4.splat(0);
      for (let c = 0; c < C; c++) {
        const q = o + <usize>c * cs;
        dot = f32x4.add(dot, dotTerm(v128.load(dy + q), v128.load(y + q), log));
      }
      for (let c = 0; c < C; c++) {
        const q = o + <usize>c * cs;
        v128.store(dx + q, f32x4.add(v128.load(dx + q), gradTerm(v128.load(dy + q), v128.load(y + q), dot, log)));
      }
    }
    for (; s < S; s++) {
      const o = base + (<usize>s << 2);
      // Along c: contiguous f32x4 when S = 1, else one lane (splatted) per channel.
      const step = S == 1 ? 4 : 1;
      const stride: usize = S == 1 ? 4 : cs;
      let dv = f32x4.splat(0);
      let c = 0;
      for (; step == 4 && c + 4 <= C; c += 4) dv = f32x4.add(dv, dotTerm(v128.load(dy + o + (<usize>c << 2)), v128.load(y + o + (<usize>c << 2)), log));
      let dot = hsum(dv);
      for (let k = c; k < C; k++) {
        const q = o + <usize>k * stride;
        dot += f32x4.extract_lane(dotTerm(f32x4.splat(load<f32>(dy + q)), f32x4.splat(load<f32>(y + q)), log), 0);
      }
      const dotv = f32x4.splat(dot);
      for (let k = 0; k < c; k += 4) {
        const q = o + (<usize>k << 2);
        v128.store(dx + q, f32x4.add(v128.load(dx + q), gradTerm(v128.load(dy + q), v128.load(y + q), dotv, log)));
      }
      for (let k = c; k < C; k++) {
        const q = o + <usize>k * stride;
        const g = gradTerm(f32x4.splat(load<f32>(dy + q)), f32x4.splat(load<f32>(y + q)), dotv, log);
        store<f32>(dx + q, load<f32>(dx + q) + f32x4.extract_lane(g, 0));
      }
    }
  }
}

/**
 * Fused softmax + cross-entropy, mean over the batch:
 * returns (1/N) Σ_n [log Σ_c e^(x[n,c] − m) − (x[n, label_n] − m)], and OVERWRITES
 * dlogits[n, c] = (softmax(x[n])_c − [c = label_n]) / N.
 * logits and dlogits are (N, C), labels is (N) int32 in [0, C) (checked by the caller).
 */
export function cross_entropy_forward_backward(dlogits: usize, logits: usize, labels: usize, N: i32, C: i32): f64 {
  let loss: f64 = 0;
  const invN: f32 = <f32>1.0 / <f32>N;
  for (let n = 0; n < N; n++) {
    const row = <usize>(n * C) << 2;
    const m = rowMax(logits + row, C);
    const s = rowExp(dlogits + row, logits + row, C, m);
    const label = load<i32>(labels + (<usize>n << 2));
    loss += Math.log(<f64>s) - (<f64>load<f32>(logits + row + (<usize>label << 2)) - <f64>m);
    rowScale(dlogits + row, C, invN / s);
    const d = dlogits + row + (<usize>label << 2);
    store<f32>(d, load<f32>(d) - invN);
  }
  return loss / <f64>N;
}

/**
 * Squared error, the sum behind mse (mean, gradient scale k = 2/n) and the Euclidean loss
 * (½·sum, k = 1): returns Σ (pred − target)² and OVERWRITES dpred = k·(pred − target).
 * pred, target and dpred are (n). Sums in f64.
 */
export function squared_error_forward_backward(dpred: usize, pred: usize, target: usize, n: i32, k: f32): f64 {
  const kv = f32x4.splat(k);
  let acc = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const d = f32x4.sub(v128.load(pred + o), v128.load(target + o));
    v128.store(dpred + o, f32x4.mul(d, kv));
    const lo = f64x2.promote_low_f32x4(d);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(d, d, 2, 3, 0, 1));
    acc = f64x2.add(acc, f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi)));
  }
  let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(pred + o) - load<f32>(target + o);
    store<f32>(dpred + o, d * k);
    sum += <f64>d * <f64>d;
  }
  return sum;
}

/** How many rows have argmax_c logits[n, c] (first maximum) == labels[n]. logits is (N, C), labels (N) int32. */
export function count_correct(logits: usize, labels: usize, N: i32, C: i32): i32 {
  let hits = 0;
  for (let n = 0; n < N; n++) {
    const row = logits + (<usize>(n * C) << 2);
    const m = rowMax(row, C);
    let arg = 0;
    while (load<f32>(row + (<usize>arg << 2)) != m && arg < C - 1) arg++;
    if (arg == load<i32>(labels + (<usize>n << 2))) hits++;
  }
  return hits;
}
