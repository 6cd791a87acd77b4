// SPDX-License-Identifier: MIT
// Single-precision GEMM, XNNPACK style: one 4×8 register-blocked micro-kernel (gemm_4x8:
// eight v128 accumulators; splat one A element, two v128 loads of packed B, madd) and the
// sgemm driver that packs B into NR=8-wide, K-major panels in a caller-provided scratch and
// walks 4-row tiles of A over them. A·Bᵀ with a long K (conv's dY·colᵀ, linear's x·wᵀ)
// instead runs gemm_dot_2x4, eight dot products over contiguous K with no packing: measured
// 2.4× faster on LeNet's conv1 filter gradient and 2.2× on its 400→120 linear, while Bᵀ stays
// in cache (a 64→64 3×3 layer's at 56×56, 7 MB, is packed: 1.2× faster). sgemm_packed
// takes B already in panels (conv forward packs its column matrix that way directly).
//
//   C (M×N, row stride ldc) = op(A) (M×K) · op(B) (K×N)      (or C += … with GEMM_ACC)
//   op(A) = A (M×K, row stride lda)   or Aᵀ with A stored K×M (GEMM_TRANS_A)
//   op(B) = B (K×N, row stride ldb)   or Bᵀ with B stored N×K (GEMM_TRANS_B)
//
// Must match: sgemm_scalar below (the plain triple loop, also used for tiny problems), and
// the float64 oracle tests/reference/gemm.ts. Relaxed builds fuse the multiply-add, so the
// two agree to rounding, not bit for bit.
//
// Blocking: K is split into KC-deep slices and N into NC-wide blocks, so one packed block
// (KC×NC floats, 256 KiB) stays in L2 while a 4×KC sliver of A stays in L1 across panels.
// The scratch must hold sgemm_workspace(n, k) floats.
import { addTo, madd, reluIf } from './simd';

/** flags bit: A is stored K×M (use Aᵀ). */
export const GEMM_TRANS_A: i32 = 1;
/** flags bit: B is stored N×K (use Bᵀ). */
export const GEMM_TRANS_B: i32 = 2;
/** flags bit: C += op(A)·op(B) instead of C = op(A)·op(B). */
export const GEMM_ACC: i32 = 4;
/** flags bit, sgemm_packed only: C = max(C, 0) after the bias and GEMM_ACC's add, NaN kept (as relu_forward). */
export const GEMM_RELU: i32 = 8;

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const NC: i32 = 256;
/** Below this many multiply-adds the scalar loop wins (no packing). */
const SMALL: i32 = 512;
/** From this K on, A·Bᵀ runs on gemm_dot_2x4 (contiguous K on both sides, no packing), up to DOT_B floats of B. */
const DOT_K: i32 = 64;
const DOT_B: i32 = 1 << 18;
/** sgemm_packed cuts K into even slices of at most KP (a KP×8 panel slice stays in L1). */
const KP: i32 = 1024;

/** Floats of scratch sgemm needs for an N-wide, K-deep product (one packed KC×NC block). */
export function sgemm_workspace(n: i32, k: i32): i32 {
  const nc = min(NC, ((n + NR - 1) / NR) * NR);
  return min(KC, k) * nc;
}

/**
 * The scalar reference: the documented "must match" of sgemm, and its path for tiny shapes.
 * Same arguments and flags as sgemm, minus the scratch.
 */
export function sgemm_scalar(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, ldc: i32, lda: i32, ldb: i32, flags: i32): void {
  const ta = (flags & GEMM_TRANS_A) != 0;
  const tb = (flags & GEMM_TRANS_B) != 0;
  const acc = (flags & GEMM_ACC) != 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s: f32 = 0;
      for (let p = 0; p < k; p++) {
        const av = load<f32>(a + (<usize>(ta ? p * lda + i : i * lda + p) << 2));
        const bv = load<f32>(b + (<usize>(tb ? j * ldb + p : p * ldb + j) << 2));
        s += av * bv;
      }
      const cp = c + (<usize>(i * ldc + j) << 2);
      store<f32>(cp, acc ? load<f32>(cp) + s : s);
    }
  }
}

