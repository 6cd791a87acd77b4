// SPDX-License-Identifier: MIT
// The functional graph API: building residual and Inception-style graphs, the node table
// and summary(), refusing a layer applied twice, a value read by several nodes (its δ is
// the sum), gradients of graph models against the float64 model, evaluation vs training
// mode, and misspelled options.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { gradcheckModel } from '../helpers/model-gradcheck.js';
import { randomF32, randomInts } from '../helpers/random.js';

beforeAll(() => cnn.ready());

const L = cnn.layers;

/** conv–BN–ReLU–conv–BN + shortcut (identity, or 1×1 conv + BN when the shape changes), add, ReLU. */
function basicBlock(x: cnn.SymbolicTensor, filters: number, stride: number): cnn.SymbolicTensor {
  let y = L.conv2d({ filters, kernelSize: 3, stride, padding: 1, useBias: false }).apply(x);
  y = L.relu().apply(L.batchNorm2d().apply(y));
  y = L.batchNorm2d().apply(L.conv2d({ filters, kernelSize: 3, padding: 1, useBias: false }).apply(y));
  const projected = stride !== 1 || x.shape[0] !== filters;
  const shortcut = projected ? L.batchNorm2d().apply(L.conv2d({ filters, kernelSize: 1, stride, useBias: false }).apply(x)) : x;
  return L.relu().apply(L.add().apply([y, shortcut]));
}

function inception(x: cnn.SymbolicTensor, c1: number, r3: number, c3: number, r5: number, c5: number, pp: number): cnn.SymbolicTensor {
  const conv = (f: number, k: number, from: cnn.SymbolicTensor) => L.conv2d({ filters: f, kernelSize: k, padding: (k - 1) / 2, activation: 'relu' }).apply(from);
  const b1 = conv(c1, 1, x);
  const b2 = conv(c3, 3, conv(r3, 1, x));
  const b3 = conv(c5, 5, conv(r5, 1, x));
  const b4 = conv(pp, 1, L.maxPool2d({ poolSize: 3, stride: 1, padding: 1 }).apply(x));
  return L.concat().apply([b1, b2, b3, b4]);
}

function classifier(y: cnn.SymbolicTensor, classes: number): cnn.SymbolicTensor {
  return L.dense({ units: classes }).apply(L.globalAvgPool2d().apply(y));
}

