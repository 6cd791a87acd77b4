// SPDX-License-Identifier: MIT
// GEMM family: sgemm (via matmul / matmulInto) and the scalar reference kernel vs the float64
// oracle (tests/reference/gemm.ts) on the edge shapes of a 4×8 tile with KC=256 K-blocks and
// NC=256 N-blocks, and of the 2×4 dot-product tile A·Bᵀ uses for k ≥ 64; linear
// forward/backward vs the oracle, whose backward is checked by finite differences;
// accumulate semantics; typed errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { heapF32, index32 } from '../../src/core/memory.js';
import { kernels } from '../../src/core/wasm.js';
import { expectClose } from '../helpers/close.js';
import { dot, numericGrad } from '../helpers/gradcheck.js';
import { randomF32 } from '../helpers/random.js';
import { linearBackwardRef, linearRef, matmulRef } from '../reference/gemm.js';

beforeAll(() => cnn.ready());

interface MatCase {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
}

const label = (c: MatCase) => `m=${c.m} n=${c.n} k=${c.k} transA=${c.transA} transB=${c.transB}`;
const cases: MatCase[] = [];
const flagsList = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;
// n ∈ 1..9, 17 (partial NR=8 panels: nc & 4, & 2, & 1), m < 4 and m not a multiple of 4,
// k < KC (3, 37) and k > KC (300: one full K-block + a tail), each transpose.
for (const [transA, transB] of flagsList) {
  for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 17]) cases.push({ m: 5, n, k: 37, transA, transB });
  for (const m of [1, 2, 3, 4, 7]) cases.push({ m, n: 13, k: 300, transA, transB });
  cases.push({ m: 6, n: 9, k: 3, transA, transB });
  cases.push({ m: 9, n: 300, k: 19, transA, transB }); // n > NC: two N-blocks
  cases.push({ m: 2, n: 3, k: 4, transA, transB }); // tiny: the scalar path
}
// A·Bᵀ with k ≥ 64 runs on the dot-product kernel (2×4 tiles, k % 4 tail): n and m tails there.
for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9]) cases.push({ m: 3, n, k: 70, transA: false, transB: true });
// ... unless Bᵀ holds more than 2^18 floats: then it is packed (N-blocks, K-slices and tails).
cases.push({ m: 7, n: 263, k: 1001, transA: false, transB: true }, { m: 2, n: 9, k: 29131, transA: false, transB: true });

function operands(c: MatCase, seed: number) {
  const av = randomF32(c.m * c.k, seed);
  const bv = randomF32(c.k * c.n, seed + 1);
  const a = cnn.tensor(av, c.transA ? [c.k, c.m] : [c.m, c.k]);
  const b = cnn.tensor(bv, c.transB ? [c.n, c.k] : [c.k, c.n]);
  const ref = matmulRef(av, bv, c.m, c.n, c.k, c);
  return { a, b, ref };
}

