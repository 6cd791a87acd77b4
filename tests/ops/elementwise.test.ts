// SPDX-License-Identifier: MIT
// relu, sigmoid, tanh, add (and its backward): wasm vs the float64 reference on sizes around the 4-lane tile,
// reference backward vs finite differences, wasm backward (accumulating) vs reference.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { activationCases, activationShapes, checkActivation, checkReferenceBackward, type ActivationCase } from '../helpers/activation-check.js';
import { expectClose } from '../helpers/close.js';
import { dot, numericGrad } from '../helpers/gradcheck.js';
import { randomF32 } from '../helpers/random.js';
import * as ref from '../reference/elementwise.js';

beforeAll(() => cnn.ready());

const shapes = activationShapes;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

const acts: ActivationCase[] = [
  { name: 'relu', fwd: cnn.ops.relu, fwdInto: cnn.ops.reluInto, fwdRef: ref.reluRef, bwd: cnn.ops.reluBackward, bwdInto: cnn.ops.reluBackwardInto, bwdRef: ref.reluBackwardRef, usesOutput: false, lo: -2, hi: 2 },
  { name: 'sigmoid', fwd: cnn.ops.sigmoid, fwdInto: cnn.ops.sigmoidInto, fwdRef: ref.sigmoidRef, bwd: cnn.ops.sigmoidBackward, bwdInto: cnn.ops.sigmoidBackwardInto, bwdRef: ref.sigmoidBackwardRef, usesOutput: true, lo: -12, hi: 12 },
  { name: 'tanh', fwd: cnn.ops.tanh, fwdInto: cnn.ops.tanhInto, fwdRef: ref.tanhRef, bwd: cnn.ops.tanhBackward, bwdInto: cnn.ops.tanhBackwardInto, bwdRef: ref.tanhBackwardRef, usesOutput: true, lo: -6, hi: 6 },
];

describe('activations vs float64 reference', () => {
  it.each(activationCases(acts))('$label', (c) => checkActivation(c));

  it('sigmoid and tanh keep accuracy at the extremes and near 0 (x = ±1e-4 … ±80)', () =>
    cnn.scope(() => {
      const xv = Float32Array.from([-80, -30, -9, -1, -0.6, -0.1, -1e-4, 0, 1e-4, 0.1, 0.6, 0.624, 0.626, 1, 9, 30, 80]);
      const x = cnn.tensor(xv, [xv.length]);
      expectClose(cnn.ops.sigmoid(x).data, ref.sigmoidRef(xv), { atol: 1e-7, rtol: 1e-5, label: 'sigmoid extremes' });
      expectClose(cnn.ops.tanh(x).data, ref.tanhRef(xv), { atol: 1e-7, rtol: 1e-5, label: 'tanh extremes' });
    }),
  );
});

describe('activation reference backward vs finite differences (float64, h=1e-6)', () => {
  it.each(acts)('$name x=[37]', (a) => checkReferenceBackward(a));
});

describe('add', () => {
  it.each(shapes.map((shape) => ({ shape, label: `x=[${shape}]` })))('a+b $label', ({ shape }) =>
    cnn.scope(() => {
      const n = size(shape);
      const av = randomF32(n, 500), bv = randomF32(n, 501);
      const a = cnn.tensor(av, shape), b = cnn.tensor(bv, shape);
      expectClose(cnn.ops.add(a, b).data, ref.addRef(av, bv), { label: `add x=[${shape}]` });
      cnn.ops.addInto(a, a, b); // in place
      expectClose(a.data, ref.addRef(av, bv), { label: `addInto in place x=[${shape}]` });
    }),
  );

  it.each(shapes.map((shape) => ({ shape, label: `x=[${shape}]` })))('backward: da = db = dy, Into accumulates, null skipped $label', ({ shape }) =>
    cnn.scope(() => {
      const n = size(shape);
      const dyv = randomF32(n, 510);
      const dy = cnn.tensor(dyv, shape);
      const want = ref.addBackwardRef(dyv);
      const { da, db } = cnn.ops.addBackward(dy);
      expect(Array.from(da.data)).toEqual(Array.from(want.da));
      expect(Array.from(db.data)).toEqual(Array.from(want.db));
      const a0 = randomF32(n, 511), b0 = randomF32(n, 512);
      const a = cnn.tensor(a0, shape), b = cnn.tensor(b0, shape);
      cnn.ops.addBackwardInto(a, b, dy);
      expectClose(a.data, want.da.map((v, i) => v + a0[i]), { atol: 1e-7, label: `addBackwardInto da x=[${shape}]` });
      expectClose(b.data, want.db.map((v, i) => v + b0[i]), { atol: 1e-7, label: `addBackwardInto db x=[${shape}]` });
      cnn.ops.addBackwardInto(null, b, dy);
      expectClose(b.data, want.db.map((v, i) => v + v + b0[i]), { atol: 1e-6, label: `addBackwardInto(null, db) x=[${shape}]` });
      cnn.ops.addBackwardInto(a, a, dy); // the same tensor twice: 2·dy
      expectClose(a.data, want.da.map((v, i) => 3 * v + a0[i]), { atol: 1e-6, label: `addBackwardInto(a, a) x=[${shape}]` });
      cnn.ops.addBackwardInto(null, null, dy);
    }),
  );

  it('reference backward vs finite differences (float64, h=1e-6)', () => {
    const a = Float64Array.from(randomF32(13, 520)), b = Float64Array.from(randomF32(13, 521)), r = Float64Array.from(randomF32(13, 522));
    const { da, db } = ref.addBackwardRef(r);
    expectClose(da, numericGrad((v) => dot(ref.addRef(v, b), r), a), { atol: 1e-7, rtol: 1e-6, label: 'add da' });
    expectClose(db, numericGrad((v) => dot(ref.addRef(a, v), r), b), { atol: 1e-7, rtol: 1e-6, label: 'add db' });
  });

  it('normalize options are checked: a misspelled or missing mean/std → ValueError naming it', () =>
    cnn.scope(() => {
      const x = cnn.zeros([1, 2, 3, 3]);
      expect(() => cnn.ops.normalize(x, { mean: 0, sdt: 1 } as never)).toThrow(/normalize: unknown option 'sdt'.*did you mean 'std'/);
      expect(() => cnn.ops.normalizeBackward(x, { mean: 0 } as never)).toThrow(/normalizeBackward: missing required option 'std'/);
    }),
  );

  it('size and dtype mismatches → ShapeError / DTypeError naming both', () =>
    cnn.scope(() => {
      const a = cnn.zeros([2, 3]);
      expect(() => cnn.ops.addInto(cnn.zeros([6]), a, cnn.zeros([5]))).toThrow(/expected b with 6 elements \(like a \[2, 3\]\), got 5/);
      expect(() => cnn.ops.reluInto(cnn.zeros([6], 'int32') as never, a)).toThrow(cnn.DTypeError);
      expect(() => cnn.ops.tanhBackwardInto(cnn.zeros([7]), a, a)).toThrow(cnn.ShapeError);
      expect(() => cnn.ops.addBackwardInto(cnn.zeros([5]), null, a)).toThrow(/addBackward: expected da with 6 elements \(like dy \[2, 3\]\), got 5/);
      expect(() => cnn.ops.addBackwardInto(null, cnn.zeros([6], 'int32') as never, a)).toThrow(cnn.DTypeError);
    }),
  );
});
