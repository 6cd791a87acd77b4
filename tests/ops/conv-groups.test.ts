// SPDX-License-Identifier: MIT
// conv2d with groups: the GEMM path (one GEMM per group) and the direct depthwise kernels
// (groups = C, channel multiplier M = OC/C) against the float64 oracle of tests/reference/conv.ts
// on odd shapes — every stride, padding, dilation, width tail (the kernels step 16 and 4
// columns) — the oracle's backward against finite differences, accumulate semantics, typed
// errors and option checks.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { type Conv2dCase, type P2, checkIntoForms, conv2dForms, conv2dOptions as opts, conv2dRefOps, referenceTests, two } from '../helpers/conv-cases.js';
import { randomF32 } from '../helpers/random.js';

beforeAll(() => cnn.ready());

function mk(x: Conv2dCase['x'], w: Conv2dCase['w'], g: number, s: number | P2, p: number | P2, d: number | P2 = 1): Conv2dCase {
  const c = { x, w, g, s: two(s), p: two(p), d: two(d) };
  const kind = g === x[1] ? `depthwise M=${w[0] / g}` : `groups=${g}`;
  return { ...c, name: `${kind} x=[${x}] w=[${w}] s=[${c.s}] p=[${c.p}] d=[${c.d}]` };
}

const cases: Conv2dCase[] = [
  // GEMM path, one GEMM per group.
  mk([2, 6, 13, 11], [10, 3, 3, 3], 2, 2, 1),
  mk([1, 33, 13, 11], [6, 11, 3, 3], 3, 1, 1, 2),
  mk([3, 4, 7, 9], [4, 2, 1, 1], 2, 1, 0), // grouped pointwise: no im2col
  mk([1, 9, 13, 11], [9, 3, 2, 4], 3, [2, 1], [0, 3], [1, 2]),
  // Depthwise kernels.
  mk([2, 17, 13, 11], [17, 1, 3, 3], 17, 1, 1), // stride 1, M = 1
  mk([2, 17, 13, 11], [34, 1, 3, 3], 17, 2, 1), // stride 2, M = 2
  mk([1, 5, 13, 11], [10, 1, 3, 3], 5, 1, 2, 2), // dilation 2
  mk([1, 3, 37, 35], [6, 1, 3, 3], 3, 1, 1), // rows of 35: two 16-column blocks and a tail of 3
  mk([1, 4, 40, 33], [4, 1, 5, 5], 4, [1, 2], [2, 0], [2, 1]), // asymmetric stride and dilation
  mk([2, 3, 13, 11], [9, 1, 5, 3], 3, 3, [0, 4]), // stride 3, padding > kernel
  mk([1, 6, 13, 11], [6, 1, 1, 1], 6, 1, 0), // 1×1 depthwise: a per-channel scale
  mk([1, 2, 3, 2], [4, 1, 3, 3], 2, 1, 1), // rows narrower than one f32x4
  mk([2, 5, 21, 19], [5, 1, 4, 2], 5, 2, [3, 1], [1, 3]), // even kernel, stride 2 + dilation 3
  mk([1, 2, 9, 20], [2, 1, 3, 3], 2, 1, 5), // padding larger than the dilated kernel
  mk([1, 33, 17, 16], [33, 1, 3, 3], 33, 2, 1), // 33 channels, stride 2, width 16
  // 3×3 kernel (dw3x3): both copies of its loop, every tail of 4 columns, fresh and accumulated outputs.
  mk([2, 17, 13, 16], [17, 1, 3, 3], 17, 1, 0), // no padding, rows of 14: a tail of 2
  mk([1, 33, 13, 11], [66, 1, 3, 3], 33, 2, 2, 2), // stride 2 + dilation 2, M = 2, rows of 6
  mk([1, 6, 13, 11], [6, 1, 3, 3], 6, [2, 1], [0, 1], [1, 2]), // row stride 2, column dilation 2, rows of 9
  mk([1, 3, 13, 11], [6, 1, 1, 9], 3, [1, 2], [0, 4]), // 1×9, column stride 2: 9 taps that are not 3×3, so the general kernel
  // Backward data by output phases (stride > 1, SW ≤ 2, not 3×3): taps of one phase only, δ read densely.
  mk([2, 3, 17, 13], [6, 1, 5, 5], 3, 2, 2), // 5×5, stride 2, M = 2: phases of 9, 6, 6, 4 taps
  mk([1, 4, 19, 13], [8, 1, 5, 4], 4, [3, 2], [0, 1], [2, 1]), // row stride 3 + dilation 2, column stride 2, padding 0/1
  mk([1, 5, 13, 11], [5, 1, 2, 5], 5, [2, 1], [1, 2], [1, 2]), // row stride 2 only: columns go straight through
  mk([1, 3, 11, 9], [3, 1, 5, 5], 3, 2, 2, 2), // stride 2 + dilation 2: a phase of no taps
  mk([1, 2, 1, 1], [6, 1, 1, 2], 2, [2, 1], [0, 1]), // 1×1 plane: the phase layout does not fit ws, so the stuffed path
];

