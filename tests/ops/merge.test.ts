// SPDX-License-Identifier: MIT
// Concat: wasm vs the float64 reference (tests/reference/merge.ts) along every axis, with
// channel counts that break the 4-lane loops; the reference backward vs finite differences;
// the wasm backward (accumulating, null entries skipped) vs the reference; errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { dot, numericGrad } from '../helpers/gradcheck.js';
import { randomF32 } from '../helpers/random.js';
import { concatBackwardRef, concatRef, concatShapeRef } from '../reference/merge.js';

beforeAll(() => cnn.ready());

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

interface Case {
  label: string;
  shapes: number[][];
  axis: number;
}
const nchw = (n: number, cs: number[], h: number, w: number) => cs.map((c) => [n, c, h, w]);
const cases: Case[] = [
  { shapes: nchw(3, [1, 5], 3, 5), axis: 1 },
  { shapes: nchw(1, [3, 4, 17, 1], 7, 7), axis: 1 },
  { shapes: nchw(3, [5, 3, 1, 4], 1, 1), axis: 1 },
  { shapes: nchw(1, [17, 17], 13, 11), axis: 1 },
  { shapes: [[1, 3, 5, 3], [3, 3, 5, 3], [2, 3, 5, 3]], axis: 0 },
  { shapes: [[2, 3, 1, 5], [2, 3, 4, 5], [2, 3, 2, 5]], axis: 2 },
  { shapes: [[2, 3, 5, 1], [2, 3, 5, 3], [2, 3, 5, 5]], axis: -1 },
  { shapes: [[3, 7], [3, 1], [3, 4]], axis: 1 },
  { shapes: [[3, 7], [1, 7]], axis: -2 },
  { shapes: [[5], [3], [1]], axis: 0 },
  { shapes: nchw(2, [4], 3, 3), axis: 1 }, // one input: a copy
].map((c) => ({ ...c, label: `${c.shapes.map((s) => `[${s}]`).join(' ')} axis=${c.axis}` }));

describe('concat vs float64 reference', () => {
  it.each(cases)('forward, backward, backward Into accumulating $label', (c) =>
    cnn.scope(() => {
      const xv = c.shapes.map((s, i) => randomF32(size(s), 10 + i));
      const xs = xv.map((v, i) => cnn.tensor(v, c.shapes[i]));
      const outShape = concatShapeRef(c.shapes, c.axis);
      expect(cnn.ops.concatOutputShape(c.shapes, { axis: c.axis })).toEqual(outShape);
      const y = cnn.ops.concat(xs, { axis: c.axis });
      expect(y.shape).toEqual(outShape);
      expect(Array.from(y.data)).toEqual(Array.from(concatRef(xv, c.shapes, c.axis))); // a copy: exact

      const dyv = randomF32(size(outShape), 20);
      const dy = cnn.tensor(dyv, outShape);
      const want = concatBackwardRef(dyv, c.shapes, c.axis);
      cnn.ops.concatBackward(dy, xs, { axis: c.axis }).forEach((dx, i) => {
        expect(dx.shape).toEqual(c.shapes[i]);
        expect(Array.from(dx.data), `dx${i}`).toEqual(Array.from(want[i]));
      });
      const dx0 = c.shapes.map((s, i) => randomF32(size(s), 30 + i));
      const dxs = dx0.map((v, i) => cnn.tensor(v, c.shapes[i]));
      cnn.ops.concatBackwardInto(dxs, dy, { axis: c.axis });
      dxs.forEach((dx, i) => expectClose(dx.data, want[i].map((v, j) => v + dx0[i][j]), { atol: 1e-6, label: `Into dx${i} ${c.label}` }));
    }),
  );

  it('axis defaults to 1 (channels); the result is laid out as torch.cat', () =>
    cnn.scope(() => {
      const a = cnn.tensor([1, 2, 3, 4], [2, 1, 2]);
      const b = cnn.tensor([5, 6, 7, 8, 9, 10, 11, 12], [2, 2, 2]);
      const y = cnn.ops.concat([a, b]);
      expect(y.shape).toEqual([2, 3, 2]);
      expect(Array.from(y.data)).toEqual([1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12]);
    }),
  );

  it('null gradients are skipped: one null is sized from dy, several need opts.sizes', () =>
    cnn.scope(() => {
      const shapes = nchw(2, [3, 1, 5, 2], 3, 3);
      const outShape = concatShapeRef(shapes, 1);
      const dyv = randomF32(size(outShape), 40);
      const dy = cnn.tensor(dyv, outShape);
      const want = concatBackwardRef(dyv, shapes, 1);
      const dx2 = cnn.zeros(shapes[2]);
      cnn.ops.concatBackwardInto([null, cnn.zeros(shapes[1]), dx2, cnn.zeros(shapes[3])], dy);
      expect(Array.from(dx2.data)).toEqual(Array.from(want[2]));
      const dx1 = cnn.zeros(shapes[1]);
      cnn.ops.concatBackwardInto([null, dx1, null, null], dy, { sizes: [3, 1, 5, 2] });
      expect(Array.from(dx1.data)).toEqual(Array.from(want[1]));
      expect(() => cnn.ops.concatBackwardInto([null, dx1, null, null], dy)).toThrow(/entries 0 and 2 of dxs are null: pass opts.sizes/);
      expect(() => cnn.ops.concatBackwardInto([null, dx1, null, null], dy, { sizes: [3, 2, 5, 1] })).toThrow(cnn.ShapeError);
      expect(() => cnn.ops.concatBackwardInto([null, dx1], dy, { sizes: [3] })).toThrow(/expected sizes with one entry per input \(2\)/);
    }),
  );
});

