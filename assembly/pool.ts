// SPDX-License-Identifier: MIT
// 2-D max and average pooling over NCHW planes, forward and backward side by side.
// Semantics are torch.nn.functional.max_pool2d / avg_pool2d: padding counts as −∞ for max
// (a window never reaches only padding: the TS side keeps pad ≤ k/2); ties go to the FIRST
// maximum in row-major window order, but a NaN always takes the window, and a later NaN
// again (PyTorch's `val > maxval || isnan(val)`); the argmax index is the flat position
// h·W + w inside the input plane, as PyTorch's return_indices. Reference: tests/reference/pool.ts.
//
// Every kernel works on planes p ∈ [p0, p1) of the N·C planes (x plane = H·W floats, y
// plane = OH·OW floats). The geometry is passed as scalars rather than a record so that a
// call needs no scratch block (the Into forms must not allocate).
//
// Fast path: output columns whose window lies inside the input row (no column padding) are
// computed four at a time with f32x4 when the column stride is 1 or 2 (stride 2 reads two
// window columns from one 8-float span and splits even/odd lanes); the border columns and
// other strides use the scalar loop.
//
// Adaptive average pooling (torch.nn.functional.adaptive_avg_pool2d) picks its windows from
// the output size: output row i covers input rows [h0, h1) = [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉),
// columns likewise (windows may overlap, or repeat a row when OH > H). Global average
// pooling is the case OH = OW = 1: one contiguous f32x4 sum per plane.
import { hsum } from './simd';

const NEG_INF: f32 = -Infinity;

/** Σ of n contiguous floats at p (f32x4 lanes, then a scalar tail). */
// @ts-ignore: decorator
@inline
function runSum(p: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) acc = f32x4.add(acc, v128.load(p + (<usize>i << 2)));
  let s = hsum(acc);
  for (; i < n; i++) s += load<f32>(p + (<usize>i << 2));
  return s;
}

/** p[i] += g for n contiguous floats. */
// @ts-ignore: decorator
@inline
function runAdd(p: usize, n: i32, g: f32): void {
  const gv = f32x4.splat(g);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(p + (<usize>i << 2), f32x4.add(v128.load(p + (<usize>i << 2)), gv));
  for (; i < n; i++) store<f32>(p + (<usize>i << 2), load<f32>(p + (<usize>i << 2)) + g);
}

/** Four window-start values along a row with column stride sw ∈ {1, 2}. */
// @ts-ignore: decorator
@inline
function loadStrided(p: usize, sw: i32): v128 {
  if (sw == 1) return v128.load(p);
  // x[0], x[2], x[4], x[6] without reading past x[6]: the second load starts at x[3].
  return v128.shuffle<f32>(v128.load(p), v128.load(p + 12), 0, 2, 5, 7);
}

/** Lanes where v takes the window from best: v > best, or v is NaN (see the header). */
// @ts-ignore: decorator
@inline
function takes(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
}

/** Scalar max over one (clipped) window; returns the flat index of the first maximum (or last NaN). */
// @ts-ignore: decorator
@inline
function windowArgmax(xp: usize, W: i32, hs: i32, he: i32, ws: i32, we: i32): i32 {
  let best: f32 = NEG_INF;
  let bi = hs * W + ws;
  for (let ih = hs; ih < he; ih++) {
    const row = xp + (<usize>(ih * W) << 2);
    for (let iw = ws; iw < we; iw++) {
      // Branch-free: on random data `v > best` is unpredictable.
      const v = load<f32>(row + (<usize>iw << 2));
      const gt = v > best || v != v;
      best = select<f32>(v, best, gt);
      bi = select<i32>(ih * W + iw, bi, gt);
    }
  }
  return bi;
}

/** First output column whose window starts at or after column 0, and one past the last that ends inside W. */
// @ts-ignore: decorator
@inline
function interiorLo(PW: i32, SW: i32, OW: i32): i32 {
  return min((PW + SW - 1) / SW, OW);
}
// @ts-ignore: decorator
@inline
function interiorHi(W: i32, KW: i32, PW: i32, SW: i32, OW: i32, lo: i32): i32 {
  const span = W - KW + PW;
  return span < 0 ? lo : max(lo, min(span / SW + 1, OW));
}

/**
 * y[p, oh, ow] = max over the window of x[p]; argmax (i32, same shape as y) gets the flat
 * index of that maximum when argmax ≠ 0.
 * x is (N·C, H, W), y and argmax are (N·C, OH, OW).
 */
