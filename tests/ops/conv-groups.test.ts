// SPDX-License-Identifier: MIT
// conv2d with groups: the GEMM path (one GEMM per group) and the direct depthwise kernels
// (groups = C, channel multiplier M = OC/C) against the float64 oracle of tests/reference/conv.ts
// on odd shapes — every stride, padding, dilation, width tail (the kernels step 16 and 4
// columns) — the oracle's backward against finite differences, accumulate semantics, typed
// errors and option checks.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { dot, numericGrad } from '../helpers/gradcheck.js';
import { randomF32, rng } from '../helpers/random.js';
import { conv2dBackwardRef, conv2dRef, convDims, type ConvRefOptions } from '../reference/conv.js';

beforeAll(() => cnn.ready());

type P2 = [number, number];
interface Case {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  s: P2;
  p: P2;
  d: P2;
  g: number;
}

const two = (v: number | P2): P2 => (typeof v === 'number' ? [v, v] : v);
function mk(x: Case['x'], w: Case['w'], g: number, s: number | P2, p: number | P2, d: number | P2 = 1): Case {
  const c = { x, w, g, s: two(s), p: two(p), d: two(d) };
  const kind = g === x[1] ? `depthwise M=${w[0] / g}` : `groups=${g}`;
  return { ...c, name: `${kind} x=[${x}] w=[${w}] s=[${c.s}] p=[${c.p}] d=[${c.d}]` };
}

const cases: Case[] = [
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
];

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const refOpts = (c: Case): ConvRefOptions => ({ stride: c.s, padding: c.p, dilation: c.d, groups: c.g });
const opts = (c: Case): cnn.ops.Conv2dOptions => ({ stride: c.s, padding: c.p, dilation: c.d, groups: c.g });

function data(c: Case, seed: number) {
  const d = convDims(c.x, c.w, refOpts(c));
  return {
    d,
    xv: randomF32(size(c.x), seed),
    wv: randomF32(size(c.w), seed + 1),
    bv: randomF32(c.w[0], seed + 2),
    dyv: randomF32(d.n * d.oc * d.oh * d.ow, seed + 3),
    yShape: [d.n, d.oc, d.oh, d.ow],
  };
}

