// SPDX-License-Identifier: MIT
// Dropout: the mask bit for bit against the plain-JS reference hash (tests/reference/dropout.ts,
// itself checked against published MurmurHash3 vectors), slices of the element range, the
// kept fraction and the mean against their sampling laws, seeds, rate 0 and 1, evaluation,
// backward (accumulating) and finite differences with the mask fixed, errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { kernels } from '../../src/core/wasm.js';
import { expectClose } from '../helpers/close.js';
import { dot, numericGrad } from '../helpers/gradcheck.js';
import { randomF32 } from '../helpers/random.js';
import { dropoutMaskRef, dropoutRef, murmur3Ref } from '../reference/dropout.js';

beforeAll(() => cnn.ready());

const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

describe('the reference hash is MurmurHash3_x86_32', () => {
  it('matches published test vectors and an independent implementation', () => {
    // SMHasher's vectors for a 4-byte key: bytes 21 43 65 87 (little-endian 0x87654321), 00 00 00 00.
    expect(murmur3Ref(0, 0x87654321)).toBe(0xf55b516b);
    expect(murmur3Ref(0x5082edee, 0x87654321)).toBe(0x2362f9de);
    expect(murmur3Ref(0, 0)).toBe(0x2362f9de);
    // From the murmurhash3js package (x86.hash32 over the 4 little-endian bytes of the index).
    const known: [number, number, number][] = [[0, 1, 4226891818], [0, 2, 1085422463], [1, 0, 2028806445], [42, 123456, 1905992991], [0xffffffff, 0xfffffff0, 3377099035]];
    for (const [seed, i, h] of known) expect(murmur3Ref(seed, i), `seed ${seed} index ${i}`).toBe(h);
  });
});

describe('dropout vs reference, bit for bit', () => {
  const cases = [1, 3, 4, 5, 17, 33, 1001].flatMap((n) => [0, 0.1, 0.5, 0.9, 1].map((rate) => ({ n, rate, seed: (n * 2654435761) >>> 0 })));
  it.each(cases)('n=$n rate=$rate seed=$seed: mask and y', ({ n, rate, seed }) =>
    cnn.scope(() => {
      const xv = randomF32(n, n, -3, 3);
      const ref = dropoutRef(xv, rate, seed);
      const { y, mask } = cnn.ops.dropout(cnn.tensor(xv, [n]), { rate, seed });
      expect(bits(mask.data)).toEqual(bits(ref.mask));
      expect(bits(y.data)).toEqual(bits(ref.y));
    }),
  );

  it('shapes are kept ([3, 5, 13, 11], seeds 0 and 2^32 − 1); y may be x (in place)', () =>
    cnn.scope(() => {
      const shape = [3, 5, 13, 11];
      const xv = randomF32(3 * 5 * 13 * 11, 5);
      for (const seed of [0, 0xffffffff]) {
        const x = cnn.tensor(xv, shape);
        const mask = cnn.empty(shape);
        cnn.ops.dropoutInto(x, mask, x, { rate: 0.3, seed });
        const ref = dropoutRef(xv, 0.3, seed);
        expect(mask.shape).toEqual(shape);
        expect(bits(mask.data)).toEqual(bits(ref.mask));
        expect(bits(x.data)).toEqual(bits(ref.y));
      }
    }),
  );

  it('the mask depends only on (seed, index): the kernel over slices [i0, i1) (unaligned too) equals one call', () =>
    cnn.scope(() => {
      const n = 103;
      const x = cnn.tensor(randomF32(n, 7), [n]);
      const whole = { y: cnn.empty([n]), mask: cnn.empty([n]) };
      const parts = { y: cnn.empty([n]), mask: cnn.empty([n]) };
      const k = kernels();
      k.dropout_forward(whole.y.ptr, whole.mask.ptr, x.ptr, 0.4, 1234, 0, n);
      for (const [i0, i1] of [[0, 5], [5, 6], [6, 13], [13, 14], [14, 50], [50, 103]]) k.dropout_forward(parts.y.ptr, parts.mask.ptr, x.ptr, 0.4, 1234, i0, i1);
      expect(bits(parts.mask.data)).toEqual(bits(whole.mask.data));
      expect(bits(parts.y.data)).toEqual(bits(whole.y.data));
      // A slice alone writes exactly its range, equal to the reference from i0 on.
      const m = cnn.zeros([n]);
      k.dropout_forward(cnn.zeros([n]).ptr, m.ptr, x.ptr, 0.4, 1234, 37, 58);
      expect(bits(m.data.subarray(37, 58))).toEqual(bits(dropoutMaskRef(0.4, 1234, 37, 58)));
      expect([...m.data.subarray(0, 37), ...m.data.subarray(58)].every((v) => v === 0)).toBe(true);
    }),
  );
});

