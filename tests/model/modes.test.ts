// SPDX-License-Identifier: MIT
// Training and evaluation modes, saved state and per-step randomness: fit trains in training
// mode (batch statistics, dropout), evaluate and predict run in evaluation mode (running
// statistics, identity dropout); running statistics are saved state that the optimiser
// never steps (weight decay included); every training step draws its own seeded stream, so
// a run repeats exactly from the seeds of fit and of the model.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { randomF32, randomInts, rng } from '../helpers/random.js';
import { murmur3 } from '../../src/core/random.js';
import { murmur3Ref } from '../reference/dropout.js';
import { batchNormRef } from '../reference/norm.js';

beforeAll(() => cnn.ready());

const L = cnn.layers;
const N = 24;
const data = () => cnn.data.Dataset.fromArrays(randomF32(N * 2 * 36, 41), randomInts(N, 3, 42), [2, 6, 6], 3);

function withDropout(seed = 7, rate = 0.5): cnn.Model {
  return cnn.sequential(
    [L.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }), L.flatten(), L.dropout({ rate }), L.dense({ units: 3 })],
    { inputShape: [2, 6, 6], seed },
  ).compile({ optimizer: cnn.optim.sgd({ lr: 0.05 }), batchSize: 8 });
}

describe('per-step random streams', () => {
  it('are derived with the hash the dropout kernel uses (MurmurHash3_x86_32, checked against published vectors in the dropout tests)', () => {
    const r = rng(31);
    for (let i = 0; i < 1000; i++) {
      const [seed, key] = [Math.floor(r() * 2 ** 32), i < 500 ? i : Math.floor(r() * 2 ** 32)];
      expect(murmur3(seed, key)).toBe(murmur3Ref(seed, key));
    }
  });

  it('fit with dropout repeats exactly from its seed, and another fit seed changes the masks', async () => {
    const ds = data();
    const a = await withDropout().fit(ds, { epochs: 2, seed: 3, shuffle: false });
    const b = await withDropout().fit(ds, { epochs: 2, seed: 3, shuffle: false });
    const c = await withDropout().fit(ds, { epochs: 2, seed: 4, shuffle: false });
    expect(b.map((e) => e.loss)).toEqual(a.map((e) => e.loss));
    expect(c[0].loss).not.toBe(a[0].loss); // same order (no shuffle), other masks
  });

  it('trainBatch draws a new mask each step, repeatable from the model seed', () => {
    const x = cnn.tensor(randomF32(8 * 72, 5), [8, 2, 6, 6]);
    const y = cnn.tensor(randomInts(8, 3, 6), [8]);
    const losses = (m: cnn.Model) => [m.trainBatch(x, y), m.trainBatch(x, y), m.trainBatch(x, y)];
    const first = withDropout(9);
    const run1 = losses(first);
    const node = first.layers.findIndex((l) => l.kind === 'dropout');
    const masks = () => Array.from(first.plan.bind(8, true).ios[node].buffers[0].data as Float32Array);
    const last = masks();
    first.trainBatch(x, y);
    expect(masks()).not.toEqual(last);
    expect(losses(withDropout(9))).toEqual(run1);
    expect(losses(withDropout(10))).not.toEqual(run1);
    x.dispose();
    y.dispose();
  });

  it('evaluate and predict run dropout as the identity', () => {
    const ds = data();
    const dropped = withDropout(11, 0.9);
    const plain = cnn.sequential([L.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }), L.flatten(), L.dense({ units: 3 })], { inputShape: [2, 6, 6], seed: 11 });
    plain.compile({ batchSize: 8 });
    expect(Array.from(dropped.predict(ds).data)).toEqual(Array.from(plain.predict(ds).data));
    expect(dropped.evaluate(ds)).toEqual(plain.evaluate(ds));
  });
});

