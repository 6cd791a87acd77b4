// SPDX-License-Identifier: MIT
// The convolution-family layers in models: layers.conv2d with groups (and depthwise),
// layers.conv1d, layers.convTranspose2d and layers.zeroPad2d train (the loss falls on a fixed
// batch, every parameter moves), round-trip through save/load (configs, weights, identical
// predictions), match PyTorch's initialisation bounds (fan-in from the weight's dim 1), pass
// the tight float64 finite-difference check of tests/helpers/model-gradcheck.ts, and reject
// bad options with ValueErrors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { gradcheckModel } from '../helpers/model-gradcheck.js';
import { randomF32, randomInts } from '../helpers/random.js';

beforeAll(() => cnn.ready());

const L = cnn.layers;

/** Every 2-D layer of the family in one chain: [3, 13, 11] → 5 classes. */
function model2d(seed: number): cnn.Model {
  return cnn.sequential(
    [
      L.zeroPad2d({ padding: [1, 0, 0, 1] }), // → [3, 14, 12]
      L.conv2d({ filters: 6, kernelSize: 3, padding: 1, groups: 3, activation: 'tanh' }),
      L.conv2d({ filters: 12, kernelSize: 3, stride: 2, padding: 1, groups: 6 }), // depthwise, multiplier 2 → [12, 7, 6]
      L.convTranspose2d({ filters: 4, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, groups: 2, activation: 'tanh' }), // → [4, 14, 12]
      L.convTranspose2d({ filters: 4, kernelSize: 2, groups: 4, useBias: false }), // depthwise transposed → [4, 15, 13]
      L.flatten(),
      L.dense({ units: 5 }),
    ],
    { inputShape: [3, 13, 11], seed },
  );
}

/** The 1-D layers: [4, 17] → 3 classes. */
function model1d(seed: number): cnn.Model {
  return cnn.sequential(
    [
      L.conv1d({ filters: 6, kernelSize: 3, padding: 'same', groups: 2, activation: 'tanh' }),
      L.conv1d({ filters: 12, kernelSize: 3, stride: 2, dilation: 2, padding: 2, groups: 6 }), // depthwise → [12, 9]
      L.conv1d({ filters: 5, kernelSize: 1, useBias: false }),
      L.flatten(),
      L.dense({ units: 3 }),
    ],
    { inputShape: [4, 17], seed },
  );
}

const builders = [
  ['2-D: zeroPad2d, grouped and depthwise conv2d, convTranspose2d', model2d, [3, 13, 11], 5],
  ['1-D: conv1d grouped, depthwise, pointwise', model1d, [4, 17], 3],
] as const;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

