// SPDX-License-Identifier: MIT
// Winograd F(2×2, 3×3) forward convolution (Lavin & Gray 2015) for 3×3 filters, stride 1,
// dilation 1, one group: a 2×2 output tile is Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A over its 4×4 input tile
// d, 16 multiplies per tile and channel where direct convolution takes 36. With ξ = 4i + j:
//   U[ξ] (OC,C) = G w[oc, c] Gᵀ once per call;  V[ξ] (C,T) = Bᵀ d[c, t] B, in sgemm_packed's panels
//   M[ξ] = U[ξ]·V[ξ] (16 GEMMs);  y tile = Aᵀ M[·, oc, t] A + b[oc] (+ y: CONV_ACC; max(·, 0): CONV_RELU)
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1], Aᵀ = [1 1 1 0; 0 1 −1 −1]
// for blocks of tiles whose V and M stay in L2. Tiles run row-major over ⌈OH/2⌉ rows of TW =
// round4(⌈OW/2⌉) (extra tiles read zeros and are not stored), so the transforms take 4 tiles of
// a row as f32x4 lanes: even and odd columns of two v128 pairs per input row. ws (floats):
// [ U | x zero-padded to (C, 2⌈OH/2⌉ + 2, 2TW + 2) | V | M | 64 ] = winograd3x3_workspace(C, OC, OH, OW).
// Must match: tests/reference/conv.ts, to Winograd's rounding (tests/ops/winograd.test.ts).
import { CONV_ACC, CONV_RELU } from './conv';
import { sgemm_packed } from './gemm';
import { geomAt } from './im2col';
import { reluIf } from './simd';

/** Floats of V and M per block of tiles (256 KiB: both stay in L2 through the 16 GEMMs). */
const WB_FLOATS: i32 = 65536;

/** Tiles per block: a multiple of 8 (sgemm_packed's panel width), at most T rounded up. */
function tileBlock(C: i32, OC: i32, T: i32): i32 {
  return min((T + 7) & ~7, max(8, (WB_FLOATS / (16 * (C + OC))) & ~7));
}

/** Floats of scratch winograd3x3_forward needs for one thread and one group of C → OC channels, OH×OW out (the layout in the header). */
export function winograd3x3_workspace(C: i32, OC: i32, OH: i32, OW: i32): i32 {
  const TH = (OH + 1) >> 1, TW = (((OW + 1) >> 1) + 3) & ~3;
  return 16 * OC * C + C * (2 * TH + 2) * (2 * TW + 2) + 16 * (C + OC) * tileBlock(C, OC, TH * TW) + 64;
}

/** Entry k of G·(a, b, c): a, (a + b + c)/2, (a − b + c)/2, c. */
// @ts-ignore: decorator
@inline
function gk(a: f32, b: f32, c: f32, k: i32): f32 {
  return k == 0 ? a : k == 3 ? c : (a + c + (k == 1 ? b : -b)) * 0.5;
}

/** V = Bᵀ d B for tiles [t0, t0 + nb) of the padded image xq (C planes of HQ×WQ), 4 at a time; tmp: 64 floats. */
function inputTransform(v: usize, xq: usize, C: i32, HQ: i32, WQ: i32, TW: i32, TB: i32, t0: i32, nb: i32, tmp: usize): void {
  const xs = <usize>(TB * C) << 2;
  for (let t = 0; t < nb; t += 4) {
    const th = (t0 + t) / TW, src = xq + (<usize>(2 * (th * WQ + t0 + t - th * TW)) << 2);
    const dst = v + (<usize>(((t >> 3) * C << 3) + (t & 4)) << 2); // panel t/8, lanes t & 4 …
    for (let c = 0; c < C; c++) {
      for (let r = 0; r < 4; r++) {
        // d_j = x[2t + j] for the 4 tiles t: even and odd lanes of x[0:8] and x[2:10]; row r of d·B into tmp.
        const p = src + (<usize>((c * HQ + r) * WQ) << 2), s = tmp + (<usize>r << 6);
        const a0 = v128.load(p), a1 = v128.load(p, 16), b0 = v128.load(p, 8), b1 = v128.load(p, 24);
        const d0 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), d1 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        const d2 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6), d3 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        v128.store(s, f32x4.sub(d0, d2));
        v128.store(s, f32x4.add(d1, d2), 16);
        v128.store(s, f32x4.sub(d2, d1), 32);
        v128.store(s, f32x4.sub(d1, d3), 48);
      }
      for (let j = 0; j < 4; j++) {
        // Column j of Bᵀ·(d·B): V[ξ = 4i + j].
        const s = tmp + (<usize>j << 4), e0 = v128.load(s), e1 = v128.load(s, 64), e2 = v128.load(s, 128), e3 = v128.load(s, 192);
        const o = dst + (<usize>c << 5) + <usize>j * xs;
        v128.store(o, f32x4.sub(e0, e2));
        v128.store(o + 4 * xs, f32x4.add(e1, e2));
        v128.store(o + 8 * xs, f32x4.sub(e2, e1));
        v128.store(o + 12 * xs, f32x4.sub(e1, e3));
      }
    }
  }
}