describe('matmul', () => {
  it.each(cases.map((c) => ({ ...c, name: label(c) })))('C = op(A)·op(B) $name', (c) =>
    cnn.scope(() => {
      const { a, b, ref } = operands(c, 100 + c.m * 31 + c.n * 7 + c.k);
      const out = cnn.ops.matmul(a, b, { transA: c.transA, transB: c.transB });
      expect(out.shape).toEqual([c.m, c.n]);
      expectClose(out.data, ref, { rtol: 1e-4, atol: 1e-5, shape: [c.m, c.n], label: `matmul ${c.name}` });
    }),
  );

  it.each(cases.filter((_, i) => i % 3 === 0).map((c) => ({ ...c, name: label(c) })))('accumulate: C += op(A)·op(B) $name', (c) =>
    cnn.scope(() => {
      const { a, b, ref } = operands(c, 7 + c.n);
      const c0 = randomF32(c.m * c.n, 99);
      const out = cnn.tensor(c0, [c.m, c.n]);
      const ws = cnn.zeros([cnn.ops.matmulWorkspaceSize(c.n, c.k)]);
      cnn.ops.matmulInto(out, a, b, { transA: c.transA, transB: c.transB, accumulate: true }, ws);
      expectClose(out.data, ref.map((v, i) => v + c0[i]), { shape: [c.m, c.n], label: `matmul += ${c.name}` });
    }),
  );

  it.each([
    { m: 3, n: 5, k: 7 },
    { m: 9, n: 17, k: 300 },
  ])('scalar reference kernel sgemm_scalar m=$m n=$n k=$k, all flags', ({ m, n, k }) =>
    cnn.scope(() => {
      for (let flags = 0; flags < 8; flags++) {
        const c: MatCase = { m, n, k, transA: (flags & 1) !== 0, transB: (flags & 2) !== 0 };
        const { a, b, ref } = operands(c, flags + 1);
        const c0 = randomF32(m * n, 5);
        const out = cnn.tensor(c0, [m, n]);
        kernels().sgemm_scalar(out.ptr, a.ptr, b.ptr, m, n, k, n, a.shape[1], b.shape[1], flags);
        const want = flags & 4 ? ref.map((v, i) => v + c0[i]) : ref;
        expectClose(out.data, want, { label: `sgemm_scalar ${label(c)} flags=${flags}` });
      }
    }),
  );

  it('k = 0 gives zeros (or leaves C unchanged when accumulating)', () =>
    cnn.scope(() => {
      const a = cnn.zeros([3, 0]);
      const b = cnn.zeros([0, 5]);
      const c = cnn.tensor(randomF32(15, 3), [3, 5]);
      const before = c.toArray();
      cnn.ops.matmulInto(c, a, b, { accumulate: true });
      expect(Array.from(c.data)).toEqual(Array.from(before));
      cnn.ops.matmulInto(c, a, b);
      expect(Array.from(c.data)).toEqual(new Array(15).fill(0));
    }));

  it('does not write past C: strided neighbours stay untouched (m=5 n=9 k=40)', () =>
    cnn.scope(() => {
      const a = cnn.tensor(randomF32(200, 1), [5, 40]);
      const b = cnn.tensor(randomF32(360, 2), [40, 9]);
      const guard = cnn.tensor(new Float32Array(45 + 32).fill(7), [77]);
      const c = guard.view(16, [5, 9]);
      cnn.ops.matmulInto(c, a, b);
      const h = heapF32();
      for (let i = 0; i < 16; i++) expect(h[index32(guard.ptr) + i]).toBe(7);
      for (let i = 16 + 45; i < 77; i++) expect(h[index32(guard.ptr) + i]).toBe(7);
    }));

  it('errors name expected and actual shapes', () =>
    cnn.scope(() => {
      const a = cnn.zeros([3, 4]);
      const b = cnn.zeros([5, 2]);
      expect(() => cnn.ops.matmul(a, b)).toThrow(cnn.ShapeError);
      expect(() => cnn.ops.matmul(a, b)).toThrow(/expected b=\[4, \*\] for a=\[3, 4\], got b=\[5, 2\]/);
      expect(() => cnn.ops.matmul(cnn.zeros([3]), b)).toThrow(/expected a rank-2 tensor, got shape \[3\]/);
      expect(() => cnn.ops.matmul(a, cnn.tensor(new Int32Array(8), [4, 2]) as unknown as cnn.Tensor)).toThrow(cnn.DTypeError);
      const c = cnn.zeros([3, 2]);
      expect(() => cnn.ops.matmulInto(c, a, cnn.zeros([4, 3]))).toThrow(/matmul c: expected shape \[3, 3\], got \[3, 2\]/);
      const need = cnn.ops.matmulWorkspaceSize(512, 300);
      expect(() => cnn.ops.matmulInto(cnn.zeros([3, 512]), cnn.zeros([3, 300]), cnn.zeros([300, 512]), {}, cnn.zeros([need - 1]))).toThrow(
        new RegExp(`expected at least ${need} floats, got ${need - 1}`),
      );
    }));
});

/**
 * B (k×n, row-major) in the layout sgemm_packed documents: ceil(n/8) panels of k×8 floats,
 * panel j row p = B[p, 8j … 8j+7]; lanes past n are filled with NaN (must never reach C).
 */
function packPanels(b: Float32Array, k: number, n: number): Float32Array {
  const panels = Math.ceil(n / 8);
  const out = new Float32Array(panels * k * 8).fill(NaN);
  for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) out[(j >> 3) * k * 8 + p * 8 + (j & 7)] = b[p * n + j];
  return out;
}

