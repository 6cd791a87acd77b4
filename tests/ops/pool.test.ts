// SPDX-License-Identifier: MIT
// Pooling (max, average, adaptive and global average): wasm vs the float64 reference
// (tests/reference/pool.ts) on odd shapes, the reference backward vs finite differences,
// the article's worked example, ties, NaN (vs the reference and PyTorch), errors.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { expectClose } from '../helpers/close.js';
import { dot, numericGrad } from '../helpers/gradcheck.js';
import { randomF32 } from '../helpers/random.js';
import {
  adaptiveAvgPoolBackwardRef, adaptiveAvgPoolRef, avgPoolBackwardRef, avgPoolRef, maxPoolBackwardRef, maxPoolRef, poolShapeRef, type PoolRefOptions,
} from '../reference/pool.js';

beforeAll(() => cnn.ready());

interface Case {
  name: string;
  shape: [number, number, number, number];
  ref: PoolRefOptions;
  opts: cnn.ops.AvgPool2dOptions;
}

function makeCase(shape: [number, number, number, number], k: number | [number, number], s: number, p: number, ceil: boolean, cip = true): Case {
  const kk: [number, number] = typeof k === 'number' ? [k, k] : k;
  return {
    name: `x=[${shape}] k=${typeof k === 'number' ? k : `[${k}]`} s=${s} p=${p} ceil=${ceil} cip=${cip}`,
    shape,
    ref: { k: kk, s: [s, s], p: [p, p], ceil, countIncludePad: cip },
    opts: { kernelSize: k, stride: s, padding: p, ceilMode: ceil, countIncludePad: cip },
  };
}

// Channels 1, 3, 5, 17 with batch 3 and 1, on 13×11 maps; kernel 2 and 3, stride 1–3, padding 0/1, both modes.
const shapes: [number, number, number, number][] = [[3, 1, 13, 11], [1, 3, 13, 11], [3, 5, 13, 11], [1, 17, 13, 11]];
const sweep = (cip: boolean): Case[] =>
  shapes.flatMap((sh) => [2, 3].flatMap((k) => [1, 2, 3].flatMap((s) => [0, 1].flatMap((p) => [false, true].map((c) => makeCase(sh, k, s, p, c, cip))))));
const extra = (cip: boolean): Case[] => [
  makeCase([2, 4, 9, 37], 3, 2, 1, true, cip), // overlapping 3×3 s2, many SIMD blocks per row
  makeCase([1, 3, 12, 40], 2, 2, 0, false, cip), // LeNet's 2×2 s2
  makeCase([1, 2, 7, 6], 4, 1, 2, false, cip), // padding = half the kernel
  makeCase([1, 2, 8, 13], [3, 2], 1, 0, false, cip), // non-square window
];
// Max pooling takes no countIncludePad: its cases drop it (and the duplicates that leaves).
const maxCases = [...sweep(true), ...extra(true)]
  .filter((c, i, all) => all.findIndex((d) => d.name.split(' cip')[0] === c.name.split(' cip')[0]) === i)
  .map(({ opts: { countIncludePad: _cip, ...opts }, ...c }) => ({ ...c, opts }));
const avgCases = [...sweep(true), ...sweep(false), ...extra(true), ...extra(false)];

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

