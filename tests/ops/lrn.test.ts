// SPDX-License-Identifier: MIT
// Local response normalisation: wasm vs the float64 reference (tests/reference/lrn.ts) on
// channel counts 1, 3, 4, 5, 17, 33, planes that leave a 4-lane tail, odd and even window
// sizes (the window is asymmetric for even sizes), windows wider than C, rank 3; the saved
// multiplier; the backward with and without it; the reference backward vs finite
// differences; PyTorch fixtures; errors; no allocation in the Into forms; the layer in a
// model (a training step, save/load) and a whole-model float64 gradient check with LRN and gelu.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { dot, numericGrad } from '../helpers/gradcheck.js';
import { gradcheckModel } from '../helpers/model-gradcheck.js';
import { randomF32, randomInts } from '../helpers/random.js';
import { lrnBackwardRef, lrnRef, type LrnRefOptions } from '../reference/lrn.js';

beforeAll(() => cnn.ready());

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

const cases: { shape: number[]; opts: LrnRefOptions }[] = [
  { shape: [1, 17, 13, 11], opts: { size: 5, alpha: 1e-4, beta: 0.75, k: 2 } }, // AlexNet's
  { shape: [2, 33, 13, 11], opts: { size: 3, alpha: 0.5, beta: 0.75, k: 1 } },
  { shape: [3, 5, 13, 11], opts: { size: 5, alpha: 1.2, beta: 0.6, k: 0.5 } },
  { shape: [2, 4, 3, 4], opts: { size: 4, alpha: 0.8, beta: 0.9, k: 1.5 } }, // even size, S = 12: lanes only
  { shape: [1, 3, 1, 1], opts: { size: 2, alpha: 1, beta: 0.75, k: 1 } }, // S = 1: tail only
  { shape: [2, 5, 3, 5], opts: { size: 7, alpha: 2, beta: 0.75, k: 1 } }, // window wider than C
  { shape: [1, 1, 5, 5], opts: { size: 1, alpha: 0.5, beta: 1.5, k: 1 } },
  { shape: [3, 17, 11], opts: { size: 5, alpha: 1, beta: 0.75, k: 1 } }, // rank 3 (N, C, L)
  { shape: [2, 3, 7], opts: { size: 3 } }, // torch's defaults
];
const labelOf = (c: { shape: number[]; opts: LrnRefOptions }) => `x=[${c.shape}] ${JSON.stringify(c.opts)}`;

describe('localResponseNorm vs float64 reference', () => {
  it.each(cases.map((c) => ({ ...c, label: labelOf(c) })))('forward, scale, backward (saved and recomputed), Into accumulates $label', (c) =>
    cnn.scope(() => {
      const n = size(c.shape);
      const xv = randomF32(n, 10 + n, -2, 2);
      const x = cnn.tensor(xv, c.shape);
      const yRef = lrnRef(xv, c.shape, c.opts);
      const tol = { atol: 1e-6, rtol: 1e-4, shape: c.shape };
      expectClose(cnn.ops.localResponseNorm(x, c.opts).data, yRef, { ...tol, label: `y ${c.label}` });
      const y = cnn.empty(c.shape), scale = cnn.empty(c.shape);
      cnn.ops.localResponseNormInto(y, x, c.opts, scale);
      expectClose(y.data, yRef, { ...tol, label: `y Into ${c.label}` });
      // scale = y / x = (k + α/size·Σx²)^(−β)
      const ones = new Float32Array(n).fill(1);
      expectClose(scale.data, lrnRef(ones, c.shape, c.opts).map((_, i) => yRef[i] / xv[i]), { ...tol, label: `scale ${c.label}` });

      const dyv = randomF32(n, 20 + n);
      const dy = cnn.tensor(dyv, c.shape);
      const dxRef = lrnBackwardRef(dyv, xv, c.shape, c.opts);
      expectClose(cnn.ops.localResponseNormBackward(dy, x, c.opts).data, dxRef, { ...tol, label: `dx ${c.label}` });
      const dx0 = randomF32(n, 30 + n);
      const want = dxRef.map((v, i) => v + dx0[i]);
      for (const saved of [scale, null]) {
        const dx = cnn.tensor(dx0, c.shape);
        cnn.ops.localResponseNormBackwardInto(dx, dy, x, c.opts, saved);
        expectClose(dx.data, want, { ...tol, label: `dx Into accumulates (${saved ? 'saved' : 'recomputed'} scale) ${c.label}` });
      }
    }),
  );

  it('the window of channel c is [c − ⌊size/2⌋, c + ⌊(size−1)/2⌋]: one nonzero channel scales only its neighbours (size 4: 2 before, 1 after)', () =>
    cnn.scope(() => {
      const xv = new Float32Array(7);
      xv[3] = 2;
      const y = cnn.ops.localResponseNorm(cnn.tensor(xv, [1, 7, 1, 1]), { size: 4, alpha: 4, beta: 1, k: 1 });
      // s_3 = 1 + (4/4)·4 = 5: y_3 = 2/5; the other channels are 0 whatever their s.
      expectClose(y.data, [0, 0, 0, 0.4, 0, 0, 0], { atol: 1e-7 });
      const dx = cnn.ops.localResponseNormBackward(cnn.tensor(new Float32Array(7).fill(1), [1, 7, 1, 1]), cnn.tensor(Float32Array.from([1, 1, 1, 2, 1, 1, 1]), [1, 7, 1, 1]), { size: 4, alpha: 4, beta: 1, k: 1 });
      const ref = lrnBackwardRef(new Float64Array(7).fill(1), [1, 1, 1, 2, 1, 1, 1], [1, 7, 1, 1], { size: 4, alpha: 4, beta: 1, k: 1 });
      expectClose(dx.data, ref, { atol: 1e-7, rtol: 1e-5 });
    }),
  );
});

