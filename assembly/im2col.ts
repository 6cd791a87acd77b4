// SPDX-License-Identifier: MIT
// im2col / col2im for one NCHW image, with stride, zero padding and dilation: the bridge
// that turns a convolution into one GEMM (assembly/conv.ts). pad_image first copies the
// image into a zero-padded buffer (unpad_add is its adjoint), so the column builders never
// test bounds; im2col_packed writes the column matrix in the GEMM's 8-wide panel layout.
//
// The conv geometry record — 16 Int32 at byte pointer `geom`, written by
// src/ops/conv-geometry.ts and read by every kernel here, in conv.ts and depthwise.ts. It
// describes one group: C and OC are the channels per group (C/G, OC/G), G the groups.
//    0 N    1 C    2 H    3 W    4 OC   5 KH   6 KW   7 OH   8 OW
//    9 SH  10 SW  11 PH  12 PW  13 DH  14 DW  15 G
// (stride S, zero padding P, dilation D; OH = ⌊(H + 2PH − DH(KH − 1) − 1)/SH⌋ + 1, same for OW.)
//
// The column matrix of an image is (K, P) row-major, K = C·KH·KW, P = OH·OW:
//   col[(c·KH + kh)·KW + kw, oh·OW + ow] = x[c, oh·SH − PH + kh·DH, ow·SW − PW + kw·DW]  (0 outside)
// Must match: tests/reference/conv.ts (which convolves directly, without a column matrix).

// @ts-ignore: decorator
@inline
export function geomAt(geom: usize, i: i32): i32 {
  return load<i32>(geom + (<usize>i << 2));
}

// xp is one image padded by pad_image, col is (C·KH·KW, OH·OW) plus 4 floats of slack:
// overwrites col (see the header). No tap needs a bounds test; with stride-1 columns each
// row is copied in whole v128s, the last one running up to 3 floats into the next row
// (which overwrites them) or the slack.
export function im2col(col: usize, xp: usize, geom: usize): void {
  const C = geomAt(geom, 1), H = geomAt(geom, 2), W = geomAt(geom, 3);
  const KH = geomAt(geom, 5), KW = geomAt(geom, 6), OH = geomAt(geom, 7), OW = geomAt(geom, 8);
  const SH = geomAt(geom, 9), SW = geomAt(geom, 10), PH = geomAt(geom, 11), PW = geomAt(geom, 12);
  const DH = geomAt(geom, 13), DW = geomAt(geom, 14);
  const HP = H + 2 * PH, WP = W + 2 * PW;
  const rowStep = <usize>(SH * WP) << 2;
  let d = col;
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        let s = xp + (<usize>((c * HP + kh * DH) * WP + kw * DW) << 2);
        for (let oh = 0; oh < OH; oh++) {
          if (SW == 1) {
            for (let ow = 0; ow < OW; ow += 4) v128.store(d + (<usize>ow << 2), v128.load(s + (<usize>ow << 2)));
          } else {
            for (let ow = 0; ow < OW; ow++) store<f32>(d + (<usize>ow << 2), load<f32>(s + (<usize>(ow * SW) << 2)));
          }
          d += <usize>OW << 2;
          s += rowStep;
        }
      }
    }
  }
}

