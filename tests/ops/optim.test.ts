// SPDX-License-Identifier: MIT
// sgd and adam: several steps of the wasm update vs the float64 reference of PyTorch's
// equations (tests/reference/optim.ts) — momentum's first-step rule, Nesterov, weight decay,
// bias correction, lr changes, reset() — plus option validation and config round trips.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { randomF32 } from '../helpers/random.js';
import { adamStepRef, sgdStepRef, type AdamRefOptions, type SgdRefOptions } from '../reference/optim.js';

beforeAll(() => cnn.ready());

const sizes = [1, 3, 5, 17, 33, 1001];
const STEPS = 6;

const sgdConfigs: SgdRefOptions[] = [
  { lr: 0.1, momentum: 0, weightDecay: 0, nesterov: false },
  { lr: 0.05, momentum: 0.9, weightDecay: 0, nesterov: false },
  { lr: 0.05, momentum: 0.9, weightDecay: 1e-2, nesterov: false },
  { lr: 0.02, momentum: 0.5, weightDecay: 1e-3, nesterov: true },
];
const sgdCases = sgdConfigs.flatMap((o) => sizes.map((n) => ({ o, n, label: `n=${n} lr=${o.lr} μ=${o.momentum} wd=${o.weightDecay} nesterov=${o.nesterov}` })));

describe('sgd vs float64 reference', () => {
  it.each(sgdCases)('$label, 6 steps', ({ o, n, label }) =>
    cnn.scope(() => {
      const opt = cnn.optim.sgd(o);
      expect(opt.stateCount).toBe(o.momentum > 0 ? 1 : 0);
      const p0 = randomF32(n, 2000 + n);
      const param = cnn.tensor(p0, [n]);
      const grad = cnn.empty([n]);
      const state = opt.stateCount ? [cnn.zeros([n])] : [];
      const ref = Float64Array.from(p0);
      const st = { buf: null as Float64Array | null };
      for (let s = 0; s < STEPS; s++) {
        const g = randomF32(n, 2100 + s);
        grad.data.set(g);
        opt.step(param, grad, state);
        sgdStepRef(ref, g, st, o);
        expectClose(param.data, ref, { atol: 1e-6, rtol: 1e-4, label: `sgd p after step ${s + 1} ${label}` });
        if (st.buf) expectClose(state[0].data, st.buf, { atol: 1e-6, rtol: 1e-4, label: `sgd momentum after step ${s + 1} ${label}` });
        expectClose(grad.data, g, { atol: 0, rtol: 0, label: 'grad is left unchanged' });
      }
    }),
  );

  it('reset() restarts the first-step rule; lr may change between steps (n=5 μ=0.9)', () =>
    cnn.scope(() => {
      const o = { lr: 0.1, momentum: 0.9, weightDecay: 0, nesterov: false };
      const opt = cnn.optim.sgd(o);
      const param = cnn.tensor(randomF32(5, 1), [5]);
      const ref = Float64Array.from(param.data);
      const grad = cnn.tensor(randomF32(5, 2), [5]);
      const v = cnn.zeros([5]);
      let st = { buf: null as Float64Array | null };
      for (let s = 0; s < 3; s++) {
        opt.step(param, grad, [v]);
        sgdStepRef(ref, grad.data, st, o);
      }
      opt.reset();
      v.data.fill(0);
      st = { buf: null };
      opt.lr = o.lr = 0.01;
      for (let s = 0; s < 2; s++) {
        opt.step(param, grad, [v]);
        sgdStepRef(ref, grad.data, st, o);
      }
      expectClose(param.data, ref, { atol: 1e-6, label: 'sgd after reset and lr change' });
      expectClose(v.data, st.buf!, { atol: 1e-6, label: 'sgd momentum after reset' });
    }),
  );
});

