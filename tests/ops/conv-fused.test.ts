// SPDX-License-Identifier: MIT
// conv + bias + ReLU fused in one pass. At the kernel level (the kernel table called directly,
// as src/ops/conv-geometry.ts does): conv2d_forward (im2col + sgemm_packed, the ReLU in its stores) and depthwise_forward
// (dw3x3 and the general taps), flags CONV_RELU alone and with CONV_ACC, against the float64
// oracle relu(y0 + conv + b); bit for bit against the unfused pair (the same kernel without
// the bit, then relu_forward); NaN kept (torch.relu(NaN) = NaN) in both. Through the ops'
// `activation: 'relu'` option: im2col + GEMM, Winograd (C ≥ 32), depthwise and conv1d.
import { beforeAll, describe, expect, it } from 'vitest';
import * as cnn from '../../src/index.js';
import { kernels } from '../../src/core/wasm.js';
import { convGeometry, convWorkspaceFloats, isDepthwise, writeGeometry, type ConvGeometry } from '../../src/ops/conv-geometry.js';
import { expectClose } from '../helpers/close.js';
import { type Conv2dCase, type P2, caseData, conv2dRefOps, size, two } from '../helpers/conv-cases.js';
import { randomF32 } from '../helpers/random.js';

beforeAll(() => cnn.ready());

function mk(x: Conv2dCase['x'], w: Conv2dCase['w'], g: number, s: number | P2, p: number | P2, d: number | P2 = 1): Conv2dCase {
  const c = { x, w, g, s: two(s), p: two(p), d: two(d) };
  const kind = g === 1 ? 'gemm' : g === x[1] ? 'depthwise' : `groups=${g}`;
  return { ...c, name: `${kind} x=[${x}] w=[${w}] s=[${c.s}] p=[${c.p}] d=[${c.d}]` };
}

const cases: Conv2dCase[] = [
  mk([2, 3, 13, 11], [5, 3, 3, 3], 1, 1, 1), // rows of 11: the 4/2/1 column tails of a tile row
  mk([1, 5, 13, 11], [17, 5, 3, 3], 1, 2, 1), // 17 filters: a one-row tile after four full ones
  mk([1, 120, 6, 7], [6, 120, 3, 3], 1, 1, 1), // K = 1080 > 1024: two K slices, the ReLU only after the last
  mk([2, 17, 9, 9], [6, 17, 1, 1], 1, 1, 0), // pointwise
  mk([2, 6, 13, 11], [10, 3, 3, 3], 2, 2, 1), // two groups
  mk([2, 17, 13, 11], [17, 1, 3, 3], 17, 1, 1), // depthwise 3×3 (dw3x3), rows of 11: a tail of 3
  mk([1, 6, 13, 14], [12, 1, 3, 3], 6, 2, 1, 2), // depthwise 3×3, stride 2 + dilation 2, M = 2
  mk([1, 4, 19, 37], [4, 1, 5, 5], 4, 1, 2), // depthwise 5×5 (dwPlane): rows of 37 = 2·16 + 4 + 1
  mk([2, 3, 13, 11], [9, 1, 5, 3], 3, [2, 1], [0, 2]), // depthwise 5×3, M = 3
];

const CONV_ACC = 1; // assembly/conv.ts's values, checked below against the module's exports
const CONV_RELU = 2;

