// SPDX-License-Identifier: MIT
// Bad input at the model level gets a typed error naming expected and actual.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { randomF32 } from '../helpers/random.js';

beforeAll(() => cnn.ready());

describe('model errors', () => {
  it('wrong input shape for predict and fit', async () => {
    const model = cnn.models.lenet5();
    model.compile({ batchSize: 4 });
    const x = cnn.tensor(randomF32(2 * 3 * 28 * 28, 1), [2, 3, 28, 28]);
    expect(() => model.predict(x)).toThrow(cnn.ShapeError);
    expect(() => model.predict(x)).toThrow(/expected input \[n, 1, 28, 28\], got \[2, 3, 28, 28\]/);
    const rgb = cnn.data.Dataset.fromArrays(randomF32(4 * 3 * 32 * 32, 2), [0, 1, 2, 3], [3, 32, 32]);
    await expect(model.fit(rgb)).rejects.toThrow(/expected samples of shape \[1, 28, 28\], got \[3, 32, 32\]/);
    x.dispose();
  });

  it('a layer whose input does not fit names the layer and both shapes', () => {
    expect(() =>
      cnn.sequential([cnn.layers.conv2d({ filters: 4, kernelSize: 5 }), cnn.layers.dense({ units: 3 })], { inputShape: [1, 8, 8] }),
    ).toThrow(/layer 1 dense \(input \[4, 4, 4\]\).*flatten/);
    expect(() => cnn.sequential([cnn.layers.conv2d({ filters: 4, kernelSize: 9 })], { inputShape: [1, 8, 8] })).toThrow(cnn.SimdCnnError);
  });

  it('labels out of range in a training batch', () => {
    const model = cnn.models.lenet5();
    model.compile({ batchSize: 2 });
    const x = cnn.tensor(randomF32(2 * 28 * 28, 3), [2, 1, 28, 28]);
    const y = cnn.tensor(new Int32Array([3, 10]), [2]);
    expect(() => model.trainBatch(x, y)).toThrow(cnn.ValueError);
    expect(() => model.trainBatch(x, y)).toThrow(/10/);
    const wrong = cnn.tensor(new Float32Array([3, 1]), [2]);
    expect(() => model.trainBatch(x, wrong)).toThrow(/expected int32 labels \[2\], got float32 \[2\]/);
  });

  it('an allocating op that rejects its input frees what it allocated', () => {
    const labels = cnn.tensor(new Int32Array([1, 2]), [2]);
    const badLabels = cnn.tensor(new Int32Array([1, 10]), [2]);
    const logits = cnn.zeros([2, 10]);
    const [dy, x] = [cnn.zeros([1, 1, 3, 3]), cnn.zeros([1, 1, 8, 8])];
    const [dyLinear, xLinear, wLinear] = [cnn.zeros([2, 3]), cnn.zeros([2, 5]), cnn.zeros([4, 5])];
    const before = cnn.memoryStats().liveBlocks;
    expect(() => cnn.ops.relu(labels as unknown as cnn.Tensor)).toThrow(cnn.DTypeError);
    expect(() => cnn.ops.softmaxCrossEntropy(logits, badLabels)).toThrow(cnn.ValueError);
    expect(() => cnn.ops.maxPool2dBackward(dy, x, { kernelSize: 2 })).toThrow(cnn.ShapeError);
    expect(() => cnn.ops.linearBackward(dyLinear, xLinear, wLinear)).toThrow(cnn.ShapeError);
    expect(cnn.memoryStats().liveBlocks).toBe(before);
  });

  it('training an uncompiled model says so', async () => {
    const model = cnn.models.lenet5();
    const data = cnn.data.Dataset.fromArrays(randomF32(28 * 28, 2), [1], [1, 28, 28]);
    await expect(model.fit(data)).rejects.toThrow(/not compiled/);
  });
});