describe('conv2d with groups and depthwise', () => {
  referenceTests(cases, conv2dForms, conv2dRefOps, opts, 3);

  it.each([cases[1], cases[5], cases[12]])('Into forms: forward overwrites, backward ACCUMULATES, planned workspace allocates nothing $name', (c) =>
    cnn.scope(() => checkIntoForms(conv2dForms, c, conv2dRefOps(c), opts(c), 4, 40, true)),
  );

  it('depthwise equals one single-channel conv2d per channel (x=[2,4,13,11], M=2, s=2, p=1)', () =>
    cnn.scope(() => {
      const [N, C, H, W, M] = [2, 4, 13, 11, 2];
      const xv = randomF32(N * C * H * W, 5);
      const wv = randomF32(C * M * 9, 6);
      const y = cnn.ops.conv2d(cnn.tensor(xv, [N, C, H, W]), cnn.tensor(wv, [C * M, 1, 3, 3]), null, { stride: 2, padding: 1, groups: C });
      const [, , OH, OW] = y.shape;
      for (let c = 0; c < C; c++) {
        const xc = new Float32Array(N * H * W);
        for (let n = 0; n < N; n++) xc.set(xv.subarray((n * C + c) * H * W, (n * C + c + 1) * H * W), n * H * W);
        const yc = cnn.ops.conv2d(cnn.tensor(xc, [N, 1, H, W]), cnn.tensor(wv.subarray(c * M * 9, (c + 1) * M * 9), [M, 1, 3, 3]), null, { stride: 2, padding: 1 });
        for (let n = 0; n < N; n++) {
          const got = y.data.subarray((n * C * M + c * M) * OH * OW, (n * C * M + (c + 1) * M) * OH * OW);
          expectClose(got, yc.data.subarray(n * M * OH * OW, (n + 1) * M * OH * OW), { label: `channel ${c} image ${n}` });
        }
      }
    }));

  it('errors: groups not dividing the channels names both counts; filter channels per group; misspelled option', () =>
    cnn.scope(() => {
      expect(() => cnn.ops.conv2dOutputShape([1, 6, 8, 8], [4, 2, 3, 3], { groups: 4 })).toThrow(cnn.ValueError);
      expect(() => cnn.ops.conv2dOutputShape([1, 6, 8, 8], [4, 2, 3, 3], { groups: 4 })).toThrow(
        'conv2d: expected input channels (6) and filters (4) both divisible by groups (4)',
      );
      expect(() => cnn.ops.conv2dOutputShape([1, 6, 8, 8], [9, 2, 3, 3], { groups: 2 })).toThrow('filters (9)');
      expect(() => cnn.ops.conv2dOutputShape([1, 6, 8, 8], [4, 6, 3, 3], { groups: 2 })).toThrow(
        'conv2d: filter channels must equal input channels / groups: expected w=[4, 3, 3, 3] (6 input channels in 2 groups) for x=[1, 6, 8, 8], got w=[4, 6, 3, 3]',
      );
      expect(() => cnn.ops.conv2dOutputShape([1, 6, 8, 8], [6, 1, 3, 3], { groups: 0 })).toThrow(/groups: expected an integer ≥ 1, got 0/);
      expect(() => cnn.ops.conv2dOutputShape([1, 6, 8, 8], [6, 1, 3, 3], { groups: 1.5 })).toThrow(cnn.ValueError);
      const x = cnn.zeros([1, 3, 8, 8]);
      const w = cnn.zeros([6, 3, 3, 3]);
      // @ts-expect-error: a misspelled option
      expect(() => cnn.ops.conv2d(x, w, null, { strides: 2 })).toThrow("conv2d: unknown option 'strides' (expected one of stride, padding, dilation, groups, activation; did you mean 'stride'?)");
      // @ts-expect-error: a misspelled option
      expect(() => cnn.ops.conv2dBackward(cnn.zeros([1, 6, 6, 6]), x, w, { group: 1 })).toThrow(/conv2dBackward: unknown option 'group'.*did you mean 'groups'/);
      // @ts-expect-error: a misspelled option
      expect(() => cnn.ops.conv2dWorkspaceSize(x.shape, w.shape, { dilatation: 2 })).toThrow(cnn.ValueError);
    }));
});
