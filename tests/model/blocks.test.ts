// SPDX-License-Identifier: MIT
// Whole blocks against PyTorch, number for number: a ResNet basic block (identity and
// projection shortcuts) and an Inception-style block, built with the functional API, given
// torch's float32 weights and inputs from tests/fixtures/blocks.json (written by
// tests/fixtures/make_block_fixtures.py), must match one training step of F.mse_loss —
// output, loss, every parameter gradient, x.grad, the running statistics after the step —
// and then the evaluation-mode output, at rtol 1e-4 / atol 1e-5. Then the same model with
// the same weights passes the tight float64 finite-difference check.
//
// Every layer is named after the torch submodule it mirrors (conv1, bn1, downsample.0,
// branch2.2 …), which is how fixture entries find their tensors. simdcnn plans no δ for the
// model input (nothing upstream of it is trained), so each model starts with an identity
// 1×1 conv, "stem": its output is x exactly, and the δ of its output is x.grad — the sum of
// what the shortcut and conv1 (or the four branches) hand back.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { lossAndGradients } from '../../src/model/train.js';
import { expectClose } from '../helpers/close.js';
import { gradcheckModel } from '../helpers/model-gradcheck.js';

beforeAll(() => cnn.ready());

interface Arr {
  shape: number[];
  data: number[];
}
/** A parameter or running statistic: the torch submodule ("layer") and simdcnn's name for it. */
interface Entry extends Arr {
  layer: string;
  name: string;
}
interface Case {
  block: 'basicBlock' | 'inception';
  name: string;
  torch: string;
  opts: Record<string, number>;
  inputs: { x: Arr; target: Arr };
  params: Entry[];
  /** Running statistics before the step. */
  state: Entry[];
  outputs: { y: Arr; loss: number; grads: Entry[]; dx: Arr; state: Entry[]; yEval: Arr };
}
interface Fixtures {
  header: { generator: string; torch: string; date: string; format: number };
  cases: Case[];
}

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/blocks.json', import.meta.url), 'utf8')) as Fixtures;
const tol = { rtol: 1e-4, atol: 1e-5 };
const L = cnn.layers;

/** torchvision's BasicBlock: conv–BN–ReLU–conv–BN + shortcut (identity, or downsample = 1×1 conv–BN), add, ReLU. */
function basicBlock(x: cnn.SymbolicTensor, filters: number, stride: number): cnn.SymbolicTensor {
  const conv = (name: string, kernelSize: number, s: number, from: cnn.SymbolicTensor) =>
    L.conv2d({ name, filters, kernelSize, stride: s, padding: (kernelSize - 1) / 2, useBias: false }).apply(from);
  let y = L.relu().apply(L.batchNorm2d({ name: 'bn1' }).apply(conv('conv1', 3, stride, x)));
  y = L.batchNorm2d({ name: 'bn2' }).apply(conv('conv2', 3, 1, y));
  const projected = stride !== 1 || x.shape[0] !== filters;
  const shortcut = projected ? L.batchNorm2d({ name: 'downsample.1' }).apply(conv('downsample.0', 1, stride, x)) : x;
  return L.relu().apply(L.add().apply([y, shortcut]));
}

/** GoogLeNet's Inception module: 1×1 | 1×1 → 3×3 | 1×1 → 5×5 | 3×3 max-pool → 1×1, ReLU after each conv, concat. */
function inception(x: cnn.SymbolicTensor, o: Record<string, number>): cnn.SymbolicTensor {
  const conv = (name: string, filters: number, k: number, from: cnn.SymbolicTensor) =>
    L.conv2d({ name, filters, kernelSize: k, padding: (k - 1) / 2, activation: 'relu' }).apply(from);
  const b1 = conv('branch1.0', o.c1, 1, x);
  const b2 = conv('branch2.2', o.c3, 3, conv('branch2.0', o.r3, 1, x));
  const b3 = conv('branch3.2', o.c5, 5, conv('branch3.0', o.r5, 1, x));
  const b4 = conv('branch4.1', o.pp, 1, L.maxPool2d({ poolSize: 3, stride: 1, padding: 1 }).apply(x));
  return L.concat().apply([b1, b2, b3, b4]);
}

/** Node index of the layer named e.layer, and the position of e.name among its parameters (or saved state). */
function locate(model: cnn.Model, e: Entry, store: 'params' | 'state'): [number, number] {
  const k = model.layers.findIndex((l) => l.name === e.layer);
  expect(k, `no layer named ${e.layer}`).toBeGreaterThanOrEqual(0);
  const specs = model.layers[k].built![store] ?? [];
  const j = specs.findIndex((s) => s.name === e.name);
  expect(specs[j]?.shape, `${e.layer}.${e.name}`).toEqual(e.shape);
  return [k, j];
}