describe('convolution-family layers in a model', () => {
  it.each(builders)('%s: trains (loss falls, every parameter moves)', (_, build, inputShape, classes) => {
    const model = build(3);
    model.compile({ optimizer: cnn.optim.sgd({ lr: 0.05, momentum: 0.9 }), batchSize: 6 });
    const before = model.getWeights().map((w) => w.values.slice());
    const losses = cnn.scope(() => {
      const x = cnn.tensor(randomF32(6 * size(inputShape), 4), [6, ...inputShape]);
      const y = cnn.tensor(randomInts(6, classes, 5), [6], 'int32');
      return Array.from({ length: 30 }, () => model.trainBatch(x, y));
    });
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[29]).toBeLessThan(0.5 * losses[0]);
    model.getWeights().forEach((w, i) => expect(w.values, `${w.layer}.${w.name}`).not.toEqual(before[i]));
    model.dispose();
  });

  it.each(builders)('%s: round-trips through save/load with identical predictions', async (_, build, inputShape) => {
    const model = build(7);
    model.compile({ optimizer: cnn.optim.adam({ lr: 1e-3 }), batchSize: 4 });
    const x = cnn.tensor(randomF32(3 * size(inputShape), 8), [3, ...inputShape]);
    const expected = model.predict(x).toArray();
    const loaded = await cnn.loadModel(model.toBytes());
    expect(loaded.layers.map((l) => l.config())).toEqual(model.layers.map((l) => l.config()));
    expect(loaded.getWeights()).toEqual(model.getWeights());
    expect(Array.from(loaded.predict(x).toArray())).toEqual(Array.from(expected));
    for (const layer of model.layers) expect(cnn.layers.fromConfig(layer.config()).config()).toEqual(layer.config());
    x.dispose();
    model.dispose();
    loaded.dispose();
  });

  it('initialises as PyTorch: U(±1/√fan_in), fan_in = weight.shape[1]·kernel (so Cout/groups·KH·KW for ConvTranspose2d)', () => {
    const model = model2d(11);
    model.compile({ batchSize: 1 });
    const convs = model.getWeights().filter((w) => w.shape.length === 4);
    expect(convs.map((w) => w.shape)).toEqual([[6, 1, 3, 3], [12, 1, 3, 3], [12, 2, 3, 3], [4, 1, 2, 2]]);
    const fanIns = [9, 9, 18, 4];
    convs.forEach((w, i) => {
      const biggest = Math.max(...Array.from(w.values, Math.abs));
      expect(biggest, w.layer).toBeLessThanOrEqual(1 / Math.sqrt(fanIns[i]));
      expect(biggest, w.layer).toBeGreaterThan(0.8 / Math.sqrt(fanIns[i]));
    });
    const bias = model.getWeights().find((w) => w.layer === convs[2].layer && w.name === 'bias')!;
    expect(Math.max(...Array.from(bias.values, Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(18));
    model.dispose();
  });

  it.each(builders)('%s: every parameter gradient vs float64 finite differences (12 probes per tensor)', (_, build, inputShape) => {
    const model = build(13);
    model.compile({ loss: 'mse', batchSize: 2 });
    const out = size(model.outputShape);
    const r = gradcheckModel(model, randomF32(2 * size(inputShape), 14), randomF32(2 * out, 15), 2, { probes: 12 });
    expect(r.failures, r.failures.join('\n')).toEqual([]);
    expect(r.skipped).toBe(0); // tanh and linear layers only: no kinks
    expect(r.checked).toBe(model.plan.slots.reduce((s, slot) => s + Math.min(12, size(slot.spec.shape)), 0));
    expect(Math.abs(r.loss - r.lossRef)).toBeLessThan(1e-5 * r.lossRef);
    model.dispose();
  });

  it('options are checked: misspelled and missing keys, groups, padding forms, outputPadding, channel counts', () => {
    // @ts-expect-error: a misspelled option
    expect(() => L.conv2d({ filters: 4, kernelSize: 3, group: 2 })).toThrow(/conv2d: unknown option 'group'.*did you mean 'groups'/);
    expect(() => L.conv2d({ filters: 6, kernelSize: 3, groups: 4 })).toThrow('conv2d: expected groups an integer ≥ 1 dividing filters (6), got 4');
    // @ts-expect-error: a missing required option
    expect(() => L.conv1d({ filters: 4 })).toThrow("conv1d: missing required option 'kernelSize'");
    expect(() => L.conv1d({ filters: 4, kernelSize: 2, padding: 'same' })).toThrow(/conv1d padding 'same': expected stride 1 and an odd dilated kernel, got kernelSize 2/);
    expect(() => L.convTranspose2d({ filters: 4, kernelSize: 3, stride: 2, outputPadding: 2 })).not.toThrow(); // checked at build, with the input
    // @ts-expect-error: a misspelled option
    expect(() => L.convTranspose2d({ filters: 4, kernelSize: 3, outputpadding: 1 })).toThrow(/did you mean 'outputPadding'/);
    expect(() => L.zeroPad2d({ padding: [1, 2, 3] })).toThrow(cnn.ValueError);
    // @ts-expect-error: a missing required option
    expect(() => L.zeroPad2d({})).toThrow("zeroPad2d: missing required option 'padding'");
    const apply = (layer: cnn.layers.Layer, shape: number[]) => () => cnn.sequential([layer], { inputShape: shape });
    expect(apply(L.conv2d({ filters: 4, kernelSize: 3, groups: 2 }), [3, 8, 8])).toThrow('conv2d: expected input channels (3) and filters (4) both divisible by groups (2)');
    expect(apply(L.convTranspose2d({ filters: 4, kernelSize: 3, stride: 2, outputPadding: 2 }), [3, 8, 8])).toThrow(/outputPadding smaller than max\(stride, dilation\)/);
    expect(apply(L.conv1d({ filters: 4, kernelSize: 3 }), [3, 8, 8])).toThrow(/conv1d x: expected a rank-3 tensor \(N, C, L\), got shape \[1, 3, 8, 8\]/);
  });
});