/** Stores (or adds into) the first nc ≤ 8 columns of one row of a tile, then max(·, 0) when relu. */
// @ts-ignore: decorator
@inline
function storeRow(c: usize, v0: v128, v1: v128, nc: i32, acc: bool, relu: bool): void {
  if (nc == NR) {
    if (acc) {
      v0 = f32x4.add(v0, v128.load(c));
      v1 = f32x4.add(v1, v128.load(c, 16));
    }
    v128.store(c, reluIf(v0, relu));
    v128.store(c, reluIf(v1, relu), 16);
    return;
  }
  let v = v0;
  if (nc & 4) {
    if (acc) v = f32x4.add(v, v128.load(c));
    v128.store(c, reluIf(v, relu));
    c += 16;
    v = v1;
  }
  if (nc & 2) {
    if (acc) v = f32x4.add(v, v128.load64_zero(c));
    v128.store64_lane(c, reluIf(v, relu), 0);
    c += 8;
    v = v128.shuffle<f32>(v, v, 2, 3, 2, 3);
  }
  if (nc & 1) {
    if (acc) v = f32x4.add(v, v128.load32_zero(c));
    v128.store32_lane(c, reluIf(v, relu), 0);
  }
}

/**
 * The micro-kernel: an mr×8 tile of C (mr ≤ 4) from an mr×kc sliver of A and one packed
 * panel of B. Row i of A starts at a + i·rsa bytes and steps csa bytes per k (so Aᵀ needs no
 * packing). pb is kc×8 floats; nc ≤ 8 columns are kept. The accumulators start at 0, or at
 * bias[i] when bias ≠ 0 (conv's per-output-channel bias), add into C when acc is set, and
 * the stored values are max(·, 0) when relu is set.
 * mr must be a constant at the call site (see tile_mx8): each row is `if (mr > i)`, so the
 * inlined copies for mr = 1, 2, 3 carry no dead rows.
 */
// @ts-ignore: decorator
@inline
function gemm_4x8(mr: i32, nc: i32, kc: i32, a: usize, rsa: usize, csa: usize, pb: usize, c: usize, ldcb: usize, acc: bool, bias: usize, relu: bool): void {
  const a0 = a, a1 = a0 + rsa, a2 = a1 + rsa, a3 = a2 + rsa;
  let c00 = f32x4.splat(0), c10 = c00, c20 = c00, c30 = c00;
  if (bias != 0) {
    c00 = v128.load32_splat(bias);
    if (mr > 1) c10 = v128.load32_splat(bias, 4);
    if (mr > 2) c20 = v128.load32_splat(bias, 8);
    if (mr > 3) c30 = v128.load32_splat(bias, 12);
  }
  let c01 = c00, c11 = c10, c21 = c20, c31 = c30;
  let off: usize = 0;
  let p = pb;
  const end = pb + (<usize>kc << 5);
  while (p < end) {
    const b0 = v128.load(p);
    const b1 = v128.load(p, 16);
    let va = v128.load32_splat(a0 + off);
    c00 = madd(va, b0, c00);
    c01 = madd(va, b1, c01);
    if (mr > 1) {
      va = v128.load32_splat(a1 + off);
      c10 = madd(va, b0, c10);
      c11 = madd(va, b1, c11);
    }
    if (mr > 2) {
      va = v128.load32_splat(a2 + off);
      c20 = madd(va, b0, c20);
      c21 = madd(va, b1, c21);
    }
    if (mr > 3) {
      va = v128.load32_splat(a3 + off);
      c30 = madd(va, b0, c30);
      c31 = madd(va, b1, c31);
    }
    off += csa;
    p += 32;
  }
  storeRow(c, c00, c01, nc, acc, relu);
  if (mr > 1) storeRow(c + ldcb, c10, c11, nc, acc, relu);
  if (mr > 2) storeRow(c + 2 * ldcb, c20, c21, nc, acc, relu);
  if (mr > 3) storeRow(c + 3 * ldcb, c30, c31, nc, acc, relu);
}

