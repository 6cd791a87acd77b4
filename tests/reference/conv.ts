// SPDX-License-Identifier: MIT
// Float64 oracle for the convolution family, written from the formulas with plain nested
// loops (no im2col, no GEMM, no reuse of one op for another). Cross-correlation, NCHW, OIHW,
// zero padding, stride, dilation, groups (G; C/G input channels and OC/G filters per group):
//   conv2d  y[n,o,i,j] = b[o] + Σ_{c',u,v} x[n, g·C/G + c', i·sh − ph + u·dh, j·sw − pw + v·dw] · w[o,c',u,v],
//           g = ⌊o/(OC/G)⌋ the group of filter o
// Backward from δ = ∂L/∂y:
//   ∂L/∂x[n,c,h,w'] = Σ_{o of c's group, u, v} δ[n,o,i,j]·w[o, c − g·C/G, u, v] over the (i, j) with
//                     i·sh − ph + u·dh = h, j·sw − pw + v·dw = w' (s = d = 1: pad(δ, k − 1 − p) ∗ rot180(W))
//   ∂L/∂w[o,c',u,v]  = Σ_{n,i,j} δ[n,o,i,j] · x[n, g·C/G + c', i·sh − ph + u·dh, j·sw − pw + v·dw]
//   ∂L/∂b[o]         = Σ_{n,i,j} δ[n,o,i,j]
// conv1d is the same sum along one axis; conv_transpose2d is the scatter
//   y[n, g·Cout/G + o, i·s − p + k·d] += x[n, ci, i] · w[ci, o, k]   (ci in group g; per axis)
// cropped to the output, whose gradients follow term by term; zero_pad2d copies x inside zeros.

export interface ConvRefOptions {
  stride?: [number, number];
  padding?: [number, number];
  dilation?: [number, number];
  groups?: number;
}

export interface ConvDims {
  n: number; c: number; h: number; w: number; oc: number; kh: number; kw: number; oh: number; ow: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; g: number;
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
  return { n, c, h, w, oc, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw, g: opts.groups ?? 1 };
}

