// SPDX-License-Identifier: MIT
// Softmax over dim 1 of (N, C, S) — S = 1 for logits (N, C), S = H·W for per-pixel class
// maps — forward and backward side by side, then the losses that seed backward:
// the fused softmax-cross-entropy (torch.nn.functional.cross_entropy, mean over N),
// mean squared error (torch.nn.functional.mse_loss, 'mean'), and count_correct (accuracy).
// Reference: tests/reference/softmax.ts. Losses return their mean as f64 and OVERWRITE
// their gradient (it is the first δ). Softmax is max-subtracted; exp is `expv`
// (@global in elementwise.ts).
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

/**
 * y[n, :, s] = softmax(x[n, :, s]) = e^(x − max) / Σ e^(x − max).
 * x and y are (N, C, S); rows n ∈ [n0, n1). With S > 1, four positions s run per f32x4.
 */
export function softmax_forward(y: usize, x: usize, N: i32, C: i32, S: i32, n0: i32, n1: i32): void {
  for (let n = n0; n < n1; n++) {
    const base = <usize>(n * C * S) << 2;
    if (S == 1) {
      const m = rowMax(x + base, C);
      const s = rowExp(y + base, x + base, C, m);
      rowScale(y + base, C, <f32>1.0 / s);
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
        const inv = f32x4.div(f32x4.splat(1.0), sum);
        for (let c = 0; c < C; c++) {
          const q = y + o + <usize>c * cs;
          v128.store(q, f32x4.mul(v128.load(q), inv));
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
          const inv: f32 = <f32>1.0 / sum;
          for (let c = 0; c < C; c++) store<f32>(y + ot + <usize>c * cs, load<f32>(y + ot + <usize>c * cs) * inv);
        }
      }
    }
  }
}

/**
 * dx[n, c, s] += y[n, c, s] · (dy[n, c, s] − Σ_k dy[n, k, s] · y[n, k, s]).
 * dx, dy and y are (N, C, S); rows n ∈ [n0, n1). Accumulates.
 */
export function softmax_backward(dx: usize, dy: usize, y: usize, N: i32, C: i32, S: i32, n0: i32, n1: i32): void {
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
        dot = f32x4.add(dot, f32x4.mul(v128.load(dy + q), v128.load(y + q)));
      }
      for (let c = 0; c < C; c++) {
        const q = o + <usize>c * cs;
        const g = f32x4.mul(v128.load(y + q), f32x4.sub(v128.load(dy + q), dot));
        v128.store(dx + q, f32x4.add(v128.load(dx + q), g));
      }
    }
    for (; s < S; s++) {
      const o = base + (<usize>s << 2);
      if (S == 1) {
        let dv = f32x4.splat(0);
        let c = 0;
        for (; c + 4 <= C; c += 4) {
          const q = o + (<usize>c << 2);
          dv = f32x4.add(dv, f32x4.mul(v128.load(dy + q), v128.load(y + q)));
        }
        let dot = hsum(dv);
        for (; c < C; c++) dot += load<f32>(dy + o + (<usize>c << 2)) * load<f32>(y + o + (<usize>c << 2));
        const dotv = f32x4.splat(dot);
        c = 0;
        for (; c + 4 <= C; c += 4) {
          const q = o + (<usize>c << 2);
          const g = f32x4.mul(v128.load(y + q), f32x4.sub(v128.load(dy + q), dotv));
          v128.store(dx + q, f32x4.add(v128.load(dx + q), g));
        }
        for (; c < C; c++) {
          const q = o + (<usize>c << 2);
          store<f32>(dx + q, load<f32>(dx + q) + load<f32>(y + q) * (load<f32>(dy + q) - dot));
        }
      } else {
        let dot: f32 = 0;
        for (let c = 0; c < C; c++) dot += load<f32>(dy + o + <usize>c * cs) * load<f32>(y + o + <usize>c * cs);
        for (let c = 0; c < C; c++) {
          const q = o + <usize>c * cs;
          store<f32>(dx + q, load<f32>(dx + q) + load<f32>(y + q) * (load<f32>(dy + q) - dot));
        }
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
 * Mean squared error: returns (1/n) Σ (pred − target)², and OVERWRITES
 * dpred = 2 (pred − target) / n. pred, target and dpred are (n). Sums in f64.
 */
export function mse_forward_backward(dpred: usize, pred: usize, target: usize, n: i32): f64 {
  const k: f32 = <f32>2.0 / <f32>n;
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
  return sum / <f64>n;
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
