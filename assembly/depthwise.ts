// SPDX-License-Identifier: MIT
// Depthwise convolution (groups = C; output channel c·M + m of M = OC/C sees input channel c
// only), forward and backward side by side, direct: no im2col, no GEMM. With T = KH·KW taps t = (kh, kw):
//   forward       y[n, cM+m, oh, ow] = b[cM+m] + Σ_t w[cM+m, t] · xpad[n, c, oh·SH + kh·DH, ow·SW + kw·DW]
//   backward data dx[n, c] += Σ_m δ[n, cM+m] stuffed (SH−1, SW−1 zeros between entries), padded
//                 and correlated (stride 1) with w[cM+m] rotated 180°: the forward's adjoint
//   backward filt dw[cM+m, t] += Σ_{n,oh,ow} δ[n, cM+m, oh, ow] · xpad[n, c, oh·SH + kh·DH, ow·SW + kw·DW]
// (bias gradient: conv2d_backward_bias). Each source plane is copied into a buffer zeroed once
// per call, padded and split into SW column phases (column j of phase r is padded column j·SW + r),
// so for every stride and dilation the taps of consecutive output columns are consecutive floats:
// outputs are f32x4 sums with no bounds tests and no gathers — 3×3 filters by dw3x3 (weights in
// registers), other sizes by rows of 16, then 4, outputs over a table of tap offsets.
// geom: assembly/im2col.ts's record of one group: C/G = 1, OC/G = M, G = C. ws (floats): [ tap offsets: ((T + 15) & ~15) | forward,
// filter: source round16(SW·HP·⌈WP/SW⌉ + 16), δ rows OH·round4(OW) | data: M stuffed planes
// (H + (KH−1)DH)·(W + (KW−1)DW) + 16 ], HP = H + 2PH, WP = W + 2PW (src/ops/conv-geometry.ts
// repeats this). [n0, n1): the images of this call. Must match: tests/reference/conv.ts.
import { CONV_ACC, CONV_RELU, conv2d_bias_fill } from './conv';
import { geomAt } from './im2col';
import { hsum, madd, reluIf } from './simd';

/**
 * taps[t] = byte offset of tap t = (kh, kw) in a source buffer of row pitch `pitch` whose SW
 * column phases are `phase` floats apart; flip reverses the taps (the 180° rotation).
 */
function buildTaps(taps: usize, KH: i32, KW: i32, DH: i32, DW: i32, SW: i32, pitch: i32, phase: i32, flip: bool): void {
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const u = flip ? KH - 1 - kh : kh, col = (flip ? KW - 1 - kw : kw) * DW;
      store<i32>(taps + (<usize>(kh * KW + kw) << 2), (u * DH * pitch + (col % SW) * phase + col / SW) << 2);
    }
  }
}

/** dst[0:n] = src[0:n] by f32x4 (the last one overlapping when 4 ∤ n), never past dst + n: memory.copy calls out of wasm, dear for one row. */
// @ts-ignore: decorator
@inline
function copyRow(dst: usize, src: usize, n: i32): void {
  if (n < 4) {
    for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
    return;
  }
  const last = <usize>(n - 4) << 2;
  for (let o: usize = 0; o < last; o += 16) v128.store(dst + o, v128.load(src + o));
  v128.store(dst + last, v128.load(src + last));
}

/**
 * Copies plane x (H×W) into xp (SW phases of HP×pitch, + 16 floats), padded by (PH, PW), split
 * by column phase. Every plane writes the same floats, so the caller zeroes xp once per call.
 */