/** gemm_4x8 for a runtime mr ∈ 1..4: each branch inlines it with a constant mr (M tails waste no rows). */
// @ts-ignore: decorator
@inline
function tile_mx8(mr: i32, nc: i32, kc: i32, a: usize, rsa: usize, csa: usize, pb: usize, c: usize, ldcb: usize, acc: bool, bias: usize, relu: bool): void {
  if (mr >= 4) gemm_4x8(4, nc, kc, a, rsa, csa, pb, c, ldcb, acc, bias, relu);
  else if (mr == 3) gemm_4x8(3, nc, kc, a, rsa, csa, pb, c, ldcb, acc, bias, relu);
  else if (mr == 2) gemm_4x8(2, nc, kc, a, rsa, csa, pb, c, ldcb, acc, bias, relu);
  else gemm_4x8(1, nc, kc, a, rsa, csa, pb, c, ldcb, acc, bias, relu);
}

/**
 * Packs op(B)[k0:k0+kc, n0:n0+nc] into ceil(nc/8) panels of kc×8 floats (K-major, the last
 * panel zero-padded), the layout gemm_4x8 reads.
 */
function pack_b(dst: usize, b: usize, k0: i32, kc: i32, n0: i32, nc: i32, ldb: i32, tb: bool): void {
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const nr = min(NR, nc - j0);
    const panel = dst + (<usize>(j0 * kc) << 2);
    if (!tb) {
      // B row kk, columns n0+j0 … : contiguous.
      let src = b + (<usize>(k0 * ldb + n0 + j0) << 2);
      const step = <usize>ldb << 2;
      if (nr == NR) {
        for (let kk = 0; kk < kc; kk++) {
          const d = panel + (<usize>kk << 5);
          v128.store(d, v128.load(src));
          v128.store(d, v128.load(src, 16), 16);
          src += step;
        }
      } else {
        for (let kk = 0; kk < kc; kk++) {
          const d = panel + (<usize>kk << 5);
          v128.store(d, f32x4.splat(0));
          v128.store(d, f32x4.splat(0), 16);
          for (let j = 0; j < nr; j++) store<f32>(d + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
          src += step;
        }
      }
    } else {
      // Bᵀ stored N×K: panel column j is stored row n0+j0+j; transpose 4×4 blocks.
      const row = b + (<usize>((n0 + j0) * ldb + k0) << 2);
      const rs = <usize>ldb << 2;
      let kk = 0;
      if (nr == NR) {
        for (; kk + 4 <= kc; kk += 4) {
          const s = row + (<usize>kk << 2);
          const d = panel + (<usize>kk << 5);
          transpose4(d, s, rs);
          transpose4(d + 16, s + 4 * rs, rs);
        }
      }
      for (; kk < kc; kk++) {
        const d = panel + (<usize>kk << 5);
        const s = row + (<usize>kk << 2);
        for (let j = 0; j < NR; j++) {
          store<f32>(d + (<usize>j << 2), j < nr ? load<f32>(s + <usize>j * rs) : 0);
        }
      }
    }
  }
}

/** Reads 4 rows × 4 floats at s (row stride rs bytes) and writes them transposed into 4 panel rows of 8 floats. */
// @ts-ignore: decorator
@inline
function transpose4(d: usize, s: usize, rs: usize): void {
  const r0 = v128.load(s);
  const r1 = v128.load(s + rs);
  const r2 = v128.load(s + 2 * rs);
  const r3 = v128.load(s + 3 * rs);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 32);
  v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 64);
  v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 96);
}

/** [Σ lanes of r0, Σ r1, Σ r2, Σ r3]: four horizontal sums at once. */
// @ts-ignore: decorator
@inline
function hsum4(r0: v128, r1: v128, r2: v128, r3: v128): v128 {
  const t0 = f32x4.add(v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), v128.shuffle<f32>(r0, r1, 2, 6, 3, 7));
  const t1 = f32x4.add(v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), v128.shuffle<f32>(r2, r3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
}

