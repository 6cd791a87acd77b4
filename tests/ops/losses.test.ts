// SPDX-License-Identifier: MIT
// softmaxCrossEntropy, mse and the Euclidean loss: the loss and the first δ vs the float64
// reference (tests/reference/softmax.ts), the reference gradient vs finite differences of the
// reference loss, cross-entropy's float32 underflow vs PyTorch, label range errors, the
// name → function table, and compile({ loss: 'euclidean' }) on a labelled dataset.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { numericGrad } from '../helpers/gradcheck.js';
import { randomF32, randomInts } from '../helpers/random.js';
import { crossEntropyRef, euclideanRef, mseRef } from '../reference/softmax.js';

beforeAll(() => cnn.ready());

const ceCases = [[1, 1], [1, 3], [3, 4], [3, 5], [16, 10], [3, 17], [5, 33]].map(([n, c]) => ({ n, c, label: `logits=[${n},${c}]` }));

describe('softmaxCrossEntropy', () => {
  it.each(ceCases)('loss and dlogits vs reference $label', ({ n, c, label }) =>
    cnn.scope(() => {
      const lv = randomF32(n * c, 1200 + n * c, -5, 5);
      const yv = randomInts(n, c, 1300 + n);
      const ref = crossEntropyRef(lv, yv, n, c);
      const logits = cnn.tensor(lv, [n, c]);
      const labels = cnn.tensor(yv, [n], 'int32');
      const { loss, dlogits } = cnn.ops.softmaxCrossEntropy(logits, labels);
      expectClose([loss], [ref.loss], { atol: 1e-6, label: `loss ${label}` });
      expectClose(dlogits.data, ref.dlogits, { atol: 1e-7, shape: [n, c], label: `dlogits ${label}` });
      // The Into form overwrites whatever dlogits held.
      const d2 = cnn.tensor(randomF32(n * c, 1), [n, c]);
      const loss2 = cnn.ops.softmaxCrossEntropyInto(d2, logits, labels);
      expectClose([loss2], [ref.loss], { atol: 1e-6, label: `loss Into ${label}` });
      expectClose(d2.data, ref.dlogits, { atol: 1e-7, shape: [n, c], label: `dlogits Into overwrites ${label}` });
    }),
  );

  it.each([{ n: 3, c: 5 }, { n: 2, c: 17 }])('reference dlogits vs finite differences of the reference loss logits=[$n,$c] (float64, h=1e-6)', ({ n, c }) => {
    const x = Float64Array.from(randomF32(n * c, 1400, -3, 3));
    const yv = randomInts(n, c, 1401);
    const fd = numericGrad((v) => crossEntropyRef(v, yv, n, c).loss, x);
    expectClose(crossEntropyRef(x, yv, n, c).dlogits, fd, { atol: 1e-8, rtol: 1e-6, label: 'cross-entropy reference gradient' });
  });

  it('stays finite for extreme logits (±500)', () =>
    cnn.scope(() => {
      const lv = Float32Array.from([500, -500, 0, -500, 500, 0]);
      const yv = new Int32Array([1, 0]);
      const { loss, dlogits } = cnn.ops.softmaxCrossEntropy(cnn.tensor(lv, [2, 3]), cnn.tensor(yv, [2], 'int32'));
      const ref = crossEntropyRef(lv, yv, 2, 3);
      expectClose([loss], [ref.loss], { rtol: 1e-6, label: 'loss extreme' });
      expectClose(dlogits.data, ref.dlogits, { label: 'dlogits extreme' });
    }),
  );

  it('float32 underflow vs F.cross_entropy (logits down to max − 200): dlogits subnormal, then 0', () =>
    cnn.scope(() => {
      type Arr = { shape: number[]; data: number[] };
      const cases = JSON.parse(readFileSync(new URL('../fixtures/activations.json', import.meta.url), 'utf8')).cases as { op: string; inputs: Record<string, Arr>; outputs: { loss: number; dlogits: Arr } }[];
      const c = cases.find((k) => k.op === 'softmaxCrossEntropyUnderflow')!;
      const { logits, labels } = c.inputs;
      const { loss, dlogits } = cnn.ops.softmaxCrossEntropy(cnn.tensor(logits.data, logits.shape), cnn.tensor(Int32Array.from(labels.data), labels.shape, 'int32'));
      expectClose([loss], [c.outputs.loss], { rtol: 1e-6, label: 'loss' });
      // Subnormals are multiples of 2^−149: two of them beside rtol 1e-4.
      expectClose(dlogits.data, c.outputs.dlogits.data, { atol: 2 * 2 ** -149, rtol: 1e-4, label: 'dlogits' });
      expect(Array.from(dlogits.data, (v) => v === 0)).toEqual(c.outputs.dlogits.data.map((v) => v === 0));
    }),
  );

  it('a label outside [0, C) → ValueError naming the label, its index and C', () =>
    cnn.scope(() => {
      const logits = cnn.zeros([4, 3]);
      expect(() => cnn.ops.softmaxCrossEntropy(logits, cnn.tensor(new Int32Array([0, 2, 3, 1]), [4], 'int32'))).toThrow(
        /expected labels in \[0, 3\) \(C = 3 classes\), got 3 at index 2/,
      );
      expect(() => cnn.ops.softmaxCrossEntropy(logits, cnn.tensor(new Int32Array([0, -1, 0, 0]), [4], 'int32'))).toThrow(cnn.ValueError);
      expect(() => cnn.ops.softmaxCrossEntropy(logits, cnn.zeros([4]) as never)).toThrow(cnn.DTypeError);
      expect(() => cnn.ops.softmaxCrossEntropy(logits, cnn.zeros([3], 'int32'))).toThrow(cnn.ShapeError);
    }),
  );
});