/** Runs the forward kernel the ops would pick for c (depthwise or im2col + GEMM) on y with flags. */
function forwardKernel(c: Conv2dCase, y: cnn.Tensor, x: cnn.Tensor, w: cnn.Tensor, b: cnn.Tensor | null, flags: number): void {
  const g: ConvGeometry = convGeometry('conv2d', c.x, c.w, { stride: c.s, padding: c.p, dilation: c.d, groups: c.g });
  cnn.scope(() => {
    const ws = cnn.zeros([convWorkspaceFloats(g)]);
    writeGeometry(ws.ptr, g);
    const k = kernels();
    const run = isDepthwise(g) ? k.depthwise_forward : k.conv2d_forward;
    run(y.ptr, x.ptr, w.ptr, b ? b.ptr : 0, ws.ptr + 64, ws.ptr, flags, 0, g.n);
  });
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('conv + bias + ReLU fused (kernel flags)', () => {
  it.each(cases)('CONV_RELU: y = relu(x ⋆ w + b), and with CONV_ACC y = relu(y0 + x ⋆ w [+ b]), vs the float64 oracle $name', (c) =>
    cnn.scope(() => {
      const ref = conv2dRefOps(c);
      const { xv, wv, bv } = caseData(c, ref.shape, 11);
      const [x, w, b] = [cnn.tensor(xv, c.x), cnn.tensor(wv, c.w), cnn.tensor(bv, [c.w[0]])];
      const conv = ref.forward(xv, wv, bv);
      const y = cnn.tensor(randomF32(size(ref.shape), 12), ref.shape); // overwritten
      forwardKernel(c, y, x, w, b, CONV_RELU);
      expectClose(y.data, conv.map((v) => Math.max(v, 0)), { shape: ref.shape, label: `relu(conv + b) ${c.name}` });
      // Accumulating: depthwise adds the convolution only (its callers pass no bias then).
      const depthwise = c.g === c.x[1];
      const y0 = randomF32(size(ref.shape), 13);
      const add = depthwise ? ref.forward(xv, wv, null) : conv;
      y.data.set(y0);
      forwardKernel(c, y, x, w, depthwise ? null : b, CONV_ACC | CONV_RELU);
      expectClose(y.data, add.map((v, i) => Math.max(y0[i] + v, 0)), { shape: ref.shape, label: `relu(y0 + conv) ${c.name}` });
      // Some outputs are clamped and some are not, so both sides of the ReLU were tested.
      expect(y.data.some((v) => v === 0) && y.data.some((v) => v > 0)).toBe(true);
    }),
  );

  it.each(cases)('fused = unfused bit for bit: the kernel with CONV_RELU vs without it then relu_forward $name', (c) =>
    cnn.scope(() => {
      const ref = conv2dRefOps(c);
      const { xv, wv, bv } = caseData(c, ref.shape, 21);
      const [x, w, b] = [cnn.tensor(xv, c.x), cnn.tensor(wv, c.w), cnn.tensor(bv, [c.w[0]])];
      const n = size(ref.shape);
      const y0 = randomF32(n, 22);
      const bias = c.g === c.x[1] ? null : b;
      for (const acc of [0, CONV_ACC]) {
        const [fused, plain] = [cnn.tensor(y0, ref.shape), cnn.tensor(y0, ref.shape)];
        forwardKernel(c, fused, x, w, acc ? bias : b, acc | CONV_RELU);
        forwardKernel(c, plain, x, w, acc ? bias : b, acc);
        kernels().relu_forward(plain.ptr, plain.ptr, n);
        expect(bits(fused.data), `acc=${acc}`).toEqual(bits(plain.data));
      }
    }),
  );

  it('NaN stays NaN (torch.relu) in the fused stores and in relu_forward, body and tail alike', () =>
    cnn.scope(() => {
      // One NaN at the last pixel of image 1 reaches the last outputs of y, which relu_forward
      // handles in its scalar tail (y has 2·5·13·11 = 1430 = 4·357 + 2 floats).
      for (const c of [cases[0], cases[5]]) {
        const ref = conv2dRefOps(c);
        const { xv, wv, bv } = caseData(c, ref.shape, 31);
        xv[xv.length - 1] = NaN;
        xv[7] = NaN; // and one near the start: outputs in the vector body
        const [x, w, b] = [cnn.tensor(xv, c.x), cnn.tensor(wv, c.w), cnn.tensor(bv, [c.w[0]])];
        const n = size(ref.shape);
        const [fused, plain] = [cnn.zeros(ref.shape), cnn.zeros(ref.shape)];
        forwardKernel(c, fused, x, w, b, CONV_RELU);
        forwardKernel(c, plain, x, w, b, 0);
        kernels().relu_forward(plain.ptr, plain.ptr, n);
        const want = ref.forward(xv, wv, bv).map((v) => (Number.isNaN(v) ? NaN : Math.max(v, 0)));
        const nanAt = (a: ArrayLike<number>) => Array.from(a, (v, i) => (Number.isNaN(v) ? i : -1)).filter((i) => i >= 0);
        expect(nanAt(want)).toContain(n - 1);
        expect(nanAt(fused.data), c.name).toEqual(nanAt(want));
        expect(nanAt(plain.data), c.name).toEqual(nanAt(want));
        const finite = (a: Float32Array) => bits(a).map((v, i) => (Number.isNaN(want[i]) ? 0 : v));
        expect(finite(fused.data)).toEqual(finite(plain.data));
      }
    }));
});

describe("ops: activation 'relu'", () => {
  it('the flag values are the ones the module exports', () => {
    expect([kernels().CONV_ACC.value, kernels().CONV_RELU.value]).toEqual([CONV_ACC, CONV_RELU]);
  });

  const opCases = [
    mk([2, 5, 9, 8], [7, 5, 3, 3], 1, 1, 1), // im2col + GEMM
    mk([2, 32, 7, 9], [8, 32, 3, 3], 1, 1, 1), // Winograd F(2×2, 3×3)
    mk([2, 6, 9, 8], [6, 1, 3, 3], 6, 1, 1), // depthwise
  ];
  it.each(opCases)('ops.conv2d(…, { activation: "relu" }) = relu of the float64 conv, and bit for bit relu(ops.conv2d(…)) $name', (c) =>
    cnn.scope(() => {
      const ref = conv2dRefOps(c);
      const { xv, wv, bv } = caseData(c, ref.shape, 21);
      const [x, w, b] = [cnn.tensor(xv, c.x), cnn.tensor(wv, c.w), cnn.tensor(bv, [c.w[0]])];
      const opts = { stride: c.s, padding: c.p, dilation: c.d, groups: c.g };
      const fused = cnn.ops.conv2d(x, w, b, { ...opts, activation: 'relu' }).toArray() as Float32Array;
      const want = Array.from(ref.forward(xv, wv, bv), (v) => Math.max(v, 0));
      expectClose(fused, want, { atol: 1e-5, rtol: 1e-4 });
      const unfused = cnn.ops.relu(cnn.ops.conv2d(x, w, b, { ...opts, activation: 'linear' })).toArray() as Float32Array;
      expect(bits(fused)).toEqual(bits(unfused));
      expect(fused.some((v) => v === 0) && fused.some((v) => v > 0)).toBe(true);
    }),
  );

  it('conv1d takes it too; a bad value and a backward given it are ValueErrors naming them', () =>
    cnn.scope(() => {
      const x = cnn.tensor(randomF32(2 * 3 * 10, 5), [2, 3, 10]);
      const w = cnn.tensor(randomF32(4 * 3 * 3, 6), [4, 3, 3]);
      const fused = cnn.ops.conv1d(x, w, null, { padding: 1, activation: 'relu' }).toArray() as Float32Array;
      expect(bits(fused)).toEqual(bits(cnn.ops.relu(cnn.ops.conv1d(x, w, null, { padding: 1 })).toArray() as Float32Array));
      // @ts-expect-error: not an activation this option takes
      expect(() => cnn.ops.conv2d(cnn.zeros([1, 1, 4, 4]), cnn.zeros([1, 1, 3, 3]), null, { activation: 'rleu' })).toThrow(
        /conv2d: expected activation 'linear' or 'relu', got "rleu" \(did you mean 'relu'\?\)/,
      );
      const dy = cnn.zeros([1, 1, 2, 2]);
      // The options type is shared with the forward; the backward refuses the key at run time.
      expect(() => cnn.ops.conv2dBackward(dy, cnn.zeros([1, 1, 4, 4]), cnn.zeros([1, 1, 3, 3]), { activation: 'relu' })).toThrow(
        /conv2dBackward: unknown option 'activation'/,
      );
    }));
});