function padPhased(xp: usize, x: usize, H: i32, W: i32, PH: i32, PW: i32, SW: i32, HP: i32, pitch: i32): void {
  for (let h = 0; h < H; h++) {
    const src = x + (<usize>(h * W) << 2);
    if (SW == 1) {
      copyRow(xp + (<usize>((h + PH) * pitch + PW) << 2), src, W);
      continue;
    }
    let w = 0;
    if (SW == 2) {
      // x[2i] and x[2i + 1] go to consecutive floats of phases r and 1 − r: deinterleave 8 at a time.
      const r = PW & 1, j = PW >> 1;
      const e = xp + (<usize>((r * HP + h + PH) * pitch + j) << 2);
      const o = xp + (<usize>(((1 - r) * HP + h + PH) * pitch + j + r) << 2);
      for (; w + 8 <= W; w += 8) {
        const a = v128.load(src + (<usize>w << 2)), b = v128.load(src + (<usize>w << 2), 16);
        v128.store(e + (<usize>w << 1), v128.shuffle<f32>(a, b, 0, 2, 4, 6));
        v128.store(o + (<usize>w << 1), v128.shuffle<f32>(a, b, 1, 3, 5, 7));
      }
    }
    for (; w < W; w++) {
      const col = w + PW;
      store<f32>(xp + (<usize>(((col % SW) * HP + h + PH) * pitch + col / SW) << 2), load<f32>(src + (<usize>w << 2)));
    }
  }
}

/** w_a·x_0 + w_b·x_1 + w_c·x_2 over 4 output columns, x_k = the f32x4 at q + c_k (c_0 = 0): one kernel row. */
// @ts-ignore: decorator
@inline
function row3(q: usize, c1: usize, c2: usize, wa: v128, wb: v128, wc: v128): v128 {
  return madd(v128.load(q + c2), wc, madd(v128.load(q + c1), wb, f32x4.mul(v128.load(q), wa)));
}

/**
 * dw3x3's rows: out[r] (cols) += the 3×3 correlation of src row r·rstep, kernel rows r1 and r2
 * bytes apart, column taps c1 and c2 (constants at one call site, so they fold into the loads'
 * offsets); fresh: out = bv + the correlation, else out += it; relu: then max(·, 0). Two passes per row, kernel rows
 * 0–1 then 2: V8 issues a loop body's loads first, so one pass of all 9 taps holds 9 inputs
 * beside the 9 weights and spills; 6 inputs + 9 weights fit the 16 XMM registers of x64.
 */
// @ts-ignore: decorator
@inline
function dw3Rows(out: usize, rows: i32, cols: i32, src: usize, rstep: i32, c1: usize, c2: usize, r1: usize, r2: usize,
  w0: v128, w1: v128, w2: v128, w3: v128, w4: v128, w5: v128, w6: v128, w7: v128, w8: v128, fresh: bool, bv: v128, relu: bool): void {
  const n = <usize>(cols & ~3) << 2, tail = cols & 3;
  for (let r = 0; r < rows; r++) {
    const o0 = out + (<usize>(r * cols) << 2), q0 = src + (<usize>(r * rstep) << 2), e = o0 + n;
    // y.0123 += (w0·x00 + w1·x01 + w2·x02) + (w3·x10 + w4·x11 + w5·x12), x_kc = src.0123 at kernel row k, column tap c
    for (let o = o0, q = q0; o < e; o += 16, q += 16) {
      v128.store(o, f32x4.add(f32x4.add(row3(q, c1, c2, w0, w1, w2), row3(q + r1, c1, c2, w3, w4, w5)), fresh ? bv : v128.load(o)));
    }
    // y.0123 += w6·x20 + w7·x21 + w8·x22 (the final value: the ReLU goes here)
    for (let o = o0, q = q0 + r2; o < e; o += 16, q += 16) v128.store(o, reluIf(f32x4.add(row3(q, c1, c2, w6, w7, w8), v128.load(o)), relu));
    if (tail == 0) continue;
    const q = q0 + n;
    const a = f32x4.add(f32x4.add(row3(q, c1, c2, w0, w1, w2), row3(q + r1, c1, c2, w3, w4, w5)), f32x4.add(row3(q + r2, c1, c2, w6, w7, w8), bv));
    const old = fresh ? f32x4.splat(0) : f32x4(load<f32>(e), tail > 1 ? load<f32>(e, 4) : 0, tail > 2 ? load<f32>(e, 8) : 0, 0);
    storeTail(e, reluIf(f32x4.add(old, a), relu), tail);
  }
}

