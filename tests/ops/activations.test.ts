// SPDX-License-Identifier: MIT
// leakyRelu, elu, gelu (both forms): wasm vs the float64 reference (tests/reference/elementwise.ts)
// on sizes around the 4-lane tile, accuracy in the tails (gelu for x ≤ −2, elu near 0), the
// reference backward vs finite differences, the accumulating backward, PyTorch fixtures
// (tests/fixtures/make_activation_fixtures.py), option and shape errors, no allocation in the
// Into forms; the layers (and `activation:` on conv2d/dense) train a step and round-trip save/load.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { activationCases, checkActivation, checkReferenceBackward, type ActivationCase } from '../helpers/activation-check.js';
import { expectClose } from '../helpers/close.js';
import { randomF32, randomInts } from '../helpers/random.js';
import * as ref from '../reference/elementwise.js';

beforeAll(() => cnn.ready());

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

type Opts = Record<string, number | string>;
const ops = cnn.ops as unknown as Record<string, (...a: unknown[]) => cnn.Tensor>;
function act(name: string, opts: Opts, fwdRef: ActivationCase['fwdRef'], bwdRef: ActivationCase['bwdRef'], lo: number, hi: number): ActivationCase {
  return {
    name: `${name} ${JSON.stringify(opts)}`, fwdRef, bwdRef, lo, hi, usesOutput: false,
    fwd: (x) => ops[name](x, opts),
    fwdInto: (y, x) => ops[`${name}Into`](y, x, opts),
    bwd: (dy, x) => ops[`${name}Backward`](dy, x, opts),
    bwdInto: (dx, dy, x) => ops[`${name}BackwardInto`](dx, dy, x, opts),
  };
}

const acts: ActivationCase[] = [
  act('leakyRelu', {}, (x) => ref.leakyReluRef(x), (dy, x) => ref.leakyReluBackwardRef(dy, x), -2, 2),
  act('leakyRelu', { negativeSlope: 0.2 }, (x) => ref.leakyReluRef(x, 0.2), (dy, x) => ref.leakyReluBackwardRef(dy, x, 0.2), -2, 2),
  act('leakyRelu', { negativeSlope: -0.5 }, (x) => ref.leakyReluRef(x, -0.5), (dy, x) => ref.leakyReluBackwardRef(dy, x, -0.5), -2, 2),
  act('elu', {}, (x) => ref.eluRef(x), (dy, x) => ref.eluBackwardRef(dy, x), -6, 3),
  act('elu', { alpha: 0.5 }, (x) => ref.eluRef(x, 0.5), (dy, x) => ref.eluBackwardRef(dy, x, 0.5), -3, 3),
  act('gelu', {}, (x) => ref.geluRef(x), (dy, x) => ref.geluBackwardRef(dy, x), -6, 6),
  act('gelu', { approximate: 'tanh' }, (x) => ref.geluRef(x, 'tanh'), (dy, x) => ref.geluBackwardRef(dy, x, 'tanh'), -6, 6),
];