/** A squared-error loss: its two wasm forms and its float64 reference. */
interface SquaredLoss {
  name: 'mse' | 'euclidean';
  loss: (pred: cnn.Tensor, target: cnn.Tensor) => { loss: number; dpred: cnn.Tensor };
  into: (dpred: cnn.Tensor, pred: cnn.Tensor, target: cnn.Tensor) => number;
  ref: (pred: ArrayLike<number>, target: ArrayLike<number>) => { loss: number; dpred: Float64Array };
  /** pred and target are drawn with seeds seed + m and seed + 100 + m (m elements). */
  seed: number;
  /** rtol of the loss. */
  rtol: number;
}

const MSE: SquaredLoss = { name: 'mse', loss: cnn.ops.mse, into: cnn.ops.mseInto, ref: mseRef, seed: 1500, rtol: 1e-5 };
const EUCLIDEAN: SquaredLoss = { name: 'euclidean', loss: cnn.ops.euclidean, into: cnn.ops.euclideanInto, ref: euclideanRef, seed: 1800, rtol: 1e-6 };
const lossShapes = [[1], [3], [4], [5], [17], [3, 10], [3, 5, 13, 11]].map((shape) => ({ shape, label: `pred=[${shape}]` }));

/** The loss and dpred, then the Into form over a dpred holding garbage, vs the reference; returns what the caller may check further. */
function checkSquaredLoss(l: SquaredLoss, shape: number[], label: string): { loss: number; pred: cnn.Tensor; target: cnn.Tensor; m: number } {
  const m = shape.reduce((a, b) => a * b, 1);
  const pv = randomF32(m, l.seed + m), tv = randomF32(m, l.seed + 100 + m);
  const ref = l.ref(pv, tv);
  const pred = cnn.tensor(pv, shape), target = cnn.tensor(tv, shape);
  const { loss, dpred } = l.loss(pred, target);
  expectClose([loss], [ref.loss], { atol: 1e-7, rtol: l.rtol, label: `${l.name} ${label}` });
  expectClose(dpred.data, ref.dpred, { atol: 1e-7, shape, label: `dpred ${label}` });
  const d2 = cnn.tensor(randomF32(m, 2), shape);
  expectClose([l.into(d2, pred, target)], [ref.loss], { atol: 1e-7, rtol: l.rtol, label: `${l.name}Into ${label}` });
  expectClose(d2.data, ref.dpred, { atol: 1e-7, shape, label: `dpred Into overwrites ${label}` });
  return { loss, pred, target, m };
}

