// SPDX-License-Identifier: MIT
// Optimiser options (unknown keys, ranges, PyTorch's defaults), config() → fromConfig()
// round trips, step()'s argument checks, and steps that allocate nothing.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { randomF32 } from '../helpers/random.js';
import { DEFAULTS } from '../reference/optim.js';

beforeAll(() => cnn.ready());

const make = (kind: string, o: object = {}) => cnn.optim.fromConfig({ kind, ...o });
const KINDS = ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adadelta'];

describe('optimizer options', () => {
  it.each([
    ['sgd', { momentun: 0.9 }, /sgd: unknown option 'momentun' .*did you mean 'momentum'\?/],
    ['adam', { betas: [0.9, 0.99] }, /adam: unknown option 'betas' \(expected one of lr, beta1, beta2, eps, weightDecay, amsgrad/],
    ['adamw', { weight_decay: 0.1 }, /adamw: unknown option 'weight_decay' .*did you mean 'weightDecay'\?/],
    ['rmsprop', { centred: true }, /rmsprop: unknown option 'centred' .*did you mean 'centered'\?/],
    ['adagrad', { lr_decay: 0.1 }, /adagrad: unknown option 'lr_decay' .*did you mean 'lrDecay'\?/],
    ['adadelta', { rh0: 0.5 }, /adadelta: unknown option 'rh0' .*did you mean 'rho'\?/],
  ])('%s(%j) → ValueError naming the key and the nearest one', (kind, o, message) => {
    const factory = (cnn.optim as unknown as Record<string, (o: object) => unknown>)[kind];
    expect(() => factory(o)).toThrow(cnn.ValueError);
    expect(() => factory(o)).toThrow(message);
    expect(() => make(kind, o)).toThrow(message);
  });

  it('no option is required: every optimiser has PyTorch defaults (lr included, as simdcnn always had)', () => {
    for (const kind of KINDS) expect(make(kind).config()).toEqual({ kind, ...DEFAULTS[kind] });
    expect(() => (cnn.optim.sgd as (o: unknown) => unknown)(null)).toThrow(/sgd: expected an options object, got null/);
  });

  it('ranges and combinations → ValueError naming expected and actual', () => {
    expect(() => cnn.optim.sgd({ lr: 0 })).toThrow(/sgd: expected lr in \(0, ∞\), got 0/);
    expect(() => cnn.optim.sgd({ momentum: -0.1 })).toThrow(cnn.ValueError);
    expect(() => cnn.optim.sgd({ dampening: 1.5 })).toThrow(/sgd: expected dampening in \[0, 1\], got 1.5/);
    expect(() => cnn.optim.sgd({ nesterov: true })).toThrow(/momentum > 0 and dampening 0 with nesterov/);
    expect(() => cnn.optim.sgd({ nesterov: true, momentum: 0.9, dampening: 0.1 })).toThrow(/got momentum 0.9, dampening 0.1/);
    expect(() => cnn.optim.sgd({ nesterov: 1 as never })).toThrow(/sgd: expected nesterov true or false, got 1/);
    expect(() => cnn.optim.adam({ beta1: 1 })).toThrow(/adam: expected beta1 in \[0, 1\), got 1/);
    expect(() => cnn.optim.adam({ beta2: -0.5 })).toThrow(cnn.ValueError);
    expect(() => cnn.optim.adam({ eps: -1 })).toThrow(cnn.ValueError);
    expect(() => cnn.optim.adam({ lr: Number.NaN })).toThrow(cnn.ValueError);
    expect(() => cnn.optim.adam({ amsgrad: 'yes' as never })).toThrow(/adam: expected amsgrad true or false, got "yes"/);
    expect(() => cnn.optim.adamw({ weightDecay: -1 })).toThrow(/adamw: expected weightDecay in \[0, ∞\), got -1/);
    expect(() => cnn.optim.rmsprop({ alpha: 1.01 })).toThrow(/rmsprop: expected alpha in \[0, 1\], got 1.01/);
    expect(() => cnn.optim.rmsprop({ momentum: 1 })).toThrow(/rmsprop: expected momentum in \[0, 1\), got 1/);
    expect(() => cnn.optim.adagrad({ lrDecay: -0.1 })).toThrow(/adagrad: expected lrDecay in \[0, ∞\), got -0.1/);
    expect(() => cnn.optim.adagrad({ initialAccumulatorValue: -1 })).toThrow(/adagrad: expected initialAccumulatorValue/);
    expect(() => cnn.optim.adadelta({ rho: 1.5 })).toThrow(/adadelta: expected rho in \[0, 1\], got 1.5/);
    for (const kind of KINDS) {
      const opt = make(kind);
      expect(() => (opt.lr = -1)).toThrow(new RegExp(`${kind}: expected lr in \\[0, ∞\\), got -1`));
      expect(() => (opt.lr = Infinity)).toThrow(cnn.ValueError);
    }
    expect(() => cnn.optim.fromConfig({ kind: 'lbfgs' })).toThrow(/expected an optimizer kind of sgd, adam, adamw, rmsprop, adagrad, adadelta, got "lbfgs"/);
  });

  it('sgd({ dampening }) and adam({ amsgrad }) are accepted; stateCount follows the options', () => {
    expect(cnn.optim.sgd({ dampening: 0.1 }).stateCount).toBe(0);
    expect(cnn.optim.sgd({ momentum: 0.9, dampening: 0.1 }).stateCount).toBe(1);
    expect(cnn.optim.adam({ amsgrad: true }).stateCount).toBe(3);
    expect(cnn.optim.adamw().stateCount).toBe(2);
    expect(cnn.optim.rmsprop().stateCount).toBe(1);
    expect(cnn.optim.rmsprop({ centered: true, momentum: 0.5 }).stateCount).toBe(3);
    expect(cnn.optim.adagrad().stateCount).toBe(1);
    expect(cnn.optim.adadelta().stateCount).toBe(2);
  });
});

describe('config() → fromConfig()', () => {
  const set: [string, object][] = [
    ['sgd', { lr: 0.2, momentum: 0.8, dampening: 0.25, weightDecay: 1e-4 }],
    ['sgd', { lr: 0.2, momentum: 0.8, weightDecay: 1e-4, nesterov: true }],
    ['adam', { lr: 3e-4, beta1: 0.5, weightDecay: 1e-5, amsgrad: true }],
    ['adamw', { lr: 3e-4, beta2: 0.95, eps: 1e-6, weightDecay: 0.05 }],
    ['rmsprop', { lr: 1e-3, alpha: 0.9, eps: 1e-7, weightDecay: 1e-4, momentum: 0.9, centered: true }],
    ['adagrad', { lr: 0.05, lrDecay: 1e-3, weightDecay: 1e-4, initialAccumulatorValue: 0.1, eps: 1e-9 }],
    ['adadelta', { lr: 0.5, rho: 0.95, eps: 1e-7, weightDecay: 1e-4 }],
  ];
  it.each(set)('%s %j: same kind, options, state count and initState', (kind, o) => {
    const opt = (cnn.optim as unknown as Record<string, (o: object) => cnn.optim.Optimizer>)[kind](o);
    expect(opt.config()).toEqual({ kind, ...DEFAULTS[kind], ...o });
    const back = cnn.optim.fromConfig(JSON.parse(JSON.stringify(opt.config())));
    expect(back.kind).toBe(kind);
    expect(back.config()).toEqual(opt.config());
    expect(back.stateCount).toBe(opt.stateCount);
    expect(typeof back.initState).toBe(typeof opt.initState);
  });

  it('a config from before dampening and amsgrad (format 1 files) still loads', () => {
    expect(cnn.optim.fromConfig({ kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 0, nesterov: false }).config()).toMatchObject({ dampening: 0 });
    expect(cnn.optim.fromConfig({ kind: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }).config()).toMatchObject({ amsgrad: false });
  });
});

describe('lr 0 (a schedule may reach it)', () => {
  it.each(KINDS)('%s: lr may be set to 0 between steps, and then the parameters stay (no decay either)', (kind) =>
    cnn.scope(() => {
      const opt = make(kind, { weightDecay: 0.1 });
      const p0 = randomF32(9, 71);
      const p = cnn.tensor(p0, [9]);
      const g = cnn.tensor(randomF32(9, 72), [9]);
      const state = Array.from({ length: opt.stateCount }, () => cnn.zeros([9]));
      opt.initState?.(state);
      opt.lr = 0;
      for (let i = 0; i < 3; i++) opt.step(p, g, state);
      expect(Array.from(p.data)).toEqual(Array.from(p0));
      expect(() => make(kind, { lr: 0 })).toThrow(new RegExp(`${kind}: expected lr in \\(0, ∞\\), got 0`));
    }),
  );
});

describe('step() checks its arguments', () => {
  it('sizes, dtypes and the state count → typed errors', () =>
    cnn.scope(() => {
      const p = cnn.zeros([4]);
      const z = () => cnn.zeros([4]);
      expect(() => cnn.optim.adam().step(p, cnn.zeros([5]), [z(), z()])).toThrow(cnn.ShapeError);
      expect(() => cnn.optim.adam({ amsgrad: true }).step(p, z(), [z(), z()])).toThrow(/adam.step: expected 3 state arrays, got 2/);
      expect(() => cnn.optim.rmsprop({ centered: true, momentum: 0.9 }).step(p, z(), [z(), z()])).toThrow(/rmsprop.step: expected 3 state arrays, got 2/);
      expect(() => cnn.optim.adadelta().step(p, z(), [z(), cnn.zeros([3])])).toThrow(/adadelta.step: expected state\[1\] float32 of 4 elements/);
      expect(() => cnn.optim.adagrad().step(p, z(), [])).toThrow(/adagrad.step: expected 1 state arrays, got 0/);
      expect(() => cnn.optim.sgd({ momentum: 0.9 }).step(p, z(), [cnn.zeros([4], 'int32') as never])).toThrow(cnn.ShapeError);
    }),
  );
});

describe('optimizer steps allocate nothing', () => {
  it('1,000 steps of every optimiser (n=1001, every option that adds state): no typed arrays, no wasm allocation', async () => {
    const { countAllocations } = await import('../helpers/alloc-counter.js');
    cnn.scope(() => {
      const p = cnn.tensor(randomF32(1001, 61), [1001]);
      const g = cnn.tensor(randomF32(1001, 62, -1e-3, 1e-3), [1001]);
      const s = [cnn.zeros([1001]), cnn.zeros([1001]), cnn.zeros([1001])];
      const opts = [
        cnn.optim.sgd({ momentum: 0.9, nesterov: true, weightDecay: 1e-4 }),
        cnn.optim.sgd({ momentum: 0.9, dampening: 0.1 }),
        cnn.optim.adam({ weightDecay: 1e-4, amsgrad: true }),
        cnn.optim.adamw(),
        cnn.optim.rmsprop({ centered: true, momentum: 0.9 }),
        cnn.optim.adagrad({ lrDecay: 0.01 }),
        cnn.optim.adadelta(),
      ];
      const before = cnn.memoryStats();
      const counter = countAllocations();
      try {
        for (let i = 0; i < 1000; i++) for (const opt of opts) opt.step(p, g, s);
      } finally {
        counter.uninstall();
      }
      expect(counter.count()).toBe(0);
      expect(cnn.memoryStats()).toEqual(before);
    });
  });
});
