// SPDX-License-Identifier: MIT
// 2-D convolution (cross-correlation, PyTorch's torch.nn.functional.conv2d semantics),
// forward and backward side by side, as im2col/col2im + the sgemm of assembly/gemm.ts:
//   forward        Y_n (OC,P)  = W (OC,K) · col(x_n) (K,P)            [+ b per row]
//   backward data  dcol (K,P)  = Wᵀ · dY_n,  dx_n += col2im(dcol)
//   backward filt. dW (OC,K)  += dY_n · col(x_n)ᵀ
//   backward bias  db[oc]     += Σ_n Σ_p dY[n, oc, p]
// with K = C·KH·KW, P = OH·OW. The forward writes col(x_n) directly in the packed panel
// layout sgemm_packed reads (im2col_packed); the backward uses the row-major column matrix.
// Every column matrix is taken from (and col2im adds into) a zero-padded copy of the image
// (pad_image / unpad_add), so no tap needs a bounds test. In the backward a 1×1 kernel with
// stride 1 and no padding needs no column matrix (col(x_n) is x_n itself): no im2col/col2im.
//
// geom: the 16-Int32 conv geometry record documented in assembly/im2col.ts.
// ws: scratch floats; the backward kernels lay it out as [ col: round16(K·P + 4) | padded
// image: padded_floats | sgemm scratch ], the sgemm part being max(sgemm_workspace(P, K),
// sgemm_workspace(K, P), sgemm_workspace(P, OC)) floats; conv2d_forward's layout is at it.
// src/ops/conv.ts conv2dWorkspaceSize computes the larger (plus its 16-float geometry record).
// [n0, n1): the images this call handles (a worker's slice of the batch).
// Must match: tests/reference/conv.ts (direct nested loops over the formulas).
import { GEMM_ACC, GEMM_TRANS_A, GEMM_TRANS_B, sgemm, sgemm_packed } from './gemm';
import { col2im, geomAt, im2col, im2col_packed, pad_image, padded_floats, unpad_add } from './im2col';
import { hsum } from './simd';

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

/** Byte offset of the sgemm scratch inside ws (after the column matrix and the padded image). */
// @ts-ignore: decorator
@inline
function gemmScratch(ws: usize, K: i32, P: i32, geom: usize): usize {
  return ws + (<usize>(colFloats(K, P) + padded_floats(geom)) << 2);
}

// x is (N,C,H,W), w is (OC,C,KH,KW), b is (OC) or 0, y is (N,OC,OH,OW): overwrites y[n0:n1].
// Per image: pad_image, im2col_packed writes the column matrix as 8-wide K-major panels,
// and sgemm_packed runs W over them with the bias in the accumulators: one pass over the
// column matrix. (Packing and multiplying blocks of panels small enough to stay in L1 was
// measured no faster on LeNet's layers.) ws = [ padded image: padded_floats | panels: ceil(P/8)·8·K ].
export function conv2d_forward(y: usize, x: usize, w: usize, b: usize, ws: usize, geom: usize, n0: i32, n1: i32): void {
  const C = geomAt(geom, 1), H = geomAt(geom, 2), W = geomAt(geom, 3), OC = geomAt(geom, 4);
  const K = C * geomAt(geom, 5) * geomAt(geom, 6);
  const P = geomAt(geom, 7) * geomAt(geom, 8);
  const pb = ws + (<usize>padded_floats(geom) << 2);
  for (let n = n0; n < n1; n++) {
    pad_image(ws, x + (<usize>n * <usize>(C * H * W) << 2), geom);
    im2col_packed(pb, ws, geom, 0, P);
    sgemm_packed(y + (<usize>n * <usize>(OC * P) << 2), w, pb, b, OC, P, K, P, K, 0);
  }
}