const adamConfigs: AdamRefOptions[] = [
  { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
  { lr: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 1e-2 },
  { lr: 5e-2, beta1: 0, beta2: 0.5, eps: 1e-3, weightDecay: 0 },
];
const adamCases = adamConfigs.flatMap((o) => sizes.map((n) => ({ o, n, label: `n=${n} lr=${o.lr} β=(${o.beta1},${o.beta2}) eps=${o.eps} wd=${o.weightDecay}` })));

describe('adam vs float64 reference', () => {
  it.each(adamCases)('$label, 6 steps', ({ o, n, label }) =>
    cnn.scope(() => {
      const opt = cnn.optim.adam(o);
      expect(opt.stateCount).toBe(2);
      const p0 = randomF32(n, 3000 + n);
      const param = cnn.tensor(p0, [n]);
      const grad = cnn.empty([n]);
      const state = [cnn.zeros([n]), cnn.zeros([n])];
      const ref = Float64Array.from(p0);
      const st = { m: new Float64Array(n), v: new Float64Array(n), t: 0 };
      for (let s = 0; s < STEPS; s++) {
        const g = randomF32(n, 3100 + s, -0.1, 0.1);
        grad.data.set(g);
        opt.step(param, grad, state);
        adamStepRef(ref, g, st, o);
        expectClose(param.data, ref, { atol: 1e-6, rtol: 1e-4, label: `adam p after step ${s + 1} ${label}` });
        expectClose(state[0].data, st.m, { atol: 1e-7, rtol: 1e-4, label: `adam m after step ${s + 1} ${label}` });
        expectClose(state[1].data, st.v, { atol: 1e-9, rtol: 1e-4, label: `adam v after step ${s + 1} ${label}` });
      }
    }),
  );

  it('reset() restarts bias correction at t = 1 (n=7)', () =>
    cnn.scope(() => {
      const o = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
      const opt = cnn.optim.adam(o);
      const param = cnn.tensor(randomF32(7, 5), [7]);
      const grad = cnn.tensor(randomF32(7, 6), [7]);
      const state = [cnn.zeros([7]), cnn.zeros([7])];
      for (let s = 0; s < 4; s++) opt.step(param, grad, state);
      opt.reset();
      state.forEach((t) => t.data.fill(0));
      const ref = Float64Array.from(param.data);
      const st = { m: new Float64Array(7), v: new Float64Array(7), t: 0 };
      opt.step(param, grad, state);
      adamStepRef(ref, grad.data, st, o);
      expectClose(param.data, ref, { atol: 1e-7, label: 'adam first step after reset' });
    }),
  );
});

describe('optimizer options and configs', () => {
  it('invalid options → ValueError naming expected and actual', () => {
    expect(() => cnn.optim.sgd({ lr: 0 })).toThrow(/sgd: expected lr in \(0, ∞\), got 0/);
    expect(() => cnn.optim.sgd({ momentum: -0.1 })).toThrow(cnn.ValueError);
    expect(() => cnn.optim.sgd({ nesterov: true })).toThrow(/momentum > 0 with nesterov/);
    expect(() => cnn.optim.adam({ beta1: 1 })).toThrow(/adam: expected beta1 in \[0, 1\), got 1/);
    expect(() => cnn.optim.adam({ beta2: -0.5 })).toThrow(cnn.ValueError);
    expect(() => cnn.optim.adam({ eps: -1 })).toThrow(cnn.ValueError);
    expect(() => cnn.optim.adam({ lr: Number.NaN })).toThrow(cnn.ValueError);
    const opt = cnn.optim.adam();
    expect(() => (opt.lr = -1)).toThrow(cnn.ValueError);
    expect(() => cnn.optim.fromConfig({ kind: 'rmsprop' })).toThrow(/expected an optimizer kind of sgd or adam, got "rmsprop"/);
  });

  it('step() checks sizes, dtypes and the state count', () =>
    cnn.scope(() => {
      const p = cnn.zeros([4]);
      expect(() => cnn.optim.adam().step(p, cnn.zeros([5]), [cnn.zeros([4]), cnn.zeros([4])])).toThrow(cnn.ShapeError);
      expect(() => cnn.optim.adam().step(p, cnn.zeros([4]), [cnn.zeros([4])])).toThrow(/expected 2 state arrays, got 1/);
      expect(() => cnn.optim.sgd({ momentum: 0.9 }).step(p, cnn.zeros([4]), [cnn.zeros([4], 'int32') as never])).toThrow(cnn.ShapeError);
    }),
  );

  it('config() → fromConfig() gives the same optimiser (defaults: sgd lr 0.01, adam lr 1e-3, β 0.9/0.999, eps 1e-8)', () => {
    expect(cnn.optim.sgd().config()).toEqual({ kind: 'sgd', lr: 0.01, momentum: 0, weightDecay: 0, nesterov: false });
    expect(cnn.optim.adam().config()).toEqual({ kind: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    for (const opt of [cnn.optim.sgd({ lr: 0.2, momentum: 0.8, weightDecay: 1e-4, nesterov: true }), cnn.optim.adam({ lr: 3e-4, beta1: 0.5, weightDecay: 1e-5 })]) {
      const back = cnn.optim.fromConfig(opt.config());
      expect(back.kind).toBe(opt.kind);
      expect(back.config()).toEqual(opt.config());
      expect(back.stateCount).toBe(opt.stateCount);
    }
  });
});

describe('optimizer steps allocate nothing', () => {
  it('1,000 sgd and adam steps (n=1001): no typed arrays, no wasm allocation', async () => {
    const { countAllocations } = await import('../helpers/alloc-counter.js');
    cnn.scope(() => {
      const p = cnn.tensor(randomF32(1001, 61), [1001]);
      const g = cnn.tensor(randomF32(1001, 62, -1e-3, 1e-3), [1001]);
      const s = [cnn.zeros([1001]), cnn.zeros([1001])];
      const sgd = cnn.optim.sgd({ momentum: 0.9, nesterov: true, weightDecay: 1e-4 });
      const adam = cnn.optim.adam({ weightDecay: 1e-4 });
      const before = cnn.memoryStats();
      const counter = countAllocations();
      try {
        for (let i = 0; i < 1000; i++) {
          sgd.step(p, g, s);
          adam.step(p, g, s);
        }
      } finally {
        counter.uninstall();
      }
      expect(counter.count()).toBe(0);
      expect(cnn.memoryStats()).toEqual(before);
    });
  });
});
