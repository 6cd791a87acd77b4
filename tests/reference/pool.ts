// SPDX-License-Identifier: MIT
// Float64 pooling oracle, written from the definitions (SEEDS.md, PyTorch's docs), not from
// the kernels: plain loops over every window.
//   out size: floor((n + 2p − k)/s) + 1, or ceil(...) + 1 in ceil mode, minus one when the
//             last window would start past the input and its left padding (n + p).
//   max:  y = max over the in-bounds positions of the window (padding = −∞); the first
//         maximum in row-major window order wins; backward routes δ to it. NaN as PyTorch's
//         CPU kernel (`if (val > maxval || isnan(val))`): a NaN takes the window, and a
//         later NaN takes it again, so the last NaN in row-major order is the argmax.
//   mean: y = Σ window / divisor, divisor = window ∩ padded input (countIncludePad) or
//         window ∩ input; backward spreads δ/divisor over the window ∩ input.

export interface PoolRefOptions {
  k: [number, number];
  s: [number, number];
  p: [number, number];
  ceil: boolean;
  countIncludePad?: boolean;
}

export function outSizeRef(n: number, k: number, s: number, p: number, ceil: boolean): number {
  const q = (n + 2 * p - k) / s;
  let out = (ceil ? Math.ceil(q) : Math.floor(q)) + 1;
  if (ceil && (out - 1) * s >= n + p) out -= 1;
  return out;
}

export function poolShapeRef(shape: readonly number[], o: PoolRefOptions): number[] {
  const [n, c, h, w] = shape;
  return [n, c, outSizeRef(h, o.k[0], o.s[0], o.p[0], o.ceil), outSizeRef(w, o.k[1], o.s[1], o.p[1], o.ceil)];
}

/** Calls fn(plane, oh, ow, outIndex) for every output position. */
function eachOut(shape: readonly number[], o: PoolRefOptions, fn: (plane: number, oh: number, ow: number, oi: number) => void): void {
  const [n, c, oh, ow] = poolShapeRef(shape, o);
  let oi = 0;
  for (let pl = 0; pl < n * c; pl++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) fn(pl, i, j, oi++);
}

export function maxPoolRef(x: ArrayLike<number>, shape: readonly number[], o: PoolRefOptions): { y: Float64Array; argmax: Int32Array } {
  const [, , H, W] = shape;
  const outShape = poolShapeRef(shape, o);
  const size = outShape.reduce((a, b) => a * b, 1);
  const y = new Float64Array(size);
  const argmax = new Int32Array(size);
  eachOut(shape, o, (pl, oh, ow, oi) => {
    let best = -Infinity;
    let arg = -1;
    for (let kh = 0; kh < o.k[0]; kh++) {
      for (let kw = 0; kw < o.k[1]; kw++) {
        const ih = oh * o.s[0] - o.p[0] + kh;
        const iw = ow * o.s[1] - o.p[1] + kw;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue; // padding: −∞
        const v = x[pl * H * W + ih * W + iw];
        if (arg < 0 || v > best || Number.isNaN(v)) {
          best = v;
          arg = ih * W + iw;
        }
      }
    }
    y[oi] = best;
    argmax[oi] = arg;
  });
  return { y, argmax };
}

export function maxPoolBackwardRef(dy: ArrayLike<number>, x: ArrayLike<number>, shape: readonly number[], o: PoolRefOptions): Float64Array {
  const [, , H, W] = shape;
  const dx = new Float64Array(x.length);
  const { argmax } = maxPoolRef(x, shape, o);
  eachOut(shape, o, (pl, _oh, _ow, oi) => {
    dx[pl * H * W + argmax[oi]] += dy[oi];
  });
  return dx;
}

function avgWindow(H: number, W: number, o: PoolRefOptions, oh: number, ow: number) {
  const hs = oh * o.s[0] - o.p[0];
  const ws = ow * o.s[1] - o.p[1];
  const he = Math.min(hs + o.k[0], H + o.p[0]);
  const we = Math.min(ws + o.k[1], W + o.p[1]);
  const padded = (he - hs) * (we - ws);
  const h0 = Math.max(hs, 0), h1 = Math.min(he, H), w0 = Math.max(ws, 0), w1 = Math.min(we, W);
  const inside = (h1 - h0) * (w1 - w0);
  return { h0, h1, w0, w1, div: (o.countIncludePad ?? true) ? padded : inside };
}

export function avgPoolRef(x: ArrayLike<number>, shape: readonly number[], o: PoolRefOptions): Float64Array {
  const [, , H, W] = shape;
  const outShape = poolShapeRef(shape, o);
  const y = new Float64Array(outShape.reduce((a, b) => a * b, 1));
  eachOut(shape, o, (pl, oh, ow, oi) => {
    const { h0, h1, w0, w1, div } = avgWindow(H, W, o, oh, ow);
    let s = 0;
    for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) s += x[pl * H * W + ih * W + iw];
    y[oi] = s / div;
  });
  return y;
}

export function avgPoolBackwardRef(dy: ArrayLike<number>, shape: readonly number[], o: PoolRefOptions): Float64Array {
  const [n, c, H, W] = shape;
  const dx = new Float64Array(n * c * H * W);
  eachOut(shape, o, (pl, oh, ow, oi) => {
    const { h0, h1, w0, w1, div } = avgWindow(H, W, o, oh, ow);
    for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) dx[pl * H * W + ih * W + iw] += dy[oi] / div;
  });
  return dx;
}

// Adaptive average pooling (torch.nn.AdaptiveAvgPool2d's docs): output cell (i, j) of
// OH×OW averages input rows ⌊i·H/OH⌋ … ⌈(i+1)·H/OH⌉ − 1 and columns ⌊j·W/OW⌋ … ⌈(j+1)·W/OW⌉ − 1;
// backward spreads δ/(window size) over the window. Global pooling is OH = OW = 1.
function adaptiveWindow(i: number, n: number, out: number): [number, number] {
  return [Math.floor((i * n) / out), Math.ceil(((i + 1) * n) / out)];
}

export function adaptiveAvgPoolRef(x: ArrayLike<number>, shape: readonly number[], out: [number, number]): Float64Array {
  const [n, c, H, W] = shape;
  const [OH, OW] = out;
  const y = new Float64Array(n * c * OH * OW);
  for (let pl = 0; pl < n * c; pl++) {
    for (let i = 0; i < OH; i++) {
      for (let j = 0; j < OW; j++) {
        const [h0, h1] = adaptiveWindow(i, H, OH), [w0, w1] = adaptiveWindow(j, W, OW);
        let s = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += x[pl * H * W + h * W + w];
        y[(pl * OH + i) * OW + j] = s / ((h1 - h0) * (w1 - w0));
      }
    }
  }
  return y;
}

export function adaptiveAvgPoolBackwardRef(dy: ArrayLike<number>, shape: readonly number[], out: [number, number]): Float64Array {
  const [n, c, H, W] = shape;
  const [OH, OW] = out;
  const dx = new Float64Array(n * c * H * W);
  for (let pl = 0; pl < n * c; pl++) {
    for (let i = 0; i < OH; i++) {
      for (let j = 0; j < OW; j++) {
        const [h0, h1] = adaptiveWindow(i, H, OH), [w0, w1] = adaptiveWindow(j, W, OW);
        const g = dy[(pl * OH + i) * OW + j] / ((h1 - h0) * (w1 - w0));
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) dx[pl * H * W + h * W + w] += g;
      }
    }
  }
  return dx;
}
