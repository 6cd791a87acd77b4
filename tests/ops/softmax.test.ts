// SPDX-License-Identifier: MIT
// softmax and logSoftmax over dim 1 ([N, C] and [N, C, H, W]) and countCorrect: wasm vs the
// float64 reference, reference backward vs finite differences, wasm backward (accumulating)
// vs reference, PyTorch fixtures (large logits; float32 underflow to subnormals and 0).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { dot, numericGrad } from '../helpers/gradcheck.js';
import { randomF32, randomInts } from '../helpers/random.js';
import { countCorrectRef, logSoftmaxBackwardRef, logSoftmaxRef, softmaxBackwardRef, softmaxRef } from '../reference/softmax.js';

beforeAll(() => cnn.ready());

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const shapes: number[][] = [[1, 1], [3, 3], [1, 4], [3, 5], [1, 10], [3, 17], [2, 33], [3, 5, 13, 11], [1, 17, 3, 1], [2, 3, 2, 3]];
const cases = shapes.map((shape) => ({ shape, label: `x=[${shape}]` }));

/** softmax or logSoftmax: its wasm forms and float64 references (backward from the forward output y). */
interface RowOp {
  name: 'softmax' | 'logSoftmax';
  fwd: (x: cnn.Tensor) => cnn.Tensor;
  /** The Into form, checked to give exactly the allocating form's y (logSoftmax). */
  fwdInto?: (y: cnn.Tensor, x: cnn.Tensor) => void;
  bwd: (dy: cnn.Tensor, y: cnn.Tensor) => cnn.Tensor;
  bwdInto: (dx: cnn.Tensor, dy: cnn.Tensor, y: cnn.Tensor) => void;
  fwdRef: (x: ArrayLike<number>, shape: readonly number[]) => Float64Array;
  bwdRef: (dy: ArrayLike<number>, y: ArrayLike<number>, shape: readonly number[]) => Float64Array;
  /** x, dy and dx are drawn with seeds seed + n, seed + 100 + n, seed + 200 + n; the finite differences with seed + 300 and + 301. */
  seed: number;
  /** Forward tolerance vs the reference. */
  tol: { atol: number; rtol: number };
}

const SOFTMAX: RowOp = {
  name: 'softmax', fwd: cnn.ops.softmax, bwd: cnn.ops.softmaxBackward, bwdInto: cnn.ops.softmaxBackwardInto,
  fwdRef: softmaxRef, bwdRef: softmaxBackwardRef, seed: 600, tol: { atol: 1e-7, rtol: 1e-4 },
};
const LOG_SOFTMAX: RowOp = {
  name: 'logSoftmax', fwd: cnn.ops.logSoftmax, fwdInto: cnn.ops.logSoftmaxInto, bwd: cnn.ops.logSoftmaxBackward, bwdInto: cnn.ops.logSoftmaxBackwardInto,
  fwdRef: logSoftmaxRef, bwdRef: logSoftmaxBackwardRef, seed: 650, tol: { atol: 1e-6, rtol: 1e-5 },
};

/** Forward (and Into) vs the reference, then backward and the accumulating backwardInto from the wasm y. */
function checkForwardBackward(op: RowOp, shape: number[], label: string): void {
  cnn.scope(() => {
    const n = size(shape);
    const xv = randomF32(n, op.seed + n, -8, 8);
    const x = cnn.tensor(xv, shape);
    const yRef = op.fwdRef(xv, shape);
    const y = op.fwd(x);
    expectClose(y.data, yRef, { ...op.tol, shape, label: `${op.name} ${label}` });
    if (op.fwdInto) {
      const y2 = cnn.empty(shape);
      op.fwdInto(y2, x);
      expect(Array.from(y2.data)).toEqual(Array.from(y.data));
    }
    const dyv = randomF32(n, op.seed + 100 + n);
    const dy = cnn.tensor(dyv, shape);
    const dxRef = op.bwdRef(dyv, y.data, shape);
    expectClose(op.bwd(dy, y).data, dxRef, { atol: 1e-6, shape, label: `${op.name}Backward ${label}` });
    const dx0 = randomF32(n, op.seed + 200 + n);
    const dx = cnn.tensor(dx0, shape);
    op.bwdInto(dx, dy, y);
    expectClose(dx.data, dxRef.map((v, i) => v + dx0[i]), { atol: 1e-6, shape, label: `${op.name}BackwardInto accumulates ${label}` });
  });
}

/** The reference backward vs central differences of the reference forward. */
function checkReferenceBackward(op: RowOp, shape: number[]): void {
  const x = Float64Array.from(randomF32(size(shape), op.seed + 300, -3, 3));
  const r = Float64Array.from(randomF32(size(shape), op.seed + 301));
  const fd = numericGrad((v) => dot(op.fwdRef(v, shape), r), x);
  expectClose(op.bwdRef(r, op.fwdRef(x, shape), shape), fd, { atol: 1e-8, rtol: 1e-6, label: `${op.name} reference backward` });
}