describe('maxPool2d', () => {
  it.each(maxCases)('forward, argmax, backward (with and without indices) $name', (c) =>
    cnn.scope(() => {
      const xv = randomF32(size(c.shape), 11);
      const x = cnn.tensor(xv, c.shape);
      const ref = maxPoolRef(xv, c.shape, c.ref);
      const outShape = poolShapeRef(c.shape, c.ref);
      expect(cnn.ops.pool2dOutputShape(c.shape, c.opts)).toEqual(outShape);
      const y = cnn.ops.maxPool2d(x, c.opts);
      expectClose(y.data, ref.y, { shape: outShape, label: `maxPool2d ${c.name}` });
      const y2 = cnn.empty(outShape);
      const argmax = cnn.empty(outShape, 'int32');
      cnn.ops.maxPool2dInto(y2, x, c.opts, argmax);
      expect(Array.from(argmax.data)).toEqual(Array.from(ref.argmax));
      expectClose(y2.data, ref.y, { shape: outShape, label: `maxPool2dInto ${c.name}` });

      const dyv = randomF32(size(outShape), 12);
      const dy = cnn.tensor(dyv, outShape);
      const dxRef = maxPoolBackwardRef(dyv, xv, c.shape, c.ref);
      expectClose(cnn.ops.maxPool2dBackward(dy, x, c.opts).data, dxRef, { shape: c.shape, label: `maxPool2dBackward ${c.name}` });
      // Into accumulates: start from a random dx.
      const dx0 = randomF32(size(c.shape), 13);
      const want = dxRef.map((v, i) => v + dx0[i]);
      const dx = cnn.tensor(dx0, c.shape);
      cnn.ops.maxPool2dBackwardInto(dx, dy, x, c.opts, argmax);
      expectClose(dx.data, want, { shape: c.shape, label: `maxPool2dBackwardInto(argmax) ${c.name}` });
      const dx2 = cnn.tensor(dx0, c.shape);
      cnn.ops.maxPool2dBackwardInto(dx2, dy, x, c.opts, null);
      expectClose(dx2.data, want, { shape: c.shape, label: `maxPool2dBackwardInto(recompute) ${c.name}` });
    }),
  );

  it('the article\'s example: δ = [[2,8],[4,6]] from a 4×4 map, 2×2 windows → each δ at its window\'s argmax', () =>
    cnn.scope(() => {
      // Maxima at (0,1), (1,3), (3,0), (2,2).
      const xv = [1, 9, 2, 3, 4, 5, 6, 7, 0, 1, 8, 2, 6, 3, 4, 5];
      const x = cnn.tensor(xv, [1, 1, 4, 4]);
      expect(Array.from(cnn.ops.maxPool2d(x, { kernelSize: 2 }).data)).toEqual([9, 7, 6, 8]);
      const dx = cnn.ops.maxPool2dBackward(cnn.tensor([2, 8, 4, 6], [1, 1, 2, 2]), x, { kernelSize: 2 });
      expect(Array.from(dx.data)).toEqual([0, 2, 0, 0, 0, 0, 0, 8, 0, 0, 6, 0, 4, 0, 0, 0]);
    }),
  );

  it.each([9, 40])('ties go to the first maximum in the window (x=[1,1,5,%i] all equal; k=2 s=1, k=2 s=2, k=3 s=2 p=1, k=3 s=1 p=1)', (W) =>
    cnn.scope(() => {
      const x = cnn.tensor(new Float32Array(5 * W).fill(0.5), [1, 1, 5, W]);
      const all = [{ kernelSize: 2, stride: 1, padding: 0 }, { kernelSize: 2, stride: 2, padding: 0 }, { kernelSize: 3, stride: 2, padding: 1 }, { kernelSize: 3, stride: 1, padding: 1 }];
      for (const opts of all) {
        const shape = cnn.ops.pool2dOutputShape(x.shape, opts);
        const argmax = cnn.empty(shape, 'int32');
        cnn.ops.maxPool2dInto(cnn.empty(shape), x, opts, argmax);
        const { kernelSize: k, stride: s, padding: p } = opts;
        const ref = maxPoolRef(x.data, x.shape, { k: [k, k], s: [s, s], p: [p, p], ceil: false });
        expect(Array.from(argmax.data)).toEqual(Array.from(ref.argmax));
        // The first maximum is the window's top-left in-bounds position.
        const [, , OH, OW] = shape;
        for (let i = 0; i < OH; i++) for (let j = 0; j < OW; j++) expect(argmax.data[i * OW + j]).toBe(Math.max(i * s - p, 0) * W + Math.max(j * s - p, 0));
      }
    }),
  );
});

// NaN, as PyTorch's max_pool2d: a window value v replaces the running maximum when
// v > max || isnan(v), so a NaN wins and only a later NaN (row-major) takes its place.
// Cases from tests/fixtures/make_activation_fixtures.py ("NaN" strings become NaN).
type Arr = { shape: number[]; data: number[] };
interface NaNCase { op: string; name: string; opts: cnn.ops.Pool2dOptions; inputs: Record<string, Arr>; outputs: Record<string, Arr> }
const fixtureText = readFileSync(new URL('../fixtures/activations.json', import.meta.url), 'utf8');
const nanCases = (JSON.parse(fixtureText, (_, v) => (v === 'NaN' ? NaN : v)).cases as NaNCase[]).filter((c) => c.op === 'maxPool2dNaN');