describe('conv2d with groups and depthwise', () => {
  it.each(cases)('forward vs reference $name', (c) =>
    cnn.scope(() => {
      const { d, xv, wv, bv, yShape } = data(c, 1);
      const x = cnn.tensor(xv, c.x);
      const w = cnn.tensor(wv, c.w);
      expect(cnn.ops.conv2dOutputShape(c.x, c.w, opts(c))).toEqual(yShape);
      expectClose(cnn.ops.conv2d(x, w, cnn.tensor(bv, [c.w[0]]), opts(c)).data, conv2dRef(xv, wv, bv, d), { shape: yShape, label: c.name });
      expectClose(cnn.ops.conv2d(x, w, null, opts(c)).data, conv2dRef(xv, wv, null, d), { shape: yShape, label: `${c.name} no bias` });
    }),
  );

  it.each(cases)('reference backward vs finite differences $name', (c) => {
    const { d, xv, wv, bv, dyv } = data(c, 2);
    const [x, w, b] = [xv, wv, bv].map((a) => Float64Array.from(a));
    const ref = conv2dBackwardRef(dyv, x, w, d);
    const r = rng(3);
    const pick = (n: number) => (n <= 60 ? [...Array(n).keys()] : Array.from({ length: 60 }, () => Math.floor(r() * n)));
    const tol = { atol: 1e-6, rtol: 1e-6 };
    for (const [name, v, got, f] of [
      ['dx', x, ref.dx, (t: Float64Array) => conv2dRef(t, w, b, d)],
      ['dw', w, ref.dw, (t: Float64Array) => conv2dRef(x, t, b, d)],
      ['db', b, ref.db, (t: Float64Array) => conv2dRef(x, w, t, d)],
    ] as const) {
      const idx = pick(v.length);
      const num = numericGrad((t) => dot(f(t), dyv), v, 1e-6, idx);
      expectClose(idx.map((i) => got[i]), idx.map((i) => num[i]), { ...tol, label: `fd ${name} ${c.name}` });
    }
  });

  it.each(cases)('backward (dx, dw, db) vs reference backward $name', (c) =>
    cnn.scope(() => {
      const { d, xv, wv, dyv, yShape } = data(c, 3);
      const ref = conv2dBackwardRef(dyv, xv, wv, d);
      const got = cnn.ops.conv2dBackward(cnn.tensor(dyv, yShape), cnn.tensor(xv, c.x), cnn.tensor(wv, c.w), opts(c));
      expectClose(got.dx.data, ref.dx, { shape: c.x, label: `dx ${c.name}` });
      expectClose(got.dw.data, ref.dw, { shape: c.w, label: `dw ${c.name}` });
      expectClose(got.db.data, ref.db, { shape: [c.w[0]], label: `db ${c.name}` });
    }),
  );

  it.each([cases[1], cases[5], cases[12]])('Into forms: forward overwrites, backward ACCUMULATES, planned workspace allocates nothing $name', (c) =>
    cnn.scope(() => {
      const { d, xv, wv, bv, dyv, yShape } = data(c, 4);
      const [x, w, b, dy] = [cnn.tensor(xv, c.x), cnn.tensor(wv, c.w), cnn.tensor(bv, [c.w[0]]), cnn.tensor(dyv, yShape)];
      const y = cnn.tensor(randomF32(size(yShape), 40), yShape);
      const [dx0, dw0, db0] = [randomF32(size(c.x), 41), randomF32(size(c.w), 42), randomF32(c.w[0], 43)];
      const grads = { dx: cnn.tensor(dx0, c.x), dw: cnn.tensor(dw0, c.w), db: cnn.tensor(db0, [c.w[0]]) };
      const ws = cnn.zeros([cnn.ops.conv2dWorkspaceSize(c.x, c.w, opts(c))]);
      const before = cnn.memoryStats().allocations;
      cnn.ops.conv2dInto(y, x, w, b, opts(c), ws);
      cnn.ops.conv2dBackwardInto(grads, dy, x, w, opts(c), ws);
      expect(cnn.memoryStats().allocations).toBe(before);
      expectClose(y.data, conv2dRef(xv, wv, bv, d), { label: 'y =' });
      const ref = conv2dBackwardRef(dyv, xv, wv, d);
      expectClose(grads.dx.data, ref.dx.map((v, i) => v + dx0[i]), { label: 'dx +=' });
      expectClose(grads.dw.data, ref.dw.map((v, i) => v + dw0[i]), { label: 'dw +=' });
      expectClose(grads.db.data, ref.db.map((v, i) => v + db0[i]), { label: 'db +=' });
      const dx1 = grads.dx.toArray();
      cnn.ops.conv2dBackwardInto({ dx: null, dw: grads.dw, db: null }, dy, x, w, opts(c), ws);
      expect(Array.from(grads.dx.data)).toEqual(Array.from(dx1));
      expectClose(grads.dw.data, ref.dw.map((v, i) => 2 * v + dw0[i]), { label: 'dw += twice' });
    }),
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
      expect(() => cnn.ops.conv2d(x, w, null, { strides: 2 })).toThrow("conv2d: unknown option 'strides' (expected one of stride, padding, dilation, groups; did you mean 'stride'?)");
      // @ts-expect-error: a misspelled option
      expect(() => cnn.ops.conv2dBackward(cnn.zeros([1, 6, 6, 6]), x, w, { group: 1 })).toThrow(/conv2dBackward: unknown option 'group'.*did you mean 'groups'/);
      // @ts-expect-error: a misspelled option
      expect(() => cnn.ops.conv2dWorkspaceSize(x.shape, w.shape, { dilatation: 2 })).toThrow(cnn.ValueError);
    }));
});
