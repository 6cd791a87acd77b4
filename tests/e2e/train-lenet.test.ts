// SPDX-License-Identifier: MIT
// End to end on the bundled Fashion-MNIST subset: loss falls, test accuracy clears a floor,
// and the saved model reproduces it.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { bundledDataDir, loadFashionMnist } from '../../src/data/node.js';

beforeAll(() => cnn.ready());

describe('LeNet-5 on the bundled Fashion-MNIST subset', () => {
  it('2 epochs of Adam on 10,000 images reach > 75% on the 2,000 test images', async () => {
    const { train, test } = await loadFashionMnist(bundledDataDir());
    const model = cnn.models.lenet5({ seed: 1 });
    model.compile({ optimizer: cnn.optim.adam({ lr: 1e-3 }), batchSize: 64 });
    const before = model.evaluate(test);
    const losses: number[] = [];
    const history = await model.fit(train, { epochs: 2, validation: test, onBatchEnd: ({ loss }) => losses.push(loss) });
    expect(losses).toHaveLength(2 * Math.ceil(train.length / 64));
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    expect(mean(losses.slice(-50))).toBeLessThan(mean(losses.slice(0, 50)) * 0.6);
    expect(before.accuracy).toBeLessThan(0.3);
    expect(history[1].valAccuracy!).toBeGreaterThan(0.75);
    const reloaded = await cnn.loadModel(model.toBytes());
    expect(reloaded.evaluate(test).accuracy).toBe(history[1].valAccuracy);
    model.dispose();
    reloaded.dispose();
  });
});
