// SPDX-License-Identifier: MIT
// fit / evaluate / predict: reproducible shuffling, callbacks, the learning-rate schedule,
// and evaluate's figures recomputed independently from predict's outputs.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { randomF32, randomInts } from '../helpers/random.js';

beforeAll(() => cnn.ready());

const N = 50;
const data = () => cnn.data.Dataset.fromArrays(randomF32(N * 784, 31, 0, 1), randomInts(N, 10, 32), [1, 28, 28], 10);

function lenet(loss: 'softmaxCrossEntropy' | 'mse' = 'softmaxCrossEntropy') {
  const model = cnn.models.lenet5({ seed: 8 });
  model.compile({ optimizer: cnn.optim.adam({ lr: 2e-3 }), loss, batchSize: 16 });
  return model;
}

describe('fit', () => {
  it('is reproducible from its seeds, and the shuffle seed changes the run', async () => {
    const ds = data();
    const a = await lenet().fit(ds, { epochs: 2, seed: 5 });
    const b = await lenet().fit(ds, { epochs: 2, seed: 5 });
    const c = await lenet().fit(ds, { epochs: 2, seed: 6 });
    expect(b.map((e) => e.loss)).toEqual(a.map((e) => e.loss));
    expect(c[1].loss).not.toBe(a[1].loss);
  });

  it('calls onBatchEnd for every batch in order, onEpochEnd per epoch, and applies lrSchedule', async () => {
    const batches: [number, number, number][] = [];
    const epochs: number[] = [];
    const model = lenet();
    const schedule = (epoch: number) => 1e-3 * 0.5 ** epoch;
    const history = await model.fit(data(), {
      epochs: 3,
      lrSchedule: schedule,
      onBatchEnd: ({ epoch, batch, seen, batches: total }) => {
        expect(total).toBe(4);
        batches.push([epoch, batch, seen]);
      },
      onEpochEnd: ({ epoch, lr }) => {
        epochs.push(epoch);
        expect(lr).toBe(schedule(epoch));
      },
    });
    expect(epochs).toEqual([0, 1, 2]);
    expect(batches).toHaveLength(12);
    expect(batches.slice(0, 4)).toEqual([[0, 0, 16], [0, 1, 32], [0, 2, 48], [0, 3, 50]]);
    expect(history.map((e) => e.lr)).toEqual([1e-3, 5e-4, 2.5e-4]);
    expect(model.optimizer!.lr).toBe(2.5e-4);
  });

  it('rejects a batch size above the compiled one', async () => {
    await expect(lenet().fit(data(), { batchSize: 17 })).rejects.toThrow(/expected 1 ≤ batchSize ≤ 16 \(the compiled size\), got 17/);
  });
});

describe('evaluate and predict', () => {
  it('cross-entropy: loss and accuracy equal what predict()’s logits give', () => {
    const ds = data();
    const model = lenet();
    const { loss, accuracy } = model.evaluate(ds, { batchSize: 7 });
    const logits = model.predict(ds).toArray();
    let sum = 0;
    let right = 0;
    for (let i = 0; i < N; i++) {
      const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
      const max = Math.max(...row);
      const logSum = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      sum += logSum - row[ds.label(i)];
      if (row.indexOf(max) === ds.label(i)) right++;
    }
    expect(loss).toBeCloseTo(sum / N, 5);
    expect(accuracy).toBe(right / N);
  });

  it('mse trains against one-hot targets (LeNet’s Euclidean loss) and evaluates to mean (y − onehot)²', async () => {
    // A learnable task: class q ∈ 0..3 is the bright quadrant of the image.
    const pixels = randomF32(N * 784, 33, 0, 0.2);
    const labels = Array.from({ length: N }, (_, i) => i % 4);
    labels.forEach((q, i) => {
      for (let y = 0; y < 14; y++) for (let x = 0; x < 14; x++) pixels[i * 784 + (y + 14 * (q >> 1)) * 28 + x + 14 * (q & 1)] += 0.8;
    });
    const ds = cnn.data.Dataset.fromArrays(pixels, labels, [1, 28, 28], 10);
    const model = lenet('mse');
    const before = model.evaluate(ds).loss;
    await model.fit(ds, { epochs: 10 });
    const after = model.evaluate(ds);
    expect(after.loss).toBeLessThan(before * 0.5);
    expect(Number.isNaN(after.accuracy)).toBe(true);
    const out = model.predict(ds).toArray();
    let sum = 0;
    for (let i = 0; i < N; i++) for (let c = 0; c < 10; c++) sum += (out[i * 10 + c] - (c === ds.label(i) ? 1 : 0)) ** 2;
    expect(after.loss).toBeCloseTo(sum / (N * 10), 5);
  });
});