/**
 * The A·Bᵀ kernel for long K: a 2×4 tile of dot products C[i, j] = Σ_p A[i, p]·B[j, p] with
 * both operands read along contiguous K, so nothing is packed or transposed (conv's filter
 * gradient dY·colᵀ and linear's x·wᵀ). Rows ≥ mr / columns ≥ nr re-read the last valid one
 * and are not stored.
 */
// @ts-ignore: decorator
@inline
function gemm_dot_2x4(mr: i32, nr: i32, k: i32, a: usize, ldab: usize, b: usize, ldbb: usize, c: usize, ldcb: usize, acc: bool): void {
  const a0 = a;
  const a1 = mr > 1 ? a0 + ldab : a0;
  const b0 = b;
  const b1 = nr > 1 ? b0 + ldbb : b0;
  const b2 = nr > 2 ? b1 + ldbb : b1;
  const b3 = nr > 3 ? b2 + ldbb : b2;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  const end = <usize>(k & ~3) << 2;
  let off: usize = 0;
  for (; off < end; off += 16) {
    const va0 = v128.load(a0 + off);
    const va1 = v128.load(a1 + off);
    let vb = v128.load(b0 + off);
    c00 = madd(va0, vb, c00);
    c10 = madd(va1, vb, c10);
    vb = v128.load(b1 + off);
    c01 = madd(va0, vb, c01);
    c11 = madd(va1, vb, c11);
    vb = v128.load(b2 + off);
    c02 = madd(va0, vb, c02);
    c12 = madd(va1, vb, c12);
    vb = v128.load(b3 + off);
    c03 = madd(va0, vb, c03);
    c13 = madd(va1, vb, c13);
  }
  let r0 = hsum4(c00, c01, c02, c03);
  let r1 = hsum4(c10, c11, c12, c13);
  const kend = <usize>k << 2;
  for (; off < kend; off += 4) {
    const vb = f32x4(load<f32>(b0 + off), load<f32>(b1 + off), load<f32>(b2 + off), load<f32>(b3 + off));
    r0 = madd(v128.load32_splat(a0 + off), vb, r0);
    r1 = madd(v128.load32_splat(a1 + off), vb, r1);
  }
  storeRow(c, r0, r0, nr, acc, false);
  if (mr > 1) storeRow(c + ldcb, r1, r1, nr, acc, false);
}

/**
 * C = op(A)·op(B) (flags: 1 = Aᵀ, 2 = Bᵀ, 4 = accumulate C +=). ws: sgemm_workspace(n, k)
 * floats of scratch, not overlapping A, B or C.
 */
export function sgemm(c: usize, a: usize, b: usize, ws: usize, m: i32, n: i32, k: i32, ldc: i32, lda: i32, ldb: i32, flags: i32): void {
  if (m <= 0 || n <= 0) return;
  const acc = (flags & GEMM_ACC) != 0;
  if (k <= 0) {
    if (!acc) for (let i = 0; i < m; i++) memory.fill(c + (<usize>(i * ldc) << 2), 0, <usize>n << 2);
    return;
  }
  if (m * n * k <= SMALL) {
    sgemm_scalar(c, a, b, m, n, k, ldc, lda, ldb, flags);
    return;
  }
  const ta = (flags & GEMM_TRANS_A) != 0;
  const tb = (flags & GEMM_TRANS_B) != 0;
  const ldcb = <usize>ldc << 2;
  if (tb && !ta && k >= DOT_K && n <= DOT_B / k) {
    const ldab = <usize>lda << 2;
    const ldbb = <usize>ldb << 2;
    for (let i0 = 0; i0 < m; i0 += 2) {
      for (let j0 = 0; j0 < n; j0 += 4) {
        gemm_dot_2x4(min(2, m - i0), min(4, n - j0), k, a + <usize>i0 * ldab, ldab, b + <usize>j0 * ldbb, ldbb, c + <usize>i0 * ldcb + (<usize>j0 << 2), ldcb, acc);
      }
    }
    return;
  }
  const rsa: usize = ta ? 4 : <usize>lda << 2;
  const csa: usize = ta ? <usize>lda << 2 : 4;
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = min(KC, k - k0);
    const accBlock = acc || k0 > 0;
    for (let n0 = 0; n0 < n; n0 += NC) {
      const nc = min(NC, n - n0);
      pack_b(ws, b, k0, kc, n0, nc, ldb, tb);
      for (let i0 = 0; i0 < m; i0 += MR) {
        const mr = min(MR, m - i0);
        const ap = a + <usize>i0 * rsa + <usize>k0 * csa;
        const cp = c + <usize>i0 * ldcb + (<usize>n0 << 2);
        for (let j0 = 0; j0 < nc; j0 += NR) {
          tile_mx8(mr, min(NR, nc - j0), kc, ap, rsa, csa, ws + (<usize>(j0 * kc) << 2), cp + (<usize>j0 << 2), ldcb, accBlock, 0, false);
        }
      }
    }
  }
}

