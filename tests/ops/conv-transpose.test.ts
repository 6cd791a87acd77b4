// SPDX-License-Identifier: MIT
// convTranspose2d: wasm forward and backward vs the float64 scatter definition of
// tests/reference/conv.ts (stride, padding, outputPadding, dilation, groups, the depthwise
// kernels when groups = Cout); the oracle's backward vs finite differences of its forward;
// the adjoint identity with conv2d; accumulate semantics; errors and options.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { caseData, checkIntoForms, convTranspose2dForms as forms, referenceTests } from '../helpers/conv-cases.js';
import { dot } from '../helpers/gradcheck.js';
import { convTranspose2dRefOps, type ConvTransposeRefOptions } from '../reference/conv.js';

beforeAll(() => cnn.ready());

interface Case {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  o: ConvTransposeRefOptions;
}
const mk = (x: Case['x'], w: Case['w'], o: ConvTransposeRefOptions): Case => ({ x, w, o, name: `x=[${x}] w=[${w}] ${JSON.stringify(o)}` });

const cases: Case[] = [
  mk([2, 3, 7, 5], [3, 4, 3, 3], {}),
  mk([2, 6, 7, 5], [6, 4, 3, 3], { stride: [2, 2], padding: [1, 1], outputPadding: [1, 1], groups: 2 }),
  mk([1, 9, 6, 5], [9, 2, 3, 3], { stride: [2, 2], outputPadding: [1, 0], groups: 3 }),
  mk([2, 3, 7, 6], [3, 5, 3, 3], { padding: [1, 1], outputPadding: [1, 1], dilation: [2, 2] }), // outputPadding ≥ stride
  mk([2, 8, 7, 6], [8, 1, 3, 3], { stride: [2, 2], padding: [1, 1], outputPadding: [1, 1], groups: 4 }), // depthwise kernels, M = 2
  mk([1, 17, 13, 11], [17, 1, 3, 3], { padding: [1, 1], groups: 17 }), // depthwise, M = 1, stride 1
  mk([1, 5, 13, 11], [5, 3, 4, 4], { stride: [2, 2], padding: [1, 1] }), // DCGAN's upsampling
  mk([2, 4, 5, 4], [4, 3, 2, 3], { stride: [3, 2], padding: [2, 0], outputPadding: [2, 1], dilation: [1, 2] }),
  mk([1, 33, 3, 3], [33, 2, 1, 1], { stride: [2, 2] }), // 1×1 with stride: gaps of zeros (plus bias)
  mk([2, 4, 5, 5], [4, 3, 3, 3], { padding: [3, 2] }), // cropped to 1×3
  mk([2, 4, 5, 5], [4, 1, 3, 3], { padding: [3, 2], groups: 4 }), // the same, depthwise
];

const opts = (c: Case): cnn.ops.ConvTranspose2dOptions => ({ ...c.o });
const oracle = (c: Case) => convTranspose2dRefOps(c.x, c.w, c.o);
describe('convTranspose2d', () => {
  referenceTests(cases, forms, oracle, opts, 7, 'forward vs the scatter definition $name');

  it('is the adjoint of conv2d: ⟨convT(x), y⟩ = ⟨x, conv2d(y)⟩ (x=[2,6,7,5] w=[6,4,3,3] s=2 p=1 op=1 groups 2)', () =>
    cnn.scope(() => {
      const c = cases[1];
      const ref = oracle(c);
      const { xv, wv, dyv: yv } = caseData(c, ref.shape, 4);
      const x = cnn.tensor(xv, c.x);
      const w = cnn.tensor(wv, c.w);
      const t = cnn.ops.convTranspose2d(x, w, null, opts(c));
      // The conv2d that is its adjoint reads [N, Cout, OH, OW] with weights [Cin, Cout/groups, KH, KW] as [OC, C/groups, KH, KW].
      const conv = cnn.ops.conv2d(cnn.tensor(yv, ref.shape), w, null, { stride: 2, padding: 1, groups: 2 });
      expect(conv.shape).toEqual(c.x);
      expectClose([dot(t.data, yv)], [dot(xv, conv.data)], { rtol: 1e-5, label: 'adjoint' });
    }));

  it('Into forms: forward overwrites, backward ACCUMULATES, nothing allocated with a planned workspace', () =>
    cnn.scope(() => checkIntoForms(forms, cases[4], oracle(cases[4]), opts(cases[4]), 5, 11)));

  it('errors: outputPadding ≥ max(stride, dilation), channel and group mismatches, misspelled options', () =>
    cnn.scope(() => {
      const shape = (o: cnn.ops.ConvTranspose2dOptions, w = [4, 3, 3, 3]) => () => cnn.ops.convTranspose2dOutputShape([1, 4, 5, 5], w, o);
      expect(shape({ stride: 2, outputPadding: 2 })).toThrow(cnn.ValueError);
      expect(shape({ stride: 2, outputPadding: 2 })).toThrow(
        'convTranspose2d: expected outputPadding smaller than max(stride, dilation) per axis, got outputPadding [2, 2] with stride [2, 2] and dilation [1, 1]',
      );
      expect(shape({ outputPadding: [0, 1] })).toThrow(/outputPadding \[0, 1\] with stride \[1, 1\]/);
      expect(shape({ outputPadding: 1, dilation: 2 })).not.toThrow();
      expect(shape({}, [3, 3, 3, 3])).toThrow('convTranspose2d: expected w=[4, 3, 3, 3] (4 input channels first) for x=[1, 4, 5, 5], got w=[3, 3, 3, 3]');
      expect(shape({ groups: 3 })).toThrow('convTranspose2d: expected input channels (4) and output channels (9) both divisible by groups (3)');
      expect(shape({ padding: 3 })).not.toThrow(); // a 1×1 output
      expect(shape({ padding: 4 })).toThrow(/expected an output of at least 1×1, got -1×-1/);
      // @ts-expect-error: a misspelled option
      expect(shape({ output_padding: 1 })).toThrow(/convTranspose2d: unknown option 'output_padding'.*did you mean 'outputPadding'/);
      const x = cnn.zeros([1, 4, 5, 5]);
      const w = cnn.zeros([4, 3, 3, 3]);
      expect(() => cnn.ops.convTranspose2dInto(cnn.zeros([1, 3, 7, 6]), x, w, null)).toThrow(/convTranspose2d y: expected shape \[1, 3, 7, 7\], got \[1, 3, 7, 6\]/);
      expect(() => cnn.ops.convTranspose2dBackward(cnn.zeros([1, 3, 7, 7]), x, w, { stride: 2 })).toThrow(/convTranspose2dBackward dy: expected shape \[1, 3, 11, 11\]/);
    }));
});
