// SPDX-License-Identifier: MIT
// Batch norm: wasm vs the float64 reference (tests/reference/norm.ts) in training and
// evaluation, with and without weight/bias and running statistics, on channel counts and
// plane sizes that break the 4-lane loops; the reference backward vs finite differences;
// the wasm backward (accumulating Into form, saved or recomputed statistics) vs the
// reference; channel slices; several training steps; errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { kernels } from '../../src/core/wasm.js';
import { expectClose } from '../helpers/close.js';
import { dot, numericGrad } from '../helpers/gradcheck.js';
import { randomF32 } from '../helpers/random.js';
import { batchNormBackwardRef, batchNormRef, type BatchNormRefOptions } from '../reference/norm.js';

beforeAll(() => cnn.ready());

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const T = (v: ArrayLike<number>, shape: readonly number[]) => cnn.tensor(Float32Array.from(v), shape);

interface Case {
  label: string;
  shape: number[];
  affine: boolean;
  running: boolean;
}
// C ∈ {1, 3, 4, 5, 17}; planes 1×1, 3×5 (odd), 4×4, 7×7; batch 1 and 3; rank 2 and 3 (BatchNorm1d).
const shapes = [[3, 1, 3, 5], [1, 3, 7, 7], [3, 4, 4, 4], [3, 5, 3, 5], [1, 17, 3, 5], [2, 5, 1, 1], [3, 17], [7, 1], [2, 3, 7], [1, 4, 13, 11]];
const cases: Case[] = shapes.flatMap((shape) =>
  [true, false].flatMap((affine) => [true, false].map((running) => ({ label: `x=[${shape}] affine=${affine} running=${running}`, shape, affine, running }))),
);

/** Random inputs for a case: x off-centre (mean 0.5), weight, bias, running statistics (var > 0). */
function inputs(shape: number[], seed: number) {
  const c = shape[1];
  return {
    x: randomF32(size(shape), seed, -1.5, 2.5),
    w: randomF32(c, seed + 1, 0.5, 1.5),
    b: randomF32(c, seed + 2),
    rm: randomF32(c, seed + 3),
    rv: randomF32(c, seed + 4, 0.5, 2),
    dy: randomF32(size(shape), seed + 5),
  };
}

