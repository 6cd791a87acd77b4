// SPDX-License-Identifier: MIT
// Training control: divergence is reported (a non-finite loss stops fit with a
// DivergenceError naming the epoch, the batch and the first layer that broke — checked on
// faults planted in a known layer), bad data is refused, stopTraining and an AbortSignal
// stop a running fit and leave the model usable, and early stopping follows Keras's rule
// recomputed here from the epochs fit reports.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { bundledDataDir, loadFashionMnist } from '../../src/data/node.js';
import { randomF32, randomInts } from '../helpers/random.js';

beforeAll(() => cnn.ready());

const N = 96;
const data = (n = N, seed = 31) => cnn.data.Dataset.fromArrays(randomF32(n * 784, seed, 0, 1), randomInts(n, 10, seed + 1), [1, 28, 28], 10);

function lenet(optimizer = cnn.optim.adam({ lr: 2e-3 })) {
  const model = cnn.models.lenet5({ seed: 8 });
  model.compile({ optimizer, batchSize: 16 });
  return model;
}

/** Writes `value` into element `i` of node k's parameter j, through the plan's views. */
function plant(model: cnn.Model, k: number, j: number, i: number, value: number) {
  const t = model.plan.paramsOf(k)[j];
  const values = t.toArray();
  values[i] = value;
  t.data.set(values);
}

describe('divergence', () => {
  it('sgd lr 1e3 on LeNet-5 (Fashion-MNIST): fit rejects at the first non-finite loss, naming epoch, batch and layer', async () => {
    const { train } = await loadFashionMnist(bundledDataDir());
    const model = lenet(cnn.optim.sgd({ lr: 1e3 }));
    const losses: number[] = [];
    const error = await model.fit(train.slice(0, 640), { epochs: 3, onBatchEnd: ({ loss }) => losses.push(loss) }).catch((e) => e);
    expect(error).toBeInstanceOf(cnn.DivergenceError);
    expect(losses.every(Number.isFinite)).toBe(true); // every batch before it reported a finite loss
    expect(error.epoch * 40 + error.batch).toBe(losses.length);
    expect(error.message).toContain(`fit at epoch ${error.epoch + 1}, batch ${error.batch + 1}: the loss is`);
    expect(error.location).toMatch(/^the (output|parameter '\w+') of layer '\w+' \(\w+, node \d+ of \d+\)|gradient/);
    expect(error.message).toContain(error.location);
    expect(model.fitting).toBe(false);
  });

  it('names a planted NaN parameter of the third node, and leaves the parameters as they were', () => {
    const model = lenet();
    const k = model.layers.findIndex((l, i) => i > 0 && l.built!.params.length > 0); // the second conv
    plant(model, k, 0, 7, NaN);
    const before = model.plan.paramArena.toArray();
    const x = cnn.tensor(randomF32(4 * 784, 3, 0, 1), [4, 1, 28, 28]);
    const labels = cnn.tensor(Int32Array.from([1, 2, 3, 4]), [4], 'int32');
    const error = (() => {
      try {
        model.trainBatch(x, labels);
      } catch (e) {
        return e as cnn.DivergenceError;
      }
    })();
    expect(error).toBeInstanceOf(cnn.DivergenceError);
    expect(model.layers[k].name).toBe('conv2d_2');
    expect(error!.location).toBe(`the parameter 'weight' of layer 'conv2d_2' (conv2d, node ${k + 1} of ${model.layers.length}) is not finite (element 7)`);
    expect(error!.epoch).toBeUndefined();
    const after = model.plan.paramArena.toArray();
    expect(Array.from(after).map(String)).toEqual(Array.from(before).map(String)); // NaN-aware equality: no update
  });

  it('names the first layer whose output overflows (finite parameters, infinite output)', () => {
    const model = lenet();
    const k = model.layers.findIndex((l) => l.kind === 'dense');
    const w = model.plan.paramsOf(k)[0];
    w.data.set(new Float32Array(w.size).fill(3e38)); // finite, but their sums are not
    const ds = data(8);
    const error = (() => {
      try {
        model.evaluate(ds);
      } catch (e) {
        return e as cnn.DivergenceError;
      }
    })();
    expect(error).toBeInstanceOf(cnn.DivergenceError);
    expect(error!.location).toMatch(new RegExp(`^the output of layer '${model.layers[k].name}' \\(dense, node ${k + 1} of`));
    expect(error!.message).toMatch(/^evaluate \(samples 0–7\): the loss is NaN/);
  });

  it('refuses NaN pixels and empty datasets', async () => {
    const pixels = randomF32(3 * 784, 5, 0, 1);
    pixels[784 + 5] = NaN;
    expect(() => cnn.data.Dataset.fromArrays(pixels, [0, 1, 2], [1, 28, 28])).toThrow(/expected finite pixel values, got NaN at index 789 \(sample 1\)/);
    pixels[784 + 5] = Infinity;
    expect(() => cnn.data.Dataset.fromArrays(pixels, [0, 1, 2], [1, 28, 28])).toThrow(cnn.ValueError);
    const empty = data().slice(0, 0);
    const model = lenet();
    await expect(model.fit(empty)).rejects.toThrow(/fit: expected a dataset with at least one sample, got an empty one/);
    expect(() => model.evaluate(empty)).toThrow(/evaluate: expected a dataset with at least one sample/);
    await expect(model.fit(undefined as never)).rejects.toThrow(/fit: expected a cnn.data.Dataset, got undefined/);
    await expect(model.fit(data(), { validation: {} as never })).rejects.toThrow(/fit validation: expected a cnn.data.Dataset, got object/);
    expect(() => model.evaluate(null as never)).toThrow(/evaluate: expected a cnn.data.Dataset, got null/);
    expect(() => model.predict([1, 2] as never)).toThrow(/predict: expected a cnn.data.Dataset, got object/);
  });
});

