// SPDX-License-Identifier: MIT
// Max, average, adaptive average and global average pooling over NCHW tensors
// (torch.nn.functional.max_pool2d / avg_pool2d / adaptive_avg_pool2d semantics), forward and
// backward side by side, each in an allocating form and an Into form that validates and
// makes one kernel call (assembly/pool.ts). Global average pooling is adaptive pooling to 1×1.
import { DTypeError, ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { pair, poolOutSize, shapesEqual, type Pair } from '../core/shape.js';
import { empty, zeros, type DType, type Tensor, scope } from '../core/tensor.js';
import { forRange } from '../core/parallel.js';

/** Window options shared by max and average pooling (PyTorch names). */
export interface Pool2dOptions {
  /** Window size, `k` or `[kh, kw]`. */
  kernelSize: Pair;
  /** Step between windows; defaults to kernelSize. */
  stride?: Pair;
  /** Implicit padding on each side (−∞ for max, 0 for average); at most half the window. */
  padding?: Pair;
  /** Count a last partial window (it must start inside the input or the left padding). */
  ceilMode?: boolean;
}

/** Average pooling options. */
export interface AvgPool2dOptions extends Pool2dOptions {
  /** Count padded zeros in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

/** Resolved geometry, in kernel argument order. */
interface Geometry {
  n: number;
  c: number;
  H: number;
  W: number;
  OH: number;
  OW: number;
  KH: number;
  KW: number;
  SH: number;
  SW: number;
  PH: number;
  PW: number;
}

// countIncludePad is average pooling's only; pool2dOutputShape serves both kinds.
const MAX_POOL_OPTIONS = ['kernelSize', 'stride', 'padding', 'ceilMode'];
const POOL_OPTIONS = [...MAX_POOL_OPTIONS, 'countIncludePad'];
const POOL_REQUIRED = ['kernelSize'];
const ADAPTIVE_OPTIONS = ['outputSize'];

function geometry(what: string, xShape: readonly number[], opts: Pool2dOptions): Geometry {
  checkOptions(what, opts, what.startsWith('max') ? MAX_POOL_OPTIONS : POOL_OPTIONS, POOL_REQUIRED);
  if (xShape.length !== 4) throw new ShapeError(`${what}: expected a rank-4 input (N, C, H, W), got shape ${fmtShape(xShape)}`);
  const [KH, KW] = pair(opts.kernelSize, `${what} kernelSize`, 1);
  const [SH, SW] = pair(opts.stride ?? opts.kernelSize, `${what} stride`, 1);
  const [PH, PW] = pair(opts.padding ?? 0, `${what} padding`, 0);
  if (2 * PH > KH || 2 * PW > KW) {
    throw new ValueError(`${what}: expected padding ≤ ${fmtShape([KH >> 1, KW >> 1])} (half of kernelSize ${fmtShape([KH, KW])}), got padding ${fmtShape([PH, PW])}`);
  }
  const [n, c, H, W] = xShape;
  const ceil = opts.ceilMode ?? false;
  const OH = poolOutSize(H, KH, SH, PH, ceil);
  const OW = poolOutSize(W, KW, SW, PW, ceil);
  if (OH < 1 || OW < 1) {
    throw new ShapeError(
      `${what}: expected an input of at least the window size ${fmtShape([KH, KW])} (padding ${fmtShape([PH, PW])}) in H, W, got shape ${fmtShape(xShape)}`,
    );
  }
  return { n, c, H, W, OH, OW, KH, KW, SH, SW, PH, PW };
}

function expect(what: string, name: string, t: Tensor<DType>, shape: readonly number[], dtype: DType): void {
  if (t.dtype !== dtype) throw new DTypeError(`${what}: expected ${name} of dtype ${dtype}, got ${t.dtype}`);
  if (!shapesEqual(t.shape, shape)) throw new ShapeError(`${what}: expected ${name} of shape ${fmtShape(shape)}, got ${fmtShape(t.shape)}`);
}

const outShape = (g: Geometry): number[] => [g.n, g.c, g.OH, g.OW];

/**
 * Output shape [N, C, OH, OW] of a pooling window over `xShape` (validates the options).
 * @example pool2dOutputShape([1, 6, 28, 28], { kernelSize: 2 }) // [1, 6, 14, 14]
 * See: torch.nn.MaxPool2d (shape section)
 */
export function pool2dOutputShape(xShape: readonly number[], opts: Pool2dOptions): number[] {
  return outShape(geometry('pool2d', xShape, opts));
}

/**
 * Max over each window; padding counts as −∞, ties go to the first maximum, and a NaN takes
 * its window (the last NaN in row-major order, as PyTorch's CPU kernel).
 * @example const y = cnn.ops.maxPool2d(x, { kernelSize: 3, stride: 2 });
 * See: torch.nn.functional.max_pool2d
 */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  return scope(() => {
    const y = empty(outShape(geometry('maxPool2d', x.shape, opts)));
    maxPool2dInto(y, x, opts);
    return y;
  });
}

/**
 * maxPool2d into `y`; writes each window's flat argmax (h·W + w in its plane) into
 * `argmax` when given (int32, shape of y), for maxPool2dBackwardInto.
 * @example cnn.ops.maxPool2dInto(y, x, { kernelSize: 2 }, argmax);
 * See: torch.nn.functional.max_pool2d (return_indices=True)
 */
export function maxPool2dInto(y: Tensor, x: Tensor, opts: Pool2dOptions, argmax?: Tensor<'int32'> | null): void {
  const g = geometry('maxPool2d', x.shape, opts);
  expect('maxPool2d', 'x', x, x.shape, 'float32');
  expect('maxPool2d', 'y', y, outShape(g), 'float32');
  if (argmax) expect('maxPool2d', 'argmax', argmax, outShape(g), 'int32');
  forRange('maxpool2d_forward', [y.ptr, argmax ? argmax.ptr : 0, x.ptr, g.H, g.W, g.OH, g.OW, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW], g.n * g.c, 16 * g.OH * g.OW * g.KH * g.KW);
}

/**
 * Gradient of maxPool2d with respect to x (a new zeroed tensor): each δ goes to its window's maximum.
 * @example const dx = cnn.ops.maxPool2dBackward(dy, x, { kernelSize: 2 });
 * See: torch.nn.functional.max_pool2d (autograd)
 */
export function maxPool2dBackward(dy: Tensor, x: Tensor, opts: Pool2dOptions): Tensor {
  return scope(() => {
    const dx = zeros(x.shape);
    maxPool2dBackwardInto(dx, dy, x, opts);
    return dx;
  });
}

/**
 * dx += maxPool2d′ᵀ·dy. With `argmax` from the forward, δ is routed by index; without it the
 * maximum is found again from x (the same rule, NaN included). ACCUMULATES into dx.
 * @example cnn.ops.maxPool2dBackwardInto(dx, dy, x, { kernelSize: 2 }, argmax);
 * See: torch.nn.functional.max_unpool2d
 */
export function maxPool2dBackwardInto(dx: Tensor, dy: Tensor, x: Tensor, opts: Pool2dOptions, argmax?: Tensor<'int32'> | null): void {
  const g = geometry('maxPool2dBackward', x.shape, opts);
  expect('maxPool2dBackward', 'x', x, x.shape, 'float32');
  expect('maxPool2dBackward', 'dx', dx, x.shape, 'float32');
  expect('maxPool2dBackward', 'dy', dy, outShape(g), 'float32');
  if (argmax) expect('maxPool2dBackward', 'argmax', argmax, outShape(g), 'int32');
  forRange('maxpool2d_backward', [dx.ptr, dy.ptr, argmax ? argmax.ptr : 0, x.ptr, g.H, g.W, g.OH, g.OW, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW], g.n * g.c, 16 * g.OH * g.OW * g.KH * g.KW);
}

/**
 * Mean over each window (the divisor counts padding unless countIncludePad is false).
 * @example const y = cnn.ops.avgPool2d(x, { kernelSize: 2 });
 * See: torch.nn.functional.avg_pool2d
 */
export function avgPool2d(x: Tensor, opts: AvgPool2dOptions): Tensor {
  return scope(() => {
    const y = empty(outShape(geometry('avgPool2d', x.shape, opts)));
    avgPool2dInto(y, x, opts);
    return y;
  });
}

/**
 * avgPool2d into `y`.
 * @example cnn.ops.avgPool2dInto(y, x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false });
 * See: torch.nn.functional.avg_pool2d
 */
export function avgPool2dInto(y: Tensor, x: Tensor, opts: AvgPool2dOptions): void {
  const g = geometry('avgPool2d', x.shape, opts);
  expect('avgPool2d', 'x', x, x.shape, 'float32');
  expect('avgPool2d', 'y', y, outShape(g), 'float32');
  const cip = (opts.countIncludePad ?? true) ? 1 : 0;
  forRange('avgpool2d_forward', [y.ptr, x.ptr, g.H, g.W, g.OH, g.OW, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, cip], g.n * g.c, 16 * g.OH * g.OW * g.KH * g.KW);
}

/**
 * Gradient of avgPool2d with respect to x (a new zeroed tensor of x's shape; x gives only the shape).
 * @example const dx = cnn.ops.avgPool2dBackward(dy, x, { kernelSize: 2 });
 * See: torch.nn.functional.avg_pool2d (autograd)
 */
export function avgPool2dBackward(dy: Tensor, x: Tensor, opts: AvgPool2dOptions): Tensor {
  return scope(() => {
    const dx = zeros(x.shape);
    avgPool2dBackwardInto(dx, dy, opts);
    return dx;
  });
}

/**
 * dx += avgPool2d′ᵀ·dy: each δ spread over its window divided by the forward's divisor.
 * dx's shape is the input's. ACCUMULATES into dx.
 * @example cnn.ops.avgPool2dBackwardInto(dx, dy, { kernelSize: 2 });
 * See: torch.nn.functional.avg_pool2d (autograd)
 */
export function avgPool2dBackwardInto(dx: Tensor, dy: Tensor, opts: AvgPool2dOptions): void {
  const g = geometry('avgPool2dBackward', dx.shape, opts);
  expect('avgPool2dBackward', 'dx', dx, dx.shape, 'float32');
  expect('avgPool2dBackward', 'dy', dy, outShape(g), 'float32');
  const cip = (opts.countIncludePad ?? true) ? 1 : 0;
  forRange('avgpool2d_backward', [dx.ptr, dy.ptr, g.H, g.W, g.OH, g.OW, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, cip], g.n * g.c, 16 * g.OH * g.OW * g.KH * g.KW);
}

/** Adaptive average pooling options (PyTorch names). */
export interface AdaptiveAvgPool2dOptions {
  /** Output size `s` or `[oh, ow]`; may exceed the input (windows then repeat rows or columns). */
  outputSize: Pair;
}

interface AdaptiveGeometry {
  n: number;
  c: number;
  H: number;
  W: number;
  OH: number;
  OW: number;
}

function adaptiveGeometry(what: string, xShape: readonly number[], outputSize: Pair | undefined): AdaptiveGeometry {
  if (xShape.length !== 4) throw new ShapeError(`${what}: expected a rank-4 input (N, C, H, W), got shape ${fmtShape(xShape)}`);
  const [n, c, H, W] = xShape;
  if (H < 1 || W < 1) throw new ShapeError(`${what}: expected an input of at least 1×1 in H, W, got shape ${fmtShape(xShape)}`);
  const [OH, OW] = pair(outputSize as Pair, `${what} outputSize`, 1);
  return { n, c, H, W, OH, OW };
}

function adaptiveOptions(what: string, opts: AdaptiveAvgPool2dOptions): Pair {
  checkOptions(what, opts, ADAPTIVE_OPTIONS, ADAPTIVE_OPTIONS);
  return opts.outputSize;
}

/**
 * Mean over PyTorch's adaptive windows: output row i covers input rows ⌊i·H/OH⌋ … ⌈(i+1)·H/OH⌉ − 1,
 * columns likewise, each averaged over its own size → [N, C, OH, OW].
 * @example const y = cnn.ops.adaptiveAvgPool2d(x, { outputSize: [3, 2] });
 * See: torch.nn.functional.adaptive_avg_pool2d
 */
export function adaptiveAvgPool2d(x: Tensor, opts: AdaptiveAvgPool2dOptions): Tensor {
  return scope(() => {
    const g = adaptiveGeometry('adaptiveAvgPool2d', x.shape, adaptiveOptions('adaptiveAvgPool2d', opts));
    const y = empty([g.n, g.c, g.OH, g.OW]);
    adaptiveAvgPool2dInto(y, x, opts);
    return y;
  });
}

/**
 * adaptiveAvgPool2d into y [N, C, OH, OW].
 * @example cnn.ops.adaptiveAvgPool2dInto(y, x, { outputSize: 7 });
 * See: torch.nn.functional.adaptive_avg_pool2d
 */
export function adaptiveAvgPool2dInto(y: Tensor, x: Tensor, opts: AdaptiveAvgPool2dOptions): void {
  const what = 'adaptiveAvgPool2d';
  const g = adaptiveGeometry(what, x.shape, adaptiveOptions(what, opts));
  expect(what, 'x', x, x.shape, 'float32');
  expect(what, 'y', y, [g.n, g.c, g.OH, g.OW], 'float32');
  forRange('adaptive_avgpool2d_forward', [y.ptr, x.ptr, g.H, g.W, g.OH, g.OW], g.n * g.c, 8 * g.H * g.W);
}

/**
 * Gradient of adaptiveAvgPool2d with respect to x (a new zeroed tensor; x gives only the shape).
 * @example const dx = cnn.ops.adaptiveAvgPool2dBackward(dy, x, { outputSize: [3, 2] });
 * See: torch.nn.functional.adaptive_avg_pool2d (autograd)
 */
export function adaptiveAvgPool2dBackward(dy: Tensor, x: Tensor, opts: AdaptiveAvgPool2dOptions): Tensor {
  return scope(() => {
    const dx = zeros(x.shape);
    adaptiveAvgPool2dBackwardInto(dx, dy, opts);
    return dx;
  });
}

/**
 * dx += adaptiveAvgPool2d′ᵀ·dy: each δ spread over its window divided by the window's size
 * (overlapping windows add up). dx's shape is the input's. ACCUMULATES into dx.
 * @example cnn.ops.adaptiveAvgPool2dBackwardInto(dx, dy, { outputSize: [3, 2] });
 * See: torch.nn.functional.adaptive_avg_pool2d (autograd)
 */
export function adaptiveAvgPool2dBackwardInto(dx: Tensor, dy: Tensor, opts: AdaptiveAvgPool2dOptions): void {
  const what = 'adaptiveAvgPool2dBackward';
  const g = adaptiveGeometry(what, dx.shape, adaptiveOptions(what, opts));
  expect(what, 'dx', dx, dx.shape, 'float32');
  expect(what, 'dy', dy, [g.n, g.c, g.OH, g.OW], 'float32');
  forRange('adaptive_avgpool2d_backward', [dx.ptr, dy.ptr, g.H, g.W, g.OH, g.OW], g.n * g.c, 8 * g.H * g.W);
}

/** Throws unless t is float32 [N, C, 1, 1] or [N, C]. */
function expectPooled(what: string, name: string, t: Tensor, n: number, c: number): void {
  if (!shapesEqual(t.shape, [n, c, 1, 1]) && !shapesEqual(t.shape, [n, c])) {
    throw new ShapeError(`${what}: expected ${name} of shape ${fmtShape([n, c, 1, 1])} or ${fmtShape([n, c])}, got ${fmtShape(t.shape)}`);
  }
  expect(what, name, t, t.shape, 'float32');
}

/**
 * Mean of each H×W plane → [N, C, 1, 1], as F.adaptive_avg_pool2d(x, 1).
 * @example const y = cnn.ops.globalAvgPool2d(x); // [N, C, 1, 1]
 * See: torch.nn.functional.adaptive_avg_pool2d (output_size=1)
 */
export function globalAvgPool2d(x: Tensor): Tensor {
  return scope(() => {
    const g = adaptiveGeometry('globalAvgPool2d', x.shape, 1);
    const y = empty([g.n, g.c, 1, 1]);
    globalAvgPool2dInto(y, x);
    return y;
  });
}

/**
 * globalAvgPool2d into y, [N, C, 1, 1] or [N, C] (ready for a dense layer). One f32x4 sum per plane.
 * @example cnn.ops.globalAvgPool2dInto(y, x);
 * See: torch.nn.functional.adaptive_avg_pool2d (output_size=1)
 */
export function globalAvgPool2dInto(y: Tensor, x: Tensor): void {
  const what = 'globalAvgPool2d';
  const g = adaptiveGeometry(what, x.shape, 1);
  expect(what, 'x', x, x.shape, 'float32');
  expectPooled(what, 'y', y, g.n, g.c);
  forRange('adaptive_avgpool2d_forward', [y.ptr, x.ptr, g.H, g.W, 1, 1], g.n * g.c, 8 * g.H * g.W);
}

/**
 * Gradient of globalAvgPool2d with respect to x: dy/(H·W) over each plane (a new tensor; x gives only the shape).
 * @example const dx = cnn.ops.globalAvgPool2dBackward(dy, x);
 * See: torch.nn.functional.adaptive_avg_pool2d (autograd)
 */
export function globalAvgPool2dBackward(dy: Tensor, x: Tensor): Tensor {
  return scope(() => {
    const dx = zeros(x.shape);
    globalAvgPool2dBackwardInto(dx, dy);
    return dx;
  });
}

/**
 * dx[n, c] += dy[n, c]/(H·W) over the plane; dy is [N, C, 1, 1] or [N, C]. ACCUMULATES into dx.
 * @example cnn.ops.globalAvgPool2dBackwardInto(dx, dy);
 * See: torch.nn.functional.adaptive_avg_pool2d (autograd)
 */
export function globalAvgPool2dBackwardInto(dx: Tensor, dy: Tensor): void {
  const what = 'globalAvgPool2dBackward';
  const g = adaptiveGeometry(what, dx.shape, 1);
  expect(what, 'dx', dx, dx.shape, 'float32');
  expectPooled(what, 'dy', dy, g.n, g.c);
  forRange('adaptive_avgpool2d_backward', [dx.ptr, dy.ptr, g.H, g.W, 1, 1], g.n * g.c, 8 * g.H * g.W);
}
