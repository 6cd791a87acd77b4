// SPDX-License-Identifier: MIT
// Every options object of the public API, table-driven: a misspelled key is a ValueError
// naming it and the nearest valid key, and a missing required key is a ValueError naming
// it (never a TypeError, never silently ignored). Each row gives a call that succeeds with
// `valid`, so the errors below can only come from the key under test.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { randomF32, randomInts } from '../helpers/random.js';

beforeAll(() => cnn.ready());

type Options = Record<string, unknown>;
interface Row {
  what: string;
  /** Runs the call with these options (sync or async). */
  call: (o: Options) => unknown;
  valid: Options;
  /** A misspelling as a user types it, and the key the message must suggest. */
  typo: [string, string];
  /** Keys that may not be left out. */
  required?: string[];
}

const L = cnn.layers;
const x4 = () => cnn.tensor(randomF32(2 * 3 * 9 * 7, 1), [2, 3, 9, 7]);
const x2 = () => cnn.tensor(randomF32(4 * 6, 2), [4, 6]);
const tiny = () => {
  const model = cnn.sequential([L.flatten(), L.dense({ units: 3 })], { inputShape: [1, 2, 2] });
  return model.compile({ batchSize: 4 });
};
const tinyData = () => cnn.data.Dataset.fromArrays(randomF32(8 * 4, 3), randomInts(8, 3, 4), [1, 2, 2], 3);
const scoped = (f: () => unknown) => () => cnn.scope(() => void f());