/** The reference dpred vs central differences of the reference loss, pred=[13]. */
function checkReferenceGradient(l: SquaredLoss, seed: number): void {
  const p = Float64Array.from(randomF32(13, seed));
  const t = Float64Array.from(randomF32(13, seed + 1));
  expectClose(l.ref(p, t).dpred, numericGrad((v) => l.ref(v, t).loss, p), { atol: 1e-8, rtol: 1e-6, label: `${l.name} reference gradient` });
}

describe('mse', () => {
  it.each(lossShapes)('loss and dpred vs reference $label', ({ shape, label }) => cnn.scope(() => void checkSquaredLoss(MSE, shape, label)));

  it('reference dpred vs finite differences of the reference loss pred=[13] (float64, h=1e-6)', () => checkReferenceGradient(MSE, 1700));

  it('shape mismatch → ShapeError', () =>
    cnn.scope(() => {
      expect(() => cnn.ops.mse(cnn.zeros([2, 3]), cnn.zeros([3, 2]))).toThrow(/expected target of shape \[2, 3\] \(as pred\), got \[3, 2\]/);
    }),
  );
});

describe('euclidean (the articles\' ½‖a − y‖², summed over every element)', () => {
  it.each(lossShapes)('loss and dpred vs reference $label', ({ shape, label }) =>
    cnn.scope(() => {
      const { loss, pred, target, m } = checkSquaredLoss(EUCLIDEAN, shape, label);
      // ½·(sum) = ½·M·mse: the two losses share one kernel but not their scale.
      expectClose([loss], [(cnn.ops.mse(pred, target).loss * m) / 2], { rtol: 1e-5, label: `euclidean = M/2 · mse ${label}` });
    }),
  );

  it('the articles\' example: a = [1, 2, 3], y = [1, 0, 0] → ½(0 + 4 + 9) = 6.5, δ = a − y', () =>
    cnn.scope(() => {
      const { loss, dpred } = cnn.ops.euclidean(cnn.tensor([1, 2, 3], [1, 3]), cnn.tensor([1, 0, 0], [1, 3]));
      expect(loss).toBe(6.5);
      expect(Array.from(dpred.data)).toEqual([0, 2, 3]);
    }),
  );

  it('reference dpred vs finite differences of the reference loss pred=[13] (float64, h=1e-6)', () => checkReferenceGradient(EUCLIDEAN, 2000));

  it('shape and dtype mismatches, empty tensors → ShapeError / DTypeError naming euclidean', () =>
    cnn.scope(() => {
      expect(() => cnn.ops.euclidean(cnn.zeros([2, 3]), cnn.zeros([3, 2]))).toThrow(/euclidean: expected target of shape \[2, 3\] \(as pred\), got \[3, 2\]/);
      expect(() => cnn.ops.euclideanInto(cnn.zeros([2, 3], 'int32') as never, cnn.zeros([2, 3]), cnn.zeros([2, 3]))).toThrow(/euclidean: expected dpred of dtype float32/);
      expect(() => cnn.ops.euclidean(cnn.zeros([0, 3]), cnn.zeros([0, 3]))).toThrow(/euclidean: expected at least one element/);
    }),
  );

  it('compile({ loss: \'euclidean\' }) trains on a labelled dataset against one-hot targets (each batch\'s loss is ½‖y − onehot‖² summed)', async () => {
    const model = cnn.sequential([cnn.layers.flatten(), cnn.layers.dense({ units: 3 })], { inputShape: [1, 3, 3], seed: 4 });
    model.compile({ optimizer: cnn.optim.sgd({ lr: 0.02 }), loss: 'euclidean', batchSize: 3 });
    expect(model.lossName).toBe('euclidean');
    const images = randomF32(6 * 9, 2100, 0, 1);
    const labels = Int32Array.from([0, 2, 1, 2, 0, 1]);
    const data = cnn.data.Dataset.fromArrays(images, labels, [1, 3, 3], 3);
    const x = cnn.tensor(images.subarray(0, 27), [3, 1, 3, 3]);
    const out = model.predict(x).toArray();
    const onehot = Float32Array.from({ length: 9 }, (_, i) => (labels[Math.floor(i / 3)] === i % 3 ? 1 : 0));
    const batchLosses: number[] = [];
    await model.fit(data, { epochs: 4, shuffle: false, onBatchEnd: (b) => batchLosses.push(b.loss) });
    expectClose([batchLosses[0]], [euclideanRef(out, onehot).loss], { rtol: 1e-5, label: 'first batch: ½‖y − onehot‖²' });
    expect(batchLosses[6]).toBeLessThan(batchLosses[0]);
    model.dispose();
    x.dispose();
  });
});

