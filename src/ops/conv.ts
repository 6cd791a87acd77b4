// SPDX-License-Identifier: MIT
// 2-D convolution: conv2d and conv2dBackward, with PyTorch semantics (cross-correlation, NCHW
// input, OIHW weights, zero padding, stride, dilation, groups). The Into forms validate, write
// the geometry record at the start of the workspace and call the kernels once each
// (src/ops/conv-geometry.ts picks them: direct depthwise kernels when groups = C, im2col + GEMM
// per group otherwise).
import { checkOptions } from '../core/options.js';
import { type Pair, expectRank, pair } from '../core/shape.js';
import { type Tensor } from '../core/tensor.js';
import {
  type ConvGeometry,
  type ConvGrads,
  activationFlags,
  convKeys,
  checkConvInputs,
  convBackwardInto,
  convForwardInto,
  convGeometry,
  convWorkspaceFloats,
  newConvGrads,
  newOutput,
} from './conv-geometry.js';

export interface Conv2dOptions {
  /** Step between windows, `s` or `[sh, sw]` (default 1). */
  stride?: Pair;
  /** Zero padding on each side, `p` or `[ph, pw]` (default 0). */
  padding?: Pair;
  /** Spacing of kernel taps (atrous), `d` or `[dh, dw]` (default 1). */
  dilation?: Pair;
  /** Forward only: 'relu' applies max(0, ·) to the result in the same pass (default 'linear': none). */
  activation?: 'linear' | 'relu';
  /** Channel groups (default 1): C and OC divisible by it, w is [OC, C/groups, KH, KW]; groups = C is depthwise. */
  groups?: number;
}

function geometry(what: string, xShape: readonly number[], wShape: readonly number[], opts: Conv2dOptions): ConvGeometry {
  checkOptions(what, opts, convKeys(what));
  expectRank(`${what} x`, xShape, 4, 'N, C, H, W');
  expectRank(`${what} w`, wShape, 4, 'OC, C/groups, KH, KW');
  return convGeometry(what, xShape, wShape, {
    stride: pair(opts.stride ?? 1, `${what} stride`, 1),
    padding: pair(opts.padding ?? 0, `${what} padding`, 0),
    dilation: pair(opts.dilation ?? 1, `${what} dilation`, 1),
    groups: opts.groups ?? 1,
  });
}

/**
 * The output shape [N, OC, OH, OW] of conv2d; throws ShapeError / ValueError naming both shapes.
 * @example cnn.ops.conv2dOutputShape([64, 1, 28, 28], [6, 1, 5, 5], { padding: 2 }); // [64, 6, 28, 28]
 * See: torch.nn.Conv2d (shape section)
 */
export function conv2dOutputShape(xShape: readonly number[], wShape: readonly number[], opts: Conv2dOptions = {}): number[] {
  const g = geometry('conv2d', xShape, wShape, opts);
  return [g.n, g.oc, g.oh, g.ow];
}

/**
 * Floats of workspace conv2dInto and conv2dBackwardInto need (forward and backward: the
 * column matrix of one image and group, GEMM packing scratch, or the depthwise kernels'
 * padded planes; and the geometry record).
 * @example const ws = cnn.zeros([cnn.ops.conv2dWorkspaceSize([64, 1, 28, 28], [6, 1, 5, 5], { padding: 2 })]);
 * See: torch.nn.functional.conv2d
 */
export function conv2dWorkspaceSize(xShape: readonly number[], wShape: readonly number[], opts: Conv2dOptions = {}): number {
  return convWorkspaceFloats(geometry('conv2d', xShape, wShape, opts));
}

/**
 * 2-D convolution (cross-correlation): x [N, C, H, W], w [OC, C/groups, KH, KW], b [OC] or null
 * → y [N, OC, OH, OW], OH = ⌊(H + 2p − d(KH − 1) − 1)/s⌋ + 1; output channel o sees the input
 * channels of its group, ⌊o·groups/OC⌋.
 * @example const y = cnn.ops.conv2d(x, w, b, { stride: 1, padding: 2 });
 * See: torch.nn.functional.conv2d
 */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  return newOutput(conv2dOutputShape(x.shape, w.shape, opts), (y) => conv2dInto(y, x, w, b, opts));
}

/**
 * conv2d into a preallocated y [N, OC, OH, OW] (overwritten).
 * `workspace`: at least conv2dWorkspaceSize(x.shape, w.shape, opts) floats.
 * @example cnn.ops.conv2dInto(y, x, w, b, { padding: 1 }, ws);
 * See: torch.nn.functional.conv2d
 */
export function conv2dInto(
  y: Tensor,
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  opts: Conv2dOptions = {},
  workspace: Tensor | null = null,
): void {
  const g = checkConvInputs('conv2d', x, w, opts, geometry);
  convForwardInto('conv2d', g, [g.n, g.oc, g.oh, g.ow], y, x, w, b, workspace, activationFlags('conv2d', opts.activation));
}

/**
 * Gradients of conv2d from dy = ∂L/∂y: dx (full correlation of the padded δ with the
 * 180°-rotated kernel, per group), dw (correlation of x with δ), db (Σ of δ over n and the plane).
 * @example const { dx, dw, db } = cnn.ops.conv2dBackward(dy, x, w, { padding: 2 });
 * See: torch.nn.grad.conv2d_input / conv2d_weight
 */
export function conv2dBackward(dy: Tensor, x: Tensor, w: Tensor, opts: Conv2dOptions = {}): { dx: Tensor; dw: Tensor; db: Tensor } {
  return newConvGrads(x, w, w.shape[0] ?? 0, (grads) => conv2dBackwardInto(grads, dy, x, w, opts));
}

/**
 * ACCUMULATES the gradients of conv2d: dx += ∂L/∂x (skipped when null), dw += ∂L/∂w,
 * db += ∂L/∂b (skipped when null). `workspace`: conv2dWorkspaceSize(x.shape, w.shape, opts) floats.
 * @example cnn.ops.conv2dBackwardInto({ dx: null, dw, db }, dy, x, w, { padding: 2 }, ws);
 * See: torch.nn.grad.conv2d_input / conv2d_weight
 */
export function conv2dBackwardInto(
  grads: ConvGrads,
  dy: Tensor,
  x: Tensor,
  w: Tensor,
  opts: Conv2dOptions = {},
  workspace: Tensor | null = null,
): void {
  const g = checkConvInputs('conv2dBackward', x, w, opts, geometry);
  convBackwardInto('conv2dBackward', g, [g.n, g.oc, g.oh, g.ow], grads, dy, x, w, workspace);
}