/** Stores v (+ the 4 floats at p with acc), then max(·, 0) with relu. */
// @ts-ignore: decorator
@inline
function put(p: usize, v: v128, acc: bool, relu: bool): void {
  v128.store(p, reluIf(acc ? f32x4.add(v, v128.load(p)) : v, relu));
}

/** y = Aᵀ M A + b (then CONV_ACC, CONV_RELU) for tiles [t0, t0 + nb) of one image, 4 at a time; tmp: 48 floats. */
function outputTransform(y: usize, m: usize, b: usize, OC: i32, OH: i32, OW: i32, TW: i32, TB: i32, t0: i32, nb: i32, flags: i32, tmp: usize): void {
  const acc = (flags & CONV_ACC) != 0, relu = (flags & CONV_RELU) != 0, xs = <usize>(OC * TB) << 2, o = tmp + 128;
  for (let oc = 0; oc < OC; oc++) {
    const bv = b != 0 ? v128.load32_splat(b + (<usize>oc << 2)) : f32x4.splat(0);
    const yo = y + (<usize>(oc * OH * OW) << 2);
    for (let t = 0; t < nb; t += 4) {
      for (let j = 0; j < 4; j++) {
        // Column j of Aᵀ·M (M[ξ] at m + (oc·TB + t)·4 + ξ·xs) into tmp: rows 0 and 1, 64 bytes apart.
        const q = m + (<usize>(oc * TB + t) << 2) + <usize>j * xs;
        const e0 = v128.load(q), e1 = v128.load(q + 4 * xs), e2 = v128.load(q + 8 * xs), e3 = v128.load(q + 12 * xs);
        v128.store(tmp + (<usize>j << 4), f32x4.add(f32x4.add(e0, e1), e2));
        v128.store(tmp + (<usize>j << 4), f32x4.sub(f32x4.sub(e1, e2), e3), 64);
      }
      for (let i = 0; i < 2; i++) {
        // Row i of (Aᵀ·M)·A + b: o_i0, o_i1 into o = tmp + 128 (o_ij at 32i + 16j bytes).
        const s = tmp + (<usize>i << 6), e0 = v128.load(s), e1 = v128.load(s, 16), e2 = v128.load(s, 32), e3 = v128.load(s, 48);
        v128.store(o + (<usize>i << 5), f32x4.add(f32x4.add(f32x4.add(e0, e1), e2), bv));
        v128.store(o + (<usize>i << 5), f32x4.add(f32x4.sub(f32x4.sub(e1, e2), e3), bv), 16);
      }
      const th = (t0 + t) / TW, tw = t0 + t - th * TW;
      if (2 * tw + 8 <= OW && 2 * th + 2 <= OH) {
        // Output rows 2th and 2th + 1, columns 2tw … 2tw + 7: the tiles' lanes interleaved.
        const r0 = yo + (<usize>(2 * (th * OW + tw)) << 2), r1 = r0 + (<usize>OW << 2);
        const o00 = v128.load(o), o01 = v128.load(o, 16), o10 = v128.load(o, 32), o11 = v128.load(o, 48);
        put(r0, v128.shuffle<f32>(o00, o01, 0, 4, 1, 5), acc, relu);
        put(r0 + 16, v128.shuffle<f32>(o00, o01, 2, 6, 3, 7), acc, relu);
        put(r1, v128.shuffle<f32>(o10, o11, 0, 4, 1, 5), acc, relu);
        put(r1 + 16, v128.shuffle<f32>(o10, o11, 2, 6, 3, 7), acc, relu);
        continue;
      }
      for (let k = 0; k < 16; k++) {
        // Lane l of o_ij (k = 4(2i + j) + l): pixel (2th + i, 2(tw + l) + j), if inside y.
        const oy = 2 * th + (k >> 3), ox = 2 * (tw + (k & 3)) + ((k >> 2) & 1);
        if (oy >= OH || ox >= OW) continue;
        const yp = yo + (<usize>(oy * OW + ox) << 2), v = load<f32>(o + (<usize>k << 2)) + (acc ? load<f32>(yp) : 0);
        store<f32>(yp, relu ? max<f32>(v, 0) : v);
      }
    }
  }
}