/** The block behind an identity stem, compiled for mse at the fixture's batch, with torch's weights and running statistics. */
function blockModel(c: Case): { model: cnn.Model; stem: number } {
  const [n, channels, ...hw] = c.inputs.x.shape;
  const x = cnn.input([channels, ...hw]);
  const stem = L.conv2d({ name: 'stem', filters: channels, kernelSize: 1, useBias: false });
  const s = stem.apply(x);
  const y = c.block === 'basicBlock' ? basicBlock(s, c.opts.filters, c.opts.stride) : inception(s, c.opts);
  const model = cnn.model({ inputs: x, outputs: y });
  model.compile({ loss: 'mse', batchSize: n });
  const k = model.layers.indexOf(stem);
  const eye = model.plan.paramsOf(k)[0].data;
  eye.fill(0);
  for (let i = 0; i < channels; i++) eye[i * channels + i] = 1;
  // The fixture lists torch's named_parameters(); the block's parameter slots come in the same order.
  const slots = model.plan.slots.filter((slot) => slot.node !== k);
  const names = slots.map(({ node, spec }) => `${model.layers[node].name}.${spec.name} [${spec.shape}]`);
  expect(names).toEqual(c.params.map((p) => `${p.layer}.${p.name} [${p.shape}]`));
  for (const p of c.params) {
    const [node, j] = locate(model, p, 'params');
    model.plan.paramsOf(node)[j].data.set(p.data);
  }
  expect(c.state.length).toBe(model.plan.stateSlots.length);
  for (const e of c.state) {
    const [node, j] = locate(model, e, 'state');
    model.plan.stateOf(node)[j].data.set(e.data);
  }
  return { model, stem: k };
}

describe('blocks.json', () => {
  it('has a header with generator, torch version, date and format 1, and the three blocks', () => {
    const h = fixtures.header;
    expect(h.generator).toBe('tests/fixtures/make_block_fixtures.py');
    expect(h.format).toBe(1);
    expect(h.torch).toMatch(/^\d+\.\d+/);
    expect(h.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(fixtures.cases.map((c) => c.block)).toEqual(['basicBlock', 'basicBlock', 'inception']);
  });
});

describe('blocks vs PyTorch: one training step of F.mse_loss, then evaluation', () => {
  it.each(fixtures.cases)('$name: output, loss, every gradient, x.grad, running statistics, eval output', (c) => {
    const { model, stem } = blockModel(c);
    const { x, target } = c.inputs;
    const { y, loss, grads, dx, state, yEval } = c.outputs;
    const label = (what: string) => `${c.name} ${what}`;
    const b = model.plan.bind(x.shape[0], true);
    b.input.data.set(x.data);
    b.target.data.set(target.data);
    const value = lossAndGradients(model, b);
    expect(b.output.shape).toEqual(y.shape);
    expectClose(b.output.data, y.data, { ...tol, shape: y.shape, label: label('y') });
    expectClose([value], [loss], { ...tol, label: label('loss') });
    expect(grads.map((g) => `${g.layer}.${g.name}`)).toEqual(c.params.map((p) => `${p.layer}.${p.name}`));
    for (const g of grads) {
      const [k, j] = locate(model, g, 'params');
      expectClose(b.ios[k].grads[j].data, g.data, { ...tol, shape: g.shape, label: label(`grad ${g.layer}.${g.name}`) });
    }
    expectClose(b.ios[stem].dy!.data, dx.data, { ...tol, shape: dx.shape, label: label('x.grad') });
    expect(state.length).toBe(model.plan.stateSlots.length);
    for (const e of state) {
      const [k, j] = locate(model, e, 'state');
      expectClose(model.plan.stateOf(k)[j].data, e.data, { ...tol, shape: e.shape, label: label(`${e.layer}.${e.name} after the step`) });
    }
    cnn.scope(() => {
      const out = model.predict(cnn.tensor(Float32Array.from(x.data), x.shape));
      expect(out.shape).toEqual(yEval.shape);
      expectClose(out.data, yEval.data, { ...tol, shape: yEval.shape, label: label('eval-mode y after the step') });
    });
    model.dispose();
  });
});

describe('blocks with the fixture weights vs finite differences of the float64 model', () => {
  it.each(fixtures.cases)('$name: every parameter gradient, 12 probes per tensor', (c) => {
    const { model } = blockModel(c);
    const { x, target } = c.inputs;
    const probes = 12;
    const r = gradcheckModel(model, Float32Array.from(x.data), Float32Array.from(target.data), x.shape[0], { probes });
    expect(r.failures, r.failures.join('\n')).toEqual([]);
    const planned = model.plan.slots.reduce((s, slot) => s + Math.min(probes, slot.spec.shape.reduce((a, d) => a * d, 1)), 0);
    expect(r.checked + r.skipped).toBe(planned);
    expect(r.skipped, `${r.skipped} of ${planned} probes skipped at a ReLU or max-pool kink`).toBeLessThanOrEqual(0.05 * planned);
    expectClose([r.loss], [r.lossRef], { ...tol, label: `${c.name} loss vs the float64 model` });
    model.dispose();
  });
});