const rows: Row[] = [
  // ops
  { what: 'conv2d', call: (o) => scoped(() => cnn.ops.conv2d(x4(), cnn.zeros([4, 3, 3, 3]), null, o))(), valid: { padding: 1 }, typo: ['strides', 'stride'] },
  { what: 'maxPool2d', call: (o) => scoped(() => cnn.ops.maxPool2d(x4(), o as never))(), valid: { kernelSize: 2 }, typo: ['kernel_size', 'kernelSize'] },
  { what: 'avgPool2d', call: (o) => scoped(() => cnn.ops.avgPool2d(x4(), o as never))(), valid: { kernelSize: 2 }, typo: ['stide', 'stride'] },
  { what: 'matmul', call: (o) => scoped(() => cnn.ops.matmul(x2(), cnn.zeros([5, 6]), o))(), valid: { transB: true }, typo: ['transb', 'transB'] },
  { what: 'dropout', call: (o) => scoped(() => cnn.ops.dropout(x2(), o as never))(), valid: { rate: 0.5, seed: 1 }, typo: ['rat', 'rate'] },
  { what: 'batchNorm2d', call: (o) => scoped(() => cnn.ops.batchNorm2d(x4(), cnn.zeros([3]), cnn.tensor(new Float32Array([1, 1, 1]), [3]), null, null, o))(), valid: { training: true }, typo: ['momentun', 'momentum'] },
  { what: 'concat', call: (o) => scoped(() => cnn.ops.concat([x4(), x4()], o))(), valid: { axis: 1 }, typo: ['axes', 'axis'] },
  { what: 'conv1d', call: (o) => scoped(() => cnn.ops.conv1d(x2().reshape([4, 2, 3]), cnn.zeros([4, 1, 2]), null, o))(), valid: { groups: 2 }, typo: ['group', 'groups'] },
  {
    what: 'convTranspose2d',
    call: (o) => scoped(() => cnn.ops.convTranspose2d(x4(), cnn.zeros([3, 2, 3, 3]), null, o))(),
    valid: { stride: 2, outputPadding: 1 },
    typo: ['output_padding', 'outputPadding'],
  },
  { what: 'zeroPad2d', call: (o) => scoped(() => cnn.ops.zeroPad2d(x4(), o as never))(), valid: { padding: [1, 0, 2, 1] }, typo: ['pading', 'padding'], required: ['padding'] },
  { what: 'leakyRelu', call: (o) => scoped(() => cnn.ops.leakyRelu(x2(), o))(), valid: { negativeSlope: 0.2 }, typo: ['negative_slope', 'negativeSlope'] },
  { what: 'elu', call: (o) => scoped(() => cnn.ops.elu(x2(), o))(), valid: { alpha: 0.5 }, typo: ['alpah', 'alpha'] },
  { what: 'gelu', call: (o) => scoped(() => cnn.ops.gelu(x2(), o as never))(), valid: { approximate: 'tanh' }, typo: ['approx', 'approximate'] },
  { what: 'localResponseNorm', call: (o) => scoped(() => cnn.ops.localResponseNorm(x4(), o as never))(), valid: { size: 3 }, typo: ['sise', 'size'], required: ['size'] },
  // layers
  { what: 'conv2d', call: (o) => L.conv2d(o as never), valid: { filters: 2, kernelSize: 3 }, typo: ['kernel_size', 'kernelSize'], required: ['filters', 'kernelSize'] },
  { what: 'dense', call: (o) => L.dense(o as never), valid: { units: 3 }, typo: ['unit', 'units'], required: ['units'] },
  { what: 'maxPool2d', call: (o) => L.maxPool2d(o as never), valid: { poolSize: 2 }, typo: ['poolsize', 'poolSize'] },
  { what: 'avgPool2d', call: (o) => L.avgPool2d(o as never), valid: { poolSize: 2 }, typo: ['strides', 'stride'] },
  { what: 'globalAvgPool2d', call: (o) => L.globalAvgPool2d(o as never), valid: {}, typo: ['keepDim', 'keepDims'] },
  { what: 'adaptiveAvgPool2d', call: (o) => L.adaptiveAvgPool2d(o as never), valid: { outputSize: 2 }, typo: ['output_size', 'outputSize'], required: ['outputSize'] },
  { what: 'batchNorm2d', call: (o) => L.batchNorm2d(o as never), valid: {}, typo: ['momentom', 'momentum'] },
  { what: 'dropout', call: (o) => L.dropout(o as never), valid: { rate: 0.5 }, typo: ['rates', 'rate'], required: ['rate'] },
  { what: 'concat', call: (o) => L.concat(o as never), valid: {}, typo: ['axes', 'axis'] },
  { what: 'normalize', call: (o) => L.normalize(o as never), valid: { mean: 0.5, std: 0.2 }, typo: ['means', 'mean'], required: ['mean', 'std'] },
  { what: 'flatten', call: (o) => L.flatten(o as never), valid: {}, typo: ['nme', 'name'] },
  { what: 'relu', call: (o) => L.relu(o as never), valid: {}, typo: ['names', 'name'] },
  {
    what: 'activation',
    call: (o) => L.activation(o as never),
    valid: { name: 'square', forward: () => {}, backward: () => {} },
    typo: ['backwards', 'backward'],
    required: ['name', 'forward', 'backward'],
  },
  { what: 'conv1d', call: (o) => L.conv1d(o as never), valid: { filters: 2, kernelSize: 3 }, typo: ['dilaton', 'dilation'], required: ['filters', 'kernelSize'] },
  { what: 'convTranspose2d', call: (o) => L.convTranspose2d(o as never), valid: { filters: 2, kernelSize: 4, stride: 2 }, typo: ['outputPading', 'outputPadding'], required: ['filters', 'kernelSize'] },
  { what: 'zeroPad2d', call: (o) => L.zeroPad2d(o as never), valid: { padding: 1 }, typo: ['paddings', 'padding'], required: ['padding'] },
  { what: 'leakyRelu', call: (o) => L.leakyRelu(o as never), valid: { negativeSlope: 0.1 }, typo: ['negativeslope', 'negativeSlope'] },
  { what: 'elu', call: (o) => L.elu(o as never), valid: { alpha: 1 }, typo: ['alfa', 'alpha'] },
  { what: 'gelu', call: (o) => L.gelu(o as never), valid: {}, typo: ['aproximate', 'approximate'] },
  { what: 'logSoftmax', call: (o) => L.logSoftmax(o as never), valid: {}, typo: ['nam', 'name'] },
  { what: 'localResponseNorm', call: (o) => L.localResponseNorm(o as never), valid: { size: 5, k: 2 }, typo: ['betta', 'beta'], required: ['size'] },
  // optimisers
  { what: 'sgd', call: (o) => cnn.optim.sgd(o as never), valid: { lr: 0.1, momentum: 0.9 }, typo: ['momentun', 'momentum'] },
  { what: 'adam', call: (o) => cnn.optim.adam(o as never), valid: { lr: 0.01 }, typo: ['betas', 'beta1'] },
  { what: 'adamw', call: (o) => cnn.optim.adamw(o as never), valid: { amsgrad: true }, typo: ['weight_decay', 'weightDecay'] },
  { what: 'rmsprop', call: (o) => cnn.optim.rmsprop(o as never), valid: { centered: true }, typo: ['centred', 'centered'] },
  { what: 'adagrad', call: (o) => cnn.optim.adagrad(o as never), valid: { lrDecay: 0.1 }, typo: ['lr_decay', 'lrDecay'] },
  { what: 'adadelta', call: (o) => cnn.optim.adadelta(o as never), valid: { rho: 0.8 }, typo: ['roh', 'rho'] },
  // schedules
  { what: 'step', call: (o) => cnn.schedules.step(o as never), valid: { stepSize: 2 }, typo: ['step_size', 'stepSize'], required: ['stepSize'] },
  { what: 'multiStep', call: (o) => cnn.schedules.multiStep(o as never), valid: { milestones: [2, 4] }, typo: ['milestone', 'milestones'], required: ['milestones'] },
  { what: 'exponential', call: (o) => cnn.schedules.exponential(o as never), valid: { gamma: 0.9 }, typo: ['gama', 'gamma'], required: ['gamma'] },
  { what: 'cosine', call: (o) => cnn.schedules.cosine(o as never), valid: { tMax: 10 }, typo: ['etamin', 'etaMin'] },
  { what: 'warmup', call: (o) => cnn.schedules.warmup(o as never), valid: { epochs: 2, then: cnn.schedules.exponential({ gamma: 0.9 }) }, typo: ['startfactor', 'startFactor'] },
  { what: 'reduceOnPlateau', call: (o) => cnn.schedules.reduceOnPlateau(o as never), valid: { patience: 2 }, typo: ['cooldwn', 'cooldown'] },
  // models and training
  { what: 'sequential', call: (o) => cnn.sequential([L.flatten()], o as never), valid: { inputShape: [1, 2, 2] }, typo: ['input_shape', 'inputShape'], required: ['inputShape'] },
  {
    what: 'model',
    call: (o) => cnn.model(o as never),
    valid: (() => {
      const x = cnn.input([1, 2, 2]);
      return { inputs: x, outputs: L.flatten().apply(x) };
    })(),
    typo: ['output', 'outputs'],
    required: ['inputs', 'outputs'],
  },
  { what: 'lenet5', call: (o) => cnn.models.lenet5(o as never).dispose(), valid: { seed: 1 }, typo: ['numclasses', 'numClasses'] },
  { what: 'resnet', call: (o) => cnn.models.resnet(o as never).dispose(), valid: { depth: 8, width: 2 }, typo: ['dept', 'depth'] },
  { what: 'compile', call: (o) => cnn.sequential([L.flatten(), L.dense({ units: 3 })], { inputShape: [1, 2, 2] }).compile(o as never), valid: { batchSize: 4 }, typo: ['los', 'loss'] },
  { what: 'fit', call: (o) => tiny().fit(tinyData(), o as never), valid: { epochs: 1 }, typo: ['epoch', 'epochs'] },
  { what: 'fit earlyStopping', call: (o) => tiny().fit(tinyData(), { earlyStopping: o as never }), valid: { patience: 1 }, typo: ['patiense', 'patience'] },
  { what: 'evaluate', call: (o) => tiny().evaluate(tinyData(), o as never), valid: { batchSize: 4 }, typo: ['batch_size', 'batchSize'] },
  { what: 'predict', call: (o) => tiny().predict(tinyData(), o as never).dispose(), valid: { batchSize: 4 }, typo: ['batchsize', 'batchSize'] },
  {
    what: 'loadIdx',
    call: (o) => cnn.data.loadIdx(Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 7]), Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 1, 2]), o as never),
    valid: { numClasses: 3 },
    typo: ['numclass', 'numClasses'],
  },
  { what: 'ready', call: (o) => cnn.ready(o as never), valid: {}, typo: ['isas', 'isa'] },
];