describe('losses table', () => {
  it('maps each name to its Into form and target dtype', () =>
    cnn.scope(() => {
      expect(Object.keys(cnn.ops.losses).sort()).toEqual(['euclidean', 'mse', 'softmaxCrossEntropy']);
      expect(cnn.ops.losses.euclidean.targetDType).toBe('float32');
      expect([cnn.ops.losses.softmaxCrossEntropy.reduction, cnn.ops.losses.mse.reduction, cnn.ops.losses.euclidean.reduction]).toEqual(['mean', 'mean', 'sum']);
      expect(cnn.ops.losses.softmaxCrossEntropy.targetDType).toBe('int32');
      expect(cnn.ops.losses.mse.targetDType).toBe('float32');
      const lv = randomF32(6, 3), yv = new Int32Array([2, 0]);
      const d = cnn.empty([2, 3]);
      expectClose([cnn.ops.losses.softmaxCrossEntropy.into(d, cnn.tensor(lv, [2, 3]), cnn.tensor(yv, [2], 'int32'))], [crossEntropyRef(lv, yv, 2, 3).loss], { atol: 1e-6 });
      const tv = randomF32(6, 4);
      expectClose([cnn.ops.losses.mse.into(d, cnn.tensor(lv, [2, 3]), cnn.tensor(tv, [2, 3]))], [mseRef(lv, tv).loss], { atol: 1e-7 });
      expectClose([cnn.ops.losses.euclidean.into(d, cnn.tensor(lv, [2, 3]), cnn.tensor(tv, [2, 3]))], [euclideanRef(lv, tv).loss], { atol: 1e-7 });
    }),
  );
});

describe('loss, activation and softmax Into forms allocate nothing', () => {
  it('100 rounds of every Into form (logits=[16,10]): no typed arrays, no wasm allocation', async () => {
    const { countAllocations } = await import('../helpers/alloc-counter.js');
    cnn.scope(() => {
      const logits = cnn.tensor(randomF32(160, 51), [16, 10]);
      const labels = cnn.tensor(randomInts(16, 10, 52), [16], 'int32');
      const d = cnn.empty([16, 10]), y = cnn.empty([16, 10]), t = cnn.zeros([16, 10]);
      const before = cnn.memoryStats();
      const counter = countAllocations();
      try {
        for (let i = 0; i < 100; i++) {
          cnn.ops.softmaxCrossEntropyInto(d, logits, labels);
          cnn.ops.mseInto(d, logits, t);
          cnn.ops.euclideanInto(d, logits, t);
          cnn.ops.softmaxInto(y, logits);
          cnn.ops.softmaxBackwardInto(d, t, y);
          cnn.ops.countCorrect(logits, labels);
          cnn.ops.reluInto(y, logits);
          cnn.ops.reluBackwardInto(d, t, logits);
          cnn.ops.sigmoidInto(y, logits);
          cnn.ops.sigmoidBackwardInto(d, t, y);
          cnn.ops.tanhInto(y, logits);
          cnn.ops.tanhBackwardInto(d, t, y);
          cnn.ops.addInto(y, y, logits);
        }
      } finally {
        counter.uninstall();
      }
      expect(counter.count()).toBe(0);
      expect(cnn.memoryStats()).toEqual(before);
    });
  });
});
