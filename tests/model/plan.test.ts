// SPDX-License-Identifier: MIT
// Principle 3: compile() plans memory once; a training step allocates nothing.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { step } from '../../src/model/train.js';
import { countAllocations } from '../helpers/alloc-counter.js';
import { randomF32, randomInts } from '../helpers/random.js';

beforeAll(() => cnn.ready());

function smallDataset(n: number, seed: number): cnn.data.Dataset {
  return cnn.data.Dataset.fromArrays(randomF32(n * 28 * 28, seed, 0, 1), randomInts(n, 10, seed + 1), [1, 28, 28], 10);
}

/**
 * One warm-up step (the first may lazily create views), then `steps` training steps on
 * batches cycled through `data`, counting typed-array creations and wasm allocator activity.
 */
function measureSteps(model: cnn.Model, data: cnn.data.Dataset, batch: number, steps: number) {
  const order = new Uint32Array(data.length).map((_, i) => i);
  const b = model.plan.bind(batch, true);
  const batches = data.length / batch;
  const run = (count: number) => {
    let loss = 0;
    for (let s = 0; s < count; s++) {
      data.copyBatchInto(b.input, b.labels, order, (s % batches) * batch, batch);
      b.stream.seed = s;
      loss = step(model, b);
    }
    return loss;
  };
  const first = run(1);
  const before = cnn.memoryStats();
  const counter = countAllocations();
  let last: number;
  try {
    last = run(steps);
  } finally {
    counter.uninstall();
  }
  return { first, last, typedArrays: counter.count(), before, after: cnn.memoryStats() };
}

describe('memory plan', () => {
  it('1,000 LeNet-5 training steps (batch 16) allocate no wasm memory and no typed arrays', () => {
    const model = cnn.models.lenet5({ seed: 3 });
    model.compile({ optimizer: cnn.optim.adam({ lr: 1e-3 }), batchSize: 16 });
    const r = measureSteps(model, smallDataset(160, 7), 16, 1000);
    expect(r.typedArrays).toBe(0);
    expect(r.after).toEqual(r.before);
    expect(Number.isFinite(r.last)).toBe(true);
    model.dispose();
  });

  it('1,000 training steps of a small ResNet (batch norm, residual adds, global average pooling) allocate nothing', () => {
    const model = cnn.models.resnet({ depth: 8, width: 8, inputShape: [1, 28, 28], seed: 2 });
    model.compile({ optimizer: cnn.optim.sgd({ lr: 0.05, momentum: 0.9, weightDecay: 1e-4 }), batchSize: 4 });
    const r = measureSteps(model, smallDataset(40, 11), 4, 1000);
    expect(r.typedArrays).toBe(0);
    expect(r.after).toEqual(r.before);
    expect(r.last).toBeLessThan(r.first); // it learned the 40 images
    model.dispose();
  });

  it('fit() allocates per call, not per step: 1 epoch and 20 epochs create as many typed arrays', async () => {
    const model = cnn.models.lenet5({ seed: 3 });
    model.compile({ batchSize: 8 });
    const data = smallDataset(40, 9);
    await model.fit(data, { epochs: 1 }); // warm-up: plans the bindings
    const measure = async (epochs: number) => {
      const counter = countAllocations();
      const before = cnn.memoryStats();
      try {
        await model.fit(data, { epochs });
      } finally {
        counter.uninstall();
      }
      expect(cnn.memoryStats()).toEqual(before);
      return counter.count();
    };
    expect(await measure(20)).toBe(await measure(1));
    model.dispose();
  });

  it('plans a smaller last batch once and frees everything on dispose()', async () => {
    const before = cnn.memoryStats();
    const model = cnn.models.lenet5();
    model.compile({ batchSize: 16 });
    const data = smallDataset(21, 4); // 16 + 5
    const history = await model.fit(data, { epochs: 2 });
    expect(history).toHaveLength(2);
    model.dispose();
    const after = cnn.memoryStats();
    expect(after.liveBlocks).toBe(before.liveBlocks);
    expect(after.bytesInUse).toBe(before.bytesInUse);
  });
});

describe('liveness', () => {
  it('the evaluation plan of a chain of 20 layers holds about two of its largest activations, not all twenty', () => {
    const conv = (filters: number) => cnn.layers.conv2d({ filters, kernelSize: 3, padding: 1 });
    const layers = [
      conv(8), cnn.layers.relu(), conv(16), cnn.layers.relu(), conv(16), cnn.layers.tanh(), cnn.layers.maxPool2d(),
      conv(32), cnn.layers.relu(), conv(32), cnn.layers.sigmoid(), conv(32), cnn.layers.relu(), cnn.layers.avgPool2d(),
      conv(64), cnn.layers.relu(), cnn.layers.flatten(), cnn.layers.dense({ units: 64 }), cnn.layers.relu(), cnn.layers.dense({ units: 10 }),
    ];
    expect(layers).toHaveLength(20);
    const model = cnn.sequential(layers, { inputShape: [3, 32, 32] });
    const batch = 16;
    const floats = [model.inputShape, ...model.nodes.map((n) => n.outputShape)].map((s) => batch * s.reduce((a, b) => a * b, 1));
    const largest = Math.max(...floats) * 4;
    const sum = floats.reduce((a, b) => a + b, 0) * 4;
    const { activations } = model.plan.arenaBytes(batch, false);
    expect(activations).toBeLessThanOrEqual(2 * largest);
    expect(activations).toBeGreaterThanOrEqual(largest);
    expect(sum).toBeGreaterThan(4 * activations); // 9.8 MB for all twenty, 2.1 MB planned
    // and the planned arena really is that small, and computes what a training arena computes
    model.compile({ batchSize: batch });
    const x = cnn.tensor(randomF32(batch * 3 * 1024, 5), [batch, 3, 32, 32]);
    const before = cnn.memoryStats().bytesInUse;
    const y = model.predict(x);
    expect(cnn.memoryStats().bytesInUse - before).toBeLessThan(activations + model.plan.arenaBytes(batch, false).workspace + 64 * 1024);
    const b = model.plan.bind(batch, true);
    b.input.data.set(x.data);
    for (let k = 0; k < model.layers.length; k++) model.layers[k].forward(b.ios[k]);
    expect(Array.from(b.output.data)).toEqual(Array.from(y.data));
    for (const t of [x, y]) t.dispose();
    model.dispose();
  });
});
