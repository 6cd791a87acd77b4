// SPDX-License-Identifier: MIT
// Gradient clipping: clipGradNorm / clipGradValue vs the float64 reference of
// torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (tests/reference/optim.ts) over sizes
// that straddle the 4-lane tail, vs torch itself (tests/fixtures/optim.json), the float64
// sum of squares, non-finite gradients as torch treats them, options, and no allocation.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { randomF32 } from '../helpers/random.js';
import { clipGradNormRef, clipGradValueRef } from '../reference/optim.js';

beforeAll(() => cnn.ready());

const { clipGradNorm, clipGradValue } = cnn.optim;

const sizes = [1, 3, 5, 17, 33, 1001];

describe('clipGradNorm vs float64 reference', () => {
  it.each(sizes.flatMap((n) => [0.1, 1, 1e3].map((maxNorm) => ({ n, maxNorm }))))('n=$n maxNorm=$maxNorm', ({ n, maxNorm }) =>
    cnn.scope(() => {
      const g0 = randomF32(n, 500 + n);
      const grads = cnn.tensor(g0, [n]);
      const ref = Float64Array.from(g0);
      const norm = clipGradNorm(grads, maxNorm);
      const want = clipGradNormRef(ref, maxNorm);
      expect(Math.abs(norm - want), `norm ${norm} vs ${want}`).toBeLessThanOrEqual(1e-12 * want);
      expectClose(grads.data, ref, { atol: 1e-7, rtol: 1e-6, label: `clipped n=${n} maxNorm=${maxNorm}` });
      if (want <= maxNorm) expectClose(grads.data, g0, { atol: 0, rtol: 0, label: 'unclipped gradients are untouched' });
    }),
  );

  it('the sum of squares is float64: 100,003 values of very different sizes agree with the reference to 1e-12', () =>
    cnn.scope(() => {
      const n = 100_003;
      const g0 = randomF32(n, 7, -1e-3, 1e-3);
      g0[5] = 3e3;
      g0[n - 1] = -2e2;
      const grads = cnn.tensor(g0, [n]);
      const want = clipGradNormRef(Float64Array.from(g0), 1e9);
      expect(Math.abs(clipGradNorm(grads, 1e9) - want) / want).toBeLessThan(1e-12);
    }),
  );

  it('a non-finite gradient gives a non-finite norm and scales as torch does (by 0, so ∞·0 = NaN)', () =>
    cnn.scope(() => {
      const grads = cnn.tensor([1, Infinity, -2, 0.5, 3], [5]);
      expect(clipGradNorm(grads, 1)).toBe(Infinity);
      expect(Array.from(grads.data)).toEqual([0, NaN, -0, 0, 0]);
      const nan = cnn.tensor([1, NaN, 2], [3]);
      expect(clipGradNorm(nan, 1)).toBeNaN();
      expect(Array.from(nan.data).every(Number.isNaN)).toBe(true);
    }),
  );
});

describe('clipGradValue vs float64 reference', () => {
  it.each(sizes.flatMap((n) => [0, 0.25, 2].map((v) => ({ n, v }))))('n=$n clipValue=$v', ({ n, v }) =>
    cnn.scope(() => {
      const g0 = randomF32(n, 600 + n);
      const grads = cnn.tensor(g0, [n]);
      const ref = Float64Array.from(g0);
      clipGradValue(grads, v);
      clipGradValueRef(ref, v);
      expectClose(grads.data, ref, { atol: 0, rtol: 0, label: `clipGradValue n=${n} v=${v}` });
    }),
  );

  it('NaN stays NaN, ±∞ is clamped', () =>
    cnn.scope(() => {
      const grads = cnn.tensor([NaN, Infinity, -Infinity, 0.1, -3], [5]);
      clipGradValue(grads, 1);
      expect(Array.from(grads.data)).toEqual([NaN, 1, -1, Math.fround(0.1), -1]);
    }),
  );
});

interface ClipCase {
  group: string;
  kind: 'clipGradNorm' | 'clipGradValue';
  torch: string;
  opts: { maxNorm?: number; clipValue?: number };
  grads: number[][];
  clipped: number[][];
  norm: number | null;
}
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/optim.json', import.meta.url), 'utf8')) as { cases: ClipCase[] };
const torchCases = fixtures.cases.filter((c) => c.group === 'clip');

describe('clipping vs torch.nn.utils (gradients of 17 and 33 as one flat arena)', () => {
  it('the fixtures clip by norm (once above, once below maxNorm) and by value', () => {
    expect(torchCases.map((c) => c.kind)).toEqual(['clipGradNorm', 'clipGradNorm', 'clipGradValue']);
    expect(torchCases[0].norm! > torchCases[0].opts.maxNorm!).toBe(true);
    expect(torchCases[1].norm! < torchCases[1].opts.maxNorm!).toBe(true);
  });

  it.each(torchCases)('$torch', (c) =>
    cnn.scope(() => {
      const g = c.grads.flat();
      const grads = cnn.tensor(g, [g.length]);
      if (c.kind === 'clipGradNorm') {
        const norm = clipGradNorm(grads, c.opts.maxNorm!);
        expect(Math.abs(norm - c.norm!), `norm ${norm} vs torch ${c.norm}`).toBeLessThanOrEqual(1e-6 * c.norm!);
      } else clipGradValue(grads, c.opts.clipValue!);
      expectClose(grads.data, c.clipped.flat(), { atol: 1e-7, rtol: 1e-4, label: c.torch });
    }),
  );
});

describe('clip options and allocation', () => {
  it('invalid limits and dtypes → typed errors', () =>
    cnn.scope(() => {
      const g = cnn.zeros([3]);
      expect(() => clipGradNorm(g, -1)).toThrow(/clipGradNorm: expected maxNorm in \[0, ∞\), got -1/);
      expect(() => clipGradNorm(g, Number.NaN)).toThrow(cnn.ValueError);
      expect(() => clipGradValue(g, -0.5)).toThrow(/clipGradValue: expected clipValue in \[0, ∞\), got -0.5/);
      expect(() => clipGradValue(cnn.zeros([3], 'int32') as never, 1)).toThrow(cnn.DTypeError);
    }),
  );

  it('1,000 calls of each allocate nothing', async () => {
    const { countAllocations } = await import('../helpers/alloc-counter.js');
    cnn.scope(() => {
      const g = cnn.tensor(randomF32(1001, 9), [1001]);
      const before = cnn.memoryStats();
      const counter = countAllocations();
      try {
        for (let i = 0; i < 1000; i++) {
          clipGradNorm(g, 0.5);
          clipGradValue(g, 0.01);
        }
      } finally {
        counter.uninstall();
      }
      expect(counter.count()).toBe(0);
      expect(cnn.memoryStats()).toEqual(before);
    });
  });
});