describe('activations vs float64 reference', () => {
  it.each(activationCases(acts))('$label', (c) => checkActivation(c));

  it('gelu keeps its relative accuracy in the negative tail (x ∈ [−6, −2], where 1 + erf(x/√2) cancels)', () =>
    cnn.scope(() => {
      const xv = Float32Array.from({ length: 33 }, (_, i) => -6 + i / 8);
      const x = cnn.tensor(xv, [33]);
      const dy = cnn.tensor(new Float32Array(33).fill(1), [33]);
      expectClose(cnn.ops.gelu(x).data, ref.geluRef(xv), { atol: 0, rtol: 1e-4, label: 'gelu tail' });
      expectClose(cnn.ops.geluBackward(dy, x).data, ref.geluBackwardRef(dy.data, xv), { atol: 0, rtol: 1e-4, label: 'gelu backward tail' });
      expectClose(cnn.ops.gelu(x, { approximate: 'tanh' }).data, ref.geluRef(xv, 'tanh'), { atol: 0, rtol: 1e-4, label: 'gelu tanh tail' });
    }),
  );

  it('gelu holds rtol 1e-4 for |x| ≤ 10 through the 8-lane, 4-lane and scalar paths (n = 8k + 4 + 3)', () =>
    cnn.scope(() => {
      const n = 4099;
      const xv = Float32Array.from({ length: n }, (_, i) => -10 + (20 * i) / (n - 1));
      const x = cnn.tensor(xv, [n]);
      const dyv = randomF32(n, 7);
      const dy = cnn.tensor(dyv, [n]);
      expectClose(cnn.ops.gelu(x).data, ref.geluRef(xv), { atol: 0, rtol: 1e-4, label: 'gelu |x| ≤ 10' });
      expectClose(cnn.ops.geluBackward(dy, x).data, ref.geluBackwardRef(dyv, xv), { atol: 1e-7, rtol: 1e-4, label: 'gelu backward |x| ≤ 10' });
    }),
  );

  it('elu keeps its relative accuracy near 0 (x = −1e-2 … −1e-6: e^x − 1 would cancel)', () =>
    cnn.scope(() => {
      const xv = Float32Array.from([-1e-2, -3e-3, -1e-3, -3e-4, -1e-4, -1e-5, -1e-6, -0.3, -0.36]);
      expectClose(cnn.ops.elu(cnn.tensor(xv, [xv.length])).data, ref.eluRef(xv), { atol: 0, rtol: 1e-5, label: 'elu near 0' });
    }),
  );

  it('at x = 0 the derivative is the negative branch\'s (slope, α), as torch', () =>
    cnn.scope(() => {
      const x = cnn.zeros([5]);
      const dy = cnn.tensor([1, 2, 3, 4, 5], [5]);
      expect(Array.from(cnn.ops.leakyReluBackward(dy, x, { negativeSlope: 0.25 }).data)).toEqual([0.25, 0.5, 0.75, 1, 1.25]);
      expect(Array.from(cnn.ops.eluBackward(dy, x, { alpha: 0.5 }).data)).toEqual([0.5, 1, 1.5, 2, 2.5]);
      expect(Array.from(cnn.ops.elu(x).data)).toEqual([0, 0, 0, 0, 0]);
    }),
  );
});

describe('activation reference backward vs finite differences (float64, h=1e-6)', () => {
  it.each(acts)('$name x=[37]', (a) => checkReferenceBackward(a));
});

// Cases from tests/fixtures/make_activation_fixtures.py.
type Arr = { shape: number[]; data: number[] };
interface Fixture { op: string; name: string; torch: string; opts: Opts; inputs: Record<string, Arr>; outputs: Record<string, Arr> }
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/activations.json', import.meta.url), 'utf8'));
const torchCases = (fixtures.cases as Fixture[]).filter((c) => ['leakyRelu', 'elu', 'gelu'].includes(c.op));

describe('activations vs PyTorch (rtol 1e-4, atol 1e-7)', () => {
  it('fixtures file: generator, torch version, every op', () => {
    expect(fixtures.header.generator).toBe('tests/fixtures/make_activation_fixtures.py');
    expect(fixtures.header.torch).toMatch(/^\d+\.\d+/);
    expect(new Set(torchCases.map((c) => c.op))).toEqual(new Set(['leakyRelu', 'elu', 'gelu']));
  });

  it.each(torchCases)('$op $name: y and dx ($torch)', (c) =>
    cnn.scope(() => {
      const x = cnn.tensor(c.inputs.x.data, c.inputs.x.shape);
      const tol = { rtol: 1e-4, atol: 1e-7, shape: c.inputs.x.shape };
      expectClose(ops[c.op](x, c.opts).data, c.outputs.y.data, { ...tol, label: `${c.op} y ${c.name}` });
      const dy = cnn.tensor(c.inputs.dy.data, c.inputs.dy.shape);
      expectClose(ops[`${c.op}Backward`](dy, x, c.opts).data, c.outputs.dx.data, { ...tol, label: `${c.op} dx ${c.name}` });
    }),
  );
});