// col is (C·KH·KW, OH·OW), dxp is one padded image (C, H + 2PH, W + 2PW) as pad_image lays it
// out: ACCUMULATES dxp += col2im(col), the adjoint of im2col (each column entry adds into the
// padded pixel it was copied from; unpad_add then adds the interior into dx). With stride-1
// columns each row is added in v128s, the last one masked to the row's OW % 4 lanes.
export function col2im(dxp: usize, col: usize, geom: usize): void {
  const C = geomAt(geom, 1), H = geomAt(geom, 2), W = geomAt(geom, 3);
  const KH = geomAt(geom, 5), KW = geomAt(geom, 6), OH = geomAt(geom, 7), OW = geomAt(geom, 8);
  const SH = geomAt(geom, 9), SW = geomAt(geom, 10), PH = geomAt(geom, 11), PW = geomAt(geom, 12);
  const DH = geomAt(geom, 13), DW = geomAt(geom, 14);
  const HP = H + 2 * PH, WP = W + 2 * PW;
  const rowStep = <usize>(SH * WP) << 2;
  const OW4 = OW & ~3;
  const tail = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(OW - OW4));
  let s = col;
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        let d = dxp + (<usize>((c * HP + kh * DH) * WP + kw * DW) << 2);
        for (let oh = 0; oh < OH; oh++) {
          if (SW == 1) {
            let ow = 0;
            for (; ow < OW4; ow += 4) {
              const p = d + (<usize>ow << 2);
              v128.store(p, f32x4.add(v128.load(p), v128.load(s + (<usize>ow << 2))));
            }
            if (ow < OW) {
              const p = d + (<usize>ow << 2);
              v128.store(p, f32x4.add(v128.load(p), v128.and(v128.load(s + (<usize>ow << 2)), tail)));
            }
          } else {
            for (let ow = 0; ow < OW; ow++) {
              const p = d + (<usize>(ow * SW) << 2);
              store<f32>(p, load<f32>(p) + load<f32>(s + (<usize>ow << 2)));
            }
          }
          s += <usize>OW << 2;
          d += rowStep;
        }
      }
    }
  }
}

/**
 * Floats of scratch im2col_packed needs for its zero-padded copy of one image:
 * C·HP·WP (HP = H + 2PH, WP = W + 2PW) plus SH·WP + 8 of slack for the panel loads that run
 * past the last pixel, rounded up to 16. src/ops/conv.ts repeats this formula.
 */
// @ts-ignore: decorator
@inline
export function padded_floats(geom: usize): i32 {
  const HP = geomAt(geom, 2) + 2 * geomAt(geom, 11), WP = geomAt(geom, 3) + 2 * geomAt(geom, 12);
  return (geomAt(geom, 1) * HP * WP + geomAt(geom, 9) * WP + 8 + 15) & ~15;
}

// x is (C,H,W) (one image), xp is padded_floats(geom) floats: writes the image zero-padded
// to (C, H + 2PH, W + 2PW), plus zeroed slack, so no tap of im2col_packed needs a bounds test.
export function pad_image(xp: usize, x: usize, geom: usize): void {
  const C = geomAt(geom, 1), H = geomAt(geom, 2), W = geomAt(geom, 3);
  const PH = geomAt(geom, 11), PW = geomAt(geom, 12);
  const HP = H + 2 * PH, WP = W + 2 * PW;
  if (PH == 0 && PW == 0) {
    const bytes = <usize>(C * H * W) << 2;
    memory.copy(xp, x, bytes);
    memory.fill(xp + bytes, 0, (<usize>padded_floats(geom) << 2) - bytes);
    return;
  }
  memory.fill(xp, 0, <usize>padded_floats(geom) << 2);
  for (let c = 0; c < C; c++) {
    for (let h = 0; h < H; h++) {
      memory.copy(xp + (<usize>((c * HP + h + PH) * WP + PW) << 2), x + (<usize>((c * H + h) * W) << 2), <usize>W << 2);
    }
  }
}

// dxp is one padded image as pad_image lays it out, dx is (C,H,W): ACCUMULATES dx += the
// interior of dxp (the adjoint of pad_image: padding gradients are dropped).
export function unpad_add(dx: usize, dxp: usize, geom: usize): void {
  const C = geomAt(geom, 1), H = geomAt(geom, 2), W = geomAt(geom, 3);
  const PH = geomAt(geom, 11), PW = geomAt(geom, 12);
  const HP = H + 2 * PH, WP = W + 2 * PW;
  for (let c = 0; c < C; c++) {
    for (let h = 0; h < H; h++) {
      const d = dx + (<usize>((c * H + h) * W) << 2);
      const s = dxp + (<usize>((c * HP + h + PH) * WP + PW) << 2);
      let i = 0;
      for (; i + 4 <= W; i += 4) v128.store(d + (<usize>i << 2), f32x4.add(v128.load(d + (<usize>i << 2)), v128.load(s + (<usize>i << 2))));
      for (; i < W; i++) store<f32>(d + (<usize>i << 2), load<f32>(d + (<usize>i << 2)) + load<f32>(s + (<usize>i << 2)));
    }
  }
}