describe('batchNorm2d vs float64 reference', () => {
  it.each(cases)('training: y, saved mean/invstd, running stats, backward (saved and recomputed) $label', (c) =>
    cnn.scope(() => {
      const v = inputs(c.shape, 7);
      const C = c.shape[1];
      const opts = { training: true, momentum: 0.1, eps: 1e-5 };
      const ro: BatchNormRefOptions = { ...opts, weight: c.affine ? v.w : null, bias: c.affine ? v.b : null, runningMean: c.running ? v.rm : null, runningVar: c.running ? v.rv : null };
      const ref = batchNormRef(v.x, c.shape, ro);
      const x = T(v.x, c.shape);
      const w = c.affine ? T(v.w, [C]) : null;
      const b = c.affine ? T(v.b, [C]) : null;
      const rm = c.running ? T(v.rm, [C]) : null;
      const rv = c.running ? T(v.rv, [C]) : null;
      const saved = { mean: cnn.empty([C]), invstd: cnn.empty([C]) };
      const y = cnn.empty(c.shape);
      cnn.ops.batchNorm2dInto(y, x, rm, rv, w, b, opts, saved);
      expectClose(y.data, ref.y, { shape: c.shape, label: `y ${c.label}` });
      expectClose(saved.mean.data, ref.mean, { label: `saved mean ${c.label}` });
      expectClose(saved.invstd.data, ref.invstd, { label: `saved invstd ${c.label}` });
      if (rm && rv) {
        expectClose(rm.data, ref.runningMean!, { label: `running mean ${c.label}` });
        expectClose(rv.data, ref.runningVar!, { label: `running var ${c.label}` });
      }
      // The allocating form (running stats untouched when null).
      const rm2 = c.running ? T(v.rm, [C]) : null;
      const rv2 = c.running ? T(v.rv, [C]) : null;
      expectClose(cnn.ops.batchNorm2d(x, rm2, rv2, w, b, opts).data, ref.y, { shape: c.shape, label: `batchNorm2d ${c.label}` });

      const dy = T(v.dy, c.shape);
      const g = batchNormBackwardRef(v.dy, v.x, c.shape, ro);
      const out = cnn.ops.batchNorm2dBackward(dy, x, rm, rv, w, opts);
      expectClose(out.dx.data, g.dx, { shape: c.shape, label: `dx ${c.label}` });
      expectClose(out.dbias.data, g.dbias, { label: `dbias ${c.label}` });
      if (c.affine) expectClose(out.dweight!.data, g.dweight, { label: `dweight ${c.label}` });
      else expect(out.dweight).toBeNull();
      // Into accumulates, from the saved statistics and recomputed; dweight also without a weight.
      for (const s of [saved, null]) {
        const dx0 = randomF32(size(c.shape), 9), dw0 = randomF32(C, 10), db0 = randomF32(C, 11);
        const grads = { dx: T(dx0, c.shape), dweight: T(dw0, [C]), dbias: T(db0, [C]) };
        cnn.ops.batchNorm2dBackwardInto(grads, dy, x, rm, rv, w, opts, s);
        const how = `${c.label} Into ${s ? 'saved' : 'recomputed'}`;
        expectClose(grads.dx.data, g.dx.map((d, i) => d + dx0[i]), { shape: c.shape, label: `dx ${how}` });
        expectClose(grads.dweight.data, g.dweight.map((d, i) => d + dw0[i]), { label: `dweight ${how}` });
        expectClose(grads.dbias.data, g.dbias.map((d, i) => d + db0[i]), { label: `dbias ${how}` });
      }
    }),
  );

  it.each(cases.filter((c) => c.running))('evaluation: y and backward with the running statistics $label', (c) =>
    cnn.scope(() => {
      const v = inputs(c.shape, 17);
      const C = c.shape[1];
      const opts = { eps: 1e-3 }; // training defaults to false, as F.batch_norm
      const ro: BatchNormRefOptions = { training: false, eps: 1e-3, weight: c.affine ? v.w : null, bias: c.affine ? v.b : null, runningMean: v.rm, runningVar: v.rv };
      const x = T(v.x, c.shape);
      const w = c.affine ? T(v.w, [C]) : null;
      const b = c.affine ? T(v.b, [C]) : null;
      const rm = T(v.rm, [C]);
      const rv = T(v.rv, [C]);
      expectClose(cnn.ops.batchNorm2d(x, rm, rv, w, b, opts).data, batchNormRef(v.x, c.shape, ro).y, { shape: c.shape, label: `eval y ${c.label}` });
      expect(Array.from(rm.data)).toEqual(Array.from(Float32Array.from(v.rm))); // not updated
      expect(Array.from(rv.data)).toEqual(Array.from(Float32Array.from(v.rv)));
      const g = batchNormBackwardRef(v.dy, v.x, c.shape, ro);
      const dx0 = randomF32(size(c.shape), 19);
      const grads = { dx: T(dx0, c.shape), dweight: c.affine ? cnn.zeros([C]) : null, dbias: cnn.zeros([C]) };
      cnn.ops.batchNorm2dBackwardInto(grads, T(v.dy, c.shape), x, rm, rv, w, opts);
      expectClose(grads.dx.data, g.dx.map((d, i) => d + dx0[i]), { shape: c.shape, label: `eval dx ${c.label}` });
      expectClose(grads.dbias.data, g.dbias, { label: `eval dbias ${c.label}` });
      if (grads.dweight) expectClose(grads.dweight.data, g.dweight, { label: `eval dweight ${c.label}` });
    }),
  );

  it('large planes: x=[64,2,32,32] far from 0 (mean 50, std 0.5) matches float64 at rtol 1e-4 (two-pass variance)', () =>
    cnn.scope(() => {
      const shape = [64, 2, 32, 32];
      const xv = randomF32(size(shape), 51, 49.1, 50.9);
      const dyv = randomF32(size(shape), 52);
      const ro: BatchNormRefOptions = { training: true };
      const ref = batchNormRef(xv, shape, ro);
      const x = T(xv, shape);
      expectClose(cnn.ops.batchNorm2d(x, null, null, null, null, { training: true }).data, ref.y, { rtol: 1e-4, atol: 1e-5, shape, label: 'large y' });
      const g = batchNormBackwardRef(dyv, xv, shape, ro);
      const out = cnn.ops.batchNorm2dBackward(T(dyv, shape), x, null, null, null, { training: true });
      expectClose(out.dx.data, g.dx, { rtol: 1e-4, atol: 1e-5, shape, label: 'large dx' });
      expectClose(out.dbias.data, g.dbias, { rtol: 1e-4, atol: 1e-4, label: 'large dbias' });
    }),
  );

  it('three training steps on new batches: running statistics after each step, then evaluation with them', () =>
    cnn.scope(() => {
      const shape = [4, 5, 3, 5];
      const rm = cnn.zeros([5]);
      const rv = cnn.tensor(new Float32Array(5).fill(1), [5]);
      let refRm: ArrayLike<number> = new Float64Array(5);
      let refRv: ArrayLike<number> = new Float64Array(5).fill(1);
      for (let step = 0; step < 3; step++) {
        const xv = randomF32(size(shape), 60 + step, -1 + step, 2 + 2 * step);
        const ref = batchNormRef(xv, shape, { training: true, momentum: 0.3, runningMean: refRm, runningVar: refRv });
        cnn.ops.batchNorm2d(T(xv, shape), rm, rv, null, null, { training: true, momentum: 0.3 });
        refRm = ref.runningMean!;
        refRv = ref.runningVar!;
        expectClose(rm.data, refRm, { label: `running mean after step ${step + 1}` });
        expectClose(rv.data, refRv, { label: `running var after step ${step + 1}` });
      }
      const xv = randomF32(size(shape), 70);
      const want = batchNormRef(xv, shape, { training: false, runningMean: refRm, runningVar: refRv }).y;
      expectClose(cnn.ops.batchNorm2d(T(xv, shape), rm, rv, null, null).data, want, { label: 'evaluation after training' });
    }),
  );

  it('kernels over channel slices [c0, c1) give the same result as one call (a worker may take any slice)', () =>
    cnn.scope(() => {
      const shape = [3, 7, 5, 3];
      const v = inputs(shape, 81);
      const x = T(v.x, shape), w = T(v.w, [7]), b = T(v.b, [7]), dy = T(v.dy, shape);
      const whole = { y: cnn.empty(shape), mean: cnn.empty([7]), invstd: cnn.empty([7]), dx: cnn.zeros(shape), dw: cnn.zeros([7]), db: cnn.zeros([7]) };
      const parts = { y: cnn.empty(shape), mean: cnn.empty([7]), invstd: cnn.empty([7]), dx: cnn.zeros(shape), dw: cnn.zeros([7]), db: cnn.zeros([7]) };
      const k = kernels();
      const run = (o: typeof whole, c0: number, c1: number) => {
        k.batchnorm2d_forward_train(o.y.ptr, o.mean.ptr, o.invstd.ptr, 0, 0, x.ptr, w.ptr, b.ptr, 3, 7, 15, 0.1, 1e-5, c0, c1);
        k.batchnorm2d_backward_train(o.dx.ptr, o.dw.ptr, o.db.ptr, dy.ptr, x.ptr, o.mean.ptr, o.invstd.ptr, w.ptr, 3, 7, 15, 1e-5, c0, c1);
      };
      run(whole, 0, 7);
      for (const [c0, c1] of [[0, 2], [2, 3], [3, 7]]) run(parts, c0, c1);
      for (const key of Object.keys(whole) as (keyof typeof whole)[]) expect(Array.from(parts[key].data), key).toEqual(Array.from(whole[key].data));
    }),
  );
});

