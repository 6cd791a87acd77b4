// SPDX-License-Identifier: MIT
// Zero padding of NCHW planes (torch.nn.ZeroPad2d / F.pad with zeros), forward and backward
// side by side over assembly/conv.ts zero_pad2d_forward / _backward.
import { ValueError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { expectRank } from '../core/shape.js';
import { type Tensor, expectDType } from '../core/tensor.js';
import { expectF32, newOutput } from './conv-geometry.js';
import { forRange } from '../core/parallel.js';

export interface ZeroPad2dOptions {
  /**
   * Zeros added around each plane: `p` (all sides), `[ph, pw]` (top and bottom, left and
   * right) or `[top, bottom, left, right]` (Keras' order; torch.nn.ZeroPad2d takes
   * (left, right, top, bottom)). Non-negative integers.
   */
  padding: number | readonly number[];
}

const ZERO_PAD2D_KEYS = ['padding'];
const ZERO_PAD2D_REQUIRED = ['padding'];

/** [top, bottom, left, right] from a padding option (see ZeroPad2dOptions). */
function zeroPad2dSides(what: string, padding: unknown): [number, number, number, number] {
  const v = typeof padding === 'number' ? [padding] : padding;
  const ok = Array.isArray(v) && [1, 2, 4].includes(v.length) && v.every((p) => Number.isInteger(p) && p >= 0);
  if (!ok) throw new ValueError(`${what} padding: expected p, [ph, pw] or [top, bottom, left, right] of integers ≥ 0, got ${JSON.stringify(padding)}`);
  if (v.length === 1) return [v[0], v[0], v[0], v[0]];
  if (v.length === 2) return [v[0], v[0], v[1], v[1]];
  return [v[0], v[1], v[2], v[3]];
}

function sides(what: string, x: string, xShape: readonly number[], opts: ZeroPad2dOptions): [number, number, number, number] {
  checkOptions(what, opts, ZERO_PAD2D_KEYS, ZERO_PAD2D_REQUIRED);
  expectRank(`${what} ${x}`, xShape, 4, 'N, C, H, W');
  return zeroPad2dSides(what, opts.padding);
}

/** An Into form's checks: the plain tensor [N, C, H, W] and the padded one, both float32; returns the sides. */
function checkPadded(what: string, plainName: string, plain: Tensor, paddedName: string, padded: Tensor, opts: ZeroPad2dOptions): [number, number, number, number] {
  const s = sides(what, plainName, plain.shape, opts);
  const [t, b, l, r] = s;
  const [n, c, h, w] = plain.shape;
  expectDType(`${what} ${plainName}`, plain, 'float32');
  expectF32(`${what} ${paddedName}`, padded, [n, c, t + h + b, l + w + r]);
  return s;
}

/**
 * The output shape [N, C, top + H + bottom, left + W + right] of zeroPad2d.
 * @example cnn.ops.zeroPad2dOutputShape([1, 3, 28, 28], { padding: [1, 2] }); // [1, 3, 30, 32]
 * See: torch.nn.ZeroPad2d (shape section)
 */
export function zeroPad2dOutputShape(xShape: readonly number[], opts: ZeroPad2dOptions): number[] {
  const [t, b, l, r] = sides('zeroPad2d', 'x', xShape, opts);
  const [n, c, h, w] = xShape;
  return [n, c, t + h + b, l + w + r];
}

/**
 * x [N, C, H, W] surrounded by zeros.
 * @example const y = cnn.ops.zeroPad2d(x, { padding: [0, 1, 0, 1] }); // one row below, one column right
 * See: torch.nn.ZeroPad2d (its order is (left, right, top, bottom))
 */
export function zeroPad2d(x: Tensor, opts: ZeroPad2dOptions): Tensor {
  return newOutput(zeroPad2dOutputShape(x.shape, opts), (y) => zeroPad2dInto(y, x, opts));
}

/**
 * zeroPad2d into a preallocated y (overwritten).
 * @example cnn.ops.zeroPad2dInto(y, x, { padding: 1 });
 * See: torch.nn.ZeroPad2d
 */
export function zeroPad2dInto(y: Tensor, x: Tensor, opts: ZeroPad2dOptions): void {
  const [t, b, l, r] = checkPadded('zeroPad2d', 'x', x, 'y', y, opts);
  const [n, c, h, w] = x.shape;
  forRange('zero_pad2d_forward', [y.ptr, x.ptr, h, w, t, b, l, r], n * c, (h + t + b) * (w + l + r));
}

/**
 * Gradient of zeroPad2d with respect to x (a new tensor): the interior of dy.
 * @example const dx = cnn.ops.zeroPad2dBackward(dy, x, { padding: 1 });
 * See: torch.nn.ZeroPad2d (autograd)
 */
export function zeroPad2dBackward(dy: Tensor, x: Tensor, opts: ZeroPad2dOptions): Tensor {
  return newOutput(x.shape, (dx) => zeroPad2dBackwardInto(dx, dy, opts));
}

/**
 * ACCUMULATES dx [N, C, H, W] += the interior of dy [N, C, top + H + bottom, left + W + right].
 * @example cnn.ops.zeroPad2dBackwardInto(dx, dy, { padding: 1 });
 * See: torch.nn.ZeroPad2d (autograd)
 */
export function zeroPad2dBackwardInto(dx: Tensor, dy: Tensor, opts: ZeroPad2dOptions): void {
  const [t, b, l, r] = checkPadded('zeroPad2dBackward', 'dx', dx, 'dy', dy, opts);
  const [n, c, h, w] = dx.shape;
  forRange('zero_pad2d_backward', [dx.ptr, dy.ptr, h, w, t, b, l, r], n * c, (h + t + b) * (w + l + r));
}
