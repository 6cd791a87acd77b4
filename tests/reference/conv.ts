// SPDX-License-Identifier: MIT
// Float64 oracle for conv2d, written from the articles' formulas with plain nested loops
// (no im2col, no GEMM). Cross-correlation, NCHW, OIHW, zero padding, stride, dilation:
//   y[n,o,i,j] = b[o] + Σ_{c,u,v} x[n, c, i·sh − ph + u·dh, j·sw − pw + v·dw] · w[o,c,u,v]
// Backward from δ = ∂L/∂y:
//   ∂L/∂x[n,c,h,w'] = Σ_{o,u,v} δ[n,o,i,j]·w[o,c,u,v] over the (i, j) with i·sh − ph + u·dh = h,
//                     j·sw − pw + v·dw = w' (for s = d = 1: pad(δ, k − 1 − p) ∗ rot180(W))
//   ∂L/∂w[o,c,u,v]   = Σ_{n,i,j} δ[n,o,i,j] · x[n, c, i·sh − ph + u·dh, j·sw − pw + v·dw]
//   ∂L/∂b[o]         = Σ_{n,i,j} δ[n,o,i,j]

export interface ConvRefOptions {
  stride?: [number, number];
  padding?: [number, number];
  dilation?: [number, number];
}

export interface ConvDims {
  n: number; c: number; h: number; w: number; oc: number; kh: number; kw: number; oh: number; ow: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
}

/** All sizes of one convolution; OH = ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1 as torch.nn.Conv2d. */
export function convDims(xShape: readonly number[], wShape: readonly number[], opts: ConvRefOptions = {}): ConvDims {
  const [n, c, h, w] = xShape;
  const [oc, , kh, kw] = wShape;
  const [sh, sw] = opts.stride ?? [1, 1];
  const [ph, pw] = opts.padding ?? [0, 0];
  const [dh, dw] = opts.dilation ?? [1, 1];
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  return { n, c, h, w, oc, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw };
}

/** y = conv2d(x, w) + b as a Float64Array of shape [N, OC, OH, OW]. */
export function conv2dRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, d: ConvDims): Float64Array {
  const y = new Float64Array(d.n * d.oc * d.oh * d.ow);
  for (let n = 0; n < d.n; n++)
    for (let o = 0; o < d.oc; o++)
      for (let i = 0; i < d.oh; i++)
        for (let j = 0; j < d.ow; j++) {
          let s = b ? b[o] : 0;
          for (let c = 0; c < d.c; c++)
            for (let u = 0; u < d.kh; u++) {
              const h = i * d.sh - d.ph + u * d.dh;
              if (h < 0 || h >= d.h) continue;
              for (let v = 0; v < d.kw; v++) {
                const ww = j * d.sw - d.pw + v * d.dw;
                if (ww < 0 || ww >= d.w) continue;
                s += x[((n * d.c + c) * d.h + h) * d.w + ww] * w[((o * d.c + c) * d.kh + u) * d.kw + v];
              }
            }
          y[((n * d.oc + o) * d.oh + i) * d.ow + j] = s;
        }
  return y;
}

/** dx, dw, db of conv2d for δ = dy [N, OC, OH, OW] (gathered per input pixel, weight and bias). */
export function conv2dBackwardRef(
  dy: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  d: ConvDims,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dyAt = (n: number, o: number, i: number, j: number) => dy[((n * d.oc + o) * d.oh + i) * d.ow + j];
  const dx = new Float64Array(d.n * d.c * d.h * d.w);
  for (let n = 0; n < d.n; n++)
    for (let c = 0; c < d.c; c++)
      for (let h = 0; h < d.h; h++)
        for (let ww = 0; ww < d.w; ww++) {
          let s = 0;
          for (let o = 0; o < d.oc; o++)
            for (let u = 0; u < d.kh; u++) {
              const ti = h + d.ph - u * d.dh; // = i·sh
              if (ti < 0 || ti % d.sh !== 0 || ti / d.sh >= d.oh) continue;
              for (let v = 0; v < d.kw; v++) {
                const tj = ww + d.pw - v * d.dw; // = j·sw
                if (tj < 0 || tj % d.sw !== 0 || tj / d.sw >= d.ow) continue;
                s += dyAt(n, o, ti / d.sh, tj / d.sw) * w[((o * d.c + c) * d.kh + u) * d.kw + v];
              }
            }
          dx[((n * d.c + c) * d.h + h) * d.w + ww] = s;
        }
  const dw = new Float64Array(d.oc * d.c * d.kh * d.kw);
  for (let o = 0; o < d.oc; o++)
    for (let c = 0; c < d.c; c++)
      for (let u = 0; u < d.kh; u++)
        for (let v = 0; v < d.kw; v++) {
          let s = 0;
          for (let n = 0; n < d.n; n++)
            for (let i = 0; i < d.oh; i++) {
              const h = i * d.sh - d.ph + u * d.dh;
              if (h < 0 || h >= d.h) continue;
              for (let j = 0; j < d.ow; j++) {
                const ww = j * d.sw - d.pw + v * d.dw;
                if (ww < 0 || ww >= d.w) continue;
                s += dyAt(n, o, i, j) * x[((n * d.c + c) * d.h + h) * d.w + ww];
              }
            }
          dw[((o * d.c + c) * d.kh + u) * d.kw + v] = s;
        }
  const db = new Float64Array(d.oc);
  for (let n = 0; n < d.n; n++)
    for (let o = 0; o < d.oc; o++)
      for (let i = 0; i < d.oh; i++) for (let j = 0; j < d.ow; j++) db[o] += dyAt(n, o, i, j);
  return { dx, dw, db };
}