/** Stores the first n < 4 lanes of v at p. */
// @ts-ignore: decorator
@inline
function storeTail(p: usize, v: v128, n: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/**
 * dwPlane for a 3×3 filter and one source, weights splatted once. Both tap layouts are
 * separable: tap (kh, kw) sits at P_00 + R_kh + C_kw for positions P in rows and columns that
 * grow with kh and kw — taps[kh·3 + kw] = P_{kh,kw}, or P_{2−kh,2−kw} when buildTaps flipped
 * them (then taps[1] < taps[0]) — so 4 offsets serve every row, stride and dilation; stride-1
 * and undilated columns (C = 0, 4, 8 bytes) take the constant-offset copy.
 */
function dw3x3(out: usize, rows: i32, cols: i32, src: usize, rstep: i32, taps: usize, w: usize, fresh: bool, bias: f32, relu: bool): void {
  const flip = load<i32>(taps, 4) < load<i32>(taps), k0: usize = flip ? 32 : 0, d = <usize>(<isize>(flip ? -4 : 4));
  const p = <usize>load<i32>(taps + k0), t = taps + k0, v = w + k0; // position (0, 0); position k at t + k·d, its weight at v + k·d
  const c1 = <usize>load<i32>(t + d) - p, c2 = <usize>load<i32>(t + 2 * d) - p;
  const r1 = <usize>load<i32>(t + 3 * d) - p, r2 = <usize>load<i32>(t + 6 * d) - p;
  const w0 = v128.load32_splat(v), w1 = v128.load32_splat(v + d), w2 = v128.load32_splat(v + 2 * d);
  const w3 = v128.load32_splat(v + 3 * d), w4 = v128.load32_splat(v + 4 * d), w5 = v128.load32_splat(v + 5 * d);
  const w6 = v128.load32_splat(v + 6 * d), w7 = v128.load32_splat(v + 7 * d), w8 = v128.load32_splat(v + 8 * d);
  const bv = f32x4.splat(fresh ? bias : 0);
  if (c1 == 4 && c2 == 8) {
    if (fresh) dw3Rows(out, rows, cols, src + p, rstep, 4, 8, r1, r2, w0, w1, w2, w3, w4, w5, w6, w7, w8, true, bv, relu);
    else dw3Rows(out, rows, cols, src + p, rstep, 4, 8, r1, r2, w0, w1, w2, w3, w4, w5, w6, w7, w8, false, bv, relu);
  } else if (fresh) dw3Rows(out, rows, cols, src + p, rstep, c1, c2, r1, r2, w0, w1, w2, w3, w4, w5, w6, w7, w8, true, bv, relu);
  else dw3Rows(out, rows, cols, src + p, rstep, c1, c2, r1, r2, w0, w1, w2, w3, w4, w5, w6, w7, w8, false, bv, relu);
}

/** out (rows×cols) += Σ_{s<nsrc} Σ_{t<T} w[s·T + t] · src[s·sstep + r·rstep + taps[t]/4 + j], then max(·, 0) when relu; reads past row ends are dropped. */
function dwPlane(out: usize, rows: i32, cols: i32, src: usize, rstep: i32, sstep: i32, nsrc: i32, taps: usize, T: i32, w: usize, relu: bool): void {
  const tend = taps + (<usize>T << 2);
  for (let r = 0; r < rows; r++) {
    const o = out + (<usize>(r * cols) << 2);
    const s0 = src + (<usize>(r * rstep) << 2);
    let j = 0;
    for (; j + 16 <= cols; j += 16) {
      const oj = o + (<usize>j << 2);
      let a0 = v128.load(oj), a1 = v128.load(oj, 16), a2 = v128.load(oj, 32), a3 = v128.load(oj, 48);
      for (let s = 0; s < nsrc; s++) {
        const base = s0 + (<usize>(s * sstep + j) << 2);
        let wp = w + (<usize>(s * T) << 2);
        for (let t = taps; t < tend; t += 4) {
          const p = base + <usize>load<i32>(t);
          const wv = v128.load32_splat(wp);
          a0 = madd(v128.load(p), wv, a0);
          a1 = madd(v128.load(p, 16), wv, a1);
          a2 = madd(v128.load(p, 32), wv, a2);
          a3 = madd(v128.load(p, 48), wv, a3);
          wp += 4;
        }
      }
      v128.store(oj, reluIf(a0, relu));
      v128.store(oj, reluIf(a1, relu), 16);
      v128.store(oj, reluIf(a2, relu), 32);
      v128.store(oj, reluIf(a3, relu), 48);
    }
    for (; j < cols; j += 4) {
      const oj = o + (<usize>j << 2);
      let a = f32x4.splat(0);
      for (let s = 0; s < nsrc; s++) {
        const base = s0 + (<usize>(s * sstep + j) << 2);
        let wp = w + (<usize>(s * T) << 2);
        for (let t = taps; t < tend; t += 4) {
          a = madd(v128.load(base + <usize>load<i32>(t)), v128.load32_splat(wp), a);
          wp += 4;
        }
      }
      if (cols - j >= 4) {
        v128.store(oj, reluIf(f32x4.add(a, v128.load(oj)), relu));
        continue;
      }
      const n = cols - j;
      storeTail(oj, reluIf(f32x4.add(f32x4(load<f32>(oj), n > 1 ? load<f32>(oj, 4) : 0, n > 2 ? load<f32>(oj, 8) : 0, 0), a), relu), n);
    }
  }
}

// x is (N,C,H,W), w is (C·M,1,KH,KW), b is (C·M) or 0, y is (N,C·M,OH,OW): overwrites y[n0:n1]
// with the depthwise convolution + b, or adds the convolution into y (flags & CONV_ACC of
// assembly/conv.ts; b is then 0); then max(·, 0) in the same stores (flags & CONV_RELU).
export function depthwise_forward(y: usize, x: usize, w: usize, b: usize, ws: usize, geom: usize, flags: i32, n0: i32, n1: i32): void {
  const C = geomAt(geom, 15), H = geomAt(geom, 2), W = geomAt(geom, 3), M = geomAt(geom, 4), OC = C * M;
  const KH = geomAt(geom, 5), KW = geomAt(geom, 6), OH = geomAt(geom, 7), OW = geomAt(geom, 8);
  const SH = geomAt(geom, 9), SW = geomAt(geom, 10), PH = geomAt(geom, 11), PW = geomAt(geom, 12);
  const T = KH * KW, HP = H + 2 * PH, pitch = (W + 2 * PW + SW - 1) / SW;
  const fresh = (flags & CONV_ACC) == 0, relu = (flags & CONV_RELU) != 0;
  const xp = ws + (<usize>((T + 15) & ~15) << 2);
  buildTaps(ws, KH, KW, geomAt(geom, 13), geomAt(geom, 14), SW, pitch, HP * pitch, false);
  memory.fill(xp, 0, <usize>(SW * HP * pitch + 16) << 2);
  for (let n = n0; n < n1; n++) {
    for (let c = 0; c < C; c++) {
      padPhased(xp, x + (<usize>(n * C + c) * <usize>(H * W) << 2), H, W, PH, PW, SW, HP, pitch);
      for (let oc = c * M; oc < (c + 1) * M; oc++) {
        const yo = y + (<usize>(n * OC + oc) * <usize>(OH * OW) << 2);
        if (KH == 3 && KW == 3) {
          dw3x3(yo, OH, OW, xp, SH * pitch, ws, w + (<usize>(oc * T) << 2), fresh, fresh && b != 0 ? load<f32>(b + (<usize>oc << 2)) : 0, relu);
          continue;
        }
        if (fresh) conv2d_bias_fill(yo, b != 0 ? b + (<usize>oc << 2) : 0, 1, OH * OW, 0, 1);
        dwPlane(yo, OH, OW, xp, SH * pitch, 0, 1, ws, T, w + (<usize>(oc * T) << 2), relu);
      }
    }
  }
}

// dy is (N,C·M,OH,OW), w is (C·M,1,KH,KW), dx is (N,C,H,W): ACCUMULATES dx[n0:n1] += ∂L/∂x.
// Per image and channel, the M planes of δ are stuffed and padded into ws (row r·SH + Q,
// column j·SW + Qw for δ[r, j], Q = (KH−1)·DH − PH; entries that land outside, which reach no
// pixel, are dropped) and dw3x3 (3×3, per plane) or one pass of dwPlane sums their correlations
// with the rotated filters.
export function depthwise_backward_data(dx: usize, dy: usize, w: usize, ws: usize, geom: usize, n0: i32, n1: i32): void {
  const C = geomAt(geom, 15), H = geomAt(geom, 2), W = geomAt(geom, 3), M = geomAt(geom, 4), OC = C * M;
  const KH = geomAt(geom, 5), KW = geomAt(geom, 6), OH = geomAt(geom, 7), OW = geomAt(geom, 8);
  const SH = geomAt(geom, 9), SW = geomAt(geom, 10), DH = geomAt(geom, 13), DW = geomAt(geom, 14);
  const T = KH * KW;
  const Hz = H + (KH - 1) * DH, Wz = W + (KW - 1) * DW, plane = Hz * Wz;
  const Q = (KH - 1) * DH - geomAt(geom, 11), Qw = (KW - 1) * DW - geomAt(geom, 12);
  const j0 = Qw < 0 ? (SW - 1 - Qw) / SW : 0; // the δ columns that land inside: [j0, j1)
  const j1 = min(OW, (Wz - Qw + SW - 1) / SW);
  const dz = ws + (<usize>((T + 15) & ~15) << 2);
  buildTaps(ws, KH, KW, DH, DW, 1, Wz, 0, true);
  memory.fill(dz, 0, <usize>(M * plane + 16) << 2); // every (n, c) writes the same floats: zero once
  for (let n = n0; n < n1; n++) {
    for (let c = 0; c < C; c++) {
      for (let m = 0; m < M; m++) {
        const g = dy + (<usize>(n * OC + c * M + m) * <usize>(OH * OW) << 2);
        for (let i = 0; i < OH; i++) {
          const r = i * SH + Q;
          if (r < 0 || r >= Hz || j1 <= j0) continue;
          const row = m * plane + r * Wz + Qw, src = g + (<usize>(i * OW) << 2); // δ[i, j] goes to dz[row + j·SW]
          if (SW == 1) copyRow(dz + (<usize>(row + j0) << 2), src + (<usize>j0 << 2), j1 - j0);
          else for (let j = j0; j < j1; j++) store<f32>(dz + (<usize>(row + j * SW) << 2), load<f32>(src + (<usize>j << 2)));
        }
      }
      const dxc = dx + (<usize>(n * C + c) * <usize>(H * W) << 2), wc = w + (<usize>(c * M * T) << 2);
      if (KH == 3 && KW == 3) for (let m = 0; m < M; m++) dw3x3(dxc, H, W, dz + (<usize>(m * plane) << 2), Wz, ws, wc + (<usize>(m * 9) << 2), false, 0, false);
      else dwPlane(dxc, H, W, dz, Wz, plane, M, ws, T, wc, false);
    }
  }
}

/**
 * dw[t] += Σ_{i<rows, j<cols} g[i·cols + j] · src[i·rstep + taps[t]/4 + j] for the nt ≤ 3 taps
 * at taps (dw and taps advanced together): one δ load serves nt taps. nt must be a constant
 * at the call site (depthwise_backward_filter), so each `if (nt > k)` folds away. Two sums per
 * tap (a: columns 0–3 of each 8, b: 4–7) halve the multiply-add chains; 3 taps keep the 6 sums,
 * 2 δ and 6 inputs of a step within the 16 XMM registers (V8 issues the loads first).
 */
// @ts-ignore: decorator
@inline
function filterTaps(nt: i32, dw: usize, taps: usize, src: usize, rstep: i32, g: usize, rows: i32, cols: i32): void {
  let s0 = src + <usize>load<i32>(taps), s1 = s0, s2 = s0;
  if (nt > 1) s1 = src + <usize>load<i32>(taps, 4);
  if (nt > 2) s2 = src + <usize>load<i32>(taps, 8);
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, b0 = a0, b1 = a0, b2 = a0;
  const rb = <usize>rstep << 2, cb = <usize>cols << 2, end = g + <usize>rows * cb;
  for (let q = g; q < end; q += cb, s0 += rb, s1 += rb, s2 += rb) {
    let o: usize = 0;
    // a_k.0123 += δ.0123 · x_k.0123 and b_k.0123 += δ.4567 · x_k.4567, x_k = src at tap k
    for (; o + 32 <= cb; o += 32) {
      const d = v128.load(q + o), e = v128.load(q + o, 16);
      a0 = madd(d, v128.load(s0 + o), a0);
      b0 = madd(e, v128.load(s0 + o, 16), b0);
      if (nt > 1) a1 = madd(d, v128.load(s1 + o), a1);
      if (nt > 1) b1 = madd(e, v128.load(s1 + o, 16), b1);
      if (nt > 2) a2 = madd(d, v128.load(s2 + o), a2);
      if (nt > 2) b2 = madd(e, v128.load(s2 + o, 16), b2);
    }
    if (o == cb) continue;
    const d = v128.load(q + o); // rows of 4 mod 8 floats: their last 4
    a0 = madd(d, v128.load(s0 + o), a0);
    if (nt > 1) a1 = madd(d, v128.load(s1 + o), a1);
    if (nt > 2) a2 = madd(d, v128.load(s2 + o), a2);
  }
  store<f32>(dw, load<f32>(dw) + hsum(f32x4.add(a0, b0)));
  if (nt > 1) store<f32>(dw, load<f32>(dw, 4) + hsum(f32x4.add(a1, b1)), 4);
  if (nt > 2) store<f32>(dw, load<f32>(dw, 8) + hsum(f32x4.add(a2, b2)), 8);
}

// x is (N,C,H,W), dy is (N,C·M,OH,OW), dw is (C·M,1,KH,KW): ACCUMULATES dw += Σ_{n∈[n0,n1)} ∂L/∂w.
// Per plane, δ is copied to rows of round4(OW) (zeros after OW) and the taps are summed in
// balanced chunks of at most 3 (filterTaps), one pass over δ per chunk.
export function depthwise_backward_filter(dw: usize, x: usize, dy: usize, ws: usize, geom: usize, n0: i32, n1: i32): void {
  const C = geomAt(geom, 15), H = geomAt(geom, 2), W = geomAt(geom, 3), M = geomAt(geom, 4), OC = C * M;
  const KH = geomAt(geom, 5), KW = geomAt(geom, 6), OH = geomAt(geom, 7), OW = geomAt(geom, 8);
  const SH = geomAt(geom, 9), SW = geomAt(geom, 10), PH = geomAt(geom, 11), PW = geomAt(geom, 12);
  const T = KH * KW, HP = H + 2 * PH, pitch = (W + 2 * PW + SW - 1) / SW;
  const OW4 = (OW + 3) & ~3, chunks = (T + 2) / 3;
  const xp = ws + (<usize>((T + 15) & ~15) << 2);
  const gq = xp + (<usize>((SW * HP * pitch + 31) & ~15) << 2);
  buildTaps(ws, KH, KW, geomAt(geom, 13), geomAt(geom, 14), SW, pitch, HP * pitch, false);
  memory.fill(xp, 0, <usize>(SW * HP * pitch + 16) << 2);
  memory.fill(gq, 0, <usize>(OH * OW4) << 2);
  for (let n = n0; n < n1; n++) {
    for (let c = 0; c < C; c++) {
      padPhased(xp, x + (<usize>(n * C + c) * <usize>(H * W) << 2), H, W, PH, PW, SW, HP, pitch);
      for (let oc = c * M; oc < (c + 1) * M; oc++) {
        const g = dy + (<usize>(n * OC + oc) * <usize>(OH * OW) << 2);
        for (let i = 0; i < OH; i++) copyRow(gq + (<usize>(i * OW4) << 2), g + (<usize>(i * OW) << 2), OW);
        for (let k = 0, t = 0; k < chunks; k++) {
          const nt = (T + k) / chunks; // chunk sizes differ by at most one and sum to T
          const d = dw + (<usize>(oc * T + t) << 2), tp = ws + (<usize>t << 2), rs = SH * pitch;
          if (nt == 3) filterTaps(3, d, tp, xp, rs, gq, OH, OW4);
          else if (nt == 2) filterTaps(2, d, tp, xp, rs, gq, OH, OW4);
          else filterTaps(1, d, tp, xp, rs, gq, OH, OW4);
          t += nt;
        }
      }
    }
  }
}