describe('dropout statistics (100,000 elements)', () => {
  const n = 100_000;
  it.each([0.1, 0.25, 0.5, 0.75, 0.9])('rate %f: kept fraction within 4 standard deviations of 1 − rate; mean of y ≈ mean of x', (rate) =>
    cnn.scope(() => {
      const xv = randomF32(n, 11, 0.5, 1.5);
      const { y, mask } = cnn.ops.dropout(cnn.tensor(xv, [n]), { rate, seed: 99 });
      const m = mask.data;
      const kept = m.reduce((s, v) => s + (v > 0 ? 1 : 0), 0);
      const sd = Math.sqrt((rate * (1 - rate)) / n);
      expect(Math.abs(kept / n - (1 - rate))).toBeLessThan(4 * sd);
      expect(m.every((v) => v === 0 || v === Math.fround(1 / (1 - rate)))).toBe(true);
      const yd = y.data;
      const meanX = xv.reduce((s, v) => s + v, 0) / n;
      const meanY = yd.reduce((s, v) => s + v, 0) / n;
      const varY = yd.reduce((s, v) => s + (v - meanY) ** 2, 0) / (n - 1);
      expect(Math.abs(meanY - meanX)).toBeLessThan(4 * Math.sqrt(varY / n));
    }),
  );

  it('different seeds give different masks (about 2·p·(1 − p) of the elements differ)', () =>
    cnn.scope(() => {
      const x = cnn.tensor(new Float32Array(n).fill(1), [n]);
      const a = cnn.ops.dropout(x, { rate: 0.5, seed: 1 }).mask.data;
      const b = cnn.ops.dropout(x, { rate: 0.5, seed: 2 }).mask.data;
      let differ = 0;
      for (let i = 0; i < n; i++) if (a[i] !== b[i]) differ++;
      expect(Math.abs(differ / n - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / n));
    }),
  );
});

describe('dropout modes and backward', () => {
  it('rate 0 and training false keep everything (mask 1, y = x); rate 1 drops everything (as PyTorch)', () =>
    cnn.scope(() => {
      const xv = randomF32(37, 21);
      const x = cnn.tensor(xv, [37]);
      for (const opts of [{ rate: 0 }, { rate: 0.7, training: false }, { rate: 1, training: false }]) {
        const { y, mask } = cnn.ops.dropout(x, opts);
        expect(Array.from(mask.data)).toEqual(new Array(37).fill(1));
        expect(bits(y.data)).toEqual(bits(xv));
      }
      const { y, mask } = cnn.ops.dropout(x, { rate: 1, seed: 3 });
      expect(Array.from(mask.data)).toEqual(new Array(37).fill(0));
      expect(Array.from(y.data).map(Math.abs)).toEqual(new Array(37).fill(0));
    }),
  );

  it.each([[1], [5], [17], [3, 5, 13, 11]])('backward = dy·mask, Into accumulates (x=[%s])', (...shape: number[]) =>
    cnn.scope(() => {
      const n = shape.reduce((a, b) => a * b, 1);
      const { mask } = cnn.ops.dropout(cnn.tensor(randomF32(n, 31), shape), { rate: 0.4, seed: 5 });
      const dyv = randomF32(n, 32);
      const dy = cnn.tensor(dyv, shape);
      const want = Float64Array.from(dyv, (v, i) => v * mask.data[i]);
      expectClose(cnn.ops.dropoutBackward(dy, mask).data, want, { atol: 0, rtol: 1e-7, label: 'dropoutBackward' });
      const dx0 = randomF32(n, 33);
      const dx = cnn.tensor(dx0, shape);
      cnn.ops.dropoutBackwardInto(dx, dy, mask);
      expectClose(dx.data, want.map((v, i) => v + dx0[i]), { atol: 1e-6, label: 'dropoutBackwardInto accumulates' });
    }),
  );

  it('finite differences of y with the mask fixed (float64, h=1e-6) equal dy·mask', () => {
    const mask = dropoutMaskRef(0.3, 77, 0, 41);
    const x = Float64Array.from(randomF32(41, 41));
    const r = Float64Array.from(randomF32(41, 42));
    const fd = numericGrad((v) => dot(Float64Array.from(v, (xi, i) => xi * mask[i]), r), x);
    expectClose(Float64Array.from(r, (v, i) => v * mask[i]), fd, { atol: 1e-7, rtol: 1e-6, label: 'dropout dx' });
  });
});