describe('graph construction', () => {
  it('a residual model: shapes, node table, parameter count and summary', () => {
    const x = cnn.input([3, 8, 8]);
    let y = L.conv2d({ filters: 4, kernelSize: 3, padding: 1 }).apply(x);
    y = basicBlock(y, 4, 1);
    y = basicBlock(y, 8, 2);
    const model = cnn.model({ inputs: x, outputs: classifier(y, 5), seed: 3 });
    expect(model.outputShape).toEqual([5]);
    const nodes = model.nodes;
    const add = nodes.find((n) => n.name === 'add_1')!;
    expect(add.inputs).toEqual(['batchNorm2d_2', 'conv2d_1']); // identity shortcut: the stem conv's output
    expect(nodes.find((n) => n.name === 'add_2')!.inputs).toEqual(['batchNorm2d_4', 'batchNorm2d_5']);
    expect(nodes.find((n) => n.name === 'add_2')!.outputShape).toEqual([8, 4, 4]);
    // stem 3·4·9 + 4; block 1: 2·(4·4·9) + 2 BN·2·4; block 2: 4·8·9 + 8·8·9 + 4·8 + 3 BN·2·8; dense 8·5 + 5
    const expected = 3 * 4 * 9 + 4 + 2 * 144 + 16 + 288 + 576 + 32 + 48 + 45;
    expect(model.paramCount).toBe(expected);
    const summary = model.summary();
    expect(summary).toMatch(/^node\s+kind\s+inputs\s+output\s+params$/m);
    expect(summary).toMatch(/^add_1\s+add\s+batchNorm2d_2, conv2d_1\s+\[4, 8, 8\]\s+0$/m);
    expect(summary).toMatch(/^total\s+\d+$/m);
    expect(summary).toContain(`total${' '.repeat(1)}`);
    expect(summary).toMatch(/memory: parameters [\d.]+ MiB, gradients [\d.]+ MiB, optimiser state [\d.]+ MiB, saved state [\d.]+ MiB/);
    expect(summary).toMatch(/training \(batch 64\): activations [\d.]+ MiB, δ [\d.]+ MiB, buffers [\d.]+ MiB, workspace [\d.]+ MiB/);
    expect(summary).toMatch(/evaluation \(batch 64\): activations/);
    model.dispose();
  });

  it('an Inception-style block concatenates its four branches along channels', () => {
    const x = cnn.input([6, 7, 7]);
    const y = inception(x, 2, 3, 4, 1, 2, 3);
    expect(y.shape).toEqual([2 + 4 + 2 + 3, 7, 7]);
    const model = cnn.model({ inputs: x, outputs: classifier(y, 3) });
    const concat = model.nodes.find((n) => n.kind === 'concat')!;
    expect(concat.inputs).toHaveLength(4);
    model.dispose();
  });

  it('a layer applied twice is refused (weights are not shared between nodes)', () => {
    const x = cnn.input([2, 4, 4]);
    const conv = L.conv2d({ filters: 2, kernelSize: 3, padding: 1 });
    conv.apply(x);
    expect(() => conv.apply(x)).toThrow(cnn.ValueError);
    expect(() => conv.apply(x)).toThrow(/conv2d\.apply: this layer object is already a node of a graph; a layer is applied once \(weights are not shared between nodes\)/);
    const relu = L.relu();
    cnn.sequential([relu], { inputShape: [3] });
    expect(() => cnn.sequential([relu], { inputShape: [3] })).toThrow(/already a node/);
  });

  it('bad graphs and bad inputs name what is wrong', () => {
    const x = cnn.input([2, 4, 4]);
    const other = cnn.input([2, 4, 4]);
    const y = L.add().apply([L.relu().apply(x), other]);
    expect(() => cnn.model({ inputs: x, outputs: y })).toThrow(/depend on an input \[2, 4, 4\] that is not the model's input/);
    expect(() => cnn.model({ inputs: x, outputs: x })).toThrow(/at least one layer/);
    expect(() => L.add().apply([x, cnn.input([3, 4, 4])])).toThrow(/add \(input \[2, 4, 4\], \[3, 4, 4\]\): add: expected every input of shape \[2, 4, 4\]/);
    expect(() => L.add().apply(x)).toThrow(/add\.apply: expected at least 2 inputs, got 1/);
    expect(() => L.relu().apply([x, x])).toThrow(/relu\.apply: expected 1 input, got 2/);
    expect(() => L.concat().apply([x, cnn.input([2, 5, 4])])).toThrow(cnn.ShapeError);
    expect(() => L.relu().apply([1, 2] as never)).toThrow(/expected symbolic tensors/);
    expect(() => cnn.input([0, 3])).toThrow(cnn.ShapeError);
    expect(() => cnn.model({ inputs: [x, other], outputs: y })).toThrow(/expected one symbolic tensor as inputs, got 2 values/);
    const named = [L.relu({ name: 'a' }), L.relu({ name: 'a' })];
    expect(() => cnn.sequential(named, { inputShape: [3] })).toThrow(/unique layer names, got 'a' twice/);
  });

  it('misspelled options are errors naming the option and the accepted ones', () => {
    expect(() => L.conv2d({ filters: 2, kernelSize: 3, pading: 1 } as never)).toThrow(/conv2d: unknown option 'pading' \(expected one of name, filters, kernelSize/);
    expect(() => L.dense({ unit: 3 } as never)).toThrow(/dense: unknown option 'unit'/);
    expect(() => L.maxPool2d({ poolsize: 2 } as never)).toThrow(/maxPool2d: unknown option 'poolsize'/);
    expect(() => L.batchNorm2d({ momentom: 0.1 } as never)).toThrow(/batchNorm2d: unknown option 'momentom'/);
    expect(() => L.dropout({ p: 0.5 } as never)).toThrow(/dropout: unknown option 'p'/);
    const model = cnn.sequential([L.flatten(), L.dense({ units: 2 })], { inputShape: [1, 2, 2] });
    expect(() => model.compile({ optimiser: cnn.optim.sgd() } as never)).toThrow(/compile: unknown option 'optimiser'/);
    model.compile({ batchSize: 2 });
    const data = cnn.data.Dataset.fromArrays(new Float32Array(8), [0, 1], [1, 2, 2]);
    expect(model.fit(data, { epoch: 2 } as never)).rejects.toThrow(/fit: unknown option 'epoch'/);
    expect(() => model.evaluate(data, { batch: 2 } as never)).toThrow(/evaluate: unknown option 'batch'/);
    expect(() => cnn.sequential([L.relu()], { inputShape: [2], sed: 1 } as never)).toThrow(/sequential: unknown option 'sed'/);
    model.dispose();
  });

  it('a flatten-first model input and a normalize-first model plan no δ where no gradient flows', () => {
    const model = cnn.models.lenet5({ normalize: { mean: 0.3, std: 0.4 } });
    model.compile({ batchSize: 2 });
    const b = model.plan.bind(2, true);
    expect(b.ios[0].dx).toBeNull(); // the input
    expect(b.ios[1].dx).toBeNull(); // normalize's output: conv1 skips its data gradient
    expect(b.ios[2].dx).not.toBeNull();
    model.dispose();
  });
});

describe('graph gradients against the float64 model', () => {
  it('a value read by three nodes (fan-out) receives the sum of their δ', () => {
    const x = cnn.input([2, 5, 5]);
    const stem = L.conv2d({ filters: 3, kernelSize: 3, padding: 1, activation: 'tanh' }).apply(x);
    const a = L.conv2d({ filters: 2, kernelSize: 1 }).apply(stem);
    const b = L.conv2d({ filters: 3, kernelSize: 3, padding: 1 }).apply(stem);
    const sum = L.add().apply([L.conv2d({ filters: 3, kernelSize: 1 }).apply(a), b, stem]);
    const model = cnn.model({ inputs: x, outputs: L.dense({ units: 4 }).apply(L.flatten().apply(sum)), seed: 9 });
    model.compile({ batchSize: 3 });
    const r = gradcheckModel(model, randomF32(3 * 50, 3), randomInts(3, 4, 4), 3, { probes: 20 });
    expect(r.failures, r.failures.join('\n')).toEqual([]);
    expect(r.checked).toBeGreaterThan(80);
    model.dispose();
  });

  it('residual blocks with batch norm (training mode) and both shortcut kinds', () => {
    const x = cnn.input([3, 6, 6]);
    let y = L.conv2d({ filters: 4, kernelSize: 3, padding: 1 }).apply(x);
    y = basicBlock(basicBlock(y, 4, 1), 6, 2);
    const model = cnn.model({ inputs: x, outputs: classifier(y, 5), seed: 11 });
    model.compile({ batchSize: 4 });
    const r = gradcheckModel(model, randomF32(4 * 108, 5), randomInts(4, 5, 6), 4, { probes: 12 });
    expect(r.failures, r.failures.join('\n')).toEqual([]);
    expect(r.checked).toBeGreaterThan(100);
    expect(r.skipped).toBeLessThanOrEqual(3);
    model.dispose();
  });

  it('an Inception-style block with concat, and dropout with its mask held fixed', () => {
    const x = cnn.input([4, 6, 6]);
    const y = L.dropout({ rate: 0.3 }).apply(inception(x, 2, 2, 3, 1, 2, 2));
    const model = cnn.model({ inputs: x, outputs: classifier(y, 3), seed: 12 });
    model.compile({ batchSize: 2 });
    const r = gradcheckModel(model, randomF32(2 * 144, 7), randomInts(2, 3, 8), 2, { probes: 10 });
    expect(r.failures, r.failures.join('\n')).toEqual([]);
    expect(r.checked).toBeGreaterThan(70);
    model.dispose();
  });

  it('concat of the input, a parameter-free branch and a trained one: δ only where gradients flow', () => {
    const x = cnn.input([2, 4, 4]);
    const y = L.concat().apply([x, L.relu().apply(x), L.conv2d({ filters: 3, kernelSize: 3, padding: 1 }).apply(x)]);
    const model = cnn.model({ inputs: x, outputs: L.dense({ units: 3 }).apply(L.flatten().apply(L.tanh().apply(y))), seed: 14 });
    model.compile({ batchSize: 2 });
    const concat = model.layers.findIndex((l) => l.kind === 'concat');
    expect(model.plan.bind(2, true).ios[concat].dxs.map((d) => d !== null)).toEqual([false, false, true]);
    const r = gradcheckModel(model, randomF32(2 * 32, 15), randomInts(2, 3, 16), 2, { probes: 12 });
    expect(r.failures, r.failures.join('\n')).toEqual([]);
    expect(r.checked).toBe(12 + 3 + 12 + 3); // conv weight and bias, dense weight and bias
    model.dispose();
  });

  it('adaptive average pooling and batch norm on a flat input', () => {
    const x = cnn.input([3, 7, 5]);
    let y = L.conv2d({ filters: 4, kernelSize: 3, padding: 1, activation: 'tanh' }).apply(x);
    y = L.flatten().apply(L.adaptiveAvgPool2d({ outputSize: [3, 2] }).apply(y));
    y = L.dense({ units: 3 }).apply(L.relu().apply(L.batchNorm2d().apply(L.dense({ units: 6 }).apply(y))));
    const model = cnn.model({ inputs: x, outputs: y, seed: 13 });
    model.compile({ batchSize: 5 });
    const r = gradcheckModel(model, randomF32(5 * 105, 9), randomInts(5, 3, 10), 5, { probes: 12 });
    expect(r.failures, r.failures.join('\n')).toEqual([]);
    expect(r.checked).toBeGreaterThan(50);
    model.dispose();
  });
});
