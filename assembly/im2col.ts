// SPDX-License-Identifier: MIT
// im2col / col2im for one NCHW image, with stride, zero padding and dilation: the bridge
// that turns a convolution into one GEMM (assembly/conv.ts).
//
// The conv geometry record — 16 Int32 at byte pointer `geom`, written by src/ops/conv.ts
// and read by every kernel here and in conv.ts:
//    0 N    1 C    2 H    3 W    4 OC   5 KH   6 KW   7 OH   8 OW
//    9 SH  10 SW  11 PH  12 PW  13 DH  14 DW  15 (reserved, 0)
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

/** Zeroes n floats at d. */
// @ts-ignore: decorator
@inline
function zeroF32(d: usize, n: i32): void {
  let i = 0;
  const z = f32x4.splat(0);
  for (; i + 4 <= n; i += 4) v128.store(d + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(d + (<usize>i << 2), 0);
}

/** First and one-past-last output column whose input column ow·S + o lies in [0, W). */
// @ts-ignore: decorator
@inline
function validLo(o: i32, S: i32): i32 {
  return o >= 0 ? 0 : (S - 1 - o) / S;
}
// @ts-ignore: decorator
@inline
function validHi(o: i32, S: i32, W: i32, OW: i32): i32 {
  const last = W - 1 - o;
  return last < 0 ? 0 : min(OW, last / S + 1);
}

// x is (C,H,W) (one image), col is (C·KH·KW, OH·OW): overwrites col (see the header).
export function im2col(col: usize, x: usize, geom: usize): void {
  const C = geomAt(geom, 1), H = geomAt(geom, 2), W = geomAt(geom, 3);
  const KH = geomAt(geom, 5), KW = geomAt(geom, 6), OH = geomAt(geom, 7), OW = geomAt(geom, 8);
  const SH = geomAt(geom, 9), SW = geomAt(geom, 10), PH = geomAt(geom, 11), PW = geomAt(geom, 12);
  const DH = geomAt(geom, 13), DW = geomAt(geom, 14);
  const P = OH * OW;
  let d = col;
  for (let c = 0; c < C; c++) {
    const xc = x + (<usize>(c * H * W) << 2);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const o = kw * DW - PW;
        const lo = min(OW, validLo(o, SW));
        const hi = max(lo, validHi(o, SW, W, OW));
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * SH - PH + kh * DH;
          const dr = d + (<usize>(oh * OW) << 2);
          if (ih < 0 || ih >= H) {
            zeroF32(dr, OW);
            continue;
          }
          zeroF32(dr, lo);
          const xr = xc + (<usize>(ih * W + o) << 2);
          if (SW == 1) {
            let ow = lo;
            for (; ow + 4 <= hi; ow += 4) v128.store(dr + (<usize>ow << 2), v128.load(xr + (<usize>ow << 2)));
            for (; ow < hi; ow++) store<f32>(dr + (<usize>ow << 2), load<f32>(xr + (<usize>ow << 2)));
          } else {
            for (let ow = lo; ow < hi; ow++) store<f32>(dr + (<usize>ow << 2), load<f32>(xr + (<usize>(ow * SW) << 2)));
          }
          zeroF32(dr + (<usize>hi << 2), OW - hi);
        }
        d += <usize>P << 2;
      }
    }
  }
}

// col is (C·KH·KW, OH·OW), dx is (C,H,W) (one image): ACCUMULATES dx += col2im(col), the
// adjoint of im2col (each column entry adds into the input pixel it was copied from).
export function col2im(dx: usize, col: usize, geom: usize): void {
  const C = geomAt(geom, 1), H = geomAt(geom, 2), W = geomAt(geom, 3);
  const KH = geomAt(geom, 5), KW = geomAt(geom, 6), OH = geomAt(geom, 7), OW = geomAt(geom, 8);
  const SH = geomAt(geom, 9), SW = geomAt(geom, 10), PH = geomAt(geom, 11), PW = geomAt(geom, 12);
  const DH = geomAt(geom, 13), DW = geomAt(geom, 14);
  const P = OH * OW;
  let s = col;
  for (let c = 0; c < C; c++) {
    const xc = dx + (<usize>(c * H * W) << 2);
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const o = kw * DW - PW;
        const lo = min(OW, validLo(o, SW));
        const hi = max(lo, validHi(o, SW, W, OW));
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * SH - PH + kh * DH;
          if (ih < 0 || ih >= H) continue;
          const sr = s + (<usize>(oh * OW) << 2);
          const xr = xc + (<usize>(ih * W + o) << 2);
          if (SW == 1) {
            let ow = lo;
            for (; ow + 4 <= hi; ow += 4) {
              const p = xr + (<usize>ow << 2);
              v128.store(p, f32x4.add(v128.load(p), v128.load(sr + (<usize>ow << 2))));
            }
            for (; ow < hi; ow++) {
              const p = xr + (<usize>ow << 2);
              store<f32>(p, load<f32>(p) + load<f32>(sr + (<usize>ow << 2)));
            }
          } else {
            for (let ow = lo; ow < hi; ow++) {
              const p = xr + (<usize>(ow * SW) << 2);
              store<f32>(p, load<f32>(p) + load<f32>(sr + (<usize>ow << 2)));
            }
          }
        }
        s += <usize>P << 2;
      }
    }
  }
}
