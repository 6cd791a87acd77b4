// SPDX-License-Identifier: MIT
// simdcnn against PyTorch, number for number: tests/fixtures/pytorch.json holds inputs and
// torch's outputs and gradients (written by tests/fixtures/make_fixtures.py, header below);
// each case feeds the same float32 inputs to our ops and compares at rtol 1e-4 / atol 1e-5.
// Convolution and linear outputs are sums of many terms; where the terms cancel, the float32
// rounding of the sum (≈ √n·2⁻²⁴·Σ|terms|, in PyTorch's own float32 kernels too) can exceed
// rtol·|result|, so those elements also get 1e-6·Σ|terms| (the fixture's "scale").
// Backward ops get the fixture's own upstream gradient (and, for sigmoid/tanh, torch's
// forward output), so a forward error does not masquerade as a backward one.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import {
  type Arr,
  type ConvBackward,
  type ConvForward,
  type FixtureCase,
  T,
  check,
  checkConvFixture,
  expectHeader,
  loadFixtures,
  run,
  tol,
} from '../helpers/torch-fixtures.js';

beforeAll(() => cnn.ready());

interface Case extends FixtureCase {
  opts: Record<string, number | boolean>;
  inputs: Record<string, Arr & Arr[]>;
  outputs: Record<string, Arr & Arr[] & number>;
}

const fixtures = loadFixtures<Case>('pytorch.json');
const byOp = (op: string) => fixtures.cases.filter((c) => c.op === op);

type MaxPoolOpts = { kernelSize: number; stride: number; padding: number; ceilMode: boolean };
type AvgPoolOpts = MaxPoolOpts & { countIncludePad: boolean };
type SgdOpts = { lr: number; momentum: number };
type AdamOpts = { lr: number; beta1: number; beta2: number; eps: number };
type BatchNormStep = { x: Arr; dy: Arr };
type BatchNormOut = { y: Arr; dx: Arr; dweight?: Arr; dbias?: Arr; runningMean: Arr; runningVar: Arr };

function labelsOf(a: Arr): cnn.Tensor<'int32'> {
  return cnn.tensor(Int32Array.from(a.data), a.shape, 'int32');
}
/** A loss may come back as a number or as a one-element tensor. */
function scalar(v: unknown): number {
  return typeof v === 'number' ? v : (v as cnn.Tensor).data[0];
}

describe('fixtures file', () => {
  it('has a header with generator, torch version, date and format 1, and cases for every op', () => {
    expectHeader(fixtures.header, 'tests/fixtures/make_fixtures.py');
    const ops = [
      'conv2d', 'maxPool2d', 'avgPool2d', 'linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'softmaxCrossEntropy', 'mse', 'sgd', 'adam',
      'batchNorm2d', 'concat', 'add', 'adaptiveAvgPool2d', 'globalAvgPool2d',
    ];
    for (const op of ops) expect(byOp(op).length, op).toBeGreaterThan(0);
    expect(new Set(fixtures.cases.map((c) => c.op))).toEqual(new Set(ops));
  });
});

describe('conv2d vs F.conv2d', () => {
  it.each(byOp('conv2d'))('$name', (c) => checkConvFixture(c, cnn.ops.conv2d as ConvForward, cnn.ops.conv2dBackward as ConvBackward));
});

describe('maxPool2d vs F.max_pool2d', () => {
  it.each(byOp('maxPool2d'))('$name', (c) =>
    run(() => {
      const opts = c.opts as unknown as MaxPoolOpts;
      const x = T(c.inputs.x);
      check(cnn.ops.maxPool2d(x, opts), c.outputs.y, c, 'y');
      check(cnn.ops.maxPool2dBackward(T(c.inputs.dy), x, opts), c.outputs.dx, c, 'dx');
    }),
  );
});