// xp is one image padded by pad_image, pb is ceil((q1 − q0)/8) panels of K×8 floats: writes
// columns [q0, q1) of col(x) (the header's column matrix; q0 a multiple of 8) straight in the
// K-major 8-wide panel layout gemm's sgemm_packed reads — panel j, row k holds
// col[k, q0 + 8j … q0 + 8j + 7] — so the column matrix is written once and never repacked.
// Lanes past q1 in the last panel hold garbage (never stored by sgemm_packed). With
// stride-1 columns, the 8 pixels of a panel are one run along an output row (two v128
// loads per panel row) or, when OW ≥ 8, two runs along two rows (four loads and a lane
// select). Other geometries gather lane by lane.
export function im2col_packed(pb: usize, xp: usize, geom: usize, q0: i32, q1: i32): void {
  const C = geomAt(geom, 1), H = geomAt(geom, 2), W = geomAt(geom, 3);
  const KH = geomAt(geom, 5), KW = geomAt(geom, 6), OW = geomAt(geom, 8);
  const SH = geomAt(geom, 9), SW = geomAt(geom, 10), PH = geomAt(geom, 11), PW = geomAt(geom, 12);
  const DH = geomAt(geom, 13), DW = geomAt(geom, 14);
  const HP = H + 2 * PH, WP = W + 2 * PW;
  const K = C * KH * KW;
  for (; q0 < q1; q0 += 8) {
    const panel = pb;
    pb += <usize>K << 5;
    const nc = min(8, q1 - q0);
    const oh0 = q0 / OW, ow0 = q0 - oh0 * OW;
    const run = min(8, OW - ow0); // lanes [0, run) on row oh0, the rest from row oh0 + 1
    if (SW == 1 && run == 8) {
      // One run: each panel row is the 8 floats at base1 + the tap's offset.
      const base1 = xp + (<usize>(oh0 * SH * WP + ow0) << 2);
      let d = panel;
      for (let c = 0; c < C; c++) {
        for (let kh = 0; kh < KH; kh++) {
          const row = base1 + (<usize>((c * HP + kh * DH) * WP) << 2);
          for (let kw = 0; kw < KW; kw++) {
            const s = row + (<usize>(kw * DW) << 2);
            v128.store(d, v128.load(s));
            v128.store(d, v128.load(s, 16), 16);
            d += 32;
          }
        }
      }
    } else if (SW == 1 && nc - run <= OW) {
      const base1 = xp + (<usize>(oh0 * SH * WP + ow0) << 2);
      const base2 = xp + (<usize>((oh0 + 1) * SH * WP - run) << 2);
      const lane = i32x4(0, 1, 2, 3);
      const m0 = i32x4.lt_s(lane, i32x4.splat(run));
      const m1 = i32x4.lt_s(i32x4.add(lane, i32x4.splat(4)), i32x4.splat(run));
      let d = panel;
      for (let c = 0; c < C; c++) {
        for (let kh = 0; kh < KH; kh++) {
          const row = <usize>((c * HP + kh * DH) * WP) << 2;
          for (let kw = 0; kw < KW; kw++) {
            const o = row + (<usize>(kw * DW) << 2);
            v128.store(d, v128.bitselect(v128.load(base1 + o), v128.load(base2 + o), m0));
            v128.store(d, v128.bitselect(v128.load(base1 + o, 16), v128.load(base2 + o, 16), m1), 16);
            d += 32;
          }
        }
      }
    } else {
      for (let j = 0; j < 8; j++) {
        const q = q0 + min(j, nc - 1);
        const oh = q / OW;
        const base = xp + (<usize>(oh * SH * WP + (q - oh * OW) * SW) << 2);
        let d = panel + (<usize>j << 2);
        for (let c = 0; c < C; c++) {
          for (let kh = 0; kh < KH; kh++) {
            const row = base + (<usize>((c * HP + kh * DH) * WP) << 2);
            for (let kw = 0; kw < KW; kw++) {
              store<f32>(d, load<f32>(row + (<usize>(kw * DW) << 2)));
              d += 32;
            }
          }
        }
      }
    }
  }
}