export function maxpool2d_forward(
  y: usize, argmax: usize, x: usize,
  H: i32, W: i32, OH: i32, OW: i32, KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32,
  p0: i32, p1: i32,
): void {
  const lo = interiorLo(PW, SW, OW);
  const hi = SW <= 2 ? interiorHi(W, KW, PW, SW, OW, lo) : lo;
  const lanes = SW == 1 ? i32x4(0, 1, 2, 3) : i32x4(0, 2, 4, 6);
  for (let p = p0; p < p1; p++) {
    const xp = x + (<usize>(p * H * W) << 2);
    const yo = p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      const hs = oh * SH - PH;
      const h0 = max(hs, 0);
      const h1 = min(hs + KH, H);
      const yrow = yo + oh * OW;
      let ow = 0;
      while (ow < OW) {
        if (ow >= lo && ow + 4 <= hi) {
          // Four outputs at once; the window is inside the row, rows clipped to [h0, h1).
          const ws = ow * SW - PW;
          let best = f32x4.splat(NEG_INF);
          let idx = i32x4.add(i32x4.splat(h0 * W + ws), lanes);
          for (let ih = h0; ih < h1; ih++) {
            const row = xp + (<usize>(ih * W + ws) << 2);
            const at = ih * W + ws;
            let kw = 0;
            if (SW == 2) {
              // Columns kw and kw + 1 from one 8-float span: even lanes, then odd lanes.
              for (; kw + 2 <= KW; kw += 2) {
                const a = v128.load(row + (<usize>kw << 2));
                const b = v128.load(row + (<usize>kw << 2) + 16);
                const v0 = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
                const g0 = takes(v0, best);
                best = v128.bitselect(v0, best, g0);
                if (argmax) idx = v128.bitselect(i32x4.add(i32x4.splat(at + kw), lanes), idx, g0);
                const v1 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
                const g1 = takes(v1, best);
                best = v128.bitselect(v1, best, g1);
                if (argmax) idx = v128.bitselect(i32x4.add(i32x4.splat(at + kw + 1), lanes), idx, g1);
              }
            }
            for (; kw < KW; kw++) {
              const v = loadStrided(row + (<usize>kw << 2), SW);
              const gt = takes(v, best);
              best = v128.bitselect(v, best, gt);
              if (argmax) idx = v128.bitselect(i32x4.add(i32x4.splat(at + kw), lanes), idx, gt);
            }
          }
          v128.store(y + (<usize>(yrow + ow) << 2), best);
          if (argmax) v128.store(argmax + (<usize>(yrow + ow) << 2), idx);
          ow += 4;
        } else {
          const ws = ow * SW - PW;
          const bi = windowArgmax(xp, W, h0, h1, max(ws, 0), min(ws + KW, W));
          store<f32>(y + (<usize>(yrow + ow) << 2), load<f32>(xp + (<usize>bi << 2)));
          if (argmax) store<i32>(argmax + (<usize>(yrow + ow) << 2), bi);
          ow++;
        }
      }
    }
  }
}

/**
 * dx[p, argmax] += dy[p, oh, ow]: each δ goes to its window's maximum. With argmax = 0
 * the maximum is found again from x (same rule as the forward, NaN included).
 * dy and argmax are (N·C, OH, OW), x and dx are (N·C, H, W). Accumulates.
 */
export function maxpool2d_backward(
  dx: usize, dy: usize, argmax: usize, x: usize,
  H: i32, W: i32, OH: i32, OW: i32, KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32,
  p0: i32, p1: i32,
): void {
  for (let p = p0; p < p1; p++) {
    const xp = x + (<usize>(p * H * W) << 2);
    const dxp = dx + (<usize>(p * H * W) << 2);
    const yo = p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      const hs = oh * SH - PH;
      const h0 = max(hs, 0);
      const h1 = min(hs + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const o = <usize>(yo + oh * OW + ow) << 2;
        let bi: i32;
        if (argmax) {
          bi = load<i32>(argmax + o);
        } else {
          const ws = ow * SW - PW;
          bi = windowArgmax(xp, W, h0, h1, max(ws, 0), min(ws + KW, W));
        }
        const d = dxp + (<usize>bi << 2);
        store<f32>(d, load<f32>(d) + load<f32>(dy + o));
      }
    }
  }
}

/**
 * y[p, oh, ow] = mean of x[p] over the window. The divisor counts padded positions when
 * countIncludePad ≠ 0, but never positions past the padded input (ceil mode), as PyTorch.
 * x is (N·C, H, W), y is (N·C, OH, OW).
 */