describe('activation errors', () => {
  it('a misspelled or unknown option → ValueError naming it and the nearest valid name', () =>
    cnn.scope(() => {
      const x = cnn.zeros([2, 3]);
      expect(() => cnn.ops.leakyRelu(x, { negative_slope: 0.2 } as never)).toThrow(/leakyRelu: unknown option 'negative_slope'.*did you mean 'negativeSlope'/);
      expect(() => cnn.ops.leakyReluBackwardInto(x, x, x, { slope: 0.2 } as never)).toThrow(cnn.ValueError);
      expect(() => cnn.ops.elu(x, { alpa: 1 } as never)).toThrow(/elu: unknown option 'alpa'.*did you mean 'alpha'/);
      expect(() => cnn.ops.gelu(x, { approx: 'tanh' } as never)).toThrow(/did you mean 'approximate'/);
      expect(() => cnn.ops.gelu(x, { approximate: 'tnah' as never })).toThrow(/expected approximate 'none' or 'tanh', got "tnah" \(did you mean 'tanh'\?\)/);
      expect(() => cnn.ops.leakyRelu(x, { negativeSlope: NaN })).toThrow(/expected negativeSlope a finite number/);
      expect(() => cnn.ops.eluBackward(x, x, { alpha: '1' as never })).toThrow(/expected alpha a finite number, got "1"/);
    }),
  );

  it('shape and dtype mismatches → ShapeError / DTypeError naming both', () =>
    cnn.scope(() => {
      const x = cnn.zeros([2, 3]);
      expect(() => cnn.ops.geluInto(cnn.zeros([3, 2]), x)).toThrow(/gelu: expected y of shape \[2, 3\] \(as x\), got \[3, 2\]/);
      expect(() => cnn.ops.eluBackwardInto(cnn.zeros([2, 3]), cnn.zeros([6]), x)).toThrow(cnn.ShapeError);
      expect(() => cnn.ops.leakyReluInto(cnn.zeros([2, 3], 'int32') as never, x)).toThrow(cnn.DTypeError);
    }),
  );
});

describe('activation Into forms allocate nothing', () => {
  it('100 rounds of every Into form (x=[3,5,13,11]): no typed arrays, no wasm allocation', async () => {
    const { countAllocations } = await import('../helpers/alloc-counter.js');
    cnn.scope(() => {
      const shape = [3, 5, 13, 11];
      const x = cnn.tensor(randomF32(size(shape), 61, -3, 3), shape);
      const y = cnn.empty(shape), dx = cnn.zeros(shape), dy = cnn.zeros(shape);
      const leaky = { negativeSlope: 0.2 }, eluOpts = { alpha: 0.5 }, tanh = { approximate: 'tanh' as const };
      const before = cnn.memoryStats();
      const counter = countAllocations();
      try {
        for (let i = 0; i < 100; i++) {
          cnn.ops.leakyReluInto(y, x, leaky);
          cnn.ops.leakyReluBackwardInto(dx, dy, x, leaky);
          cnn.ops.eluInto(y, x, eluOpts);
          cnn.ops.eluBackwardInto(dx, dy, x, eluOpts);
          cnn.ops.geluInto(y, x);
          cnn.ops.geluBackwardInto(dx, dy, x, tanh);
        }
      } finally {
        counter.uninstall();
      }
      expect(counter.count()).toBe(0);
      expect(cnn.memoryStats()).toEqual(before);
    });
  });
});