describe('batch norm reference backward vs finite differences (float64, h=1e-6)', () => {
  it.each([
    { shape: [2, 3, 3, 5], training: true },
    { shape: [5, 2], training: true },
    { shape: [2, 3, 3, 5], training: false },
  ])('x=[$shape] training=$training: dx, dweight, dbias', ({ shape, training }) => {
    const c = shape[1];
    const x = Float64Array.from(randomF32(size(shape), 91, -1, 2));
    const w = Float64Array.from(randomF32(c, 92, 0.5, 1.5));
    const b = Float64Array.from(randomF32(c, 93));
    const r = Float64Array.from(randomF32(size(shape), 94));
    const base = { training, runningMean: randomF32(c, 95), runningVar: randomF32(c, 96, 0.5, 2) };
    const f = (xv: Float64Array, wv: Float64Array, bv: Float64Array) => dot(batchNormRef(xv, shape, { ...base, weight: wv, bias: bv }).y, r);
    const g = batchNormBackwardRef(r, x, shape, { ...base, weight: w, bias: b });
    const tol = { atol: 1e-6, rtol: 1e-5 };
    expectClose(g.dx, numericGrad((v) => f(v, w, b), x), { ...tol, label: 'dx' });
    expectClose(g.dweight, numericGrad((v) => f(x, v, b), w), { ...tol, label: 'dweight' });
    expectClose(g.dbias, numericGrad((v) => f(x, w, v), b), { ...tol, label: 'dbias' });
  });
});

