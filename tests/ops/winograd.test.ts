// SPDX-License-Identifier: MIT
// winograd3x3_forward (assembly/winograd.ts, F(2×2, 3×3)) at the kernel level, against the
// float64 oracle of tests/reference/conv.ts: odd sizes (partial tiles, tile rows padded to 4),
// padding 0–2, several tile blocks, a half-filled last panel, K slices in the GEMMs, channel
// counts off the 4×8 tile; flags CONV_ACC and CONV_RELU; a range of images; the workspace size.
//
// Tolerance. With S = Σ |x·w| + |b| over an output's terms (the oracle run on |x|, |w|, |b|)
// and u = 2⁻²⁴, float32 direct convolution is within a few u·S in practice (γ_K·S, K = 9C, in
// the worst case). Winograd adds rounding in the transforms: d's (sums of 2 terms), g's (sums of
// 3, halved: exact), the channel sums of 16 products each, and the output's (sums of 3 and 3);
// Bᵀ, G and Aᵀ have row sums of at most 2, 1.5 and 3, so intermediate values stay within a small
// multiple of the terms they combine. Measured over these cases the error stays under 3 u·S
// (direct conv2d_forward: under 3.4 u·S); the test allows 16 u·S, still far below the error a
// wrong tap or transform entry makes (about |x·w| ≈ S/9C per term).
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { kernels } from '../../src/core/wasm.js';
import { convGeometry, writeGeometry } from '../../src/ops/conv-geometry.js';
import { type Conv2dCase, caseData, conv2dRefOps, size, two } from '../helpers/conv-cases.js';
import { randomF32 } from '../helpers/random.js';

beforeAll(() => cnn.ready());

const CONV_ACC = 1;
const CONV_RELU = 2;
const U = 2 ** -24;

function mk(x: Conv2dCase['x'], oc: number, p: number, why: string): Conv2dCase {
  return { x, w: [oc, x[1], 3, 3], g: 1, s: two(1), p: two(p), d: two(1), name: `x=[${x}] w=[${oc},${x[1]},3,3] p=${p}: ${why}` };
}

const cases: Conv2dCase[] = [
  mk([2, 3, 13, 11], 5, 1, 'odd OH and OW: partial tiles; 6 tile columns padded to 8'),
  mk([1, 4, 8, 8], 4, 1, 'one tile row of exactly 4 tiles'),
  mk([1, 5, 16, 16], 7, 0, 'no padding, OH = OW = 14, 7 filters'),
  mk([1, 3, 5, 4], 2, 2, 'padding 2 (output larger than the input)'),
  mk([1, 4, 6, 6], 9, 1, '12 tiles: a half-filled last panel; 9 filters'),
  mk([2, 16, 32, 32], 16, 1, '256 tiles: two blocks of 128'),
  mk([1, 64, 12, 12], 64, 1, '48 tiles: blocks of 32 and 16'),
  mk([1, 1100, 4, 4], 3, 1, 'C = 1100: sgemm_packed cuts K in two'),
  mk([1, 2, 3, 3], 3, 0, 'a 1×1 output'),
  mk([3, 6, 9, 7], 5, 1, 'three images'),
];

/** Runs winograd3x3_forward on images [n0, n1) with a guarded workspace; throws if it writes past its size. */
function winograd(c: Conv2dCase, y: cnn.Tensor, x: cnn.Tensor, w: cnn.Tensor, b: cnn.Tensor | null, flags: number, n0 = 0, n1 = c.x[0]): void {
  cnn.scope(() => {
    const g = convGeometry('conv2d', c.x, c.w, { stride: c.s, padding: c.p, dilation: c.d, groups: 1 });
    const geom = cnn.zeros([16]);
    writeGeometry(geom.ptr, g);
    const k = kernels();
    const floats = k.winograd3x3_workspace(g.c, g.oc, g.oh, g.ow);
    const ws = cnn.tensor(new Float32Array(floats + 16).fill(7), [floats + 16]);
    k.winograd3x3_forward(y.ptr, x.ptr, w.ptr, b ? b.ptr : 0, ws.ptr, geom.ptr, flags, n0, n1);
    expect(Array.from(ws.data.subarray(floats)), 'the 16 floats past the workspace').toEqual(new Array(16).fill(7));
  });
}

