// SPDX-License-Identifier: MIT
// conv2d: wasm forward vs the float64 oracle (tests/reference/conv.ts) on odd shapes; the
// oracle's backward vs finite differences of its forward; wasm dx, dw, db vs the oracle's
// backward; the article's 3×3 / 2×2 worked example; accumulate semantics; typed errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { dot, numericGrad } from '../helpers/gradcheck.js';
import { type Conv2dCase, type P2, caseData, conv2dOptions as opts, conv2dRefOps, size, two } from '../helpers/conv-cases.js';
import { randomF32, rng } from '../helpers/random.js';
import { conv2dBackwardRef, conv2dRef } from '../reference/conv.js';

beforeAll(() => cnn.ready());

const fmt = (v: P2) => (v[0] === v[1] ? `${v[0]}` : `[${v}]`);
function mk(x: Conv2dCase['x'], w: Conv2dCase['w'], s: number | P2, p: number | P2, d: number | P2): Conv2dCase {
  const c = { x, w, g: 1, s: two(s), p: two(p), d: two(d) };
  return { ...c, name: `x=[${x}] w=[${w}] s=${fmt(c.s)} p=${fmt(c.p)} d=${fmt(c.d)}` };
}

const cases: Conv2dCase[] = [
  mk([2, 3, 13, 11], [5, 3, 3, 3], 2, 1, 1),
  mk([3, 3, 13, 11], [5, 3, 3, 3], 1, 1, 1),
  mk([1, 1, 13, 11], [4, 1, 5, 5], 2, 2, 1),
  mk([3, 4, 13, 11], [17, 4, 3, 3], 3, 2, 1), // padding 2 > half of a 3-tap kernel
  mk([1, 5, 13, 11], [3, 5, 3, 3], 1, 2, 2), // dilation 2
  mk([3, 17, 13, 11], [5, 17, 1, 1], 1, 0, 1), // pointwise: no im2col
  mk([1, 33, 6, 5], [4, 33, 1, 1], 2, 1, 1), // 1×1 with stride and padding: im2col path
  mk([1, 3, 13, 11], [33, 3, 3, 3], 2, 0, 1),
  mk([2, 3, 13, 11], [6, 3, 2, 4], [2, 1], [0, 3], [1, 2]), // asymmetric everything
  mk([1, 3, 5, 5], [2, 3, 5, 5], 1, 0, 1), // 1×1 output
  mk([1, 4, 13, 11], [3, 4, 3, 3], 3, 4, 1), // padding larger than the kernel (rows of zeros)
  mk([2, 1, 28, 28], [6, 1, 5, 5], 1, 2, 1), // LeNet conv1
  mk([2, 6, 14, 14], [16, 6, 5, 5], 1, 0, 1), // LeNet conv2
  // Column-panel packing (im2col_packed): stride-1 rows narrower than a panel (lane-by-lane
  // gather), rows exactly 8 wide, K > 256 (two K slices), stride 1 with padding > the kernel.
  mk([3, 3, 6, 5], [7, 3, 3, 3], 1, 0, 1), // OW = 3: a panel spans three rows
  mk([3, 5, 9, 10], [6, 5, 3, 3], 1, 1, [1, 2]), // OW = 8
  mk([1, 33, 9, 13], [5, 33, 3, 3], 1, 1, 1), // K = 297: the forward's column blocks (32768/K → 104 columns) are 104 + 13
  mk([2, 40, 17, 13], [5, 40, 3, 3], 1, 1, 1), // K = 360: blocks of 88, 88 and 45 columns (a part-filled last panel)
  mk([1, 4, 13, 11], [3, 4, 3, 3], 1, 3, 1), // padding 3 with stride 1
  mk([3, 2, 13, 11], [1, 2, 3, 3], 1, 1, 1), // OC = 1: a one-row tile
];

function data(c: Conv2dCase, seed: number) {
  const { d, shape: yShape } = conv2dRefOps(c);
  return { d, yShape, ...caseData(c, yShape, seed) };
}