describe('stopping a running fit', () => {
  it('model.stopTraining from a callback stops after that step; fit resolves and the model trains again', async () => {
    const model = lenet();
    let calls = 0;
    const history = await model.fit(data(), {
      epochs: 3,
      onBatchEnd: ({ batch }) => {
        calls++;
        if (batch === 2) model.stopTraining = true;
      },
    });
    expect(calls).toBe(3);
    expect(history).toHaveLength(1);
    expect(Number.isFinite(history[0].loss)).toBe(true);
    const again = await model.fit(data(), { epochs: 1 });
    expect(again).toHaveLength(1);
    expect(Number.isFinite(model.evaluate(data()).loss)).toBe(true);
  });

  it('an AbortSignal stops after the running step and rejects with its reason; the model stays usable', async () => {
    const model = lenet();
    const controller = new AbortController();
    let calls = 0;
    const error = await model
      .fit(data(), {
        epochs: 3,
        signal: controller.signal,
        onBatchEnd: () => {
          if (++calls === 4) controller.abort();
        },
      })
      .catch((e) => e);
    expect(error).toBe(controller.signal.reason);
    expect(error.name).toBe('AbortError');
    expect(calls).toBe(4);
    expect(model.fitting).toBe(false);
    expect(await model.fit(data(), { epochs: 1 })).toHaveLength(1);
  });

  it('an already aborted signal takes no step; a timer can abort a long fit', async () => {
    const model = lenet();
    const before = model.plan.paramArena.toArray();
    await expect(model.fit(data(), { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(model.plan.paramArena.toArray()).toEqual(before);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new cnn.StateError('stopped by the test')), 30);
    await expect(model.fit(data(2000), { epochs: 50, signal: controller.signal })).rejects.toThrow(/stopped by the test/);
    expect(model.fitting).toBe(false);
  });

  it('rejects a signal that is not an AbortSignal', async () => {
    await expect(lenet().fit(data(), { signal: { aborted: false } as never })).rejects.toThrow(/fit: expected signal an AbortSignal/);
  });
});

describe('early stopping', () => {
  /** Keras's rule, written again here: the epoch after which training stops, or the last one. */
  function kerasStop(values: number[], sign: number, patience: number, minDelta: number): { stop: number; best: number } {
    let best = Infinity;
    let bestEpoch = -1;
    let wait = 0;
    for (let e = 0; e < values.length; e++) {
      const s = sign * values[e];
      if (s < best - minDelta) {
        best = s;
        bestEpoch = e;
        wait = 0;
      } else if (++wait > patience) return { stop: e, best: bestEpoch };
    }
    return { stop: values.length - 1, best: bestEpoch };
  }

  it.each([
    { monitor: 'loss', mode: 'auto', patience: 0, minDelta: 10, sign: 1 },
    { monitor: 'valLoss', mode: 'min', patience: 1, minDelta: 0.02, sign: 1 },
    { monitor: 'valAccuracy', mode: 'auto', patience: 1, minDelta: 0, sign: -1 },
  ] as const)('monitor $monitor patience $patience minDelta $minDelta: stops where the rule says, restoring the best weights', async ({ monitor, mode, patience, minDelta, sign }) => {
    const model = lenet(cnn.optim.sgd({ lr: 0.05, momentum: 0.9 }));
    const weights: Float32Array[] = [];
    const history = await model.fit(data(), {
      epochs: 8,
      validation: data(48, 77),
      earlyStopping: { monitor, mode, patience, minDelta, restoreBestWeights: true },
      onEpochEnd: () => weights.push(model.plan.paramArena.toArray()),
    });
    const values = history.map((e) => e[monitor]!);
    const { stop, best } = kerasStop(values, sign, patience, minDelta);
    expect(history).toHaveLength(stop + 1);
    if (stop < 7) expect(model.plan.paramArena.toArray()).toEqual(weights[best]);
  });

  it('checks its options', async () => {
    const model = lenet();
    await expect(model.fit(data(), { earlyStopping: { patiense: 2 } as never })).rejects.toThrow(/unknown option 'patiense'.*did you mean 'patience'/);
    await expect(model.fit(data(), { earlyStopping: { monitor: 'valLoss' } })).rejects.toThrow(/monitor 'valLoss' needs fit\(\{ validation \}\)/);
    await expect(model.fit(data(), { earlyStopping: { monitor: 'val_loss' as never } })).rejects.toThrow(/expected monitor .* got "val_loss" \(did you mean 'valLoss'\?\)/);
    const mse = cnn.models.lenet5({ seed: 1 }).compile({ loss: 'mse', batchSize: 16 });
    await expect(mse.fit(data(), { earlyStopping: { monitor: 'accuracy' } })).rejects.toThrow(/monitor 'accuracy' needs an accuracy, which only softmaxCrossEntropy reports/);
  });
});