describe('softmax', () => {
  it.each(cases)('forward and backward $label', ({ shape, label }) => checkForwardBackward(SOFTMAX, shape, label));

  it('is shift-invariant and finite for large logits (x=[2,5] around ±1000)', () =>
    cnn.scope(() => {
      const xv = Float32Array.from([1000, 1001, 999, 1000.5, 998, -1000, -1001, -999, -1000.5, -998]);
      const y = cnn.ops.softmax(cnn.tensor(xv, [2, 5]));
      expectClose(y.data, softmaxRef(xv, [2, 5]), { atol: 1e-7, label: 'softmax large logits' });
    }),
  );

  it.each([{ shape: [2, 5] }, { shape: [1, 3, 2, 2] }])('reference backward vs finite differences x=$shape (float64, h=1e-6)', ({ shape }) => checkReferenceBackward(SOFTMAX, shape));

  it('rank 1 and int32 inputs → ShapeError / DTypeError', () =>
    cnn.scope(() => {
      expect(() => cnn.ops.softmax(cnn.zeros([5]))).toThrow(/expected x of rank ≥ 2 \(\[N, C, \.\.\.\]\), got shape \[5\]/);
      expect(() => cnn.ops.softmax(cnn.zeros([2, 5], 'int32') as never)).toThrow(cnn.DTypeError);
      expect(() => cnn.ops.softmaxInto(cnn.zeros([5, 2]), cnn.zeros([2, 5]))).toThrow(cnn.ShapeError);
    }),
  );
});

// Cases from tests/fixtures/make_activation_fixtures.py (float32 ones computed by torch in float32).
type Arr = { shape: number[]; data: number[] };
interface Fixture { op: string; name: string; float32: boolean; inputs: Record<string, Arr>; outputs: Record<string, Arr> }
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/activations.json', import.meta.url), 'utf8')).cases as Fixture[];
const byOp = (op: string) => fixtures.filter((c) => c.op === op);
const T = (a: Arr) => cnn.tensor(a.data, a.shape);
/** Float32 subnormals are multiples of 2^−149 ≈ 1.4e-45: allow two of them beside rtol 1e-4. */
const SUBNORMAL = { atol: 2 * 2 ** -149, rtol: 1e-4 };

describe('softmax underflow: e^(x − max) below float32\'s smallest normal is subnormal, then 0 (as torch\'s float32 softmax)', () => {
  it.each(byOp('softmaxUnderflow'))('F.softmax $name', (c) =>
    cnn.scope(() => {
      const y = cnn.ops.softmax(T(c.inputs.x)).data;
      expectClose(y, c.outputs.y.data, { ...SUBNORMAL, shape: c.inputs.x.shape, label: `softmax ${c.name}` });
      expect(Array.from(y, (v) => v === 0)).toEqual(c.outputs.y.data.map((v) => v === 0));
    }),
  );

  it('x − max ∈ {−87.5, −90, −100, −104, −200, −∞} → float32 e^(x − max), not a clamp at e^−87 = 1.6e-38 (C = 4 lanes, 1 tail, S = 1 and S = 5)', () =>
    cnn.scope(() => {
      const row = [0, -87.5, -90, -100, -104, -200, -Infinity, -95.25, -103];
      const y = cnn.ops.softmax(cnn.tensor(row, [1, row.length])).data;
      expectClose(y, softmaxRef(row, [1, row.length]), { ...SUBNORMAL, label: 'softmax S=1' });
      expect(Array.from(y.slice(4, 7))).toEqual([0, 0, 0]);
      expect(y[1]).toBeLessThan(1e-38);
      // The same row down dim 1 of [1, 9, 1, 5], each position shifted, so 4 positions run per f32x4 and one alone.
      const planes = new Float32Array(9 * 5);
      for (let c = 0; c < 9; c++) for (let q = 0; q < 5; q++) planes[c * 5 + q] = row[(c + q) % 9] + q;
      const y4 = cnn.ops.softmax(cnn.tensor(planes, [1, 9, 1, 5])).data;
      expectClose(y4, softmaxRef(planes, [1, 9, 1, 5]), { ...SUBNORMAL, label: 'softmax S=5' });
    }),
  );
});

