// SPDX-License-Identifier: MIT
// The checks every elementwise activation gets (tests/ops/elementwise.test.ts for relu,
// sigmoid, tanh; tests/ops/activations.test.ts for leakyRelu, elu, gelu): on each shape, the
// wasm forward, its Into form, the backward and the accumulating backwardInto vs the float64
// reference; and the reference backward vs finite differences of the reference forward.
import * as cnn from '../../src/index.js';
import { expectClose } from './close.js';
import { dot, numericGrad } from './gradcheck.js';
import { randomF32 } from './random.js';

/** One activation, options bound: its four wasm forms and its float64 references. */
export interface ActivationCase {
  name: string;
  fwd: (x: cnn.Tensor) => cnn.Tensor;
  fwdInto: (y: cnn.Tensor, x: cnn.Tensor) => void;
  /** `a` is the forward input x, or the forward output y when usesOutput (sigmoid, tanh). */
  bwd: (dy: cnn.Tensor, a: cnn.Tensor) => cnn.Tensor;
  bwdInto: (dx: cnn.Tensor, dy: cnn.Tensor, a: cnn.Tensor) => void;
  fwdRef: (x: ArrayLike<number>) => Float64Array;
  bwdRef: (dy: ArrayLike<number>, a: ArrayLike<number>) => Float64Array;
  usesOutput: boolean;
  /** The range of the random inputs. */
  lo: number;
  hi: number;
}

/** Sizes around the 4-lane tile, odd image shapes and a matrix. */
export const activationShapes: number[][] = [[1], [3], [4], [5], [17], [33], [3, 5, 13, 11], [1, 17, 13, 11], [2, 7]];

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Every activation on every shape, labelled `name x=[shape]`. */
export function activationCases(acts: ActivationCase[]): (ActivationCase & { shape: number[]; label: string })[] {
  return acts.flatMap((a) => activationShapes.map((s) => ({ ...a, shape: s, label: `${a.name} x=[${s}]` })));
}

/** Forward, Into, backward and the accumulating backwardInto vs the reference (atol 1e-6, rtol 1e-4). */
export function checkActivation(c: ActivationCase & { shape: number[]; label: string }): void {
  cnn.scope(() => {
    const n = size(c.shape);
    const xv = randomF32(n, 100 + n, c.lo, c.hi);
    const x = cnn.tensor(xv, c.shape);
    const yRef = c.fwdRef(xv);
    const y = c.fwd(x);
    expectClose(y.data, yRef, { atol: 1e-6, rtol: 1e-4, shape: c.shape, label: c.label });
    const y2 = cnn.empty(c.shape);
    c.fwdInto(y2, x);
    expectClose(y2.data, yRef, { atol: 1e-6, rtol: 1e-4, shape: c.shape, label: `${c.label} Into` });

    const dyv = randomF32(n, 200 + n);
    const dy = cnn.tensor(dyv, c.shape);
    const arg = c.usesOutput ? y : x;
    const dxRef = c.bwdRef(dyv, arg.data);
    expectClose(c.bwd(dy, arg).data, dxRef, { atol: 1e-6, rtol: 1e-4, shape: c.shape, label: `${c.label} backward` });
    const dx0 = randomF32(n, 300 + n);
    const dx = cnn.tensor(dx0, c.shape);
    c.bwdInto(dx, dy, arg);
    expectClose(dx.data, dxRef.map((v, i) => v + dx0[i]), { atol: 1e-6, rtol: 1e-4, shape: c.shape, label: `${c.label} backwardInto accumulates` });
  });
}

/** The reference backward vs central differences of the reference forward (float64, h=1e-6, x=[37]). */
export function checkReferenceBackward(a: ActivationCase): void {
  const x = Float64Array.from(randomF32(37, 400, a.lo, a.hi));
  const r = Float64Array.from(randomF32(37, 401));
  const fd = numericGrad((v) => dot(a.fwdRef(v), r), x);
  const analytic = a.bwdRef(r, a.usesOutput ? a.fwdRef(x) : x);
  expectClose(analytic, fd, { atol: 1e-7, rtol: 1e-6, label: `${a.name} reference backward` });
}
