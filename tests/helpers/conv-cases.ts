// SPDX-License-Identifier: MIT
// The convolution family's test machinery (tests/ops/conv*.test.ts), in the shape of tinygrad's
// helper_test_op: a case is x's and w's shapes plus options; its data are seeded; every op of
// the family gets the same three checks against its float64 oracle (tests/reference/conv.ts) —
// forward, the oracle's backward against central differences of its forward, the op's
// backward against the oracle's — and the same check of its Into forms.
import { expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { conv2dBackwardRef, conv2dRef, convDims, type ConvDims, type ConvRefOptions } from '../reference/conv.js';
import { expectClose } from './close.js';
import { dot, numericGrad } from './gradcheck.js';
import { randomF32, rng } from './random.js';

export type P2 = [number, number];
export const two = (v: number | P2): P2 => (typeof v === 'number' ? [v, v] : v);
export const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** A case: x's and w's shapes, named for the test titles. */
export interface ConvCase {
  name: string;
  x: number[];
  w: number[];
}

/** A conv2d case: stride, padding, dilation per axis, and groups. */
export interface Conv2dCase extends ConvCase {
  x: [number, number, number, number];
  w: [number, number, number, number];
  s: P2;
  p: P2;
  d: P2;
  g: number;
}

/** A float64 oracle of one op for one case: y's shape, forward and backward. */
export interface RefOps {
  shape: number[];
  forward(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null): Float64Array;
  backward(dy: ArrayLike<number>, x: ArrayLike<number>, w: ArrayLike<number>): { dx: Float64Array; dw: Float64Array; db: Float64Array };
}

type Grads = { dx: cnn.Tensor; dw: cnn.Tensor; db: cnn.Tensor };
type NullableGrads = { dx: cnn.Tensor | null; dw: cnn.Tensor; db: cnn.Tensor | null };

/** The op under test in both forms (cnn.ops.conv2d, conv2dBackward, conv2dInto …). */
export interface ConvForms<O> {
  outputShape(xShape: readonly number[], wShape: readonly number[], opts?: O): number[];
  workspaceSize(xShape: readonly number[], wShape: readonly number[], opts?: O): number;
  forward(x: cnn.Tensor, w: cnn.Tensor, b: cnn.Tensor | null, opts?: O): cnn.Tensor;
  backward(dy: cnn.Tensor, x: cnn.Tensor, w: cnn.Tensor, opts?: O): Grads;
  into(y: cnn.Tensor, x: cnn.Tensor, w: cnn.Tensor, b: cnn.Tensor | null, opts?: O, workspace?: cnn.Tensor | null): void;
  backwardInto(grads: NullableGrads, dy: cnn.Tensor, x: cnn.Tensor, w: cnn.Tensor, opts?: O, workspace?: cnn.Tensor | null): void;
}

export const conv2dForms: ConvForms<cnn.ops.Conv2dOptions> = {
  outputShape: cnn.ops.conv2dOutputShape,
  workspaceSize: cnn.ops.conv2dWorkspaceSize,
  forward: cnn.ops.conv2d,
  backward: cnn.ops.conv2dBackward,
  into: cnn.ops.conv2dInto,
  backwardInto: cnn.ops.conv2dBackwardInto,
};

export const conv1dForms: ConvForms<cnn.ops.Conv1dOptions> = {
  outputShape: cnn.ops.conv1dOutputShape,
  workspaceSize: cnn.ops.conv1dWorkspaceSize,
  forward: cnn.ops.conv1d,
  backward: cnn.ops.conv1dBackward,
  into: cnn.ops.conv1dInto,
  backwardInto: cnn.ops.conv1dBackwardInto,
};

export const convTranspose2dForms: ConvForms<cnn.ops.ConvTranspose2dOptions> = {
  outputShape: cnn.ops.convTranspose2dOutputShape,
  workspaceSize: cnn.ops.convTranspose2dWorkspaceSize,
  forward: cnn.ops.convTranspose2d,
  backward: cnn.ops.convTranspose2dBackward,
  into: cnn.ops.convTranspose2dInto,
  backwardInto: cnn.ops.convTranspose2dBackwardInto,
};

export const conv2dRefOptions = (c: Conv2dCase): ConvRefOptions => ({ stride: c.s, padding: c.p, dilation: c.d, groups: c.g });
export const conv2dOptions = (c: Conv2dCase): cnn.ops.Conv2dOptions => ({ stride: c.s, padding: c.p, dilation: c.d, groups: c.g });

/** conv2dRef and conv2dBackwardRef for one case, as RefOps. */
export function conv2dRefOps(c: Conv2dCase): RefOps & { d: ConvDims } {
  const d = convDims(c.x, c.w, conv2dRefOptions(c));
  return {
    d,
    shape: [d.n, d.oc, d.oh, d.ow],
    forward: (x, w, b) => conv2dRef(x, w, b, d),
    backward: (dy, x, w) => conv2dBackwardRef(dy, x, w, d),
  };
}

/** Seeded data for a case: x, w, b [Cout] and dy like y, from seeds seed … seed + 3. */
export function caseData(c: ConvCase, yShape: readonly number[], seed: number) {
  return {
    xv: randomF32(size(c.x), seed),
    wv: randomF32(size(c.w), seed + 1),
    bv: randomF32(yShape[1], seed + 2),
    dyv: randomF32(size(yShape), seed + 3),
  };
}

/**
 * The three checks against the oracle, one test per case each (call inside a describe):
 * forward with and without bias (data seed 1); the oracle's backward vs central differences
 * (h = 1e-6, tolerance 1e-6) at every coordinate of small tensors and at 60 drawn from
 * rng(fdSeed) otherwise (data seed 2); the op's dx, dw, db vs the oracle's (data seed 3).
 */
export function referenceTests<C extends ConvCase, O>(
  cases: C[],
  op: ConvForms<O>,
  oracle: (c: C) => RefOps,
  opts: (c: C) => O,
  fdSeed: number,
  forwardTitle = 'forward vs reference $name',
): void {
  it.each(cases)(forwardTitle, (c) =>
    cnn.scope(() => {
      const ref = oracle(c);
      const { xv, wv, bv } = caseData(c, ref.shape, 1);
      expect(op.outputShape(c.x, c.w, opts(c))).toEqual(ref.shape);
      const x = cnn.tensor(xv, c.x);
      const w = cnn.tensor(wv, c.w);
      const b = cnn.tensor(bv, [ref.shape[1]]);
      expectClose(op.forward(x, w, b, opts(c)).data, ref.forward(xv, wv, bv), { shape: ref.shape, label: c.name });
      expectClose(op.forward(x, w, null, opts(c)).data, ref.forward(xv, wv, null), { shape: ref.shape, label: `${c.name} no bias` });
    }),
  );

  it.each(cases)('reference backward vs finite differences $name', (c) => {
    const ref = oracle(c);
    const { xv, wv, bv, dyv } = caseData(c, ref.shape, 2);
    const [x, w, b] = [xv, wv, bv].map((a) => Float64Array.from(a));
    const got = ref.backward(dyv, x, w);
    const r = rng(fdSeed);
    const pick = (n: number) => (n <= 60 ? [...Array(n).keys()] : Array.from({ length: 60 }, () => Math.floor(r() * n)));
    for (const [name, v, g, f] of [
      ['dx', x, got.dx, (t: Float64Array) => ref.forward(t, w, b)],
      ['dw', w, got.dw, (t: Float64Array) => ref.forward(x, t, b)],
      ['db', b, got.db, (t: Float64Array) => ref.forward(x, w, t)],
    ] as const) {
      const idx = pick(v.length);
      const num = numericGrad((t) => dot(f(t), dyv), v, 1e-6, idx);
      expectClose(idx.map((i) => g[i]), idx.map((i) => num[i]), { atol: 1e-6, rtol: 1e-6, label: `fd ${name} ${c.name}` });
    }
  });

  it.each(cases)('backward (dx, dw, db) vs reference backward $name', (c) =>
    cnn.scope(() => {
      const ref = oracle(c);
      const { xv, wv, dyv } = caseData(c, ref.shape, 3);
      const want = ref.backward(dyv, xv, wv);
      const got = op.backward(cnn.tensor(dyv, ref.shape), cnn.tensor(xv, c.x), cnn.tensor(wv, c.w), opts(c));
      expectClose(got.dx.data, want.dx, { shape: c.x, label: `dx ${c.name}` });
      expectClose(got.dw.data, want.dw, { shape: c.w, label: `dw ${c.name}` });
      expectClose(got.db.data, want.db, { shape: [ref.shape[1]], label: `db ${c.name}` });
    }),
  );
}

/**
 * The Into forms over a planned workspace (nothing allocated): forward overwrites a random y,
 * backward ACCUMULATES into random dx, dw, db. Data from `seed`, the starting y, dx, dw, db
 * from seeds start … start + 3. With `nullGrads`, a second backward with null dx and db
 * leaves dx alone and adds to dw again.
 */
export function checkIntoForms<O>(op: ConvForms<O>, c: ConvCase, ref: RefOps, opts: O, seed: number, start: number, nullGrads = false): void {
  const yShape = ref.shape;
  const { xv, wv, bv, dyv } = caseData(c, yShape, seed);
  const [x, w, b, dy] = [cnn.tensor(xv, c.x), cnn.tensor(wv, c.w), cnn.tensor(bv, [yShape[1]]), cnn.tensor(dyv, yShape)];
  const y = cnn.tensor(randomF32(size(yShape), start), yShape);
  const [dx0, dw0, db0] = [randomF32(size(c.x), start + 1), randomF32(size(c.w), start + 2), randomF32(yShape[1], start + 3)];
  const grads = { dx: cnn.tensor(dx0, c.x), dw: cnn.tensor(dw0, c.w), db: cnn.tensor(db0, [yShape[1]]) };
  const ws = cnn.zeros([op.workspaceSize(c.x, c.w, opts)]);
  const before = cnn.memoryStats().allocations;
  op.into(y, x, w, b, opts, ws);
  op.backwardInto(grads, dy, x, w, opts, ws);
  expect(cnn.memoryStats().allocations).toBe(before);
  const want = ref.backward(dyv, xv, wv);
  expectClose(y.data, ref.forward(xv, wv, bv), { label: 'y =' });
  expectClose(grads.dx.data, want.dx.map((v, i) => v + dx0[i]), { label: 'dx +=' });
  expectClose(grads.dw.data, want.dw.map((v, i) => v + dw0[i]), { label: 'dw +=' });
  expectClose(grads.db.data, want.db.map((v, i) => v + db0[i]), { label: 'db +=' });
  if (!nullGrads) return;
  const dx1 = grads.dx.toArray();
  op.backwardInto({ dx: null, dw: grads.dw, db: null }, dy, x, w, opts, ws);
  expect(Array.from(grads.dx.data)).toEqual(Array.from(dx1));
  expectClose(grads.dw.data, want.dw.map((v, i) => 2 * v + dw0[i]), { label: 'dw += twice' });
}
