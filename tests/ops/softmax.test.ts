// SPDX-License-Identifier: MIT
// softmax over dim 1 ([N, C] and [N, C, H, W]) and countCorrect: wasm vs the float64
// reference, reference backward vs finite differences, wasm backward (accumulating) vs reference.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { dot, numericGrad } from '../helpers/gradcheck.js';
import { randomF32, randomInts } from '../helpers/random.js';
import { countCorrectRef, softmaxBackwardRef, softmaxRef } from '../reference/softmax.js';

beforeAll(() => cnn.ready());

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const shapes: number[][] = [[1, 1], [3, 3], [1, 4], [3, 5], [1, 10], [3, 17], [2, 33], [3, 5, 13, 11], [1, 17, 3, 1], [2, 3, 2, 3]];
const cases = shapes.map((shape) => ({ shape, label: `x=[${shape}]` }));

describe('softmax', () => {
  it.each(cases)('forward and backward $label', ({ shape, label }) =>
    cnn.scope(() => {
      const n = size(shape);
      const xv = randomF32(n, 600 + n, -8, 8);
      const x = cnn.tensor(xv, shape);
      const yRef = softmaxRef(xv, shape);
      const y = cnn.ops.softmax(x);
      expectClose(y.data, yRef, { atol: 1e-7, rtol: 1e-4, shape, label: `softmax ${label}` });
      const dyv = randomF32(n, 700 + n);
      const dy = cnn.tensor(dyv, shape);
      const dxRef = softmaxBackwardRef(dyv, y.data, shape);
      expectClose(cnn.ops.softmaxBackward(dy, y).data, dxRef, { atol: 1e-6, shape, label: `softmaxBackward ${label}` });
      const dx0 = randomF32(n, 800 + n);
      const dx = cnn.tensor(dx0, shape);
      cnn.ops.softmaxBackwardInto(dx, dy, y);
      expectClose(dx.data, dxRef.map((v, i) => v + dx0[i]), { atol: 1e-6, shape, label: `softmaxBackwardInto accumulates ${label}` });
    }),
  );

  it('is shift-invariant and finite for large logits (x=[2,5] around ±1000)', () =>
    cnn.scope(() => {
      const xv = Float32Array.from([1000, 1001, 999, 1000.5, 998, -1000, -1001, -999, -1000.5, -998]);
      const y = cnn.ops.softmax(cnn.tensor(xv, [2, 5]));
      expectClose(y.data, softmaxRef(xv, [2, 5]), { atol: 1e-7, label: 'softmax large logits' });
    }),
  );

  it.each([{ shape: [2, 5] }, { shape: [1, 3, 2, 2] }])('reference backward vs finite differences x=$shape (float64, h=1e-6)', ({ shape }) => {
    const x = Float64Array.from(randomF32(size(shape), 900, -3, 3));
    const r = Float64Array.from(randomF32(size(shape), 901));
    const fd = numericGrad((v) => dot(softmaxRef(v, shape), r), x);
    expectClose(softmaxBackwardRef(r, softmaxRef(x, shape), shape), fd, { atol: 1e-8, rtol: 1e-6, label: 'softmax reference backward' });
  });

  it('rank 1 and int32 inputs → ShapeError / DTypeError', () =>
    cnn.scope(() => {
      expect(() => cnn.ops.softmax(cnn.zeros([5]))).toThrow(/expected x of rank ≥ 2 \(\[N, C, \.\.\.\]\), got shape \[5\]/);
      expect(() => cnn.ops.softmax(cnn.zeros([2, 5], 'int32') as never)).toThrow(cnn.DTypeError);
      expect(() => cnn.ops.softmaxInto(cnn.zeros([5, 2]), cnn.zeros([2, 5]))).toThrow(cnn.ShapeError);
    }),
  );
});

describe('countCorrect', () => {
  it.each([{ n: 1, c: 1 }, { n: 3, c: 3 }, { n: 17, c: 5 }, { n: 33, c: 10 }, { n: 64, c: 17 }])('logits=[$n,$c] vs reference', ({ n, c }) =>
    cnn.scope(() => {
      const lv = randomF32(n * c, 1000 + n);
      const labels = randomInts(n, c, 1100 + n);
      // Make about half the rows correct so the count is informative.
      for (let i = 0; i < n; i += 2) lv[i * c + labels[i]] = 2;
      expect(cnn.ops.countCorrect(cnn.tensor(lv, [n, c]), cnn.tensor(labels, [n], 'int32'))).toBe(countCorrectRef(lv, labels, n, c));
    }),
  );

  it('ties count the first maximum (torch.argmax)', () =>
    cnn.scope(() => {
      const logits = cnn.tensor([1, 1, 0, 0, 2, 2], [2, 3]);
      expect(cnn.ops.countCorrect(logits, cnn.tensor(new Int32Array([0, 1]), [2], 'int32'))).toBe(2);
      expect(cnn.ops.countCorrect(logits, cnn.tensor(new Int32Array([1, 2]), [2], 'int32'))).toBe(0);
    }),
  );

  it('float labels or a wrong label count → DTypeError / ShapeError', () =>
    cnn.scope(() => {
      const logits = cnn.zeros([2, 3]);
      expect(() => cnn.ops.countCorrect(logits, cnn.zeros([2]) as never)).toThrow(/expected labels of dtype int32/);
      expect(() => cnn.ops.countCorrect(logits, cnn.zeros([3], 'int32'))).toThrow(/expected labels of shape \[2\]/);
    }),
  );
});
