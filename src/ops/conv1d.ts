// SPDX-License-Identifier: MIT
// 1-D convolution, PyTorch's torch.nn.functional.conv1d: x [N, C, L] ⋆ w [OC, C/groups, K].
// It is conv2d with H = 1: the kernels get the geometry of x [N, C, 1, L] ⋆ w [OC, C/groups,
// 1, K] over the same memory (no copy, no new kernel); only shapes and messages are 1-D here.
import { checkOptions } from '../core/options.js';
import { expectRank } from '../core/shape.js';
import { type Tensor } from '../core/tensor.js';
import {
  type ConvGeometry,
  type ConvGrads,
  activationFlags,
  convKeys,
  checkConvInputs,
  checkInteger,
  convBackwardInto,
  convForwardInto,
  convGeometry,
  convWorkspaceFloats,
  newConvGrads,
  newOutput,
} from './conv-geometry.js';

export interface Conv1dOptions {
  /** Step between windows (default 1). */
  stride?: number;
  /** Zero padding on each side (default 0). */
  padding?: number;
  /** Spacing of kernel taps (default 1). */
  dilation?: number;
  /** Forward only: 'relu' applies max(0, ·) to the result in the same pass (default 'linear': none). */
  activation?: 'linear' | 'relu';
  /** Channel groups (default 1): C and OC divisible by it, w is [OC, C/groups, K]. */
  groups?: number;
}

function geometry(what: string, xShape: readonly number[], wShape: readonly number[], opts: Conv1dOptions): ConvGeometry {
  checkOptions(what, opts, convKeys(what));
  expectRank(`${what} x`, xShape, 3, 'N, C, L');
  expectRank(`${what} w`, wShape, 3, 'OC, C/groups, K');
  const [n, c, l] = xShape;
  const [oc, wc, k] = wShape;
  const params = {
    stride: [1, checkInteger(opts.stride ?? 1, `${what} stride`, 1)] as [number, number],
    padding: [0, checkInteger(opts.padding ?? 0, `${what} padding`, 0)] as [number, number],
    dilation: [1, checkInteger(opts.dilation ?? 1, `${what} dilation`, 1)] as [number, number],
    groups: opts.groups ?? 1,
  };
  return convGeometry(what, [n, c, 1, l], [oc, wc, 1, k], params, [xShape, wShape]);
}

/**
 * The output shape [N, OC, OL] of conv1d, OL = ⌊(L + 2p − d(K − 1) − 1)/s⌋ + 1.
 * @example cnn.ops.conv1dOutputShape([8, 3, 100], [16, 3, 5], { padding: 2 }); // [8, 16, 100]
 * See: torch.nn.Conv1d (shape section)
 */
export function conv1dOutputShape(xShape: readonly number[], wShape: readonly number[], opts: Conv1dOptions = {}): number[] {
  const g = geometry('conv1d', xShape, wShape, opts);
  return [g.n, g.oc, g.ow];
}

/**
 * Floats of workspace conv1dInto and conv1dBackwardInto need.
 * @example const ws = cnn.zeros([cnn.ops.conv1dWorkspaceSize([8, 3, 100], [16, 3, 5])]);
 * See: torch.nn.functional.conv1d
 */
export function conv1dWorkspaceSize(xShape: readonly number[], wShape: readonly number[], opts: Conv1dOptions = {}): number {
  return convWorkspaceFloats(geometry('conv1d', xShape, wShape, opts));
}

/**
 * 1-D convolution (cross-correlation): x [N, C, L], w [OC, C/groups, K], b [OC] or null → y [N, OC, OL].
 * @example const y = cnn.ops.conv1d(x, w, b, { padding: 1, groups: 2 });
 * See: torch.nn.functional.conv1d
 */
export function conv1d(x: Tensor, w: Tensor, b: Tensor | null, opts: Conv1dOptions = {}): Tensor {
  return newOutput(conv1dOutputShape(x.shape, w.shape, opts), (y) => conv1dInto(y, x, w, b, opts));
}

/**
 * conv1d into a preallocated y [N, OC, OL] (overwritten); `workspace`: conv1dWorkspaceSize floats.
 * @example cnn.ops.conv1dInto(y, x, w, b, { stride: 2 }, ws);
 * See: torch.nn.functional.conv1d
 */
export function conv1dInto(y: Tensor, x: Tensor, w: Tensor, b: Tensor | null, opts: Conv1dOptions = {}, workspace: Tensor | null = null): void {
  const g = checkConvInputs('conv1d', x, w, opts, geometry);
  convForwardInto('conv1d', g, [g.n, g.oc, g.ow], y, x, w, b, workspace, activationFlags('conv1d', opts.activation));
}

/**
 * Gradients of conv1d from dy = ∂L/∂y [N, OC, OL]: new tensors dx, dw, db.
 * @example const { dx, dw, db } = cnn.ops.conv1dBackward(dy, x, w, { padding: 1 });
 * See: torch.nn.grad.conv1d_input / conv1d_weight
 */
export function conv1dBackward(dy: Tensor, x: Tensor, w: Tensor, opts: Conv1dOptions = {}): { dx: Tensor; dw: Tensor; db: Tensor } {
  return newConvGrads(x, w, w.shape[0] ?? 0, (grads) => conv1dBackwardInto(grads, dy, x, w, opts));
}

/**
 * ACCUMULATES the gradients of conv1d: dx += ∂L/∂x (skipped when null), dw += ∂L/∂w, db += ∂L/∂b
 * (skipped when null). `workspace`: conv1dWorkspaceSize(x.shape, w.shape, opts) floats.
 * @example cnn.ops.conv1dBackwardInto({ dx, dw, db }, dy, x, w, { padding: 1 }, ws);
 * See: torch.nn.grad.conv1d_input / conv1d_weight
 */
export function conv1dBackwardInto(
  grads: ConvGrads,
  dy: Tensor,
  x: Tensor,
  w: Tensor,
  opts: Conv1dOptions = {},
  workspace: Tensor | null = null,
): void {
  const g = checkConvInputs('conv1dBackward', x, w, opts, geometry);
  convBackwardInto('conv1dBackward', g, [g.n, g.oc, g.ow], grads, dy, x, w, workspace);
}
