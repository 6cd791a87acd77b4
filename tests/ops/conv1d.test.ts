// SPDX-License-Identifier: MIT
// conv1d: wasm forward and backward vs the float64 oracle of tests/reference/conv.ts on odd
// lengths (strides, padding, dilation, groups, depthwise with multiplier 2); the oracle's
// backward vs finite differences of its forward; accumulate semantics; errors and options.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { caseData, conv1dForms, referenceTests, size } from '../helpers/conv-cases.js';
import { randomF32 } from '../helpers/random.js';
import { conv1dRefOps, type Conv1dRefOptions } from '../reference/conv.js';

beforeAll(() => cnn.ready());

interface Case {
  name: string;
  x: [number, number, number];
  w: [number, number, number];
  o: Conv1dRefOptions;
}
const mk = (x: Case['x'], w: Case['w'], o: Conv1dRefOptions): Case => ({ x, w, o, name: `x=[${x}] w=[${w}] ${JSON.stringify(o)}` });

const cases: Case[] = [
  mk([2, 3, 33], [5, 3, 3], { padding: 1 }),
  mk([3, 6, 13], [4, 3, 5], { stride: 2, padding: 2, groups: 2 }),
  mk([1, 9, 31], [6, 3, 3], { dilation: 2, padding: 3, groups: 3 }),
  mk([2, 17, 13], [34, 1, 3], { padding: 1, groups: 17 }), // depthwise, multiplier 2
  mk([1, 5, 40], [5, 1, 4], { stride: 3, padding: 2, dilation: 2, groups: 5 }), // depthwise, stride 3
  mk([2, 4, 11], [7, 4, 1], {}), // pointwise
  mk([1, 33, 7], [3, 33, 7], { padding: 0 }), // one output per row
];

const opts = (c: Case): cnn.ops.Conv1dOptions => ({ ...c.o });
const oracle = (c: Case) => conv1dRefOps(c.x, c.w, c.o);

describe('conv1d', () => {
  referenceTests(cases, conv1dForms, oracle, opts, 5);

  it('Into forms: forward overwrites, backward ACCUMULATES, nothing allocated with a planned workspace (x=[3,6,13] w=[4,3,5] groups 2)', () =>
    cnn.scope(() => {
      const c = cases[1];
      const ref = oracle(c);
      const { xv, wv, bv, dyv } = caseData(c, ref.shape, 4);
      const [x, w, b, dy] = [cnn.tensor(xv, c.x), cnn.tensor(wv, c.w), cnn.tensor(bv, [c.w[0]]), cnn.tensor(dyv, ref.shape)];
      const y = cnn.tensor(randomF32(size(ref.shape), 9), ref.shape);
      const dx0 = randomF32(size(c.x), 10);
      const grads = { dx: cnn.tensor(dx0, c.x), dw: cnn.zeros(c.w), db: null };
      const ws = cnn.zeros([cnn.ops.conv1dWorkspaceSize(c.x, c.w, opts(c))]);
      const before = cnn.memoryStats().allocations;
      cnn.ops.conv1dInto(y, x, w, b, opts(c), ws);
      cnn.ops.conv1dBackwardInto(grads, dy, x, w, opts(c), ws);
      expect(cnn.memoryStats().allocations).toBe(before);
      const want = ref.backward(dyv, xv, wv);
      expectClose(y.data, ref.forward(xv, wv, bv), { label: 'y =' });
      expectClose(grads.dx.data, want.dx.map((v, i) => v + dx0[i]), { label: 'dx +=' });
      expectClose(grads.dw.data, want.dw, { label: 'dw' });
    }));

  it('errors name 1-D shapes; options are checked', () =>
    cnn.scope(() => {
      expect(() => cnn.ops.conv1dOutputShape([1, 3, 10, 10], [4, 3, 3])).toThrow(/conv1d x: expected a rank-3 tensor \(N, C, L\), got shape \[1, 3, 10, 10\]/);
      expect(() => cnn.ops.conv1dOutputShape([1, 6, 10], [4, 6, 3], { groups: 2 })).toThrow(
        'conv1d: filter channels must equal input channels / groups: expected w=[4, 3, 3] (6 input channels in 2 groups) for x=[1, 6, 10], got w=[4, 6, 3]',
      );
      expect(() => cnn.ops.conv1dOutputShape([1, 6, 10], [5, 3, 3], { groups: 2 })).toThrow('conv1d: expected input channels (6) and filters (5) both divisible by groups (2)');
      expect(() => cnn.ops.conv1dOutputShape([1, 3, 4], [4, 3, 5])).toThrow('conv1d: expected an output of at least 1, got 0 for x=[1, 3, 4] w=[4, 3, 5] stride 1 padding 0 dilation 1');
      // @ts-expect-error: conv1d's stride is one number
      expect(() => cnn.ops.conv1dOutputShape([1, 3, 10], [4, 3, 3], { stride: [1, 2] })).toThrow(/conv1d stride: expected an integer ≥ 1, got \[1,2\]/);
      // @ts-expect-error: a misspelled option
      expect(() => cnn.ops.conv1d(cnn.zeros([1, 3, 10]), cnn.zeros([4, 3, 3]), null, { paddding: 1 })).toThrow(/conv1d: unknown option 'paddding'.*did you mean 'padding'/);
      expect(() => cnn.ops.conv1dInto(cnn.zeros([1, 4, 9]), cnn.zeros([1, 3, 10]), cnn.zeros([4, 3, 3]), null)).toThrow(/conv1d y: expected shape \[1, 4, 8\], got \[1, 4, 9\]/);
    }));
});