// sgemm_packed: M tails (m = 1, 2, 3 and m mod 4 = 1, 2, 3), N not a multiple of 8, k in one
// slice (25, 150, 300) and in even slices of at most 1024 (1500: 2 × 750, 2101: 3 × 701 but
// the last 699), with and without a bias, overwrite and accumulate.
const packedCases = [1, 2, 3, 5, 6, 7]
  .flatMap((m) => [{ m, n: 13, k: 25 }, { m, n: 8, k: 300 }])
  .concat([1, 2, 3, 7, 9, 100].map((n) => ({ m: 16, n, k: 150 })))
  .concat([{ m: 5, n: 13, k: 1500 }, { m: 7, n: 9, k: 2101 }]);

describe('sgemm_packed (B already in 8-wide K-major panels)', () => {
  it.each(packedCases.map((c) => ({ ...c, name: `m=${c.m} n=${c.n} k=${c.k}` })))('C = bias + A·B and C += A·B $name', ({ m, n, k, name }) =>
    cnn.scope(() => {
      const av = randomF32(m * k, m + 3 * n);
      const bv = randomF32(k * n, k + n);
      const biasv = randomF32(m, 17 + m);
      const a = cnn.tensor(av, [m, k]);
      const pb = cnn.tensor(packPanels(bv, k, n), [Math.ceil(n / 8) * k * 8]);
      const bias = cnn.tensor(biasv, [m]);
      const ref = matmulRef(av, bv, m, n, k);
      // C is a strided window (ldc = n + 3) inside a guard of 7s: nothing outside it changes.
      const ldc = n + 3;
      const guard = cnn.tensor(new Float32Array(m * ldc + 8).fill(7), [m * ldc + 8]);
      const h = () => heapF32().subarray(index32(guard.ptr), index32(guard.ptr) + m * ldc + 8);
      const window = () => Float64Array.from({ length: m * n }, (_, i) => h()[Math.floor(i / n) * ldc + (i % n)]);
      kernels().sgemm_packed(guard.ptr, a.ptr, pb.ptr, bias.ptr, m, n, k, ldc, k, 0);
      expectClose(window(), ref.map((v, i) => v + biasv[Math.floor(i / n)]), { shape: [m, n], label: `sgemm_packed bias ${name}` });
      const before = window();
      kernels().sgemm_packed(guard.ptr, a.ptr, pb.ptr, 0, m, n, k, ldc, k, 4);
      expectClose(window(), ref.map((v, i) => v + before[i]), { shape: [m, n], label: `sgemm_packed += ${name}` });
      for (let i = 0; i < m * ldc + 8; i++) if (i >= m * ldc || i % ldc >= n) expect(h()[i]).toBe(7);
    }),
  );
});

interface LinCase {
  batch: number;
  nin: number;
  nout: number;
}
const linCases: LinCase[] = [
  { batch: 1, nin: 3, nout: 5 },
  { batch: 3, nin: 17, nout: 9 },
  { batch: 5, nin: 33, nout: 4 },
  { batch: 13, nin: 400, nout: 120 }, // LeNet's fc1 (smaller batch)
  { batch: 64, nin: 84, nout: 10 }, // LeNet's fc3
];