describe('avgPool2d vs F.avg_pool2d', () => {
  it.each(byOp('avgPool2d'))('$name', (c) =>
    run(() => {
      const opts = c.opts as unknown as AvgPoolOpts;
      const x = T(c.inputs.x);
      check(cnn.ops.avgPool2d(x, opts), c.outputs.y, c, 'y');
      check(cnn.ops.avgPool2dBackward(T(c.inputs.dy), x, opts), c.outputs.dx, c, 'dx');
    }),
  );
});

describe('linear vs F.linear', () => {
  it.each(byOp('linear'))('$name', (c) =>
    run(() => {
      const i = c.inputs;
      const x = T(i.x);
      const w = T(i.w);
      check(cnn.ops.linear(x, w, T(i.b)), c.outputs.y, c, 'y');
      const { dx, dw, db } = cnn.ops.linearBackward(T(i.dy), x, w);
      check(dx, c.outputs.dx, c, 'dx');
      check(dw, c.outputs.dw, c, 'dw');
      check(db, c.outputs.db, c, 'db');
    }),
  );
});

describe('activations vs torch.relu / sigmoid / tanh', () => {
  it.each(byOp('relu'))('relu $name', (c) =>
    run(() => {
      const x = T(c.inputs.x);
      check(cnn.ops.relu(x), c.outputs.y, c, 'y');
      check(cnn.ops.reluBackward(T(c.inputs.dy), x), c.outputs.dx, c, 'dx');
    }),
  );
  it.each(byOp('sigmoid'))('sigmoid $name', (c) =>
    run(() => {
      check(cnn.ops.sigmoid(T(c.inputs.x)), c.outputs.y, c, 'y');
      check(cnn.ops.sigmoidBackward(T(c.inputs.dy), T(c.outputs.y)), c.outputs.dx, c, 'dx');
    }),
  );
  it.each(byOp('tanh'))('tanh $name', (c) =>
    run(() => {
      check(cnn.ops.tanh(T(c.inputs.x)), c.outputs.y, c, 'y');
      check(cnn.ops.tanhBackward(T(c.inputs.dy), T(c.outputs.y)), c.outputs.dx, c, 'dx');
    }),
  );
});

describe('softmax and losses vs F.softmax / F.cross_entropy / F.mse_loss', () => {
  it.each(byOp('softmax'))('softmax $name', (c) =>
    run(() => {
      check(cnn.ops.softmax(T(c.inputs.x)), c.outputs.y, c, 'y');
    }),
  );
  it.each(byOp('softmaxCrossEntropy'))('softmaxCrossEntropy $name', (c) =>
    run(() => {
      const { loss, dlogits } = cnn.ops.softmaxCrossEntropy(T(c.inputs.logits), labelsOf(c.inputs.labels));
      expectClose([scalar(loss)], [c.outputs.loss], { ...tol, label: `softmaxCrossEntropy loss ${c.name}` });
      check(dlogits, c.outputs.dlogits, c, 'dlogits');
    }),
  );
  it.each(byOp('mse'))('mse $name', (c) =>
    run(() => {
      const { loss, dpred } = cnn.ops.mse(T(c.inputs.pred), T(c.inputs.target));
      expectClose([scalar(loss)], [c.outputs.loss], { ...tol, label: `mse loss ${c.name}` });
      check(dpred, c.outputs.dpred, c, 'dpred');
    }),
  );
});

describe('optimisers vs torch.optim.SGD / Adam: three steps', () => {
  const steps = (c: Case, opt: { stateCount: number; step(p: cnn.Tensor, g: cnn.Tensor, s: cnn.Tensor[]): unknown }) =>
    run(() => {
      const p = T(c.inputs.param);
      const state = Array.from({ length: opt.stateCount }, () => cnn.zeros(p.shape));
      c.inputs.grads.forEach((g, s) => {
        opt.step(p, T(g), state);
        check(p, c.outputs.params[s], c, `param after step ${s + 1}`);
      });
    });
  it.each(byOp('sgd'))('sgd $name', (c) => steps(c, cnn.optim.sgd(c.opts as unknown as SgdOpts)));
  it.each(byOp('adam'))('adam $name', (c) => steps(c, cnn.optim.adam(c.opts as unknown as AdamOpts)));
});