// x is (N,C,H,W), w is (OC,C,3,3), b is (OC) or 0, y is (N,OC,OH,OW), stride 1, dilation 1, geom
// as conv2d_forward's: overwrites y[n0:n1] with x ⋆ w + b, or adds it into y (flags & CONV_ACC
// of assembly/conv.ts); then max(·, 0) (flags & CONV_RELU). Per image: the zero-padded copy,
// then per block of tiles the input transform, 16 GEMMs and the output transform.
export function winograd3x3_forward(y: usize, x: usize, w: usize, b: usize, ws: usize, geom: usize, flags: i32, n0: i32, n1: i32): void {
  const C = geomAt(geom, 1), H = geomAt(geom, 2), W = geomAt(geom, 3), OC = geomAt(geom, 4);
  const OH = geomAt(geom, 7), OW = geomAt(geom, 8), PH = geomAt(geom, 11), PW = geomAt(geom, 12);
  const TH = (OH + 1) >> 1, TW = (((OW + 1) >> 1) + 3) & ~3, T = TH * TW, HQ = 2 * TH + 2, WQ = 2 * TW + 2;
  const TB = tileBlock(C, OC, T), xq = ws + (<usize>(16 * OC * C) << 2), v = xq + (<usize>(C * HQ * WQ) << 2);
  const m = v + (<usize>(16 * C * TB) << 2), tmp = m + (<usize>(16 * OC * TB) << 2);
  // U[4i + j, oc, c] = (G g Gᵀ)[i, j]: column j of g·Gᵀ is G applied to each row of g, then G runs down it.
  for (let f = 0; f < OC * C; f++) {
    const g = w + (<usize>(9 * f) << 2);
    for (let j = 0; j < 4; j++) {
      const h0 = gk(load<f32>(g), load<f32>(g, 4), load<f32>(g, 8), j);
      const h1 = gk(load<f32>(g, 12), load<f32>(g, 16), load<f32>(g, 20), j);
      const h2 = gk(load<f32>(g, 24), load<f32>(g, 28), load<f32>(g, 32), j);
      for (let i = 0; i < 4; i++) store<f32>(ws + (<usize>((4 * i + j) * OC * C + f) << 2), gk(h0, h1, h2, i));
    }
  }
  memory.fill(xq, 0, <usize>(C * HQ * WQ) << 2); // every image writes the same interior
  for (let n = n0; n < n1; n++) {
    for (let r = 0; r < C * H; r++) {
      const c = r / H;
      memory.copy(xq + (<usize>((c * HQ + r - c * H + PH) * WQ + PW) << 2), x + (<usize>((n * C * H + r) * W) << 2), <usize>W << 2);
    }
    for (let t0 = 0; t0 < T; t0 += TB) {
      const nb = min(TB, T - t0);
      inputTransform(v, xq, C, HQ, WQ, TW, TB, t0, nb, tmp);
      for (let k = 0; k < 16; k++) sgemm_packed(m + (<usize>(k * OC * TB) << 2), ws + (<usize>(k * OC * C) << 2), v + (<usize>(k * TB * C) << 2), 0, OC, nb, C, TB, C, 0);
      outputTransform(y + (<usize>(n * OC * OH * OW) << 2), m, b, OC, OH, OW, TW, TB, t0, nb, flags, tmp);
    }
  }
}