describe('dropout errors', () => {
  it('bad rate, seed, options, shapes and dtypes → typed errors naming expected and actual', () =>
    cnn.scope(() => {
      const x = cnn.zeros([2, 3]);
      expect(() => cnn.ops.dropout(x, { rate: 1.5 })).toThrow(/dropout: expected rate in \[0, 1\], got 1.5/);
      expect(() => cnn.ops.dropout(x, { rate: NaN })).toThrow(cnn.ValueError);
      expect(() => cnn.ops.dropout(x, { rate: -0.1 })).toThrow(cnn.ValueError);
      expect(() => cnn.ops.dropout(x, { rate: 0.5, seed: -1 })).toThrow(/expected seed an integer in \[0, 2\^32\), got -1/);
      expect(() => cnn.ops.dropout(x, { rate: 0.5, seed: 2 ** 32 })).toThrow(cnn.ValueError);
      expect(() => cnn.ops.dropout(x, { rate: 0.5, seed: 1.5 })).toThrow(cnn.ValueError);
      expect(() => cnn.ops.dropout(x, undefined as never)).toThrow(/expected options \{ rate, seed\?, training\? \}/);
      expect(() => cnn.ops.dropout(x, { rate: 0.5, sed: 1 } as never)).toThrow(/unknown option 'sed'/);
      expect(() => cnn.ops.dropoutInto(cnn.zeros([6]), cnn.zeros([2, 3]), x, { rate: 0.5 })).toThrow(/dropout y: expected shape \[2, 3\], got \[6\]/);
      expect(() => cnn.ops.dropoutInto(cnn.zeros([2, 3]), cnn.zeros([2, 3], 'int32') as never, x, { rate: 0.5 })).toThrow(cnn.DTypeError);
      expect(() => cnn.ops.dropoutBackwardInto(cnn.zeros([2, 3]), cnn.zeros([3, 2]), x)).toThrow(/dropoutBackward dy: expected shape \[2, 3\], got \[3, 2\]/);
    }),
  );
});

describe('dropout Into forms allocate nothing', () => {
  it('100 forward/backward rounds: no typed arrays, no wasm allocation', async () => {
    const { countAllocations } = await import('../helpers/alloc-counter.js');
    cnn.scope(() => {
      const shape = [3, 5, 13, 11];
      const x = cnn.tensor(randomF32(2145, 51), shape), y = cnn.empty(shape), mask = cnn.empty(shape), dx = cnn.zeros(shape);
      const opts = { rate: 0.5, seed: 0 };
      const before = cnn.memoryStats();
      const counter = countAllocations();
      try {
        for (let i = 0; i < 100; i++) {
          opts.seed = i;
          cnn.ops.dropoutInto(y, mask, x, opts);
          cnn.ops.dropoutBackwardInto(dx, y, mask);
        }
      } finally {
        counter.uninstall();
      }
      expect(counter.count()).toBe(0);
      expect(cnn.memoryStats()).toEqual(before);
    });
  });
});
