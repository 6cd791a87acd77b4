// SPDX-License-Identifier: MIT
// Transposed 2-D convolution, PyTorch's torch.nn.functional.conv_transpose2d: the adjoint of
// conv2d, so it reuses conv2d's kernels with the roles of x and y swapped. Read as a conv2d
// whose input is the transposed conv's output y [N, Cout, OH, OW] and whose output is its
// input x [N, Cin, H, W] (weights [Cin, Cout/groups, KH, KW] are that conv2d's [OC, C/groups, KH, KW]):
//   forward   y = bias, then y += conv2d backward-data of δ = x
//   backward  dx += conv2d forward of dy;  dw += conv2d backward-filter with x ↔ dy;  db += Σ dy
// OH = (H − 1)·s − 2p + d(KH − 1) + outputPadding + 1; the conv2d read this way may have more
// output rows than H (when outputPadding ≥ s), so its geometry carries H and W explicitly.
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { free } from '../core/memory.js';
import { checkOptions } from '../core/options.js';
import { type Pair, expectRank, pair } from '../core/shape.js';
import { type Tensor } from '../core/tensor.js';
import {
  type ConvGeometry,
  type ConvGrads,
  checkConvGrads,
  checkConvInputs,
  checkConvOutput,
  checkGroups,
  convFlag,
  convScratch,
  convWorkspaceFloats,
  newConvGrads,
  newOutput,
  runConv,
} from './conv-geometry.js';

export interface ConvTranspose2dOptions {
  /** Step between input pixels in the output, `s` or `[sh, sw]` (default 1). */
  stride?: Pair;
  /** Rows and columns cropped from each side of the full output, `p` or `[ph, pw]` (default 0). */
  padding?: Pair;
  /** Extra rows / columns added at the bottom / right (default 0; less than max(stride, dilation) per axis). */
  outputPadding?: Pair;
  /** Spacing of kernel taps, `d` or `[dh, dw]` (default 1). */
  dilation?: Pair;
  /** Channel groups (default 1): Cin divisible by it, w is [Cin, Cout/groups, KH, KW]. */
  groups?: number;
}

const CONV_TRANSPOSE2D_KEYS = ['stride', 'padding', 'outputPadding', 'dilation', 'groups'];

/** The geometry of the conv2d this transposed convolution is the adjoint of (see the header). */
function geometry(what: string, xShape: readonly number[], wShape: readonly number[], opts: ConvTranspose2dOptions): ConvGeometry {
  checkOptions(what, opts, CONV_TRANSPOSE2D_KEYS);
  expectRank(`${what} x`, xShape, 4, 'N, Cin, H, W');
  expectRank(`${what} w`, wShape, 4, 'Cin, Cout/groups, KH, KW');
  const [n, cin, h, w] = xShape;
  const [wcin, cog, kh, kw] = wShape;
  const groups = opts.groups ?? 1;
  if (wcin !== cin) {
    throw new ShapeError(`${what}: expected w=${fmtShape([cin, cog, kh, kw])} (${cin} input channels first) for x=${fmtShape(xShape)}, got w=${fmtShape(wShape)}`);
  }
  checkGroups(what, groups, cin, cog * groups, 'input channels', 'output channels');
  if (cog < 1 || kh < 1 || kw < 1) throw new ShapeError(`${what}: expected a filter of at least 1×1×1, got w=${fmtShape(wShape)}`);
  const [sh, sw] = pair(opts.stride ?? 1, `${what} stride`, 1);
  const [ph, pw] = pair(opts.padding ?? 0, `${what} padding`, 0);
  const [qh, qw] = pair(opts.outputPadding ?? 0, `${what} outputPadding`, 0);
  const [dh, dw] = pair(opts.dilation ?? 1, `${what} dilation`, 1);
  if (qh >= Math.max(sh, dh) || qw >= Math.max(sw, dw)) {
    throw new ValueError(
      `${what}: expected outputPadding smaller than max(stride, dilation) per axis, got outputPadding [${qh}, ${qw}] ` +
        `with stride [${sh}, ${sw}] and dilation [${dh}, ${dw}]`,
    );
  }
  const oh = (h - 1) * sh - 2 * ph + dh * (kh - 1) + qh + 1;
  const ow = (w - 1) * sw - 2 * pw + dw * (kw - 1) + qw + 1;
  if (oh < 1 || ow < 1) {
    throw new ValueError(
      `${what}: expected an output of at least 1×1, got ${oh}×${ow} for x=${fmtShape(xShape)} w=${fmtShape(wShape)} ` +
        `stride [${sh}, ${sw}] padding [${ph}, ${pw}] outputPadding [${qh}, ${qw}] dilation [${dh}, ${dw}]`,
    );
  }
  return { n, c: cog * groups, h: oh, w: ow, oc: cin, kh, kw, oh: h, ow: w, sh, sw, ph, pw, dh, dw, groups };
}

/**
 * The output shape [N, Cout, OH, OW] of convTranspose2d, OH = (H − 1)·s − 2p + d(KH − 1) + outputPadding + 1.
 * @example cnn.ops.convTranspose2dOutputShape([1, 16, 7, 7], [16, 8, 4, 4], { stride: 2, padding: 1 }); // [1, 8, 14, 14]
 * See: torch.nn.ConvTranspose2d (shape section)
 */
