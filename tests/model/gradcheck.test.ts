// SPDX-License-Identifier: MIT
// Whole-model gradient checks in the tight form (tests/helpers/model-gradcheck.ts): every
// parameter gradient the wasm backward leaves in the gradient store, probed at 16 elements
// per tensor, against central differences of a float64 model of the same graph, at float32
// accuracy (2e-4 relative + 2e-5 of the tensor's rms gradient). The earlier check (float32 differences, 2e-3 + 3%) passed a
// deliberate bug in im2col's channel offset that broke conv2's weight gradient for 5 of its
// 6 input channels; this one is tight enough to see such bugs.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { gradcheckModel } from '../helpers/model-gradcheck.js';
import { randomF32, randomInts } from '../helpers/random.js';

beforeAll(() => cnn.ready());

function lenet(activation: 'tanh' | 'relu', pool: 'avg' | 'max', normalize?: { mean: number; std: number }) {
  const model = cnn.models.lenet5({ activation, pool, seed: 5, normalize });
  model.compile({ optimizer: cnn.optim.sgd({ lr: 0.1 }), batchSize: 4 });
  return model;
}

describe('LeNet-5 gradients against float64 finite differences', () => {
  it.each([
    ['tanh', 'avg'],
    ['relu', 'max'],
    ['sigmoid', 'max'],
  ] as const)('activation %s, %s pooling: 16 probes per parameter tensor', (activation, pool) => {
    const model = lenet(activation as 'tanh' | 'relu', pool);
    const r = gradcheckModel(model, randomF32(4 * 784, 21, 0, 1), randomInts(4, 10, 22), 4, { probes: 16 });
    expect(r.failures, r.failures.join('\n')).toEqual([]);
    expect(Math.abs(r.loss - r.lossRef)).toBeLessThan(1e-5 * r.lossRef);
    // 16 probes for each of 10 tensors, all elements of the three smaller biases (6, 16, 10).
    expect(r.checked + r.skipped).toBe(144);
    expect(r.skipped).toBeLessThanOrEqual(4);
    model.dispose();
  });

  it('with a normalize layer first and mse on one-hot targets', () => {
    const model = cnn.models.lenet5({ seed: 6, normalize: { mean: 0.3, std: 0.4 } });
    model.compile({ loss: 'mse', batchSize: 3 });
    const target = new Float32Array(30);
    randomInts(3, 10, 9).forEach((c, i) => (target[i * 10 + c] = 1));
    const r = gradcheckModel(model, randomF32(3 * 784, 8, 0, 1), target, 3, { probes: 16 });
    expect(r.failures, r.failures.join('\n')).toEqual([]);
    expect(r.checked + r.skipped).toBe(144);
    expect(r.skipped).toBeLessThanOrEqual(4);
    model.dispose();
  });
});