/** Same NaN positions, then the other values within tolerance. */
function expectCloseNaN(got: ArrayLike<number>, want: ArrayLike<number>, label: string): void {
  const nanAt = (a: ArrayLike<number>) => Array.from(a, (v, i) => (Number.isNaN(v) ? i : -1)).filter((i) => i >= 0);
  expect(nanAt(got), `${label}: NaN positions`).toEqual(nanAt(want));
  const finite = (a: ArrayLike<number>) => Array.from(a, (v) => (Number.isNaN(v) ? 0 : v));
  expectClose(finite(got), finite(want), { label });
}

describe('maxPool2d with NaN (PyTorch: a NaN wins the window; the last NaN in row-major order)', () => {
  it('a window [1, NaN, 2, 3] → NaN, its gradient to the NaN', () =>
    cnn.scope(() => {
      const x = cnn.tensor([1, NaN, 2, 3], [1, 1, 2, 2]);
      expect(Number.isNaN(cnn.ops.maxPool2d(x, { kernelSize: 2 }).data[0])).toBe(true);
      expect(Array.from(cnn.ops.maxPool2dBackward(cnn.tensor([5], [1, 1, 1, 1]), x, { kernelSize: 2 }).data)).toEqual([0, 5, 0, 0]);
    }),
  );

  it.each(nanCases)('vs F.max_pool2d $name', (c) =>
    cnn.scope(() => {
      const x = cnn.tensor(c.inputs.x.data, c.inputs.x.shape);
      const outShape = c.outputs.y.shape;
      expectCloseNaN(cnn.ops.maxPool2d(x, c.opts).data, c.outputs.y.data, `y ${c.name}`);
      const y = cnn.empty(outShape);
      const argmax = cnn.empty(outShape, 'int32');
      cnn.ops.maxPool2dInto(y, x, c.opts, argmax);
      expect(Array.from(argmax.data), `argmax ${c.name}`).toEqual(c.outputs.argmax.data);
      const dy = cnn.tensor(c.inputs.dy.data, c.inputs.dy.shape);
      expectClose(cnn.ops.maxPool2dBackward(dy, x, c.opts).data, c.outputs.dx.data, { label: `dx (recomputed) ${c.name}` });
      const dx = cnn.zeros(x.shape);
      cnn.ops.maxPool2dBackwardInto(dx, dy, x, c.opts, argmax);
      expectClose(dx.data, c.outputs.dx.data, { label: `dx (argmax) ${c.name}` });
    }),
  );

  it.each(maxCases.filter((_, i) => i % 3 === 0))('vs the float64 reference, one value in 7 NaN $name', (c) =>
    cnn.scope(() => {
      const xv = randomF32(size(c.shape), 14);
      for (let i = 3; i < xv.length; i += 7) xv[i] = NaN;
      const x = cnn.tensor(xv, c.shape);
      const ref = maxPoolRef(xv, c.shape, c.ref);
      const outShape = poolShapeRef(c.shape, c.ref);
      const y = cnn.empty(outShape);
      const argmax = cnn.empty(outShape, 'int32');
      cnn.ops.maxPool2dInto(y, x, c.opts, argmax);
      expectCloseNaN(y.data, ref.y, `maxPool2dInto ${c.name}`);
      expect(Array.from(argmax.data)).toEqual(Array.from(ref.argmax));
      const dyv = randomF32(size(outShape), 15);
      const dxRef = maxPoolBackwardRef(dyv, xv, c.shape, c.ref);
      expectClose(cnn.ops.maxPool2dBackward(cnn.tensor(dyv, outShape), x, c.opts).data, dxRef, { label: `maxPool2dBackward ${c.name}` });
    }),
  );
});