describe('batchNorm2d vs F.batch_norm: training steps on new batches, evaluation', () => {
  it.each(byOp('batchNorm2d'))('$name', (c) =>
    run(() => {
      const i = c.inputs as unknown as Record<string, Arr> & { steps: BatchNormStep[] };
      const opts = c.opts as unknown as cnn.ops.BatchNorm2dOptions;
      const w = i.weight ? T(i.weight) : null;
      const b = i.bias ? T(i.bias) : null;
      const rm = T(i.runningMean);
      const rv = T(i.runningVar);
      const C = rm.size;
      const saved = opts.training ? { mean: cnn.empty([C]), invstd: cnn.empty([C]) } : null;
      const outs = c.outputs.steps as unknown as BatchNormOut[];
      i.steps.forEach((step, s) => {
        const x = T(step.x);
        const y = cnn.empty(x.shape);
        cnn.ops.batchNorm2dInto(y, x, rm, rv, w, b, opts, saved);
        check(y, outs[s].y, c, `y (step ${s + 1})`);
        check(rm, outs[s].runningMean, c, `runningMean (step ${s + 1})`);
        check(rv, outs[s].runningVar, c, `runningVar (step ${s + 1})`);
        const grads = { dx: cnn.zeros(x.shape), dweight: w ? cnn.zeros([C]) : null, dbias: cnn.zeros([C]) };
        cnn.ops.batchNorm2dBackwardInto(grads, T(step.dy), x, rm, rv, w, opts, saved);
        check(grads.dx, outs[s].dx, c, `dx (step ${s + 1})`);
        if (grads.dweight) check(grads.dweight, outs[s].dweight!, c, `dweight (step ${s + 1})`);
        if (outs[s].dbias) check(grads.dbias, outs[s].dbias!, c, `dbias (step ${s + 1})`);
      });
    }),
  );
});

describe('concat and add vs torch.cat / torch.add', () => {
  it.each(byOp('concat'))('concat $name', (c) =>
    run(() => {
      const opts = c.opts as unknown as cnn.ops.ConcatOptions;
      const xs = c.inputs.xs.map(T);
      check(cnn.ops.concat(xs, opts), c.outputs.y, c, 'y');
      cnn.ops.concatBackward(T(c.inputs.dy), xs, opts).forEach((dx, k) => check(dx, c.outputs.dxs[k], c, `dxs[${k}]`));
    }),
  );
  it.each(byOp('add'))('add $name', (c) =>
    run(() => {
      check(cnn.ops.add(T(c.inputs.a), T(c.inputs.b)), c.outputs.y, c, 'y');
      const { da, db } = cnn.ops.addBackward(T(c.inputs.dy));
      check(da, c.outputs.da, c, 'da');
      check(db, c.outputs.db, c, 'db');
    }),
  );
});

describe('adaptiveAvgPool2d and globalAvgPool2d vs F.adaptive_avg_pool2d', () => {
  it.each(byOp('adaptiveAvgPool2d'))('adaptiveAvgPool2d $name', (c) =>
    run(() => {
      const opts = c.opts as unknown as cnn.ops.AdaptiveAvgPool2dOptions;
      const x = T(c.inputs.x);
      check(cnn.ops.adaptiveAvgPool2d(x, opts), c.outputs.y, c, 'y');
      check(cnn.ops.adaptiveAvgPool2dBackward(T(c.inputs.dy), x, opts), c.outputs.dx, c, 'dx');
    }),
  );
  it.each(byOp('globalAvgPool2d'))('globalAvgPool2d $name', (c) =>
    run(() => {
      const x = T(c.inputs.x);
      check(cnn.ops.globalAvgPool2d(x), c.outputs.y, c, 'y');
      check(cnn.ops.globalAvgPool2dBackward(T(c.inputs.dy), x), c.outputs.dx, c, 'dx');
    }),
  );
});