describe('linear', () => {
  it.each(linCases.map((c) => ({ ...c, name: `x=[${c.batch},${c.nin}] w=[${c.nout},${c.nin}]` })))(
    'forward and backward vs reference $name',
    (c) =>
      cnn.scope(() => {
        const xv = randomF32(c.batch * c.nin, 1);
        const wv = randomF32(c.nout * c.nin, 2);
        const bv = randomF32(c.nout, 3);
        const dyv = randomF32(c.batch * c.nout, 4);
        const x = cnn.tensor(xv, [c.batch, c.nin]);
        const w = cnn.tensor(wv, [c.nout, c.nin]);
        const b = cnn.tensor(bv, [c.nout]);
        const dy = cnn.tensor(dyv, [c.batch, c.nout]);
        expectClose(cnn.ops.linear(x, w, b).data, linearRef(xv, wv, bv, c.batch, c.nin, c.nout), { label: `linear ${c.name}` });
        expectClose(cnn.ops.linear(x, w, null).data, linearRef(xv, wv, null, c.batch, c.nin, c.nout), { label: `linear nobias ${c.name}` });
        const ref = linearBackwardRef(dyv, xv, wv, c.batch, c.nin, c.nout);
        const got = cnn.ops.linearBackward(dy, x, w);
        expectClose(got.dx.data, ref.dx, { label: `linear dx ${c.name}` });
        expectClose(got.dw.data, ref.dw, { label: `linear dw ${c.name}` });
        expectClose(got.db.data, ref.db, { label: `linear db ${c.name}` });
      }),
  );

  it('reference backward matches finite differences of the reference forward (x=[3,7] w=[5,7])', () => {
    const [batch, nin, nout] = [3, 7, 5];
    const x = Float64Array.from(randomF32(batch * nin, 11));
    const w = Float64Array.from(randomF32(nout * nin, 12));
    const b = Float64Array.from(randomF32(nout, 13));
    const dy = randomF32(batch * nout, 14);
    const ref = linearBackwardRef(dy, x, w, batch, nin, nout);
    expectClose(numericGrad((v) => dot(linearRef(v, w, b, batch, nin, nout), dy), x), ref.dx, { atol: 1e-7, rtol: 1e-6, label: 'fd dx' });
    expectClose(numericGrad((v) => dot(linearRef(x, v, b, batch, nin, nout), dy), w), ref.dw, { atol: 1e-7, rtol: 1e-6, label: 'fd dw' });
    expectClose(numericGrad((v) => dot(linearRef(x, w, v, batch, nin, nout), dy), b), ref.db, { atol: 1e-7, rtol: 1e-6, label: 'fd db' });
  });

  it('linearBackwardInto accumulates (+=) and skips null dx / db (x=[6,11] w=[9,11])', () =>
    cnn.scope(() => {
      const [batch, nin, nout] = [6, 11, 9];
      const xv = randomF32(batch * nin, 21);
      const wv = randomF32(nout * nin, 22);
      const dyv = randomF32(batch * nout, 23);
      const x = cnn.tensor(xv, [batch, nin]);
      const w = cnn.tensor(wv, [nout, nin]);
      const dy = cnn.tensor(dyv, [batch, nout]);
      const dx0 = randomF32(batch * nin, 24);
      const dw0 = randomF32(nout * nin, 25);
      const db0 = randomF32(nout, 26);
      const grads = { dx: cnn.tensor(dx0, x.shape), dw: cnn.tensor(dw0, w.shape), db: cnn.tensor(db0, [nout]) };
      const ws = cnn.zeros([cnn.ops.linearWorkspaceSize(batch, nin, nout)]);
      cnn.ops.linearBackwardInto(grads, dy, x, w, ws);
      const ref = linearBackwardRef(dyv, xv, wv, batch, nin, nout);
      expectClose(grads.dx.data, ref.dx.map((v, i) => v + dx0[i]), { label: 'dx += ' });
      expectClose(grads.dw.data, ref.dw.map((v, i) => v + dw0[i]), { label: 'dw += ' });
      expectClose(grads.db.data, ref.db.map((v, i) => v + db0[i]), { label: 'db += ' });
      const dw1 = grads.dw.toArray();
      cnn.ops.linearBackwardInto({ dx: null, dw: grads.dw, db: null }, dy, x, w, ws);
      expectClose(grads.dw.data, ref.dw.map((v, i) => v + dw1[i]), { label: 'dw += again' });
    }));

  it('errors: feature mismatch names both shapes; wrong output shape; bias shape', () =>
    cnn.scope(() => {
      const x = cnn.zeros([2, 400]);
      const w = cnn.zeros([120, 84]);
      expect(() => cnn.ops.linear(x, w, null)).toThrow(cnn.ShapeError);
      expect(() => cnn.ops.linear(x, w, null)).toThrow(/expected w=\[120, 400\] for x=\[2, 400\], got w=\[120, 84\]/);
      const w2 = cnn.zeros([10, 400]);
      expect(() => cnn.ops.linear(x, w2, cnn.zeros([9]))).toThrow(/linear b: expected shape \[10\], got \[9\]/);
      expect(() => cnn.ops.linearInto(cnn.zeros([2, 9]), x, w2, null)).toThrow(/linear y: expected shape \[2, 10\], got \[2, 9\]/);
      expect(() => cnn.ops.linearBackward(cnn.zeros([3, 10]), x, w2)).toThrow(/linearBackward dy: expected shape \[2, 10\], got \[3, 10\]/);
    }));
});