/**
 * C = bias + A·B (or C += with GEMM_ACC; then max(C, 0) with GEMM_RELU) with B already packed: ceil(n/8) panels of k×8
 * floats, panel j holding B[:, 8j … 8j+7] K-major (pack_b's layout for one whole-K block;
 * im2col_packed writes a convolution's column matrix this way directly). A is m×k, row
 * stride lda; bias is 0 or m floats, one per row of C. Each panel stays in L1 while every
 * row tile of A passes over it. K is cut into even slices of at most KP, so a 3×3 conv of up
 * to 113 channels writes C once (a 64-channel one, K = 576, was cut 256 + 256 + 64: 1.15× slower).
 */
export function sgemm_packed(c: usize, a: usize, pb: usize, bias: usize, m: i32, n: i32, k: i32, ldc: i32, lda: i32, flags: i32): void {
  const acc = (flags & GEMM_ACC) != 0, relu = (flags & GEMM_RELU) != 0, rsa = <usize>lda << 2, ldcb = <usize>ldc << 2;
  const slices = max(1, (k + KP - 1) / KP), step = (k + slices - 1) / slices;
  for (let k0 = 0; k0 < k; k0 += step) {
    const kc = min(step, k - k0);
    for (let j0 = 0; j0 < n; j0 += NR) {
      const panel = pb + (<usize>(j0 * k + k0 * NR) << 2);
      const nc = min(NR, n - j0);
      for (let i0 = 0; i0 < m; i0 += MR) {
        const b0 = bias != 0 && k0 == 0 ? bias + (<usize>i0 << 2) : 0;
        const cp = c + <usize>i0 * ldcb + (<usize>j0 << 2);
        tile_mx8(min(MR, m - i0), nc, kc, a + <usize>i0 * rsa + (<usize>k0 << 2), rsa, 4, panel, cp, ldcb, acc || k0 > 0, b0, relu && k0 + kc == k);
      }
    }
  }
}

// x is (B,IN), w is (OUT,IN), b is (OUT) or 0, y is (B,OUT): y = x·wᵀ + b (each row of y set to
// b, then accumulated). As torch.nn.functional.linear. ws: sgemm_workspace(out, in) floats. Its
// backward is two sgemm calls and column_sums, which src/ops/gemm.ts splits over threads.
export function linear_forward(y: usize, x: usize, w: usize, b: usize, ws: usize, batch: i32, nin: i32, nout: i32): void {
  const row = <usize>nout << 2;
  if (b != 0) for (let i = 0; i < batch; i++) memory.copy(y + <usize>i * row, b, row);
  sgemm(y, x, w, ws, batch, nout, nin, nout, nin, nin, GEMM_TRANS_B | (b != 0 ? GEMM_ACC : 0));
}

/** db[j] += Σ_i dy[i, j] for a rows×n matrix (the bias gradient of linear). */
export function column_sums(db: usize, dy: usize, rows: i32, n: i32): void {
  for (let i = 0; i < rows; i++) addTo(db, dy + (<usize>(i * n) << 2), n);
}
