// SPDX-License-Identifier: MIT
// Every optimiser, several steps of the wasm update vs the float64 reference of PyTorch's
// equations (tests/reference/optim.ts) — momentum's first-step rule, dampening, Nesterov,
// weight decay (L2 and decoupled), bias correction, AMSGrad, centring, lr decay, the
// initial accumulator — over sizes that straddle the 4-lane tail; then lr changes and reset().
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { randomF32 } from '../helpers/random.js';
import { initialStateRef, stepRef, type RefOptions } from '../reference/optim.js';

beforeAll(() => cnn.ready());

/** Any optimiser by kind (through the kind table). */
const make = (kind: string, o: RefOptions) => cnn.optim.fromConfig({ kind, ...o });

const sizes = [1, 3, 5, 17, 33, 1001];
const STEPS = 6;
/** The gradient's scale per step: the second moments rise and fall, so AMSGrad's maximum matters. */
const SCALES = [1, 0.1, 2, 0.05, 0.5, 1];

const configs: [string, RefOptions][] = [
  ['sgd', { lr: 0.1 }],
  ['sgd', { lr: 0.05, momentum: 0.9 }],
  ['sgd', { lr: 0.05, momentum: 0.9, dampening: 0.5, weightDecay: 1e-2 }],
  ['sgd', { lr: 0.02, momentum: 0.5, weightDecay: 1e-3, nesterov: true }],
  ['adam', {}],
  ['adam', { lr: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 1e-2 }],
  ['adam', { lr: 5e-2, beta1: 0, beta2: 0.5, eps: 1e-3 }],
  ['adam', { lr: 1e-2, beta2: 0.9, weightDecay: 0.1, amsgrad: true }],
  ['adamw', { lr: 1e-2 }],
  ['adamw', { lr: 1e-2, beta1: 0.85, weightDecay: 0.1, amsgrad: true }],
  ['rmsprop', {}],
  ['rmsprop', { momentum: 0.9 }],
  ['rmsprop', { centered: true }],
  ['rmsprop', { lr: 5e-3, alpha: 0.9, eps: 1e-6, weightDecay: 1e-2, momentum: 0.5, centered: true }],
  ['adagrad', { lr: 0.1 }],
  ['adagrad', { lr: 0.1, lrDecay: 0.1, weightDecay: 1e-2 }],
  ['adagrad', { lr: 0.1, initialAccumulatorValue: 0.5, eps: 1e-8 }],
  ['adadelta', {}],
  ['adadelta', { lr: 0.5, rho: 0.8, eps: 1e-5, weightDecay: 1e-2 }],
];
const cases = configs.flatMap(([kind, o]) => sizes.map((n) => ({ kind, o, n, label: `${kind} n=${n} ${JSON.stringify(o)}` })));

/** Tolerance for a state array: float32 rounding relative to the array's own scale. */
function stateTol(ref: Float64Array): { atol: number; rtol: number } {
  let max = 0;
  for (const v of ref) max = Math.max(max, Math.abs(v));
  return { atol: 1e-5 * max, rtol: 1e-4 };
}

/** Zeroed state arrays, then initState, as the plan does. */
function freshState(opt: cnn.optim.Optimizer, n: number): cnn.Tensor[] {
  const state = Array.from({ length: opt.stateCount }, () => cnn.zeros([n]));
  opt.initState?.(state);
  return state;
}

describe('optimisers vs float64 reference', () => {
  it.each(cases)('$label, 6 steps', ({ kind, o, n, label }) =>
    cnn.scope(() => {
      const opt = make(kind, o);
      const refState = initialStateRef(kind, n, o);
      expect(opt.stateCount).toBe(refState.length);
      const p0 = randomF32(n, 2000 + n);
      const param = cnn.tensor(p0, [n]);
      const grad = cnn.empty([n]);
      const state = freshState(opt, n);
      const ref = Float64Array.from(p0);
      for (let s = 0; s < STEPS; s++) {
        const g = randomF32(n, 2100 + s, -SCALES[s], SCALES[s]);
        grad.data.set(g);
        opt.step(param, grad, state);
        stepRef(kind, ref, g, refState, s + 1, o);
        expectClose(param.data, ref, { atol: 1e-6, rtol: 1e-4, label: `${label}: p after step ${s + 1}` });
        state.forEach((t, i) => expectClose(t.data, refState[i], { ...stateTol(refState[i]), label: `${label}: state[${i}] after step ${s + 1}` }));
        expectClose(grad.data, g, { atol: 0, rtol: 0, label: 'grad is left unchanged' });
      }
    }),
  );
});

describe('lr changes and reset()', () => {
  it.each(configs.filter((_, i) => i % 2 === 1))('%s %j: lr changed after 3 steps, then reset() and fresh state for 2 more (n=7)', (kind, o) =>
    cnn.scope(() => {
      const opt = make(kind, o);
      const param = cnn.tensor(randomF32(7, 1), [7]);
      const ref = Float64Array.from(param.data);
      const grad = cnn.empty([7]);
      let state = freshState(opt, 7);
      let refState = initialStateRef(kind, 7, o);
      const ro = { ...o };
      let t = 0;
      const run = (steps: number) => {
        for (let s = 0; s < steps; s++) {
          const g = randomF32(7, 40 + t, -1, 1);
          grad.data.set(g);
          opt.step(param, grad, state);
          stepRef(kind, ref, g, refState, ++t, ro);
        }
      };
      run(3);
      opt.lr = ro.lr = (opt.lr as number) / 3;
      run(2);
      expectClose(param.data, ref, { atol: 1e-6, label: `${kind} after an lr change` });
      opt.reset();
      state = freshState(opt, 7);
      refState = initialStateRef(kind, 7, o);
      t = 0;
      run(2);
      expectClose(param.data, ref, { atol: 1e-6, label: `${kind} after reset()` });
      state.forEach((s, i) => expectClose(s.data, refState[i], { ...stateTol(refState[i]), label: `${kind} state[${i}] after reset()` }));
    }),
  );

  it('adagrad.initState fills the accumulator with initialAccumulatorValue; the others have none or leave zeros', () =>
    cnn.scope(() => {
      const state = [cnn.zeros([5])];
      cnn.optim.adagrad({ initialAccumulatorValue: 0.25 }).initState!(state);
      expect(Array.from(state[0].data)).toEqual([0.25, 0.25, 0.25, 0.25, 0.25]);
      expect(() => cnn.optim.adagrad().initState!([])).toThrow(/adagrad.initState: expected 1 float32 state array, got none/);
      for (const kind of ['sgd', 'adam', 'adamw', 'rmsprop', 'adadelta']) expect(make(kind, {}).initState).toBeUndefined();
    }),
  );

  it('without initState, adagrad with an initial accumulator differs from the reference (the call matters)', () =>
    cnn.scope(() => {
      const o = { lr: 0.1, initialAccumulatorValue: 0.5 };
      const opt = cnn.optim.adagrad(o);
      const param = cnn.tensor(randomF32(9, 3), [9]);
      const ref = Float64Array.from(param.data);
      const g = randomF32(9, 4);
      opt.step(param, cnn.tensor(g, [9]), [cnn.zeros([9])]);
      stepRef('adagrad', ref, g, initialStateRef('adagrad', 9, o), 1, o);
      expect(() => expectClose(param.data, ref, { atol: 1e-6 })).toThrow();
    }),
  );
});