describe('batch norm modes and saved state', () => {
  function bnModel(weightDecay: number): cnn.Model {
    return cnn
      .sequential([L.conv2d({ filters: 3, kernelSize: 3, padding: 1 }), L.batchNorm2d({ momentum: 0.25 }), L.relu(), L.globalAvgPool2d(), L.dense({ units: 3 })], {
        inputShape: [2, 6, 6],
        seed: 21,
      })
      .compile({ optimizer: cnn.optim.sgd({ lr: 0.1, weightDecay }), batchSize: 8 });
  }

  it('training steps update the running statistics with the batch statistics (unbiased variance), whatever the weight decay', () => {
    const x = cnn.tensor(randomF32(8 * 72, 12), [8, 2, 6, 6]);
    const y = cnn.tensor(randomInts(8, 3, 13), [8]);
    for (const wd of [0, 0.5]) {
      const model = bnModel(wd);
      const bn = model.plan.stateOf(1);
      let mean = new Float64Array(3);
      let variance = new Float64Array(3).fill(1);
      for (let step = 0; step < 3; step++) {
        // The batch norm's input is conv's output for this step's weights: compute it in float64 from them.
        const conv = cnn.ops.conv2d(x, model.plan.paramsOf(0)[0], model.plan.paramsOf(0)[1], { padding: 1 });
        const z = conv.toArray();
        conv.dispose();
        const m = 8 * 36;
        mean = mean.map((r, c) => {
          let s = 0;
          for (let n = 0; n < 8; n++) for (let j = 0; j < 36; j++) s += z[(n * 3 + c) * 36 + j];
          return 0.75 * r + 0.25 * (s / m);
        });
        variance = variance.map((r, c) => {
          let s = 0;
          let q = 0;
          for (let n = 0; n < 8; n++) for (let j = 0; j < 36; j++) s += z[(n * 3 + c) * 36 + j];
          const mu = s / m;
          for (let n = 0; n < 8; n++) for (let j = 0; j < 36; j++) q += (z[(n * 3 + c) * 36 + j] - mu) ** 2;
          return 0.75 * r + 0.25 * (q / (m - 1));
        });
        model.trainBatch(x, y);
        expectClose(bn[0].data, mean, { atol: 1e-6, rtol: 1e-5, label: `running mean, step ${step}, weight decay ${wd}` });
        expectClose(bn[1].data, variance, { atol: 1e-6, rtol: 1e-5, label: `running var, step ${step}, weight decay ${wd}` });
      }
      model.dispose();
    }
    x.dispose();
    y.dispose();
  });

  it('predict normalises with the running statistics (evaluation mode), not the batch', async () => {
    const model = bnModel(0);
    await model.fit(data(), { epochs: 2 });
    const x = cnn.tensor(randomF32(5 * 72, 14), [5, 2, 6, 6]);
    const conv = cnn.ops.conv2d(x, model.plan.paramsOf(0)[0], model.plan.paramsOf(0)[1], { padding: 1 });
    const [gamma, beta] = model.plan.paramsOf(1).map((t) => Float64Array.from(t.data));
    const running = model.plan.stateOf(1).map((t) => Float64Array.from(t.data));
    const normed = batchNormRef(conv.data, [5, 3, 6, 6], { training: false, runningMean: running[0], runningVar: running[1], weight: gamma, bias: beta, eps: 1e-5 }).y;
    const pooled = new Float64Array(15);
    normed.forEach((v, i) => (pooled[Math.floor(i / 36)] += Math.max(0, v) / 36));
    const [w, b] = model.plan.paramsOf(4).map((t) => t.data);
    const logits = Array.from({ length: 15 }, (_, i) => {
      const [n, o] = [Math.floor(i / 3), i % 3];
      let s = b[o];
      for (let c = 0; c < 3; c++) s += w[o * 3 + c] * pooled[n * 3 + c];
      return s;
    });
    expectClose(model.predict(x).data, logits, { atol: 1e-5, rtol: 1e-4, label: 'predict in evaluation mode' });
    // a batch of one gives the same answer for that sample: no batch statistics involved
    const one = model.predict(x.view(0, [1, 2, 6, 6]));
    expectClose(one.data, logits.slice(0, 3), { atol: 1e-5, rtol: 1e-4, label: 'batch of one' });
    x.dispose();
    conv.dispose();
    model.dispose();
  });

  it('saved state is its own store: not in paramCount, not stepped, saved and loaded with the model', async () => {
    const model = bnModel(0.5);
    expect(model.paramCount).toBe(2 * 3 * 9 + 3 + 3 + 3 + 3 * 3 + 3);
    expect(model.plan.stateCount).toBe(6);
    expect(model.plan.storeBytes(1).state).toBeGreaterThan(0);
    await model.fit(data(), { epochs: 1 });
    const loaded = await cnn.loadModel(model.toBytes());
    expect(Array.from(loaded.plan.stateArena.data)).toEqual(Array.from(model.plan.stateArena.data));
    model.dispose();
    loaded.dispose();
  });
});