describe('localResponseNorm reference backward vs finite differences (float64, h=1e-6)', () => {
  it.each(cases.filter((c) => size(c.shape) < 400).map((c) => ({ ...c, label: labelOf(c) })))('$label', (c) => {
    const x = Float64Array.from(randomF32(size(c.shape), 40, -2, 2));
    const r = Float64Array.from(randomF32(size(c.shape), 41));
    const fd = numericGrad((v) => dot(lrnRef(v, c.shape, c.opts), r), x);
    expectClose(lrnBackwardRef(r, x, c.shape, c.opts), fd, { atol: 1e-7, rtol: 1e-6, label: `lrn reference backward ${c.label}` });
  });
});

// Cases from tests/fixtures/make_activation_fixtures.py.
type Arr = { shape: number[]; data: number[] };
interface Fixture { op: string; name: string; torch: string; opts: cnn.ops.LocalResponseNormOptions; inputs: Record<string, Arr>; outputs: Record<string, Arr> }
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/activations.json', import.meta.url), 'utf8')).cases as Fixture[];

describe('localResponseNorm vs F.local_response_norm (rtol 1e-4)', () => {
  it.each(fixtures.filter((c) => c.op === 'localResponseNorm'))('$name', (c) =>
    cnn.scope(() => {
      const x = cnn.tensor(c.inputs.x.data, c.inputs.x.shape);
      const tol = { rtol: 1e-4, atol: 1e-6, shape: c.inputs.x.shape };
      const y = cnn.empty(x.shape), scale = cnn.empty(x.shape);
      cnn.ops.localResponseNormInto(y, x, c.opts, scale);
      expectClose(y.data, c.outputs.y.data, { ...tol, label: `y ${c.name}` });
      const dy = cnn.tensor(c.inputs.dy.data, c.inputs.dy.shape);
      expectClose(cnn.ops.localResponseNormBackward(dy, x, c.opts).data, c.outputs.dx.data, { ...tol, label: `dx ${c.name}` });
      const dx = cnn.zeros(x.shape);
      cnn.ops.localResponseNormBackwardInto(dx, dy, x, c.opts, scale);
      expectClose(dx.data, c.outputs.dx.data, { ...tol, label: `dx (saved scale) ${c.name}` });
    }),
  );
});

describe('localResponseNorm errors', () => {
  it('options: size required, misspelled names, bad values → ValueError; rank < 3, wrong shapes and dtypes → ShapeError / DTypeError', () =>
    cnn.scope(() => {
      const x = cnn.zeros([1, 5, 3, 3]);
      expect(() => cnn.ops.localResponseNorm(x, {} as never)).toThrow(/localResponseNorm: missing required option 'size'/);
      expect(() => cnn.ops.localResponseNorm(x, undefined as never)).toThrow(cnn.ValueError);
      expect(() => cnn.ops.localResponseNorm(x, { size: 3, alhpa: 1 } as never)).toThrow(/unknown option 'alhpa'.*did you mean 'alpha'/);
      expect(() => cnn.ops.localResponseNorm(x, { size: 0 })).toThrow(/expected size an integer ≥ 1, got 0/);
      expect(() => cnn.ops.localResponseNorm(x, { size: 2.5 })).toThrow(cnn.ValueError);
      expect(() => cnn.ops.localResponseNorm(x, { size: 3, beta: NaN })).toThrow(/expected beta a finite number/);
      expect(() => cnn.ops.localResponseNorm(cnn.zeros([2, 5]), { size: 3 })).toThrow(/expected x of rank ≥ 3/);
      expect(() => cnn.ops.localResponseNormInto(cnn.zeros([1, 5, 3, 3]), x, { size: 3 }, cnn.zeros([1, 5, 9]))).toThrow(/localResponseNorm scale: expected shape \[1, 5, 3, 3\], got \[1, 5, 9\]/);
      expect(() => cnn.ops.localResponseNormBackwardInto(cnn.zeros([1, 5, 3, 3], 'int32') as never, x, x, { size: 3 })).toThrow(cnn.DTypeError);
      expect(() => cnn.layers.localResponseNorm({ size: 5, K: 2 } as never)).toThrow(/did you mean 'k'/);
      expect(() => cnn.layers.localResponseNorm({} as never)).toThrow(/missing required option 'size'/);
    }),
  );
});

