// SPDX-License-Identifier: MIT
// 2-D convolution (cross-correlation, torch.nn.functional.conv2d semantics, with groups),
// forward and backward side by side, as im2col/col2im + the sgemm of assembly/gemm.ts. Block
// q = n·G + g is group g of image n: x block q (C/G·H·W floats) and y block q (OC/G·P) are
// contiguous, and W_g is rows [g·OC/G, (g+1)·OC/G) of w. Per block, with K = C/G·KH·KW, P = OH·OW:
//   forward        Y_q (OC/G,P) = W_g (OC/G,K) · col(x_q) (K,P)     [+ b per row]
//   backward data  dcol (K,P)   = W_gᵀ · dY_q,  dx_q += col2im(dcol)
//   backward filt. dW_g        += dY_q · col(x_q)ᵀ
//   backward bias  db[oc]      += Σ_n Σ_p dY[n, oc, p]
// The forward writes col(x_q) straight in sgemm_packed's panel layout (im2col_packed); the
// backward uses the row-major column matrix, taken from (col2im: added into) a zero-padded
// copy of the image (pad_image / unpad_add), so no tap tests bounds. A 1×1 kernel with stride
// 1 and no padding needs no column matrix in the backward (col(x_q) is x_q). Depthwise
// convolutions (G = C) have direct kernels: assembly/depthwise.ts.
//
// geom: the 16-Int32 record of assembly/im2col.ts, describing one group: slots 1 and 4 hold
// C/G and OC/G, slot 15 holds G (so im2col works on a group's block as on an image). ws: the
// backward's scratch is [ col: round16(K·P + 4) | padded image: padded_floats | sgemm:
// max(sgemm_workspace(P, K), sgemm_workspace(K, P), sgemm_workspace(P, OC/G)) ] floats, the
// forward's is below; src/ops/conv-geometry.ts sizes the larger. [n0, n1): the images of this call.
// Must match: tests/reference/conv.ts (direct nested loops over the formulas).
import { GEMM_ACC, GEMM_RELU, GEMM_TRANS_A, GEMM_TRANS_B, sgemm, sgemm_packed } from './gemm';
import { col2im, geomAt, im2col, im2col_packed, pad_image, padded_floats, unpad_add } from './im2col';
import { addTo, hsum } from './simd';

/** flags bit of every conv forward (conv2d_forward, depthwise_forward, winograd3x3_forward): add into y instead of overwriting it. */
export const CONV_ACC: i32 = 1;
/** flags bit of every conv forward: y = max(y, 0) on the final value (after bias and CONV_ACC's add), in the same pass; NaN stays NaN, as relu_forward. */
export const CONV_RELU: i32 = 2;

/** Floats of column panels the forward writes and multiplies per block (128 KiB: stays in L2). */
const QB_FLOATS: i32 = 32768;

/** K = C/G·KH·KW, the rows of a group's column matrix. */
// @ts-ignore: decorator
@inline
function colRows(geom: usize): i32 {
  return geomAt(geom, 1) * geomAt(geom, 5) * geomAt(geom, 6);
}

/** Bytes of C/G·H·W, an x block. */
// @ts-ignore: decorator
@inline
function imageBytes(geom: usize): usize {
  return <usize>(geomAt(geom, 1) * geomAt(geom, 2) * geomAt(geom, 3)) << 2;
}

/** True when the column matrix of an image is the image itself (1×1, stride 1, no padding). */
// @ts-ignore: decorator
@inline
function isPointwise(geom: usize): bool {
  return (
    geomAt(geom, 5) == 1 && geomAt(geom, 6) == 1 && geomAt(geom, 9) == 1 && geomAt(geom, 10) == 1 &&
    geomAt(geom, 11) == 0 && geomAt(geom, 12) == 0
  );
}

/** Floats of ws the backward column matrix takes (K·P plus im2col's 4 of slack, rounded to 16). */
// @ts-ignore: decorator
@inline
function colFloats(K: i32, P: i32): i32 {
  return (K * P + 4 + 15) & ~15;
}