describe('avgPool2d', () => {
  it.each(avgCases)('forward and backward $name', (c) =>
    cnn.scope(() => {
      const xv = randomF32(size(c.shape), 21);
      const x = cnn.tensor(xv, c.shape);
      const outShape = poolShapeRef(c.shape, c.ref);
      expectClose(cnn.ops.avgPool2d(x, c.opts).data, avgPoolRef(xv, c.shape, c.ref), { shape: outShape, label: `avgPool2d ${c.name}` });
      const dyv = randomF32(size(outShape), 22);
      const dy = cnn.tensor(dyv, outShape);
      const dxRef = avgPoolBackwardRef(dyv, c.shape, c.ref);
      expectClose(cnn.ops.avgPool2dBackward(dy, x, c.opts).data, dxRef, { shape: c.shape, label: `avgPool2dBackward ${c.name}` });
      const dx0 = randomF32(size(c.shape), 23);
      const dx = cnn.tensor(dx0, c.shape);
      cnn.ops.avgPool2dBackwardInto(dx, dy, c.opts);
      expectClose(dx.data, dxRef.map((v, i) => v + dx0[i]), { shape: c.shape, label: `avgPool2dBackwardInto ${c.name}` });
    }),
  );

  it('the article\'s example: δ = [[2,8],[4,6]], 4×4 map, 2×2 mean → [[.5,.5,2,2],[.5,.5,2,2],[1,1,1.5,1.5],[1,1,1.5,1.5]]', () =>
    cnn.scope(() => {
      const x = cnn.zeros([1, 1, 4, 4]);
      const dx = cnn.ops.avgPool2dBackward(cnn.tensor([2, 8, 4, 6], [1, 1, 2, 2]), x, { kernelSize: 2 });
      expect(Array.from(dx.data)).toEqual([0.5, 0.5, 2, 2, 0.5, 0.5, 2, 2, 1, 1, 1.5, 1.5, 1, 1, 1.5, 1.5]);
    }),
  );
});

describe('pool reference backward vs finite differences (float64, h=1e-6)', () => {
  const gradCases = [
    makeCase([1, 2, 13, 11], 3, 2, 1, true, true),
    makeCase([1, 2, 13, 11], 3, 2, 1, true, false),
    makeCase([2, 1, 13, 11], 2, 1, 0, false, true),
    makeCase([1, 1, 13, 11], 2, 3, 1, true, false),
    makeCase([1, 1, 13, 11], 3, 3, 0, true, true),
  ];
  it.each(gradCases)('$name', (c) => {
    const x = Float64Array.from(randomF32(size(c.shape), 31));
    const outShape = poolShapeRef(c.shape, c.ref);
    const r = Float64Array.from(randomF32(size(outShape), 32));
    const maxFd = numericGrad((v) => dot(maxPoolRef(v, c.shape, c.ref).y, r), x);
    expectClose(maxPoolBackwardRef(r, x, c.shape, c.ref), maxFd, { atol: 1e-6, rtol: 1e-6, label: `max ${c.name}` });
    const avgFd = numericGrad((v) => dot(avgPoolRef(v, c.shape, c.ref), r), x);
    expectClose(avgPoolBackwardRef(r, c.shape, c.ref), avgFd, { atol: 1e-6, rtol: 1e-6, label: `avg ${c.name}` });
  });
});