/** Max |got − want| / (u·S) and the first index over tol (−1 if none). */
function check(got: ArrayLike<number>, want: ArrayLike<number>, S: ArrayLike<number>, tol: number) {
  let worst = 0;
  let bad = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]) / (U * S[i] + 1e-38);
    worst = Math.max(worst, e);
    if (!(e <= tol) && bad < 0) bad = i;
  }
  return { worst, bad };
}

function expectWithin(got: ArrayLike<number>, want: ArrayLike<number>, S: ArrayLike<number>, label: string): void {
  const { worst, bad } = check(got, want, S, 16);
  expect(bad, `${label}: first value off at ${bad}: got ${got[bad]}, want ${want[bad]}, u·S ${U * S[bad]} (worst ${worst.toFixed(2)} u·S)`).toBe(-1);
}

describe('winograd3x3_forward', () => {
  it.each(cases)('vs the float64 oracle, flags 0, CONV_RELU, CONV_ACC, both; within 16 u·S ($name)', (c) =>
    cnn.scope(() => {
      const ref = conv2dRefOps(c);
      const { xv, wv, bv } = caseData(c, ref.shape, 41);
      const [x, w, b] = [cnn.tensor(xv, c.x), cnn.tensor(wv, c.w), cnn.tensor(bv, [c.w[0]])];
      const want = ref.forward(xv, wv, bv);
      const S = ref.forward(xv.map(Math.abs), wv.map(Math.abs), bv.map(Math.abs));
      const y0 = randomF32(size(ref.shape), 42);
      for (const flags of [0, CONV_RELU, CONV_ACC, CONV_ACC | CONV_RELU]) {
        const y = cnn.tensor(y0, ref.shape);
        winograd(c, y, x, w, b, flags);
        const acc = flags & CONV_ACC ? Array.from(want, (v, i) => v + y0[i]) : Array.from(want);
        const expected = flags & CONV_RELU ? acc.map((v) => Math.max(v, 0)) : acc;
        const bound = flags & CONV_ACC ? Array.from(S, (s, i) => s + Math.abs(y0[i])) : S;
        expectWithin(y.data, expected, bound, `${c.name} flags ${flags}`);
      }
      // Without bias.
      const y = cnn.zeros(ref.shape);
      winograd(c, y, x, w, null, 0);
      expectWithin(y.data, ref.forward(xv, wv, null), S, `${c.name} no bias`);
    }),
  );

  it('writes only the images of its range [n0, n1), and nothing past y', () =>
    cnn.scope(() => {
      const c = cases[cases.length - 1];
      const ref = conv2dRefOps(c);
      const { xv, wv, bv } = caseData(c, ref.shape, 51);
      const [x, w, b] = [cnn.tensor(xv, c.x), cnn.tensor(wv, c.w), cnn.tensor(bv, [c.w[0]])];
      const ny = size(ref.shape);
      const per = ny / c.x[0];
      const y0 = randomF32(ny + 8, 52); // y, then 8 guard floats
      const buf = cnn.tensor(y0, [ny + 8]);
      winograd(c, buf, x, w, b, 0, 1, 2);
      const want = ref.forward(xv, wv, bv);
      const S = ref.forward(xv.map(Math.abs), wv.map(Math.abs), bv.map(Math.abs));
      expect(Array.from(buf.data.subarray(0, per))).toEqual(Array.from(y0.subarray(0, per)));
      expect(Array.from(buf.data.subarray(2 * per))).toEqual(Array.from(y0.subarray(2 * per)));
      expectWithin(buf.data.subarray(per, 2 * per), want.subarray(per, 2 * per), S.subarray(per, 2 * per), 'image 1');
      winograd(c, buf, x, w, b, CONV_ACC | CONV_RELU);
      expect(Array.from(buf.data.subarray(ny))).toEqual(Array.from(y0.subarray(ny)));
    }));
});