// x is (N,C,H,W), w is (OC,C/G,KH,KW), b is (OC) or 0, y is (N,OC,OH,OW): overwrites y[n0:n1]
// with x ⋆ w + b, or adds it into y (flags & CONV_ACC); then max(·, 0) (flags & CONV_RELU).
// Per block: pad_image, then im2col_packed writes QB_FLOATS / K columns of the column matrix
// as 8-wide K-major panels (≈ 128 KiB: they stay in L2) and sgemm_packed runs W_g over them
// with the bias in the accumulators and the ReLU in its stores, column block after column block.
// (Whole-image panels went through L3 and back: 1.1× slower on a 64→64 3×3 layer at 56×56;
// LeNet's layers fit in one block.) Scratch: [ padded image: padded_floats | panels: ceil(P/8)·8·K ].
export function conv2d_forward(y: usize, x: usize, w: usize, b: usize, ws: usize, geom: usize, flags: i32, n0: i32, n1: i32): void {
  const G = geomAt(geom, 15), gemmFlags = (flags & CONV_ACC ? GEMM_ACC : 0) | (flags & CONV_RELU ? GEMM_RELU : 0);
  const K = colRows(geom), P = geomAt(geom, 7) * geomAt(geom, 8), OCg = geomAt(geom, 4);
  const pb = ws + (<usize>padded_floats(geom) << 2);
  const cols = max(8, (QB_FLOATS / K) & ~7);
  for (let q = n0 * G; q < n1 * G; q++) {
    const g = q % G;
    pad_image(ws, x + <usize>q * imageBytes(geom), geom);
    const yq = y + (<usize>(q * OCg) * <usize>P << 2);
    const wg = w + (<usize>(g * OCg) * <usize>K << 2);
    const bg = b != 0 ? b + (<usize>(g * OCg) << 2) : 0;
    for (let p0 = 0; p0 < P; p0 += cols) {
      const p1 = min(P, p0 + cols);
      im2col_packed(pb, ws, geom, p0, p1);
      sgemm_packed(yq + (<usize>p0 << 2), wg, pb, bg, OCg, p1 - p0, K, P, K, gemmFlags);
    }
  }
}

// dy is (N,OC,OH,OW), w is (OC,C/G,KH,KW), dx is (N,C,H,W): ACCUMULATES dx[n0:n1] += ∂L/∂x,
// the full correlation of the zero-padded δ with the 180°-rotated kernel, via W_gᵀ·dY_ng + col2im.
export function conv2d_backward_data(dx: usize, dy: usize, w: usize, ws: usize, geom: usize, n0: i32, n1: i32): void {
  const G = geomAt(geom, 15);
  const K = colRows(geom), P = geomAt(geom, 7) * geomAt(geom, 8), OCg = geomAt(geom, 4);
  const gws = ws + (<usize>(colFloats(K, P) + padded_floats(geom)) << 2);
  const dxp = ws + (<usize>colFloats(K, P) << 2);
  for (let q = n0 * G; q < n1 * G; q++) {
    const dxn = dx + <usize>q * imageBytes(geom);
    const dyn = dy + (<usize>(q * OCg) * <usize>P << 2);
    const wg = w + (<usize>(q % G * OCg) * <usize>K << 2);
    if (isPointwise(geom)) {
      sgemm(dxn, wg, dyn, gws, K, P, OCg, P, K, P, GEMM_TRANS_A | GEMM_ACC);
    } else {
      sgemm(ws, wg, dyn, gws, K, P, OCg, P, K, P, GEMM_TRANS_A);
      memory.fill(dxp, 0, <usize>padded_floats(geom) << 2);
      col2im(dxp, ws, geom);
      unpad_add(dxn, dxp, geom);
    }
  }
}

