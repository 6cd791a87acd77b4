// SPDX-License-Identifier: MIT
// normalize (torchvision.transforms.Normalize) and the layer built on it: wasm vs the
// float64 reference per channel, backward vs finite differences, accumulation, errors;
// Dataset.stats() vs an independent decode of the bundled data.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { bundledDataDir, loadFashionMnist } from '../../src/data/node.js';
import { expectClose } from '../helpers/close.js';
import { dot, numericGrad } from '../helpers/gradcheck.js';
import { randomF32 } from '../helpers/random.js';
import { normalizeRef } from '../reference/elementwise.js';

beforeAll(() => cnn.ready());

const cases: { shape: number[]; mean: number[]; std: number[] }[] = [
  { shape: [3, 1, 13, 11], mean: [0.286], std: [0.353] },
  { shape: [2, 3, 5, 7], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  { shape: [1, 5, 3, 3], mean: [1, -2, 0.5, 0, 3], std: [2, 0.5, 1, 4, 0.25] },
  { shape: [4, 17], mean: Array.from({ length: 17 }, (_, i) => i / 10), std: Array.from({ length: 17 }, (_, i) => 1 + i / 5) },
];

describe('normalize', () => {
  it.each(cases.map((c) => ({ ...c, label: `x=[${c.shape}] C=${c.shape[1]}` })))('$label: forward and backward vs reference', ({ shape, mean, std }) =>
    cnn.scope(() => {
      const n = shape.reduce((a, b) => a * b, 1);
      const xs = randomF32(n, 7, -1, 2);
      const opts = shape[1] === 1 ? { mean: mean[0], std: std[0] } : { mean, std };
      const y = cnn.ops.normalize(cnn.tensor(xs, shape), opts);
      expectClose(y.data, normalizeRef(xs, shape, mean, std), { shape, label: 'normalize' });

      // Reference backward: ∂(Σ dy·f(x))/∂x by finite differences of the reference.
      const dys = randomF32(n, 8);
      const numeric = numericGrad((x) => dot(dys, normalizeRef(x, shape, mean, std)), Float64Array.from(xs));
      const analytic = Float64Array.from(dys, (d, i) => d / std[Math.floor(i / (n / shape[0] / shape[1])) % shape[1]]);
      expectClose(analytic, numeric, { atol: 1e-6, rtol: 1e-6, label: 'reference backward vs finite differences' });

      const start = randomF32(n, 9);
      const dx = cnn.tensor(start, shape);
      cnn.ops.normalizeBackwardInto(dx, cnn.tensor(dys, shape), opts);
      expectClose(dx.data, Float64Array.from(analytic, (g, i) => g + start[i]), { shape, label: 'normalizeBackwardInto accumulates' });
      expectClose(cnn.ops.normalizeBackward(cnn.tensor(dys, shape), opts).data, analytic, { shape, label: 'normalizeBackward' });
    }),
  );

  it('rejects std ≤ 0 and per-channel lists of the wrong length', () =>
    cnn.scope(() => {
      const x = cnn.zeros([2, 3, 4, 4]);
      expect(() => cnn.ops.normalize(x, { mean: 0, std: 0 })).toThrow(/expected std > 0 for channel 0, got 0/);
      expect(() => cnn.ops.normalize(x, { mean: [0, 0], std: 1 })).toThrow(/expected mean as a number or 3 values \(one per channel\), got 2/);
      expect(() => cnn.layers.normalize({ mean: 0, std: -1 })).toThrow(cnn.ValueError);
      expect(() => cnn.sequential([cnn.layers.normalize({ mean: [0, 0], std: [1, 1] })], { inputShape: [3, 4, 4] })).toThrow(
        /normalize: expected mean with 3 values for input \[3, 4, 4\], got 2/,
      );
    }),
  );

  it('as a first layer it is saved with the model, so predict() takes raw pixels', async () => {
    const plain = cnn.models.lenet5({ seed: 4 });
    const withLayer = cnn.models.lenet5({ seed: 4, normalize: { mean: 0.3, std: 0.4 } });
    const raw = cnn.tensor(randomF32(2 * 784, 3, 0, 1), [2, 1, 28, 28]);
    const normalized = cnn.ops.normalize(raw, { mean: 0.3, std: 0.4 });
    expectClose(withLayer.predict(raw).data, plain.predict(normalized).data, { atol: 1e-6, label: 'layer = op then model' });
    const reloaded = await cnn.loadModel(withLayer.toBytes());
    expect(reloaded.layers[0].config()).toEqual({ kind: 'normalize', mean: 0.3, std: 0.4 });
    expect(Array.from(reloaded.predict(raw).data)).toEqual(Array.from(withLayer.predict(raw).data));
  });
});

describe('Dataset.stats', () => {
  it('per-channel mean and std of the bundled training subset match an independent decode', async () => {
    const { train } = await loadFashionMnist(bundledDataDir());
    const bytes = gunzipSync(readFileSync(join(bundledDataDir(), 'train-images-idx3-ubyte.gz'))).subarray(16);
    let sum = 0;
    for (const b of bytes) sum += b / 255;
    const mean = sum / bytes.length;
    let squares = 0;
    for (const b of bytes) squares += (b / 255 - mean) ** 2;
    const { mean: m, std: s } = train.stats();
    expect(m).toHaveLength(1);
    expect(m[0]).toBeCloseTo(mean, 10);
    expect(s[0]).toBeCloseTo(Math.sqrt(squares / bytes.length), 8);
    const half = train.slice(0, 5000).stats();
    expect(half.mean[0]).not.toBe(m[0]);
  });

  it('per channel for float images', () => {
    // Two 1×2 images with 2 channels: channel 0 values 1,2,3,4; channel 1 values 10,10,30,30.
    const data = cnn.data.Dataset.fromArrays(new Float32Array([1, 2, 10, 10, 3, 4, 30, 30]), [0, 1], [2, 1, 2]);
    const { mean, std } = data.stats();
    expect(mean).toEqual([2.5, 20]);
    expect(std[0]).toBeCloseTo(Math.sqrt(1.25), 12);
    expect(std[1]).toBeCloseTo(10, 12);
  });
});