describe('pool errors', () => {
  it('options are checked: kernelSize required, a misspelled name → ValueError naming it and the nearest', () => {
    expect(() => cnn.ops.pool2dOutputShape([1, 1, 8, 8], {} as never)).toThrow(/pool2d: missing required option 'kernelSize'/);
    expect(() => cnn.ops.pool2dOutputShape([1, 1, 8, 8], undefined as never)).toThrow(cnn.ValueError);
    cnn.scope(() => {
      const x = cnn.zeros([1, 1, 8, 8]);
      expect(() => cnn.ops.maxPool2d(x, { kernelSize: 2, pading: 1 } as never)).toThrow(/maxPool2d: unknown option 'pading'.*did you mean 'padding'/);
      expect(() => cnn.ops.avgPool2dBackward(cnn.zeros([1, 1, 4, 4]), x, { kernelSize: 2, count_include_pad: false } as never)).toThrow(/did you mean 'countIncludePad'/);
    });
  });
  it('padding larger than half the kernel → ValueError naming both', () => {
    expect(() => cnn.ops.pool2dOutputShape([1, 1, 8, 8], { kernelSize: 2, padding: 2 })).toThrow(cnn.ValueError);
    expect(() => cnn.ops.pool2dOutputShape([1, 1, 8, 8], { kernelSize: 3, padding: 2 })).toThrow(/expected padding ≤ \[1, 1\] \(half of kernelSize \[3, 3\]\), got padding \[2, 2\]/);
  });
  it('window larger than the input, wrong rank, wrong shapes and dtypes → typed errors', () =>
    cnn.scope(() => {
      expect(() => cnn.ops.pool2dOutputShape([1, 1, 2, 8], { kernelSize: 3 })).toThrow(cnn.ShapeError);
      expect(() => cnn.ops.pool2dOutputShape([1, 8, 8], { kernelSize: 2 })).toThrow(/expected a rank-4 input/);
      expect(() => cnn.ops.pool2dOutputShape([1, 1, 8, 8], { kernelSize: 0 })).toThrow(cnn.ValueError);
      const x = cnn.zeros([1, 2, 6, 6]);
      expect(() => cnn.ops.maxPool2dInto(cnn.zeros([1, 2, 3, 2]), x, { kernelSize: 2 })).toThrow(/expected y of shape \[1, 2, 3, 3\], got \[1, 2, 3, 2\]/);
      expect(() => cnn.ops.maxPool2dInto(cnn.zeros([1, 2, 3, 3]), x, { kernelSize: 2 }, cnn.zeros([1, 2, 3, 3]) as never)).toThrow(cnn.DTypeError);
      expect(() => cnn.ops.avgPool2dBackwardInto(x, cnn.zeros([1, 2, 2, 2]), { kernelSize: 2 })).toThrow(cnn.ShapeError);
    }),
  );
});

describe('pool Into forms allocate nothing', () => {
  it('100 forward/backward rounds: no typed arrays, no wasm allocation (x=[3,5,13,11] k=3 s=2 p=1)', async () => {
    const { countAllocations } = await import('../helpers/alloc-counter.js');
    cnn.scope(() => {
      const opts = { kernelSize: 3, stride: 2, padding: 1 };
      const avg = { ...opts, countIncludePad: false };
      const x = cnn.tensor(randomF32(3 * 5 * 13 * 11, 41), [3, 5, 13, 11]);
      const shape = cnn.ops.pool2dOutputShape(x.shape, opts);
      const y = cnn.empty(shape), argmax = cnn.empty(shape, 'int32'), dy = cnn.zeros(shape), dx = cnn.zeros(x.shape);
      const before = cnn.memoryStats();
      const counter = countAllocations();
      try {
        for (let i = 0; i < 100; i++) {
          cnn.ops.maxPool2dInto(y, x, opts, argmax);
          cnn.ops.maxPool2dBackwardInto(dx, dy, x, opts, argmax);
          cnn.ops.avgPool2dInto(y, x, avg);
          cnn.ops.avgPool2dBackwardInto(dx, dy, avg);
        }
      } finally {
        counter.uninstall();
      }
      expect(counter.count()).toBe(0);
      expect(cnn.memoryStats()).toEqual(before);
    });
  });
});

// Adaptive windows that do not divide the input (7×5 → 3×2, 13×11 → 4×5), overlap (5×5 → 3×3),
// repeat rows (3×3 → 5×5, 1×1 → 2×3), span whole rows (12×3 → 5×1), or are the identity.
const adaptiveCases = ([
  [[3, 1, 7, 5], [3, 2]], [[1, 3, 5, 5], [3, 3]], [[3, 5, 6, 6], [4, 4]], [[1, 17, 3, 3], [5, 5]],
  [[2, 4, 13, 11], [4, 5]], [[1, 2, 1, 1], [2, 3]], [[3, 3, 12, 3], [5, 1]], [[1, 3, 9, 16], [9, 16]],
  [[3, 5, 8, 8], [1, 1]], [[1, 17, 7, 7], [1, 1]],
] as [number[], [number, number]][]).map(([shape, out]) => ({ shape, out, label: `x=[${shape}] → ${out[0]}×${out[1]}` }));