export function avgpool2d_forward(
  y: usize, x: usize,
  H: i32, W: i32, OH: i32, OW: i32, KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32,
  countIncludePad: i32, p0: i32, p1: i32,
): void {
  const lo = interiorLo(PW, SW, OW);
  const hi = SW <= 2 ? interiorHi(W, KW, PW, SW, OW, lo) : lo;
  for (let p = p0; p < p1; p++) {
    const xp = x + (<usize>(p * H * W) << 2);
    const yo = p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      const hs = oh * SH - PH;
      const hpool = min(hs + KH, H + PH) - hs;
      const h0 = max(hs, 0);
      const h1 = min(hs + KH, H);
      const yrow = yo + oh * OW;
      // Interior columns: the window is KW wide, inside the row.
      const inner = f32x4.splat(<f32>1.0 / <f32>((countIncludePad ? hpool : h1 - h0) * KW));
      let ow = 0;
      while (ow < OW) {
        if (ow >= lo && ow + 4 <= hi) {
          const ws = ow * SW - PW;
          let acc = f32x4.splat(0);
          for (let ih = h0; ih < h1; ih++) {
            const row = xp + (<usize>(ih * W + ws) << 2);
            let kw = 0;
            if (SW == 2) {
              for (; kw + 2 <= KW; kw += 2) {
                const a = v128.load(row + (<usize>kw << 2));
                const b = v128.load(row + (<usize>kw << 2) + 16);
                acc = f32x4.add(acc, f32x4.add(v128.shuffle<f32>(a, b, 0, 2, 4, 6), v128.shuffle<f32>(a, b, 1, 3, 5, 7)));
              }
            }
            for (; kw < KW; kw++) acc = f32x4.add(acc, loadStrided(row + (<usize>kw << 2), SW));
          }
          v128.store(y + (<usize>(yrow + ow) << 2), f32x4.mul(acc, inner));
          ow += 4;
        } else {
          const ws = ow * SW - PW;
          const wpool = min(ws + KW, W + PW) - ws;
          const w0 = max(ws, 0);
          const w1 = min(ws + KW, W);
          let s: f32 = 0;
          for (let ih = h0; ih < h1; ih++) s += runSum(xp + (<usize>(ih * W + w0) << 2), w1 - w0);
          const div = countIncludePad ? hpool * wpool : (h1 - h0) * (w1 - w0);
          store<f32>(y + (<usize>(yrow + ow) << 2), s / <f32>div);
          ow++;
        }
      }
    }
  }
}

/**
 * dx[p, window] += dy[p, oh, ow] / divisor (the forward's divisor): δ spread evenly.
 * dy is (N·C, OH, OW), dx is (N·C, H, W). Accumulates. Rows of width ≥ 4 use f32x4.
 */
export function avgpool2d_backward(
  dx: usize, dy: usize,
  H: i32, W: i32, OH: i32, OW: i32, KH: i32, KW: i32, SH: i32, SW: i32, PH: i32, PW: i32,
  countIncludePad: i32, p0: i32, p1: i32,
): void {
  for (let p = p0; p < p1; p++) {
    const dxp = dx + (<usize>(p * H * W) << 2);
    const yo = p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      const hs = oh * SH - PH;
      const hpool = min(hs + KH, H + PH) - hs;
      const h0 = max(hs, 0);
      const h1 = min(hs + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const ws = ow * SW - PW;
        const wpool = min(ws + KW, W + PW) - ws;
        const w0 = max(ws, 0);
        const w1 = min(ws + KW, W);
        const div = countIncludePad ? hpool * wpool : (h1 - h0) * (w1 - w0);
        const g = load<f32>(dy + (<usize>(yo + oh * OW + ow) << 2)) / <f32>div;
        for (let ih = h0; ih < h1; ih++) runAdd(dxp + (<usize>(ih * W + w0) << 2), w1 - w0, g);
      }
    }
  }
}

/**
 * y[p, oh, ow] = mean of x[p] over the adaptive window (see the header); a window of whole
 * rows is summed as one contiguous run. x is (N·C, H, W), y is (N·C, OH, OW).
 */
export function adaptive_avgpool2d_forward(y: usize, x: usize, H: i32, W: i32, OH: i32, OW: i32, p0: i32, p1: i32): void {
  for (let p = p0; p < p1; p++) {
    const xp = x + (<usize>(p * H * W) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = (oh * H) / OH, h1 = ((oh + 1) * H + OH - 1) / OH;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = (ow * W) / OW, w1 = ((ow + 1) * W + OW - 1) / OW;
        let s: f32 = 0;
        if (w1 - w0 == W) s = runSum(xp + (<usize>(h0 * W) << 2), (h1 - h0) * W);
        else for (let ih = h0; ih < h1; ih++) s += runSum(xp + (<usize>(ih * W + w0) << 2), w1 - w0);
        store<f32>(y + (<usize>((p * OH + oh) * OW + ow) << 2), s / <f32>((h1 - h0) * (w1 - w0)));
      }
    }
  }
}

/**
 * dx[p, window] += dy[p, oh, ow] / window size, over every adaptive window.
 * dy is (N·C, OH, OW), dx is (N·C, H, W). Accumulates.
 */
export function adaptive_avgpool2d_backward(dx: usize, dy: usize, H: i32, W: i32, OH: i32, OW: i32, p0: i32, p1: i32): void {
  for (let p = p0; p < p1; p++) {
    const dxp = dx + (<usize>(p * H * W) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const h0 = (oh * H) / OH, h1 = ((oh + 1) * H + OH - 1) / OH;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = (ow * W) / OW, w1 = ((ow + 1) * W + OW - 1) / OW;
        const g = load<f32>(dy + (<usize>((p * OH + oh) * OW + ow) << 2)) / <f32>((h1 - h0) * (w1 - w0));
        if (w1 - w0 == W) runAdd(dxp + (<usize>(h0 * W) << 2), (h1 - h0) * W, g);
        else for (let ih = h0; ih < h1; ih++) runAdd(dxp + (<usize>(ih * W + w0) << 2), w1 - w0, g);
      }
    }
  }
}
