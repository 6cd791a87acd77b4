// SPDX-License-Identifier: MIT
// What compile and fit add around the optimiser: schedules applied per epoch and per step
// (lrs against the float64 references of tests/reference/schedules.ts), a run resumed with
// initialEpoch equal to an unbroken one, gradient clipping by norm and by value (updates
// against plain SGD's recomputed in float64), and optimiser state that does not start at 0.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { randomF32, randomInts } from '../helpers/random.js';
import { expectClose } from '../helpers/close.js';
import { exponentialLrRef, plateauLrRef, stepLrRef } from '../reference/schedules.js';

beforeAll(() => cnn.ready());

const N = 64;
const data = (seed = 31, n = N) => cnn.data.Dataset.fromArrays(randomF32(n * 784, seed, 0, 1), randomInts(n, 10, seed + 1), [1, 28, 28], 10);

function lenet(optimizer: cnn.optim.Optimizer, compile: Partial<cnn.CompileOptions> = {}) {
  const model = cnn.models.lenet5({ seed: 8 });
  return model.compile({ optimizer, batchSize: 16, ...compile });
}

describe('schedules in fit', () => {
  it('per epoch: StepLR', async () => {
    const history = await lenet(cnn.optim.adam({ lr: 1e-3 })).fit(data(), { epochs: 5, schedule: cnn.schedules.step({ stepSize: 2, gamma: 0.5 }) });
    expectClose(history.map((e) => e.lr), stepLrRef(1e-3, 5, 2, 0.5), { rtol: 1e-12, label: 'lr per epoch' });
  });

  it('per step: ExponentialLR over the global step, across epochs', async () => {
    const model = lenet(cnn.optim.sgd({ lr: 0.05 }));
    const lrs: number[] = [];
    await model.fit(data(), { epochs: 2, schedule: cnn.schedules.exponential({ gamma: 0.9, per: 'step' }), onBatchEnd: () => lrs.push(model.optimizer!.lr) });
    expect(lrs).toHaveLength(8);
    expectClose(lrs, exponentialLrRef(0.05, 8, 0.9), { rtol: 1e-12, label: 'lr per step' });
  });

  it('reduceOnPlateau follows ReduceLROnPlateau on the validation loss fit reports', async () => {
    const opts = { mode: 'min', factor: 0.5, patience: 0, threshold: 0.05, thresholdMode: 'rel', cooldown: 1, minLr: 0, eps: 1e-8 } as const;
    const history = await lenet(cnn.optim.sgd({ lr: 0.2, momentum: 0.9 })).fit(data(), {
      epochs: 6,
      validation: data(77, 32),
      schedule: cnn.schedules.reduceOnPlateau({ factor: 0.5, patience: 0, threshold: 0.05, cooldown: 1 }),
    });
    const lrs = history.map((e) => e.lr);
    expect(new Set(lrs).size).toBeGreaterThan(1); // the case reduces at least once
    expectClose(lrs, plateauLrRef(0.2, history.map((e) => e.valLoss!), opts), { rtol: 1e-12, label: 'lr per epoch' });
  });

  it('a run resumed with initialEpoch (same schedule object) equals an unbroken run, bit for bit', async () => {
    const unbroken = lenet(cnn.optim.adam({ lr: 2e-3 }));
    const whole = await unbroken.fit(data(), { epochs: 4, seed: 3, schedule: cnn.schedules.step({ stepSize: 1, gamma: 0.7 }) });
    const resumed = lenet(cnn.optim.adam({ lr: 2e-3 }));
    const schedule = cnn.schedules.step({ stepSize: 1, gamma: 0.7 });
    const first = await resumed.fit(data(), { epochs: 2, seed: 3, schedule });
    const second = await resumed.fit(data(), { epochs: 4, initialEpoch: 2, seed: 3, schedule });
    expect([...first, ...second].map((e) => [e.epoch, e.loss, e.lr])).toEqual(whole.map((e) => [e.epoch, e.loss, e.lr]));
    expect(resumed.plan.paramArena.toArray()).toEqual(unbroken.plan.paramArena.toArray());
  });

  it('refuses a schedule that is not one, and lrSchedule with schedule', async () => {
    const model = lenet(cnn.optim.sgd());
    await expect(model.fit(data(), { schedule: ((e: number) => e) as never })).rejects.toThrow(/fit: expected schedule from cnn.schedules/);
    await expect(model.fit(data(), { schedule: cnn.schedules.exponential({ gamma: 0.5 }), lrSchedule: () => 1 })).rejects.toThrow(/expected lrSchedule or schedule, got both/);
    await expect(model.fit(data(), { initialEpoch: -1 })).rejects.toThrow(/initialEpoch an integer ≥ 0/);
  });
});