describe('adaptiveAvgPool2d', () => {
  it.each(adaptiveCases)('forward, backward, backward Into accumulating $label', ({ shape, out }) =>
    cnn.scope(() => {
      const xv = randomF32(size(shape), 61);
      const x = cnn.tensor(xv, shape);
      const outShape = [shape[0], shape[1], ...out];
      const opts = { outputSize: out[0] === out[1] ? out[0] : out };
      const y = cnn.ops.adaptiveAvgPool2d(x, opts);
      expect(y.shape).toEqual(outShape);
      expectClose(y.data, adaptiveAvgPoolRef(xv, shape, out), { shape: outShape, label: `adaptiveAvgPool2d ${shape}` });
      const dyv = randomF32(size(outShape), 62);
      const dy = cnn.tensor(dyv, outShape);
      const dxRef = adaptiveAvgPoolBackwardRef(dyv, shape, out);
      expectClose(cnn.ops.adaptiveAvgPool2dBackward(dy, x, opts).data, dxRef, { shape, label: `adaptiveAvgPool2dBackward ${shape}` });
      const dx0 = randomF32(size(shape), 63);
      const dx = cnn.tensor(dx0, shape);
      cnn.ops.adaptiveAvgPool2dBackwardInto(dx, dy, opts);
      expectClose(dx.data, dxRef.map((v, i) => v + dx0[i]), { shape, label: `adaptiveAvgPool2dBackwardInto ${shape}` });
    }),
  );

  it('equal windows reduce to avgPool2d (8×6 → 4×3 = 2×2 windows)', () =>
    cnn.scope(() => {
      const x = cnn.tensor(randomF32(2 * 3 * 8 * 6, 64), [2, 3, 8, 6]);
      expectClose(cnn.ops.adaptiveAvgPool2d(x, { outputSize: [4, 3] }).data, cnn.ops.avgPool2d(x, { kernelSize: 2 }).data, { atol: 1e-6 });
    }),
  );
});

describe('globalAvgPool2d', () => {
  const globalShapes = [[3, 5, 8, 8], [1, 17, 7, 7], [3, 1, 1, 1], [2, 3, 13, 11], [1, 4, 2, 2], [1, 3, 1, 37]];
  it.each(globalShapes.map((shape) => ({ shape, label: `x=[${shape}]` })))('forward ([N, C, 1, 1] and [N, C]), backward, Into accumulating $label', ({ shape }) =>
    cnn.scope(() => {
      const [n, c] = shape;
      const xv = randomF32(size(shape), 71);
      const x = cnn.tensor(xv, shape);
      const yRef = adaptiveAvgPoolRef(xv, shape, [1, 1]);
      const y = cnn.ops.globalAvgPool2d(x);
      expect(y.shape).toEqual([n, c, 1, 1]);
      expectClose(y.data, yRef, { label: `globalAvgPool2d ${shape}` });
      const flat = cnn.empty([n, c]);
      cnn.ops.globalAvgPool2dInto(flat, x);
      expectClose(flat.data, yRef, { label: `globalAvgPool2dInto [N, C] ${shape}` });
      const dyv = randomF32(n * c, 72);
      const dxRef = adaptiveAvgPoolBackwardRef(dyv, shape, [1, 1]);
      expectClose(cnn.ops.globalAvgPool2dBackward(cnn.tensor(dyv, [n, c, 1, 1]), x).data, dxRef, { shape, label: `globalAvgPool2dBackward ${shape}` });
      const dx0 = randomF32(size(shape), 73);
      const dx = cnn.tensor(dx0, shape);
      cnn.ops.globalAvgPool2dBackwardInto(dx, cnn.tensor(dyv, [n, c]));
      expectClose(dx.data, dxRef.map((v, i) => v + dx0[i]), { shape, label: `globalAvgPool2dBackwardInto [N, C] ${shape}` });
    }),
  );

  it('large planes (64×64): within float32 rounding of the float64 mean', () =>
    cnn.scope(() => {
      const shape = [2, 3, 64, 64];
      const xv = randomF32(size(shape), 74, 0, 10);
      expectClose(cnn.ops.globalAvgPool2d(cnn.tensor(xv, shape)).data, adaptiveAvgPoolRef(xv, shape, [1, 1]), { rtol: 1e-5, label: 'global 64×64' });
    }),
  );
});

