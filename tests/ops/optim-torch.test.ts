// SPDX-License-Identifier: MIT
// The optimisers against torch.optim, number for number: tests/fixtures/optim.json (written
// by tests/fixtures/make_optim_fixtures.py) holds two parameters (17 and 33 elements), five
// gradients and torch's parameters and state after each step. simdcnn steps both parameters
// as one flat arena, as the plan does, and compares parameters and every state array after
// every step at rtol 1e-4.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';

beforeAll(() => cnn.ready());

interface OptimizerCase {
  group: 'optimizer';
  kind: string;
  name: string;
  torch: string;
  opts: Record<string, number | boolean>;
  sizes: number[];
  /** torch's state names, in simdcnn's state order. */
  state: string[];
  params: number[][];
  grads: number[][][];
  steps: { params: number[][]; state: number[][][] }[];
}
interface Fixtures {
  header: { generator: string; torch: string; format: number };
  cases: { group: string }[];
}

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/optim.json', import.meta.url), 'utf8')) as Fixtures;
const cases = fixtures.cases.filter((c) => c.group === 'optimizer') as OptimizerCase[];
const flat = (parts: number[][]) => parts.flat();

describe('optim.json', () => {
  it('was written by make_optim_fixtures.py from torch 1.13 and covers every optimiser', () => {
    expect(fixtures.header.generator).toBe('tests/fixtures/make_optim_fixtures.py');
    expect(fixtures.header.torch).toMatch(/^1\.13/);
    expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adadelta']));
    for (const key of ['dampening', 'nesterov', 'amsgrad', 'centered', 'lrDecay', 'initialAccumulatorValue', 'momentum', 'weightDecay']) {
      expect(cases.some((c) => c.opts[key] !== undefined && c.opts[key] !== 0 && c.opts[key] !== false), key).toBe(true);
    }
  });
});

describe('optimisers vs torch.optim: five steps over parameters of 17 and 33', () => {
  it.each(cases)('$name', (c) =>
    cnn.scope(() => {
      const n = c.sizes.reduce((a, b) => a + b, 0);
      const opt = cnn.optim.fromConfig({ kind: c.kind, ...c.opts });
      expect(opt.stateCount, `${c.torch}: state arrays ${c.state.join(', ')}`).toBe(c.state.length);
      const param = cnn.tensor(flat(c.params), [n]);
      const grad = cnn.empty([n]);
      const state = Array.from({ length: opt.stateCount }, () => cnn.zeros([n]));
      opt.initState?.(state);
      c.steps.forEach((want, s) => {
        grad.data.set(flat(c.grads[s]));
        opt.step(param, grad, state);
        const label = `${c.torch} step ${s + 1}`;
        expectClose(param.data, flat(want.params), { atol: 1e-6, rtol: 1e-4, label: `${label} params` });
        want.state.forEach((parts, i) => {
          const ref = flat(parts);
          const scale = Math.max(...ref.map(Math.abs));
          expectClose(state[i].data, ref, { atol: 1e-5 * scale, rtol: 1e-4, label: `${label} ${c.state[i]}` });
        });
      });
    }),
  );
});