describe('conv2d', () => {
  it.each(cases)('forward vs reference $name', (c) =>
    cnn.scope(() => {
      const { d, xv, wv, bv, yShape } = data(c, 1);
      const x = cnn.tensor(xv, c.x);
      const w = cnn.tensor(wv, c.w);
      expect(cnn.ops.conv2dOutputShape(c.x, c.w, opts(c))).toEqual(yShape);
      const y = cnn.ops.conv2d(x, w, cnn.tensor(bv, [c.w[0]]), opts(c));
      expect(y.shape).toEqual(yShape);
      expectClose(y.data, conv2dRef(xv, wv, bv, d), { shape: yShape, label: `conv2d ${c.name}` });
      const y0 = cnn.ops.conv2d(x, w, null, opts(c));
      expectClose(y0.data, conv2dRef(xv, wv, null, d), { shape: yShape, label: `conv2d (no bias) ${c.name}` });
    }),
  );

  it.each(cases)('reference backward vs finite differences $name', (c) => {
    const { d, xv, wv, bv, dyv } = data(c, 2);
    const x = Float64Array.from(xv);
    const w = Float64Array.from(wv);
    const b = Float64Array.from(bv);
    const ref = conv2dBackwardRef(dyv, x, w, d);
    // A random subset of coordinates keeps the big cases quick; every tiny case is checked whole.
    const pick = (n: number, seed: number) => {
      if (n <= 60) return undefined;
      const r = rng(seed);
      return Array.from({ length: 60 }, () => Math.floor(r() * n));
    };
    const tol = { atol: 1e-6, rtol: 1e-6 };
    const ix = pick(x.length, 3);
    const iw = pick(w.length, 4);
    const sub = (a: Float64Array, idx?: number[]) => (idx ? idx.map((i) => a[i]) : Array.from(a));
    const gx = numericGrad((v) => dot(conv2dRef(v, w, b, d), dyv), x, 1e-6, ix);
    const gw = numericGrad((v) => dot(conv2dRef(x, v, b, d), dyv), w, 1e-6, iw);
    const gb = numericGrad((v) => dot(conv2dRef(x, w, v, d), dyv), b, 1e-6);
    expectClose(sub(gx, ix), sub(ref.dx, ix), { ...tol, label: `fd dx ${c.name}` });
    expectClose(sub(gw, iw), sub(ref.dw, iw), { ...tol, label: `fd dw ${c.name}` });
    expectClose(gb, ref.db, { ...tol, label: `fd db ${c.name}` });
  });

  it.each(cases)('backward (dx, dw, db) vs reference backward $name', (c) =>
    cnn.scope(() => {
      const { d, xv, wv, dyv, yShape } = data(c, 3);
      const x = cnn.tensor(xv, c.x);
      const w = cnn.tensor(wv, c.w);
      const dy = cnn.tensor(dyv, yShape);
      const ref = conv2dBackwardRef(dyv, xv, wv, d);
      const got = cnn.ops.conv2dBackward(dy, x, w, opts(c));
      expectClose(got.dx.data, ref.dx, { shape: c.x, label: `conv2d dx ${c.name}` });
      expectClose(got.dw.data, ref.dw, { shape: c.w, label: `conv2d dw ${c.name}` });
      expectClose(got.db.data, ref.db, { shape: [c.w[0]], label: `conv2d db ${c.name}` });
    }),
  );

  it('backward Into ACCUMULATES (+=) into dx, dw, db and skips null dx / db; planned workspace (x=[3,4,13,11] w=[5,4,3,3] s=2 p=1 d=1)', () =>
    cnn.scope(() => {
      const c = mk([3, 4, 13, 11], [5, 4, 3, 3], 2, 1, 1);
      const { d, xv, wv, dyv, yShape } = data(c, 4);
      const x = cnn.tensor(xv, c.x);
      const w = cnn.tensor(wv, c.w);
      const dy = cnn.tensor(dyv, yShape);
      const dx0 = randomF32(size(c.x), 40);
      const dw0 = randomF32(size(c.w), 41);
      const db0 = randomF32(c.w[0], 42);
      const grads = { dx: cnn.tensor(dx0, c.x), dw: cnn.tensor(dw0, c.w), db: cnn.tensor(db0, [c.w[0]]) };
      const ws = cnn.zeros([cnn.ops.conv2dWorkspaceSize(c.x, c.w, opts(c))]);
      const before = cnn.memoryStats();
      cnn.ops.conv2dBackwardInto(grads, dy, x, w, opts(c), ws);
      const after = cnn.memoryStats();
      expect(after.allocations).toBe(before.allocations); // a planned workspace: nothing allocated
      const ref = conv2dBackwardRef(dyv, xv, wv, d);
      expectClose(grads.dx.data, ref.dx.map((v, i) => v + dx0[i]), { label: 'dx +=' });
      expectClose(grads.dw.data, ref.dw.map((v, i) => v + dw0[i]), { label: 'dw +=' });
      expectClose(grads.db.data, ref.db.map((v, i) => v + db0[i]), { label: 'db +=' });
      const dx1 = grads.dx.toArray();
      const dw1 = grads.dw.toArray();
      cnn.ops.conv2dBackwardInto({ dx: null, dw: grads.dw, db: null }, dy, x, w, opts(c), ws);
      expect(Array.from(grads.dx.data)).toEqual(Array.from(dx1));
      expectClose(grads.dw.data, ref.dw.map((v, i) => v + dw1[i]), { label: 'dw += twice' });
    }));

  it("the article's worked example: 3×3 input, 2×2 kernel, dx = pad(δ, 1) ∗ rot180(W) (x=[1,1,3,3] w=[1,1,2,2] s=1 p=0 d=1)", () =>
    cnn.scope(() => {
      const [w11, w12, w21, w22] = [0.5, -1.25, 2, 0.75];
      const [d11, d12, d21, d22] = [1.5, -2, 0.25, 3];
      const x = cnn.tensor(randomF32(9, 5), [1, 1, 3, 3]);
      const w = cnn.tensor([w11, w12, w21, w22], [1, 1, 2, 2]);
      const dy = cnn.tensor([d11, d12, d21, d22], [1, 1, 2, 2]);
      const { dx } = cnn.ops.conv2dBackward(dy, x, w);
      // ∂J/∂a_ij from the article, one line per input pixel (row-major a11 … a33).
      const expected = [
        d11 * w11,
        d11 * w12 + d12 * w11,
        d12 * w12,
        d11 * w21 + d21 * w11,
        d11 * w22 + d12 * w21 + d21 * w12 + d22 * w11,
        d12 * w22 + d22 * w12,
        d21 * w21,
        d21 * w22 + d22 * w21,
        d22 * w22,
      ];
      expectClose(dx.data, expected, { shape: [3, 3], label: 'article ∂J/∂a' });
      // The same as a full correlation of the 1-padded δ with the 180°-rotated kernel.
      const rot = cnn.tensor([w22, w21, w12, w11], [1, 1, 2, 2]);
      const full = cnn.ops.conv2d(dy, rot, null, { padding: 1 });
      expectClose(full.data, expected, { shape: [3, 3], label: 'pad(δ,1) ∗ rot180(W)' });
    }));

  it('errors: channel mismatch names both shapes, wrong rank, empty output, small workspace', () =>
    cnn.scope(() => {
      const x = cnn.zeros([1, 3, 28, 28]);
      const w = cnn.zeros([6, 1, 5, 5]);
      const msg = 'conv2d: filter channels must equal input channels: expected w=[6, 3, 5, 5] (3 input channels) for x=[1, 3, 28, 28], got w=[6, 1, 5, 5]';
      expect(() => cnn.ops.conv2d(x, w, null)).toThrow(cnn.ShapeError);
      expect(() => cnn.ops.conv2d(x, w, null)).toThrow(msg);
      expect(() => cnn.ops.conv2dOutputShape([1, 3, 28, 28], [6, 1, 5, 5])).toThrow(msg);
      expect(() => cnn.ops.conv2dOutputShape([3, 28, 28], [6, 3, 5, 5])).toThrow(/conv2d x: expected a rank-4 tensor \(N, C, H, W\), got shape \[3, 28, 28\]/);
      expect(() => cnn.ops.conv2dOutputShape([1, 3, 28, 28], [6, 3, 5])).toThrow(cnn.ShapeError);
      expect(() => cnn.ops.conv2dOutputShape([1, 3, 4, 4], [6, 3, 5, 5])).toThrow(cnn.ValueError);
      expect(() => cnn.ops.conv2dOutputShape([1, 3, 4, 4], [6, 3, 5, 5])).toThrow(/got 0×0 for x=\[1, 3, 4, 4\] w=\[6, 3, 5, 5\]/);
      expect(() => cnn.ops.conv2dOutputShape([1, 3, 8, 8], [6, 3, 3, 3], { stride: 0 })).toThrow(cnn.ValueError);
      const w3 = cnn.zeros([6, 3, 5, 5]);
      expect(() => cnn.ops.conv2dInto(cnn.zeros([1, 6, 28, 28]), x, w3, null)).toThrow(/conv2d y: expected shape \[1, 6, 24, 24\], got \[1, 6, 28, 28\]/);
      expect(() => cnn.ops.conv2d(x, w3, cnn.zeros([5]))).toThrow(/conv2d b: expected shape \[6\], got \[5\]/);
      const need = cnn.ops.conv2dWorkspaceSize(x.shape, w3.shape);
      expect(() => cnn.ops.conv2dInto(cnn.zeros([1, 6, 24, 24]), x, w3, null, {}, cnn.zeros([need - 1]))).toThrow(
        new RegExp(`expected at least ${need} floats, got ${need - 1}`),
      );
      expect(() => cnn.ops.conv2dBackward(cnn.zeros([1, 6, 23, 24]), x, w3)).toThrow(/conv2dBackward dy: expected shape \[1, 6, 24, 24\], got \[1, 6, 23, 24\]/);
    }));
});