describe('adaptive pool reference backward vs finite differences (float64, h=1e-6)', () => {
  it.each([adaptiveCases[0], adaptiveCases[1], adaptiveCases[3], adaptiveCases[9]])('$label', ({ shape, out }) => {
    const x = Float64Array.from(randomF32(size(shape), 81));
    const r = Float64Array.from(randomF32(shape[0] * shape[1] * out[0] * out[1], 82));
    const fd = numericGrad((v) => dot(adaptiveAvgPoolRef(v, shape, out), r), x);
    expectClose(adaptiveAvgPoolBackwardRef(r, shape, out), fd, { atol: 1e-6, rtol: 1e-6, label: `adaptive ${shape}` });
  });
});

describe('adaptive and global pool errors', () => {
  it('bad outputSize, rank, empty planes, wrong shapes and dtypes → typed errors naming expected and actual', () =>
    cnn.scope(() => {
      const x = cnn.zeros([1, 2, 5, 5]);
      expect(() => cnn.ops.adaptiveAvgPool2d(x, { outputSize: 0 })).toThrow(cnn.ValueError);
      expect(() => cnn.ops.adaptiveAvgPool2d(x, {} as never)).toThrow(/adaptiveAvgPool2d: missing required option 'outputSize'/);
      expect(() => cnn.ops.adaptiveAvgPool2d(x, { outputsize: 2 } as never)).toThrow(/unknown option 'outputsize'.*did you mean 'outputSize'/);
      expect(() => cnn.ops.adaptiveAvgPool2d(cnn.zeros([2, 5, 5]), { outputSize: 2 })).toThrow(/expected a rank-4 input \(N, C, H, W\), got shape \[2, 5, 5\]/);
      expect(() => cnn.ops.globalAvgPool2d(cnn.zeros([1, 2, 0, 5]))).toThrow(cnn.ShapeError);
      expect(() => cnn.ops.adaptiveAvgPool2dInto(cnn.zeros([1, 2, 3, 2]), x, { outputSize: 3 })).toThrow(/adaptiveAvgPool2d: expected y of shape \[1, 2, 3, 3\], got \[1, 2, 3, 2\]/);
      expect(() => cnn.ops.adaptiveAvgPool2dBackwardInto(x, cnn.zeros([1, 2, 2, 2]), { outputSize: 3 })).toThrow(cnn.ShapeError);
      expect(() => cnn.ops.globalAvgPool2dInto(cnn.zeros([1, 2, 1]), x)).toThrow(/globalAvgPool2d: expected y of shape \[1, 2, 1, 1\] or \[1, 2\], got \[1, 2, 1\]/);
      expect(() => cnn.ops.globalAvgPool2dInto(cnn.zeros([1, 2], 'int32') as never, x)).toThrow(cnn.DTypeError);
      expect(() => cnn.ops.globalAvgPool2dBackwardInto(x, cnn.zeros([2, 1]))).toThrow(cnn.ShapeError);
    }),
  );
});

describe('adaptive and global pool Into forms allocate nothing', () => {
  it('100 forward/backward rounds: no typed arrays, no wasm allocation (x=[3,5,7,5] → 3×2 and 1×1)', async () => {
    const { countAllocations } = await import('../helpers/alloc-counter.js');
    cnn.scope(() => {
      const x = cnn.tensor(randomF32(3 * 5 * 7 * 5, 91), [3, 5, 7, 5]);
      const y = cnn.empty([3, 5, 3, 2]), g = cnn.empty([3, 5]), dx = cnn.zeros(x.shape);
      const opts = { outputSize: [3, 2] as [number, number] };
      const before = cnn.memoryStats();
      const counter = countAllocations();
      try {
        for (let i = 0; i < 100; i++) {
          cnn.ops.adaptiveAvgPool2dInto(y, x, opts);
          cnn.ops.adaptiveAvgPool2dBackwardInto(dx, y, opts);
          cnn.ops.globalAvgPool2dInto(g, x);
          cnn.ops.globalAvgPool2dBackwardInto(dx, g);
        }
      } finally {
        counter.uninstall();
      }
      expect(counter.count()).toBe(0);
      expect(cnn.memoryStats()).toEqual(before);
    });
  });
});
