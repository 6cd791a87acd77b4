// SPDX-License-Identifier: MIT
// zeroPad2d: forward and backward vs the float64 oracle of tests/reference/conv.ts for the
// three padding forms (p, [ph, pw], [top, bottom, left, right]); the backward is the adjoint
// of the forward (finite differences of ⟨pad(x), dy⟩ are exact); accumulate; errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { dot, numericGrad } from '../helpers/gradcheck.js';
import { randomF32 } from '../helpers/random.js';
import { zeroPad2dRef } from '../reference/conv.js';

beforeAll(() => cnn.ready());

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const cases: { x: number[]; padding: number | number[]; sides: number[] }[] = [
  { x: [2, 3, 13, 11], padding: 1, sides: [1, 1, 1, 1] },
  { x: [1, 17, 5, 4], padding: [2, 3], sides: [2, 2, 3, 3] },
  { x: [2, 3, 13, 11], padding: [0, 3, 1, 2], sides: [0, 3, 1, 2] },
  { x: [1, 2, 1, 1], padding: [5, 0, 0, 7], sides: [5, 0, 0, 7] },
  { x: [3, 1, 4, 6], padding: 0, sides: [0, 0, 0, 0] },
];

describe('zeroPad2d', () => {
  it.each(cases)('forward and backward vs reference x=$x padding=$padding', ({ x: shape, padding, sides }) =>
    cnn.scope(() => {
      const xv = randomF32(size(shape), 1);
      const ref = zeroPad2dRef(xv, shape, sides);
      expect(cnn.ops.zeroPad2dOutputShape(shape, { padding })).toEqual(ref.shape);
      const x = cnn.tensor(xv, shape);
      const y = cnn.ops.zeroPad2d(x, { padding });
      expectClose(y.data, ref.y, { atol: 0, rtol: 0, shape: ref.shape, label: 'y' });
      const dyv = randomF32(size(ref.shape), 2);
      const dx = cnn.ops.zeroPad2dBackward(cnn.tensor(dyv, ref.shape), x, { padding });
      expectClose(dx.data, ref.backward(dyv), { atol: 0, rtol: 0, shape: shape, label: 'dx' });
      // The oracle's backward is the gradient of ⟨pad(x), dy⟩.
      const num = numericGrad((t) => dot(zeroPad2dRef(t, shape, sides).y, dyv), Float64Array.from(xv), 1e-3);
      expectClose(ref.backward(dyv), num, { atol: 1e-9, rtol: 1e-9, label: 'fd' });
    }),
  );

  it('Into forms: forward overwrites every element (padding included), backward ACCUMULATES, neither allocates', () =>
    cnn.scope(() => {
      const shape = [2, 3, 5, 4];
      const xv = randomF32(size(shape), 3);
      const ref = zeroPad2dRef(xv, shape, [1, 2, 0, 3]);
      const y = cnn.tensor(randomF32(size(ref.shape), 4), ref.shape);
      const x = cnn.tensor(xv, shape);
      const dx0 = randomF32(size(shape), 5);
      const dx = cnn.tensor(dx0, shape);
      const dyv = randomF32(size(ref.shape), 6);
      const dy = cnn.tensor(dyv, ref.shape);
      const before = cnn.memoryStats().allocations;
      cnn.ops.zeroPad2dInto(y, x, { padding: [1, 2, 0, 3] });
      cnn.ops.zeroPad2dBackwardInto(dx, dy, { padding: [1, 2, 0, 3] });
      expect(cnn.memoryStats().allocations).toBe(before);
      expectClose(y.data, ref.y, { atol: 0, rtol: 0, label: 'y =' });
      expectClose(dx.data, ref.backward(dyv).map((v, i) => v + dx0[i]), { label: 'dx +=' });
    }));

  it('errors: bad padding forms, wrong shapes, misspelled or missing options', () =>
    cnn.scope(() => {
      const shape = [1, 2, 4, 4];
      expect(() => cnn.ops.zeroPad2dOutputShape(shape, { padding: [1, 2, 3] })).toThrow(
        'zeroPad2d padding: expected p, [ph, pw] or [top, bottom, left, right] of integers ≥ 0, got [1,2,3]',
      );
      expect(() => cnn.ops.zeroPad2dOutputShape(shape, { padding: -1 })).toThrow(cnn.ValueError);
      expect(() => cnn.ops.zeroPad2dOutputShape(shape, { padding: 1.5 })).toThrow(cnn.ValueError);
      expect(() => cnn.ops.zeroPad2dOutputShape([2, 4, 4], { padding: 1 })).toThrow(/zeroPad2d x: expected a rank-4 tensor/);
      // @ts-expect-error: a missing required option
      expect(() => cnn.ops.zeroPad2dOutputShape(shape, {})).toThrow("zeroPad2d: missing required option 'padding'");
      // @ts-expect-error: a misspelled option
      expect(() => cnn.ops.zeroPad2d(cnn.zeros(shape), { pading: 1 })).toThrow(/unknown option 'pading'.*did you mean 'padding'/);
      expect(() => cnn.ops.zeroPad2dInto(cnn.zeros([1, 2, 6, 5]), cnn.zeros(shape), { padding: 1 })).toThrow(/zeroPad2d y: expected shape \[1, 2, 6, 6\], got \[1, 2, 6, 5\]/);
      expect(() => cnn.ops.zeroPad2dBackwardInto(cnn.zeros(shape), cnn.zeros([1, 2, 5, 5]), { padding: 1 })).toThrow(/zeroPad2dBackward dy: expected shape \[1, 2, 6, 6\]/);
    }));
});