/** conv → layer → flatten → dense on [2, 7, 5] inputs, one SGD step on labels, then a save/load round trip. */
async function trainAndRoundTrip(layer: cnn.layers.Layer, loss: 'softmaxCrossEntropy' | 'mse' | 'euclidean' = 'softmaxCrossEntropy', after?: cnn.layers.Layer, lr = 0.1) {
  const L = cnn.layers;
  const model = cnn.sequential([L.conv2d({ filters: 3, kernelSize: 3, padding: 1 }), layer, L.flatten(), L.dense({ units: 4 }), ...(after ? [after] : [])], { inputShape: [2, 7, 5], seed: 3 });
  model.compile({ optimizer: cnn.optim.sgd({ lr }), loss, batchSize: 3 });
  const x = cnn.tensor(randomF32(3 * 70, 71, -2, 2), [3, 2, 7, 5]);
  const labels = randomInts(3, 4, 72);
  const target = loss === 'softmaxCrossEntropy' ? cnn.tensor(labels, [3], 'int32') : cnn.tensor(Float32Array.from({ length: 12 }, (_, i) => (labels[i >> 2] === (i & 3) ? 1 : 0)), [3, 4]);
  const w0 = model.getWeights().map((w) => Array.from(w.values));
  const first = model.trainBatch(x, target);
  expect(Number.isFinite(first)).toBe(true);
  expect(model.getWeights().map((w) => Array.from(w.values))).not.toEqual(w0);
  const second = model.trainBatch(x, target);
  expect(second).toBeLessThan(first);
  const loaded = await cnn.loadModel(model.toBytes());
  expect(loaded.layers.map((l) => l.config())).toEqual(model.layers.map((l) => l.config()));
  expect(Array.from(loaded.predict(x).toArray())).toEqual(Array.from(model.predict(x).toArray()));
  const kinds = model.layers.map((l) => l.kind);
  model.dispose();
  loaded.dispose();
  x.dispose();
  target.dispose();
  return kinds;
}

describe('activation layers in a model: a training step, then save/load', () => {
  it.each([
    ['leakyRelu({ negativeSlope: 0.2 })', () => cnn.layers.leakyRelu({ negativeSlope: 0.2 })],
    ['elu({ alpha: 0.5 })', () => cnn.layers.elu({ alpha: 0.5 })],
    ['gelu()', () => cnn.layers.gelu()],
    ['gelu({ approximate: "tanh" })', () => cnn.layers.gelu({ approximate: 'tanh' })],
  ] as const)('layers.%s', async (_, make) => {
    const layer = make();
    await trainAndRoundTrip(layer);
    expect(cnn.layers.fromConfig(layer.config()).config()).toEqual(layer.config());
  });

  it('layers.logSoftmax() after dense, trained with the Euclidean loss on one-hot targets', async () => {
    // The Euclidean loss sums over the batch (no 1/N): a smaller step.
    const kinds = await trainAndRoundTrip(cnn.layers.relu(), 'euclidean', cnn.layers.logSoftmax(), 0.01);
    expect(kinds[kinds.length - 1]).toBe('logSoftmax');
  });

  it.each(['leakyRelu', 'elu', 'gelu'] as const)('conv2d({ activation: %j }) adds the layer with its default options', async (name) => {
    const L = cnn.layers;
    const model = cnn.sequential([L.conv2d({ filters: 2, kernelSize: 3, activation: name }), L.flatten(), L.dense({ units: 3, activation: name })], { inputShape: [1, 5, 5] });
    expect(model.layers.map((l) => l.kind)).toEqual(['conv2d', name, 'flatten', 'dense', name]);
    expect(model.layers[1].config()).toEqual(cnn.layers.fromConfig({ kind: name }).config());
    model.dispose();
  });

  it('layer options are checked: unknown keys and bad values → ValueError', () => {
    expect(() => cnn.layers.leakyRelu({ negative_slope: 0.2 } as never)).toThrow(/did you mean 'negativeSlope'/);
    expect(() => cnn.layers.elu({ alpha: Infinity })).toThrow(cnn.ValueError);
    expect(() => cnn.layers.gelu({ approximate: 'erf' as never })).toThrow(/expected approximate 'none' or 'tanh'/);
    expect(() => cnn.layers.logSoftmax({ dim: 1 } as never)).toThrow(/unknown option 'dim'/);
  });
});