// dy is (N,OC,OH,OW), w is (OC,C,KH,KW), dx is (N,C,H,W): ACCUMULATES dx[n0:n1] += ∂L/∂x,
// the full correlation of the zero-padded δ with the 180°-rotated kernel, via Wᵀ·dY + col2im.
export function conv2d_backward_data(dx: usize, dy: usize, w: usize, ws: usize, geom: usize, n0: i32, n1: i32): void {
  const C = geomAt(geom, 1), H = geomAt(geom, 2), W = geomAt(geom, 3), OC = geomAt(geom, 4);
  const K = C * geomAt(geom, 5) * geomAt(geom, 6);
  const P = geomAt(geom, 7) * geomAt(geom, 8);
  const direct = isPointwise(geom);
  const gws = gemmScratch(ws, K, P, geom);
  const dxp = ws + (<usize>colFloats(K, P) << 2);
  for (let n = n0; n < n1; n++) {
    const dxn = dx + (<usize>n * <usize>(C * H * W) << 2);
    const dyn = dy + (<usize>n * <usize>(OC * P) << 2);
    if (direct) {
      sgemm(dxn, w, dyn, gws, K, P, OC, P, K, P, GEMM_TRANS_A | GEMM_ACC);
    } else {
      sgemm(ws, w, dyn, gws, K, P, OC, P, K, P, GEMM_TRANS_A);
      memory.fill(dxp, 0, <usize>padded_floats(geom) << 2);
      col2im(dxp, ws, geom);
      unpad_add(dxn, dxp, geom);
    }
  }
}

// x is (N,C,H,W), dy is (N,OC,OH,OW), dw is (OC,C,KH,KW): ACCUMULATES dw += Σ_{n∈[n0,n1)} dY_n·col(x_n)ᵀ,
// the correlation of the layer input with δ.
export function conv2d_backward_filter(dw: usize, x: usize, dy: usize, ws: usize, geom: usize, n0: i32, n1: i32): void {
  const C = geomAt(geom, 1), H = geomAt(geom, 2), W = geomAt(geom, 3), OC = geomAt(geom, 4);
  const K = C * geomAt(geom, 5) * geomAt(geom, 6);
  const P = geomAt(geom, 7) * geomAt(geom, 8);
  const direct = isPointwise(geom);
  const gws = gemmScratch(ws, K, P, geom);
  const xp = ws + (<usize>colFloats(K, P) << 2);
  for (let n = n0; n < n1; n++) {
    const xn = x + (<usize>n * <usize>(C * H * W) << 2);
    const dyn = dy + (<usize>n * <usize>(OC * P) << 2);
    if (!direct) {
      pad_image(xp, xn, geom);
      im2col(ws, xp, geom);
    }
    sgemm(dw, dyn, direct ? xn : ws, gws, OC, K, P, K, P, P, GEMM_TRANS_B | GEMM_ACC);
  }
}

// dy is (N,OC,OH,OW), db is (OC): ACCUMULATES db[oc] += Σ_{n∈[n0,n1)} Σ_p dy[n, oc, p].
export function conv2d_backward_bias(db: usize, dy: usize, geom: usize, n0: i32, n1: i32): void {
  const OC = geomAt(geom, 4);
  const P = geomAt(geom, 7) * geomAt(geom, 8);
  for (let n = n0; n < n1; n++) {
    for (let oc = 0; oc < OC; oc++) {
      const row = dy + (<usize>(n * OC + oc) * <usize>P << 2);
      let s0 = f32x4.splat(0);
      let s1 = f32x4.splat(0);
      let p = 0;
      for (; p + 8 <= P; p += 8) {
        s0 = f32x4.add(s0, v128.load(row + (<usize>p << 2)));
        s1 = f32x4.add(s1, v128.load(row + (<usize>p << 2), 16));
      }
      let s = hsum(f32x4.add(s0, s1));
      for (; p < P; p++) s += load<f32>(row + (<usize>p << 2));
      const d = db + (<usize>oc << 2);
      store<f32>(d, load<f32>(d) + s);
    }
  }
}