describe('concat reference backward vs finite differences (float64, h=1e-6)', () => {
  it.each([cases[1], cases[5], cases[6]])('$label', (c) => {
    const xs = c.shapes.map((s, i) => Float64Array.from(randomF32(size(s), 50 + i)));
    const outShape = concatShapeRef(c.shapes, c.axis);
    const r = Float64Array.from(randomF32(size(outShape), 60));
    const analytic = concatBackwardRef(r, c.shapes, c.axis);
    xs.forEach((x, i) => {
      const fd = numericGrad((v) => dot(concatRef(xs.map((xj, j) => (j === i ? v : xj)), c.shapes, c.axis), r), x);
      expectClose(analytic[i], fd, { atol: 1e-7, rtol: 1e-6, label: `dx${i} ${c.label}` });
    });
  });
});

describe('concat errors', () => {
  it('empty list, rank or dim mismatch, bad axis → typed errors naming the input, axis and shapes', () => {
    expect(() => cnn.ops.concatOutputShape([])).toThrow(/concat: expected a non-empty list of inputs/);
    expect(() => cnn.ops.concatOutputShape([[2, 3, 4, 4], [2, 5, 4, 3]])).toThrow(cnn.ShapeError);
    expect(() => cnn.ops.concatOutputShape([[2, 3, 4, 4], [2, 5, 4, 4], [2, 1, 4, 3]])).toThrow(
      /concat: expected input 2 to match input 0 \[2, 3, 4, 4\] in every dim except axis 1, got \[2, 1, 4, 3\]/,
    );
    expect(() => cnn.ops.concatOutputShape([[2, 3, 4, 4], [2, 3, 4]])).toThrow(/expected input 1 to match input 0/);
    expect(() => cnn.ops.concatOutputShape([[2, 3], [2, 3]], { axis: 2 })).toThrow(/expected axis an integer in \[-2, 1\] for inputs of rank 2, got 2/);
    expect(() => cnn.ops.concatOutputShape([[2, 3], [2, 3]], { axis: -3 })).toThrow(cnn.ValueError);
    expect(() => cnn.ops.concatOutputShape([[2, 3], [2, 3]], { axis: 0.5 })).toThrow(cnn.ValueError);
    expect(() => cnn.ops.concatOutputShape([[]])).toThrow(/expected inputs of rank ≥ 1/);
    expect(() => cnn.ops.concatOutputShape([[2, 3]], { axes: 1 } as never)).toThrow(/unknown option 'axes'/);
  });
  it('wrong output shape, dtype or gradient shapes → ShapeError / DTypeError', () =>
    cnn.scope(() => {
      const a = cnn.zeros([2, 3, 2, 2]);
      const b = cnn.zeros([2, 1, 2, 2]);
      expect(() => cnn.ops.concatInto(cnn.zeros([2, 3, 2, 2]), [a, b])).toThrow(/concat y: expected shape \[2, 4, 2, 2\], got \[2, 3, 2, 2\]/);
      expect(() => cnn.ops.concatInto(cnn.zeros([2, 4, 2, 2]), [a, cnn.zeros([2, 1, 2, 2], 'int32') as never])).toThrow(/concat input 1: expected dtype float32, got int32/);
      const dy = cnn.zeros([2, 4, 2, 2]);
      expect(() => cnn.ops.concatBackwardInto([a, cnn.zeros([2, 1, 2, 3])], dy)).toThrow(/concatBackward dxs\[1\]: expected shape \[2, 1, 2, 2\], got \[2, 1, 2, 3\]/);
      expect(() => cnn.ops.concatBackwardInto([a, cnn.zeros([2, 2, 2, 2])], dy)).toThrow(/add up to dy's 4 .* got 5/);
      expect(() => cnn.ops.concatBackwardInto([a, cnn.zeros([2, 1, 2])], dy)).toThrow(/expected dxs\[1\] of rank 4/);
      expect(() => cnn.ops.concatBackwardInto([], dy)).toThrow(cnn.ValueError);
      expect(() => cnn.ops.concatBackward(dy, [a, cnn.zeros([2, 1, 2, 3])])).toThrow(cnn.ShapeError);
    }),
  );
});

describe('concat and addBackward Into forms allocate nothing', () => {
  it('100 forward/backward rounds: no typed arrays, no wasm allocation', async () => {
    const { countAllocations } = await import('../helpers/alloc-counter.js');
    cnn.scope(() => {
      const xs = nchw(3, [5, 3, 17], 7, 7).map((s, i) => cnn.tensor(randomF32(size(s), 70 + i), s));
      const y = cnn.empty([3, 25, 7, 7]);
      const dxs = xs.map((x) => cnn.zeros(x.shape));
      const opts = { axis: 1 };
      const before = cnn.memoryStats();
      const counter = countAllocations();
      try {
        for (let i = 0; i < 100; i++) {
          cnn.ops.concatInto(y, xs, opts);
          cnn.ops.concatBackwardInto(dxs, y, opts);
          cnn.ops.addBackwardInto(dxs[0], null, xs[0]);
        }
      } finally {
        counter.uninstall();
      }
      expect(counter.count()).toBe(0);
      expect(cnn.memoryStats()).toEqual(before);
    });
  });
});