export function convTranspose2dOutputShape(xShape: readonly number[], wShape: readonly number[], opts: ConvTranspose2dOptions = {}): number[] {
  const g = geometry('convTranspose2d', xShape, wShape, opts);
  return [g.n, g.c, g.h, g.w];
}

/**
 * Floats of workspace convTranspose2dInto and convTranspose2dBackwardInto need.
 * @example const ws = cnn.zeros([cnn.ops.convTranspose2dWorkspaceSize([1, 16, 7, 7], [16, 8, 4, 4], { stride: 2 })]);
 * See: torch.nn.functional.conv_transpose2d
 */
export function convTranspose2dWorkspaceSize(xShape: readonly number[], wShape: readonly number[], opts: ConvTranspose2dOptions = {}): number {
  return convWorkspaceFloats(geometry('convTranspose2d', xShape, wShape, opts));
}

/**
 * Transposed convolution: x [N, Cin, H, W], w [Cin, Cout/groups, KH, KW], b [Cout] or null →
 * y [N, Cout, OH, OW], y[n, g·Cout/G + o, i·s − p + k·d] += x[n, ci, i]·w[ci, o, k] (per axis; ci in group g) + b.
 * @example const y = cnn.ops.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 });
 * See: torch.nn.functional.conv_transpose2d
 */
export function convTranspose2d(x: Tensor, w: Tensor, b: Tensor | null, opts: ConvTranspose2dOptions = {}): Tensor {
  return newOutput(convTranspose2dOutputShape(x.shape, w.shape, opts), (y) => convTranspose2dInto(y, x, w, b, opts));
}

/**
 * convTranspose2d into a preallocated y [N, Cout, OH, OW] (overwritten); `workspace`:
 * convTranspose2dWorkspaceSize floats.
 * @example cnn.ops.convTranspose2dInto(y, x, w, b, { stride: 2 }, ws);
 * See: torch.nn.functional.conv_transpose2d
 */
export function convTranspose2dInto(y: Tensor, x: Tensor, w: Tensor, b: Tensor | null, opts: ConvTranspose2dOptions = {}, workspace: Tensor | null = null): void {
  const what = 'convTranspose2d';
  const g = checkConvInputs(what, x, w, opts, geometry);
  checkConvOutput(what, y, [g.n, g.c, g.h, g.w], b, g.c);
  const s = convScratch(what, g, workspace);
  try {
    runConv(g, s, { fill: { y: y.ptr, b: b ? b.ptr : 0, channels: g.c, plane: g.h * g.w }, data: { dx: y.ptr, dy: x.ptr, w: w.ptr } });
  } finally {
    if (!workspace) free(s.ptr);
  }
}

/**
 * Gradients of convTranspose2d from dy = ∂L/∂y: new tensors dx (conv2d of dy with w), dw, db.
 * @example const { dx, dw, db } = cnn.ops.convTranspose2dBackward(dy, x, w, { stride: 2 });
 * See: torch.nn.functional.conv_transpose2d (autograd)
 */
export function convTranspose2dBackward(dy: Tensor, x: Tensor, w: Tensor, opts: ConvTranspose2dOptions = {}): { dx: Tensor; dw: Tensor; db: Tensor } {
  const cout = convTranspose2dOutputShape(x.shape, w.shape, opts)[1];
  return newConvGrads(x, w, cout, (grads) => convTranspose2dBackwardInto(grads, dy, x, w, opts));
}

/**
 * ACCUMULATES the gradients of convTranspose2d: dx += ∂L/∂x (skipped when null), dw += ∂L/∂w,
 * db [Cout] += ∂L/∂b (skipped when null). `workspace`: convTranspose2dWorkspaceSize floats.
 * @example cnn.ops.convTranspose2dBackwardInto({ dx, dw, db }, dy, x, w, { stride: 2 }, ws);
 * See: torch.nn.functional.conv_transpose2d (autograd)
 */
export function convTranspose2dBackwardInto(
  grads: ConvGrads,
  dy: Tensor,
  x: Tensor,
  w: Tensor,
  opts: ConvTranspose2dOptions = {},
  workspace: Tensor | null = null,
): void {
  const what = 'convTranspose2dBackward';
  const g = checkConvInputs(what, x, w, opts, geometry);
  checkConvGrads(what, grads, dy, [g.n, g.c, g.h, g.w], x, w, g.c);
  const { dx, dw, db } = grads;
  const s = convScratch(what, g, workspace);
  try {
    runConv(g, s, {
      filter: { dw: dw.ptr, x: dy.ptr, dy: x.ptr },
      bias: db ? { db: db.ptr, dy: dy.ptr, channels: g.c, plane: g.h * g.w } : undefined,
      forward: dx ? { y: dx.ptr, x: dy.ptr, w: w.ptr, b: 0, flags: convFlag('CONV_ACC') } : undefined,
    });
  } finally {
    if (!workspace) free(s.ptr);
  }
}