/** y = conv2d(x, w) + b as a Float64Array of shape [N, OC, OH, OW]. */
export function conv2dRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, d: ConvDims): Float64Array {
  const cg = d.c / d.g;
  const og = d.oc / d.g;
  const y = new Float64Array(d.n * d.oc * d.oh * d.ow);
  for (let n = 0; n < d.n; n++)
    for (let o = 0; o < d.oc; o++)
      for (let i = 0; i < d.oh; i++)
        for (let j = 0; j < d.ow; j++) {
          let s = b ? b[o] : 0;
          const c0 = Math.floor(o / og) * cg;
          for (let cc = 0; cc < cg; cc++)
            for (let u = 0; u < d.kh; u++) {
              const h = i * d.sh - d.ph + u * d.dh;
              if (h < 0 || h >= d.h) continue;
              for (let v = 0; v < d.kw; v++) {
                const ww = j * d.sw - d.pw + v * d.dw;
                if (ww < 0 || ww >= d.w) continue;
                s += x[((n * d.c + c0 + cc) * d.h + h) * d.w + ww] * w[((o * cg + cc) * d.kh + u) * d.kw + v];
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
  const cg = d.c / d.g;
  const og = d.oc / d.g;
  const dyAt = (n: number, o: number, i: number, j: number) => dy[((n * d.oc + o) * d.oh + i) * d.ow + j];
  const dx = new Float64Array(d.n * d.c * d.h * d.w);
  for (let n = 0; n < d.n; n++)
    for (let c = 0; c < d.c; c++)
      for (let h = 0; h < d.h; h++)
        for (let ww = 0; ww < d.w; ww++) {
          let s = 0;
          const grp = Math.floor(c / cg);
          for (let o = grp * og; o < (grp + 1) * og; o++)
            for (let u = 0; u < d.kh; u++) {
              const ti = h + d.ph - u * d.dh; // = i·sh
              if (ti < 0 || ti % d.sh !== 0 || ti / d.sh >= d.oh) continue;
              for (let v = 0; v < d.kw; v++) {
                const tj = ww + d.pw - v * d.dw; // = j·sw
                if (tj < 0 || tj % d.sw !== 0 || tj / d.sw >= d.ow) continue;
                s += dyAt(n, o, ti / d.sh, tj / d.sw) * w[((o * cg + c - grp * cg) * d.kh + u) * d.kw + v];
              }
            }
          dx[((n * d.c + c) * d.h + h) * d.w + ww] = s;
        }
  const dw = new Float64Array(d.oc * cg * d.kh * d.kw);
  for (let o = 0; o < d.oc; o++)
    for (let cc = 0; cc < cg; cc++)
      for (let u = 0; u < d.kh; u++)
        for (let v = 0; v < d.kw; v++) {
          let s = 0;
          const c = Math.floor(o / og) * cg + cc;
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
          dw[((o * cg + cc) * d.kh + u) * d.kw + v] = s;
        }
  const db = new Float64Array(d.oc);
  for (let n = 0; n < d.n; n++)
    for (let o = 0; o < d.oc; o++)
      for (let i = 0; i < d.oh; i++) for (let j = 0; j < d.ow; j++) db[o] += dyAt(n, o, i, j);
  return { dx, dw, db };
}

/** A linear op as its terms: term(xi, wi, yi) for each product x[xi]·w[wi] summed into y[yi]. */
type Terms = (term: (xi: number, wi: number, yi: number) => void) => void;

/** The forward (y = Σ terms + bias per channel) and the backward of a linear op given by its terms. */
function fromTerms(terms: Terms, ySize: number, channels: number, plane: number) {
  const forward = (x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null) => {
    const y = new Float64Array(ySize);
    if (b) for (let i = 0; i < ySize; i++) y[i] = b[Math.floor(i / plane) % channels];
    terms((xi, wi, yi) => (y[yi] += x[xi] * w[wi]));
    return y;
  };
  const backward = (dy: ArrayLike<number>, x: ArrayLike<number>, w: ArrayLike<number>) => {
    const dx = new Float64Array(x.length);
    const dw = new Float64Array(w.length);
    const db = new Float64Array(channels);
    for (let i = 0; i < ySize; i++) db[Math.floor(i / plane) % channels] += dy[i];
    terms((xi, wi, yi) => {
      dx[xi] += dy[yi] * w[wi];
      dw[wi] += dy[yi] * x[xi];
    });
    return { dx, dw, db };
  };
  return { forward, backward };
}

export interface Conv1dRefOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
}

/** conv1d: x [N, C, L], w [O, C/G, K] → [N, O, ⌊(L + 2p − d(K − 1) − 1)/s⌋ + 1], y[n,o,i] = b[o] + Σ_{c',k} x[n, g·C/G + c', i·s − p + k·d]·w[o,c',k]. */
export function conv1dRefOps(xShape: readonly number[], wShape: readonly number[], o: Conv1dRefOptions = {}) {
  const [N, C, L] = xShape;
  const [O, cg, K] = wShape;
  const { stride: s = 1, padding: p = 0, dilation: dl = 1, groups: G = 1 } = o;
  const out = Math.floor((L + 2 * p - dl * (K - 1) - 1) / s) + 1;
  const og = O / G;
  const terms: Terms = (term) => {
    for (let n = 0; n < N; n++)
      for (let f = 0; f < O; f++)
        for (let i = 0; i < out; i++)
          for (let cc = 0; cc < cg; cc++)
            for (let k = 0; k < K; k++) {
              const l = i * s - p + k * dl;
              if (l < 0 || l >= L) continue;
              const c = Math.floor(f / og) * cg + cc;
              term((n * C + c) * L + l, (f * cg + cc) * K + k, (n * O + f) * out + i);
            }
  };
  return { shape: [N, O, out], ...fromTerms(terms, N * O * out, O, out) };
}

export interface ConvTransposeRefOptions {
  stride?: [number, number];
  padding?: [number, number];
  outputPadding?: [number, number];
  dilation?: [number, number];
  groups?: number;
}

/**
 * conv_transpose2d: x [N, Cin, H, W], w [Cin, Cout/G, KH, KW] → [N, Cout, OH, OW],
 * OH = (H − 1)·s − 2p + d(KH − 1) + outputPadding + 1, by the scatter of the header.
 */
export function convTranspose2dRefOps(xShape: readonly number[], wShape: readonly number[], o: ConvTransposeRefOptions = {}) {
  const [N, CI, H, W] = xShape;
  const [, og, KH, KW] = wShape;
  const [sh, sw] = o.stride ?? [1, 1];
  const [ph, pw] = o.padding ?? [0, 0];
  const [qh, qw] = o.outputPadding ?? [0, 0];
  const [dh, dw] = o.dilation ?? [1, 1];
  const G = o.groups ?? 1;
  const CO = og * G;
  const cig = CI / G;
  const OH = (H - 1) * sh - 2 * ph + dh * (KH - 1) + qh + 1;
  const OW = (W - 1) * sw - 2 * pw + dw * (KW - 1) + qw + 1;
  const terms: Terms = (term) => {
    for (let n = 0; n < N; n++)
      for (let ci = 0; ci < CI; ci++)
        for (let oo = 0; oo < og; oo++)
          for (let i = 0; i < H; i++)
            for (let j = 0; j < W; j++)
              for (let u = 0; u < KH; u++)
                for (let v = 0; v < KW; v++) {
                  const r = i * sh - ph + u * dh;
                  const s = j * sw - pw + v * dw;
                  if (r < 0 || r >= OH || s < 0 || s >= OW) continue;
                  const co = Math.floor(ci / cig) * og + oo;
                  term(((n * CI + ci) * H + i) * W + j, ((ci * og + oo) * KH + u) * KW + v, ((n * CO + co) * OH + r) * OW + s);
                }
  };
  return { shape: [N, CO, OH, OW], ...fromTerms(terms, N * CO * OH * OW, CO, OH * OW) };
}

/** zero_pad2d: x [N, C, H, W] → [N, C, top + H + bottom, left + W + right], and its gradient (the interior of dy). */
export function zeroPad2dRef(x: ArrayLike<number>, shape: readonly number[], [top, bottom, left, right]: readonly number[]) {
  const [N, C, H, W] = shape;
  const OH = top + H + bottom;
  const OW = left + W + right;
  const index = (p: number, h: number, w: number) => (p * OH + top + h) * OW + left + w;
  const y = new Float64Array(N * C * OH * OW);
  for (let p = 0; p < N * C; p++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) y[index(p, h, w)] = x[(p * H + h) * W + w];
  const backward = (dy: ArrayLike<number>) =>
    Float64Array.from({ length: N * C * H * W }, (_, i) => dy[index(Math.floor(i / (H * W)), Math.floor(i / W) % H, i % W)]);
  return { y, shape: [N, C, OH, OW], backward };
}

const pairOf = (v: unknown): [number, number] => (typeof v === 'number' ? [v, v] : [(v as number[])[0], (v as number[])[1]]);

/** [top, bottom, left, right] from zeroPad2d's padding (p, [ph, pw] or the four sides). */
export function padSides(p: number | readonly number[]): number[] {
  const v = typeof p === 'number' ? [p] : p;
  return v.length === 1 ? [v[0], v[0], v[0], v[0]] : v.length === 2 ? [v[0], v[0], v[1], v[1]] : [...v];
}

/**
 * The output of a convolution-family layer (conv2d, conv1d, convTranspose2d, zeroPad2d) from
 * its config(), for tests/reference/model.ts; shape is the input's [n, ...inShape].
 */
export function convLayerRef(c: Record<string, unknown>, shape: number[], x: Float64Array, w: Float64Array, b: Float64Array | null): Float64Array {
  const groups = (c.groups as number | undefined) ?? 1;
  const bias = c.useBias ? b : null;
  const filters = c.filters as number;
  switch (c.kind) {
    case 'conv2d': {
      const d = convDims(shape, [filters, shape[1] / groups, ...pairOf(c.kernelSize)], {
        stride: pairOf(c.stride),
        padding: pairOf(c.padding),
        dilation: pairOf(c.dilation),
        groups,
      });
      return conv2dRef(x, w, bias, d);
    }
    case 'conv1d': {
      const o = { stride: c.stride as number, padding: c.padding as number, dilation: c.dilation as number, groups };
      return conv1dRefOps(shape, [filters, shape[1] / groups, c.kernelSize as number], o).forward(x, w, bias);
    }
    case 'convTranspose2d': {
      const o = { stride: pairOf(c.stride), padding: pairOf(c.padding), outputPadding: pairOf(c.outputPadding), dilation: pairOf(c.dilation), groups };
      return convTranspose2dRefOps(shape, [shape[1], filters / groups, ...pairOf(c.kernelSize)], o).forward(x, w, bias);
    }
    case 'zeroPad2d':
      return zeroPad2dRef(x, shape, padSides(c.padding as number | number[])).y;
    default:
      throw new Error(`convLayerRef: not a convolution layer: ${String(c.kind)}`);
  }
}