describe('localResponseNorm Into forms allocate nothing', () => {
  it('100 forward/backward rounds (x=[3,17,13,11] size 5): no typed arrays, no wasm allocation', async () => {
    const { countAllocations } = await import('../helpers/alloc-counter.js');
    cnn.scope(() => {
      const shape = [3, 17, 13, 11];
      const opts = { size: 5, alpha: 1e-4, beta: 0.75, k: 2 };
      const x = cnn.tensor(randomF32(size(shape), 51), shape);
      const y = cnn.empty(shape), scale = cnn.empty(shape), dx = cnn.zeros(shape), dy = cnn.zeros(shape);
      const before = cnn.memoryStats();
      const counter = countAllocations();
      try {
        for (let i = 0; i < 100; i++) {
          cnn.ops.localResponseNormInto(y, x, opts, scale);
          cnn.ops.localResponseNormBackwardInto(dx, dy, x, opts, scale);
          cnn.ops.localResponseNormBackwardInto(dx, dy, x, opts);
        }
      } finally {
        counter.uninstall();
      }
      expect(counter.count()).toBe(0);
      expect(cnn.memoryStats()).toEqual(before);
    });
  });
});

describe('layers.localResponseNorm in a model', () => {
  it('AlexNet\'s LRN after a conv: a training step lowers the loss; save/load keeps options and predictions', async () => {
    const L = cnn.layers;
    const lrn = L.localResponseNorm({ size: 5, alpha: 1e-4, beta: 0.75, k: 2 });
    const model = cnn.sequential([L.conv2d({ filters: 6, kernelSize: 3, activation: 'relu' }), lrn, L.maxPool2d({ poolSize: 2 }), L.flatten(), L.dense({ units: 3 })], { inputShape: [3, 9, 7], seed: 8 });
    expect(model.layers[2].config()).toEqual({ kind: 'localResponseNorm', size: 5, alpha: 1e-4, beta: 0.75, k: 2 });
    model.compile({ optimizer: cnn.optim.sgd({ lr: 0.1 }), batchSize: 4 });
    const x = cnn.tensor(randomF32(4 * 3 * 9 * 7, 81, -1, 1), [4, 3, 9, 7]);
    const labels = cnn.tensor(randomInts(4, 3, 82), [4], 'int32');
    const first = model.trainBatch(x, labels);
    expect(model.trainBatch(x, labels)).toBeLessThan(first);
    const loaded = await cnn.loadModel(model.toBytes());
    expect(loaded.layers[2].config()).toEqual(model.layers[2].config());
    expect(Array.from(loaded.predict(x).toArray())).toEqual(Array.from(model.predict(x).toArray()));
    expect(cnn.layers.fromConfig({ kind: 'localResponseNorm', size: 3 }).config()).toEqual({ kind: 'localResponseNorm', size: 3, alpha: 1e-4, beta: 0.75, k: 1 });
    model.dispose();
    loaded.dispose();
  });

  it('whole-model gradient check against float64 finite differences: conv → gelu → LRN → max-pool → conv → elu → dense → leakyRelu → dense → logSoftmax', () => {
    const L = cnn.layers;
    const model = cnn.sequential([
      L.conv2d({ filters: 5, kernelSize: 3, padding: 1, activation: 'gelu' }),
      L.localResponseNorm({ size: 3, alpha: 0.5, beta: 0.75, k: 1 }),
      L.maxPool2d({ poolSize: 2 }),
      L.conv2d({ filters: 4, kernelSize: 3 }),
      L.elu({ alpha: 0.7 }),
      L.flatten(),
      L.dense({ units: 6 }),
      L.leakyRelu({ negativeSlope: 0.1 }),
      L.dense({ units: 3 }),
      L.logSoftmax(),
    ], { inputShape: [2, 9, 7], seed: 9 });
    model.compile({ optimizer: cnn.optim.sgd({ lr: 0.1 }), batchSize: 3 });
    const r = gradcheckModel(model, randomF32(3 * 2 * 9 * 7, 91, -1, 1), randomInts(3, 3, 92), 3, { probes: 12 });
    expect(r.failures, r.failures.join('\n')).toEqual([]);
    expect(Math.abs(r.loss - r.lossRef)).toBeLessThan(1e-5 * r.lossRef);
    // 12 probes (or every element) of conv1 w, b (5), conv2 w, b (4), dense1 w, b (6), dense2 w, b (3).
    expect(r.checked + r.skipped).toBe(12 + 5 + 12 + 4 + 12 + 6 + 12 + 3);
    expect(r.skipped).toBeLessThanOrEqual(4);
    model.dispose();
  });
});