// x is (N,C,H,W), dy is (N,OC,OH,OW), dw is (OC,C/G,KH,KW): ACCUMULATES
// dw_g += Σ_{n∈[n0,n1)} dY_ng·col(x_ng)ᵀ, the correlation of the layer input with δ.
export function conv2d_backward_filter(dw: usize, x: usize, dy: usize, ws: usize, geom: usize, n0: i32, n1: i32): void {
  const G = geomAt(geom, 15);
  const K = colRows(geom), P = geomAt(geom, 7) * geomAt(geom, 8), OCg = geomAt(geom, 4);
  const gws = ws + (<usize>(colFloats(K, P) + padded_floats(geom)) << 2);
  const xp = ws + (<usize>colFloats(K, P) << 2);
  for (let q = n0 * G; q < n1 * G; q++) {
    const xn = x + <usize>q * imageBytes(geom);
    if (!isPointwise(geom)) {
      pad_image(xp, xn, geom);
      im2col(ws, xp, geom);
    }
    const dwg = dw + (<usize>(q % G * OCg) * <usize>K << 2);
    sgemm(dwg, dy + (<usize>(q * OCg) * <usize>P << 2), isPointwise(geom) ? xn : ws, gws, OCg, K, P, K, P, P, GEMM_TRANS_B | GEMM_ACC);
  }
}

// dy is (N,C,P), db is (C): ACCUMULATES db[c] += Σ_{n∈[n0,n1)} Σ_p dy[n, c, p] (the bias
// gradient of every convolution: C output channels of P pixels each).
export function conv2d_backward_bias(db: usize, dy: usize, C: i32, P: i32, n0: i32, n1: i32): void {
  for (let n = n0; n < n1; n++) {
    for (let c = 0; c < C; c++) {
      const row = dy + (<usize>(n * C + c) * <usize>P << 2);
      let s0 = f32x4.splat(0);
      let s1 = f32x4.splat(0);
      let p = 0;
      for (; p + 8 <= P; p += 8) {
        s0 = f32x4.add(s0, v128.load(row + (<usize>p << 2)));
        s1 = f32x4.add(s1, v128.load(row + (<usize>p << 2), 16));
      }
      let s = hsum(f32x4.add(s0, s1));
      for (; p < P; p++) s += load<f32>(row + (<usize>p << 2));
      const d = db + (<usize>c << 2);
      store<f32>(d, load<f32>(d) + s);
    }
  }
}

// y is (N,C,P), b is (C) or 0: overwrites y[n0:n1] with y[n, c, p] = b[c] (0 when b is 0):
// the start of a transposed convolution, whose kernel then accumulates.
export function conv2d_bias_fill(y: usize, b: usize, C: i32, P: i32, n0: i32, n1: i32): void {
  for (let row = n0 * C; row < n1 * C; row++) {
    const v = b != 0 ? load<f32>(b + (<usize>(row % C) << 2)) : 0;
    const r = y + (<usize>row * <usize>P << 2);
    let p = 0;
    for (; p + 4 <= P; p += 4) v128.store(r + (<usize>p << 2), f32x4.splat(v));
    for (; p < P; p++) store<f32>(r + (<usize>p << 2), v);
  }
}

// x is (NC,H,W), y is (NC, top + H + bottom, left + W + right): overwrites y[p0:p1] with x
// surrounded by zeros (torch.nn.ZeroPad2d). p0, p1: a range of the N·C planes.
export function zero_pad2d_forward(y: usize, x: usize, H: i32, W: i32, top: i32, bottom: i32, left: i32, right: i32, p0: i32, p1: i32): void {
  const OW = left + W + right, plane = <usize>((top + H + bottom) * OW) << 2;
  for (let p = p0; p < p1; p++) {
    const yp = y + <usize>p * plane;
    memory.fill(yp, 0, plane);
    for (let h = 0; h < H; h++) {
      memory.copy(yp + (<usize>((top + h) * OW + left) << 2), x + (<usize>(p * H + h) * <usize>W << 2), <usize>W << 2);
    }
  }
}

// dy is (NC, top + H + bottom, left + W + right), dx is (NC,H,W): ACCUMULATES dx[p0:p1] +=
// the interior of dy (the padding's gradient is dropped).
export function zero_pad2d_backward(dx: usize, dy: usize, H: i32, W: i32, top: i32, bottom: i32, left: i32, right: i32, p0: i32, p1: i32): void {
  const OW = left + W + right, plane = <usize>((top + H + bottom) * OW) << 2;
  for (let p = p0; p < p1; p++) {
    for (let h = 0; h < H; h++) {
      addTo(dx + (<usize>(p * H + h) * <usize>W << 2), dy + <usize>p * plane + (<usize>((top + h) * OW + left) << 2), W);
    }
  }
}