/** Runs a call that may be sync or async; returns what it threw or rejected with, or null. */
async function thrown(f: () => unknown): Promise<unknown> {
  try {
    await f();
    return null;
  } catch (e) {
    return e;
  }
}

describe('every options object', () => {
  it.each(rows)('$what: valid options work; a typo names the key and the nearest one', async ({ what, call, valid, typo: [key, suggestion] }) => {
    expect(await thrown(() => call({ ...valid }))).toBeNull();
    const error = (await thrown(() => call({ ...valid, [key]: 1 }))) as Error;
    expect(error).toBeInstanceOf(cnn.ValueError);
    expect(error.message).toContain(`${what}: unknown option '${key}'`);
    expect(error.message).toContain(`did you mean '${suggestion}'?`);
  });

  it.each(rows.filter((r) => r.required))('$what: each required key left out is a ValueError naming it', async ({ what, call, valid, required }) => {
    for (const key of required!) {
      const { [key]: _left, ...rest } = valid;
      const error = (await thrown(() => call(rest))) as Error;
      expect(error).toBeInstanceOf(cnn.ValueError);
      expect(error.message).toContain(`${what}: missing required option '${key}'`);
    }
  });

  it("the issue's cases, as a new user types them", async () => {
    expect(() => cnn.optim.sgd({ momentun: 0.9 } as never)).toThrow(/sgd: unknown option 'momentun'.*did you mean 'momentum'/);
    expect(() => cnn.optim.adam({ betas: [0.9, 0.99] } as never)).toThrow(/adam: unknown option 'betas'/);
    expect(() => L.conv2d({ filters: 6, strides: 2, kernelSize: 3 } as never)).toThrow(/did you mean 'stride'/);
    expect(() => L.conv2d({ filters: 6, kernel_size: 3 } as never)).toThrow(/conv2d: unknown option 'kernel_size'.*did you mean 'kernelSize'/);
    expect(() => L.conv2d({ filters: 6 } as never)).toThrow(/conv2d: missing required option 'kernelSize'/);
    const model = cnn.sequential([L.flatten(), L.dense({ units: 3 })], { inputShape: [1, 2, 2] });
    expect(() => model.compile({ los: 'mse' } as never)).toThrow(/compile: unknown option 'los'.*did you mean 'loss'/);
    for (const loss of ['toString', 'constructor', '__proto__']) {
      expect(() => model.compile({ loss } as never)).toThrow(cnn.ValueError);
    }
    await expect(tiny().fit(tinyData(), { epoch: 3 } as never)).rejects.toThrow(/fit: unknown option 'epoch'.*did you mean 'epochs'/);
  });
});