describe('batch norm errors', () => {
  it('one value per channel in training → ValueError (as PyTorch); fine in evaluation', () =>
    cnn.scope(() => {
      const x = cnn.zeros([1, 3, 1, 1]);
      expect(() => cnn.ops.batchNorm2d(x, null, null, null, null, { training: true })).toThrow(cnn.ValueError);
      expect(() => cnn.ops.batchNorm2d(x, null, null, null, null, { training: true })).toThrow(
        /batchNorm2d: expected more than 1 value per channel when training, got x of shape \[1, 3, 1, 1\]/,
      );
      expect(() => cnn.ops.batchNorm2dBackward(x, x, null, null, null, { training: true })).toThrow(/more than 1 value per channel/);
      expect(() => cnn.ops.batchNorm2d(cnn.zeros([1, 3]), cnn.zeros([3]), cnn.zeros([3]), null, null)).not.toThrow();
    }),
  );
  it('evaluation without running statistics, or only one of them → ValueError naming them', () =>
    cnn.scope(() => {
      const x = cnn.zeros([2, 3, 2, 2]);
      expect(() => cnn.ops.batchNorm2d(x, null, null, null, null)).toThrow(/expected runningMean and runningVar both \(evaluation mode normalises with them\), got runningMean null and runningVar null/);
      expect(() => cnn.ops.batchNorm2d(x, cnn.zeros([3]), null, null, null, { training: true })).toThrow(cnn.ValueError);
      expect(() => cnn.ops.batchNorm2dBackward(x, x, null, null, null)).toThrow(cnn.ValueError);
    }),
  );
  it('wrong ranks, shapes, dtypes and options → typed errors naming expected and actual', () =>
    cnn.scope(() => {
      const x = cnn.zeros([2, 3, 2, 2]);
      const c3 = cnn.zeros([3]);
      expect(() => cnn.ops.batchNorm2d(cnn.zeros([6]), null, null, null, null, { training: true })).toThrow(/expected x of rank 4 \(N, C, H, W\), 3 \(N, C, L\) or 2 \(N, C\), got shape \[6\]/);
      expect(() => cnn.ops.batchNorm2d(x, c3, c3, cnn.zeros([4]), null)).toThrow(/batchNorm2d weight: expected shape \[3\], got \[4\]/);
      expect(() => cnn.ops.batchNorm2d(x, c3, cnn.zeros([3], 'int32') as never, null, null)).toThrow(cnn.DTypeError);
      expect(() => cnn.ops.batchNorm2dInto(cnn.zeros([2, 3, 2, 1]), x, c3, c3, null, null)).toThrow(/batchNorm2d y: expected shape \[2, 3, 2, 2\], got \[2, 3, 2, 1\]/);
      expect(() => cnn.ops.batchNorm2dInto(cnn.zeros(x.shape), x, null, null, null, null, { training: true }, { mean: c3, invstd: cnn.zeros([2]) })).toThrow(/saved\.invstd: expected shape \[3\]/);
      expect(() => cnn.ops.batchNorm2d(x, c3, c3, null, null, { trainig: true } as never)).toThrow(/unknown option 'trainig'/);
      expect(() => cnn.ops.batchNorm2d(x, c3, c3, null, null, { eps: -1 })).toThrow(cnn.ValueError);
      expect(() => cnn.ops.batchNorm2dBackwardInto({ dx: cnn.zeros([2, 3, 2, 1]), dweight: null, dbias: null }, x, x, c3, c3, null)).toThrow(/dx: expected shape \[2, 3, 2, 2\]/);
      expect(() => cnn.ops.batchNorm2dBackwardInto({ dx: null, dweight: null, dbias: cnn.zeros([2]) }, x, x, c3, c3, null)).toThrow(cnn.ShapeError);
      const gone = cnn.zeros([3]);
      gone.dispose();
      expect(() => cnn.ops.batchNorm2d(x, c3, gone, null, null)).toThrow(/was used after dispose/);
    }),
  );
});

describe('batch norm Into forms allocate nothing', () => {
  it('100 training and evaluation rounds, forward and backward: no typed arrays, no wasm allocation', async () => {
    const { countAllocations } = await import('../helpers/alloc-counter.js');
    cnn.scope(() => {
      const shape = [3, 5, 7, 7];
      const x = T(randomF32(size(shape), 101), shape), y = cnn.empty(shape), dy = cnn.zeros(shape), dx = cnn.zeros(shape);
      const w = cnn.zeros([5]), b = cnn.zeros([5]), rm = cnn.zeros([5]), rv = cnn.zeros([5]);
      const saved = { mean: cnn.zeros([5]), invstd: cnn.zeros([5]) };
      const grads = { dx, dweight: cnn.zeros([5]), dbias: cnn.zeros([5]) };
      const train = { training: true }, evaluate = { training: false };
      const before = cnn.memoryStats();
      const counter = countAllocations();
      try {
        for (let i = 0; i < 100; i++) {
          cnn.ops.batchNorm2dInto(y, x, rm, rv, w, b, train, saved);
          cnn.ops.batchNorm2dBackwardInto(grads, dy, x, rm, rv, w, train, saved);
          cnn.ops.batchNorm2dInto(y, x, rm, rv, w, b, evaluate);
          cnn.ops.batchNorm2dBackwardInto(grads, dy, x, rm, rv, w, evaluate);
        }
      } finally {
        counter.uninstall();
      }
      expect(counter.count()).toBe(0);
      expect(cnn.memoryStats()).toEqual(before);
    });
  });
});