describe('logSoftmax', () => {
  it.each(cases)('forward and backward $label', ({ shape, label }) => checkForwardBackward(LOG_SOFTMAX, shape, label));

  it('large logits (x=[2,5] around ±1000 and a spread of 300): (x − max) − log Σ, finite and exact where one class dominates', () =>
    cnn.scope(() => {
      const xv = Float32Array.from([1000, 1001, 999, 1000.5, 998, -1000, -1001, -999, -1000.5, -698]);
      const y = cnn.ops.logSoftmax(cnn.tensor(xv, [2, 5])).data;
      expectClose(y, logSoftmaxRef(xv, [2, 5]), { atol: 1e-6, rtol: 1e-6, label: 'logSoftmax large logits' });
      expect(Array.from(y.slice(5))).toEqual([-302, -303, -301, -302.5, 0]);
    }),
  );

  it.each([{ shape: [2, 5] }, { shape: [1, 3, 2, 2] }])('reference backward vs finite differences x=$shape (float64, h=1e-6)', ({ shape }) => checkReferenceBackward(LOG_SOFTMAX, shape));

  it.each(byOp('logSoftmax'))('vs F.log_softmax $name (rtol 1e-4)', (c) =>
    cnn.scope(() => {
      const y = cnn.ops.logSoftmax(T(c.inputs.x));
      expectClose(y.data, c.outputs.y.data, { rtol: 1e-4, atol: 1e-5, shape: c.inputs.x.shape, label: `logSoftmax y ${c.name}` });
      expectClose(cnn.ops.logSoftmaxBackward(T(c.inputs.dy), T(c.outputs.y)).data, c.outputs.dx.data, { rtol: 1e-4, atol: 1e-5, label: `logSoftmax dx ${c.name}` });
    }),
  );

  it.each(byOp('logSoftmaxUnderflow'))('float32 underflow vs F.log_softmax $name: y = x − max − log Σ, dx = dy − e^y·Σdy with e^y → 0', (c) =>
    cnn.scope(() => {
      const y = cnn.ops.logSoftmax(T(c.inputs.x));
      expectClose(y.data, c.outputs.y.data, { rtol: 1e-6, atol: 0, label: `logSoftmax y ${c.name}` });
      expectClose(cnn.ops.logSoftmaxBackward(T(c.inputs.dy), y).data, c.outputs.dx.data, { rtol: 1e-4, atol: 1e-6, label: `logSoftmax dx ${c.name}` });
    }),
  );

  it('rank 1 and int32 inputs → ShapeError / DTypeError; the Into forms allocate nothing', async () => {
    const { countAllocations } = await import('../helpers/alloc-counter.js');
    cnn.scope(() => {
      expect(() => cnn.ops.logSoftmax(cnn.zeros([5]))).toThrow(/logSoftmax: expected x of rank ≥ 2/);
      expect(() => cnn.ops.logSoftmaxBackwardInto(cnn.zeros([2, 5], 'int32') as never, cnn.zeros([2, 5]), cnn.zeros([2, 5]))).toThrow(cnn.DTypeError);
      const x = cnn.tensor(randomF32(3 * 5 * 13 * 11, 77), [3, 5, 13, 11]);
      const y = cnn.empty(x.shape), dx = cnn.zeros(x.shape);
      const before = cnn.memoryStats();
      const counter = countAllocations();
      try {
        for (let i = 0; i < 100; i++) {
          cnn.ops.logSoftmaxInto(y, x);
          cnn.ops.logSoftmaxBackwardInto(dx, x, y);
        }
      } finally {
        counter.uninstall();
      }
      expect(counter.count()).toBe(0);
      expect(cnn.memoryStats()).toEqual(before);
    });
  });
});

describe('countCorrect', () => {
  it.each([{ n: 1, c: 1 }, { n: 3, c: 3 }, { n: 17, c: 5 }, { n: 33, c: 10 }, { n: 64, c: 17 }])('logits=[$n,$c] vs reference', ({ n, c }) =>
    cnn.scope(() => {
      const lv = randomF32(n * c, 1000 + n);
      const labels = randomInts(n, c, 1100 + n);
      // Make about half the rows correct so the count is informative.
      for (let i = 0; i < n; i += 2) lv[i * c + labels[i]] = 2;
      expect(cnn.ops.countCorrect(cnn.tensor(lv, [n, c]), cnn.tensor(labels, [n], 'int32'))).toBe(countCorrectRef(lv, labels, n, c));
    }),
  );

  it('ties count the first maximum (torch.argmax)', () =>
    cnn.scope(() => {
      const logits = cnn.tensor([1, 1, 0, 0, 2, 2], [2, 3]);
      expect(cnn.ops.countCorrect(logits, cnn.tensor(new Int32Array([0, 1]), [2], 'int32'))).toBe(2);
      expect(cnn.ops.countCorrect(logits, cnn.tensor(new Int32Array([1, 2]), [2], 'int32'))).toBe(0);
    }),
  );

  it('float labels or a wrong label count → DTypeError / ShapeError', () =>
    cnn.scope(() => {
      const logits = cnn.zeros([2, 3]);
      expect(() => cnn.ops.countCorrect(logits, cnn.zeros([2]) as never)).toThrow(/expected labels of dtype int32/);
      expect(() => cnn.ops.countCorrect(logits, cnn.zeros([3], 'int32'))).toThrow(/expected labels of shape \[2\]/);
    }),
  );
});