describe('gradient clipping', () => {
  const x = () => cnn.tensor(randomF32(16 * 784, 5, 0, 1), [16, 1, 28, 28]);
  const y = () => cnn.tensor(randomInts(16, 10, 6), [16], 'int32');

  /** Parameter change of one plain SGD step (lr 1) = −(clipped) gradient. */
  function update(compile: Partial<cnn.CompileOptions>): Float64Array {
    const model = lenet(cnn.optim.sgd({ lr: 1 }), compile);
    const before = model.plan.paramArena.toArray();
    cnn.scope(() => model.trainBatch(x(), y()));
    const after = model.plan.paramArena.toArray();
    model.dispose();
    return Float64Array.from(after, (v, i) => v - before[i]);
  }

  it('clipNorm scales the whole gradient by maxNorm/(‖g‖ + 1e-6); clipValue clamps each element', () => {
    const plain = update({});
    const norm = Math.sqrt(plain.reduce((s, v) => s + v * v, 0));
    const maxNorm = norm / 4;
    expectClose(update({ clipNorm: maxNorm }), plain.map((v) => (v * maxNorm) / (norm + 1e-6)), { rtol: 1e-4, atol: 1e-7, label: 'clipNorm' });
    expectClose(update({ clipNorm: norm * 2 }), plain, { rtol: 1e-5, atol: 1e-8, label: 'clipNorm above the norm: unchanged' });
    const v = 0.25 * Math.max(...plain.map(Math.abs));
    expectClose(update({ clipValue: v }), plain.map((g) => Math.min(v, Math.max(-v, g))), { rtol: 1e-4, atol: 1e-7, label: 'clipValue' });
  });

  it('are saved with the model and checked', async () => {
    const model = lenet(cnn.optim.sgd(), { clipNorm: 1.5, clipValue: 0.5 });
    const loaded = await cnn.loadModel(model.toBytes());
    expect([loaded.clipNorm, loaded.clipValue]).toEqual([1.5, 0.5]);
    expect(() => lenet(cnn.optim.sgd(), { clipNorm: 0 })).toThrow(/compile: expected clipNorm in \(0, ∞\), got 0/);
    expect(() => lenet(cnn.optim.sgd(), { clipValue: -1 })).toThrow(/compile: expected clipValue/);
  });
});

describe('optimiser state that does not start at zero', () => {
  it('adagrad initialAccumulatorValue fills the state at compile, and again when a loaded model is prepared', async () => {
    const model = lenet(cnn.optim.adagrad({ lr: 0.05, initialAccumulatorValue: 0.5 }));
    expect(new Set(model.plan.optimizerState[0].toArray())).toEqual(new Set([0.5]));
    const loaded = await cnn.loadModel(model.toBytes());
    const xs = cnn.tensor(randomF32(16 * 784, 9, 0, 1), [16, 1, 28, 28]);
    const ys = cnn.tensor(randomInts(16, 10, 10), [16], 'int32');
    model.trainBatch(xs, ys);
    loaded.trainBatch(xs, ys);
    expect(loaded.plan.paramArena.toArray()).toEqual(model.plan.paramArena.toArray());
  });
});

describe('a summed loss (the Euclidean loss)', () => {
  it("evaluate and fit report ½‖a − y‖² per sample, recomputed in float64 from predict's outputs", async () => {
    const model = cnn.models.lenet5({ seed: 4 }).compile({ optimizer: cnn.optim.sgd({ lr: 1e-3 }), loss: 'euclidean', batchSize: 16 });
    const ds = data(12, 40); // batches of 16, 16, 8: a wrong weighting of the last batch shows
    const out = model.predict(ds);
    const logits = out.toArray();
    out.dispose();
    let total = 0;
    for (let i = 0; i < ds.length; i++) {
      for (let c = 0; c < 10; c++) total += 0.5 * (logits[i * 10 + c] - (ds.label(i) === c ? 1 : 0)) ** 2;
    }
    expectClose([model.evaluate(ds, { batchSize: 16 }).loss], [total / ds.length], { rtol: 1e-5, label: 'evaluate euclidean' });
    const batchLosses: number[] = [];
    const [epoch] = await model.fit(ds, { shuffle: false, onBatchEnd: ({ loss }) => batchLosses.push(loss) });
    expectClose([epoch.loss], [batchLosses.reduce((s, v) => s + v, 0) / ds.length], { rtol: 1e-12, label: 'fit euclidean: Σ batch sums ÷ samples' });
  });
});

describe('no allocation per step with every control on', () => {
  it('clipping, a per-step schedule and early stopping: 1 epoch and 20 epochs create as many typed arrays, no wasm memory', async () => {
    const { countAllocations } = await import('../helpers/alloc-counter.js');
    const model = lenet(cnn.optim.sgd({ lr: 0.01, momentum: 0.9 }), { clipNorm: 1, clipValue: 0.5, batchSize: 8 });
    const ds = data(50, 40);
    const options = () => ({ schedule: cnn.schedules.exponential({ gamma: 0.999, per: 'step' }), earlyStopping: { patience: 100, restoreBestWeights: true } });
    await model.fit(ds, { epochs: 1, ...options() }); // warm-up: plans the bindings
    const measure = async (epochs: number) => {
      const opts = options(); // made outside the count
      const counter = countAllocations();
      const before = cnn.memoryStats();
      try {
        await model.fit(ds, { epochs, ...opts });
      } finally {
        counter.uninstall();
      }
      expect(cnn.memoryStats()).toEqual(before);
      return counter.count();
    };
    expect(await measure(20)).toBe(await measure(1));
  });
});
