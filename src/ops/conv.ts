// SPDX-License-Identifier: MIT
// 2-D convolution over assembly/conv.ts (im2col + sgemm): conv2d and conv2dBackward, with
// PyTorch semantics (cross-correlation, NCHW input, OIHW weights, zero padding, stride,
// dilation). The Into forms validate, write the 16-Int32 geometry record (layout in
// assembly/im2col.ts) at the start of the workspace, and call the kernels once each.
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { free, heapI32, index32 } from '../core/memory.js';
import { type Pair, convOutSize, expectRank, expectShape, pair } from '../core/shape.js';
import { type Tensor, expectDType, zeros, scope } from '../core/tensor.js';
import { kernels } from '../core/wasm.js';
import { scratchPtr } from '../core/workspace.js';

export interface Conv2dOptions {
  /** Step between windows, `s` or `[sh, sw]` (default 1). */
  stride?: Pair;
  /** Zero padding on each side, `p` or `[ph, pw]` (default 0). */
  padding?: Pair;
  /** Spacing of kernel taps (atrous), `d` or `[dh, dw]` (default 1). */
  dilation?: Pair;
}

/** Floats the geometry record takes at the start of the workspace (64 bytes). */
const GEOM_FLOATS = 16;

interface Geometry {
  n: number; c: number; h: number; w: number; oc: number; kh: number; kw: number; oh: number; ow: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
}

function geometry(xShape: readonly number[], wShape: readonly number[], opts: Conv2dOptions): Geometry {
  expectRank('conv2d x', xShape, 4, 'N, C, H, W');
  expectRank('conv2d w', wShape, 4, 'OC, C, KH, KW');
  const [n, c, h, w] = xShape;
  const [oc, wc, kh, kw] = wShape;
  if (wc !== c) {
    throw new ShapeError(
      `conv2d: filter channels must equal input channels: expected w=${fmtShape([oc, c, kh, kw])} ` +
        `(${c} input channels) for x=${fmtShape(xShape)}, got w=${fmtShape(wShape)}`,
    );
  }
  if (oc < 1 || kh < 1 || kw < 1) {
    throw new ShapeError(`conv2d: expected a filter of at least 1×1×1, got w=${fmtShape(wShape)}`);
  }
  const [sh, sw] = pair(opts.stride ?? 1, 'conv2d stride', 1);
  const [ph, pw] = pair(opts.padding ?? 0, 'conv2d padding', 0);
  const [dh, dw] = pair(opts.dilation ?? 1, 'conv2d dilation', 1);
  const oh = convOutSize(h, kh, sh, ph, dh);
  const ow = convOutSize(w, kw, sw, pw, dw);
  if (oh < 1 || ow < 1) {
    throw new ValueError(
      `conv2d: expected an output of at least 1×1, got ${oh}×${ow} for x=${fmtShape(xShape)} w=${fmtShape(wShape)} ` +
        `stride [${sh}, ${sw}] padding [${ph}, ${pw}] dilation [${dh}, ${dw}]`,
    );
  }
  return { n, c, h, w, oc, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw };
}

/**
 * The output shape [N, OC, OH, OW] of conv2d; throws ShapeError / ValueError naming both shapes.
 * @example cnn.ops.conv2dOutputShape([64, 1, 28, 28], [6, 1, 5, 5], { padding: 2 }); // [64, 6, 28, 28]
 * See: torch.nn.Conv2d (shape section)
 */
export function conv2dOutputShape(xShape: readonly number[], wShape: readonly number[], opts: Conv2dOptions = {}): number[] {
  const g = geometry(xShape, wShape, opts);
  return [g.n, g.oc, g.oh, g.ow];
}

/**
 * Scratch floats after the geometry record: the larger of the forward's [ padded image |
 * 8-wide column panels ] and the backward's [ column matrix + 4 | padded image | sgemm
 * scratch ] (assembly/conv.ts; the padded size repeats assembly/im2col.ts padded_floats).
 */
function workspaceFloats(g: Geometry): number {
  const k = kernels();
  const K = g.c * g.kh * g.kw;
  const P = g.oh * g.ow;
  const round16 = (v: number) => Math.ceil(v / 16) * 16;
  const wp = g.w + 2 * g.pw;
  const padded = round16(g.c * (g.h + 2 * g.ph) * wp + g.sh * wp + 8);
  const forward = padded + Math.ceil(P / 8) * 8 * K;
  const gemm = Math.max(k.sgemm_workspace(P, K), k.sgemm_workspace(K, P), k.sgemm_workspace(P, g.oc));
  const backward = round16(K * P + 4) + padded + gemm;
  return GEOM_FLOATS + Math.max(forward, backward);
}

/**
 * Floats of workspace conv2dInto and conv2dBackwardInto need (forward and backward; the
 * column matrix of one image, GEMM packing scratch and the geometry record).
 * @example const ws = cnn.zeros([cnn.ops.conv2dWorkspaceSize([64, 1, 28, 28], [6, 1, 5, 5], { padding: 2 })]);
 * See: torch.nn.functional.conv2d
 */
export function conv2dWorkspaceSize(xShape: readonly number[], wShape: readonly number[], opts: Conv2dOptions = {}): number {
  return workspaceFloats(geometry(xShape, wShape, opts));
}

/** Writes the geometry record at byte pointer ws (layout: assembly/im2col.ts). */
function writeGeometry(ws: number, g: Geometry): void {
  const h = heapI32();
  const i = index32(ws);
  h[i] = g.n; h[i + 1] = g.c; h[i + 2] = g.h; h[i + 3] = g.w; h[i + 4] = g.oc;
  h[i + 5] = g.kh; h[i + 6] = g.kw; h[i + 7] = g.oh; h[i + 8] = g.ow;
  h[i + 9] = g.sh; h[i + 10] = g.sw; h[i + 11] = g.ph; h[i + 12] = g.pw;
  h[i + 13] = g.dh; h[i + 14] = g.dw; h[i + 15] = 0;
}

function checkInputs(what: string, x: Tensor, w: Tensor, opts: Conv2dOptions): Geometry {
  expectDType(`${what} x`, x, 'float32');
  expectDType(`${what} w`, w, 'float32');
  return geometry(x.shape, w.shape, opts);
}

/**
 * 2-D convolution (cross-correlation): x [N, C, H, W], w [OC, C, KH, KW], b [OC] or null
 * → y [N, OC, OH, OW], OH = ⌊(H + 2p − d(KH − 1) − 1)/s⌋ + 1.
 * @example const y = cnn.ops.conv2d(x, w, b, { stride: 1, padding: 2 });
 * See: torch.nn.functional.conv2d
 */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  return scope(() => {
    const y = zeros(conv2dOutputShape(x.shape, w.shape, opts));
    conv2dInto(y, x, w, b, opts);
    return y;
  });
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
  const g = checkInputs('conv2d', x, w, opts);
  expectDType('conv2d y', y, 'float32');
  expectShape('conv2d y', y.shape, [g.n, g.oc, g.oh, g.ow]);
  if (b) {
    expectDType('conv2d b', b, 'float32');
    expectShape('conv2d b', b.shape, [g.oc]);
  }
  const ws = scratchPtr('conv2d', workspaceFloats(g), workspace);
  try {
    writeGeometry(ws, g);
    kernels().conv2d_forward(y.ptr, x.ptr, w.ptr, b ? b.ptr : 0, ws + GEOM_FLOATS * 4, ws, 0, g.n);
  } finally {
    if (!workspace) free(ws);
  }
}

/**
 * Gradients of conv2d from dy = ∂L/∂y: dx (full correlation of the padded δ with the
 * 180°-rotated kernel), dw (correlation of x with δ), db (Σ of δ over n and the plane).
 * @example const { dx, dw, db } = cnn.ops.conv2dBackward(dy, x, w, { padding: 2 });
 * See: torch.nn.grad.conv2d_input / conv2d_weight
 */
export function conv2dBackward(dy: Tensor, x: Tensor, w: Tensor, opts: Conv2dOptions = {}): { dx: Tensor; dw: Tensor; db: Tensor } {
  return scope(() => {
    const grads = { dx: zeros(x.shape), dw: zeros(w.shape), db: zeros([w.shape[0] ?? 0]) };
    conv2dBackwardInto(grads, dy, x, w, opts);
    return grads;
  });
}

/**
 * ACCUMULATES the gradients of conv2d: dx += ∂L/∂x (skipped when null), dw += ∂L/∂w,
 * db += ∂L/∂b (skipped when null). `workspace`: conv2dWorkspaceSize(x.shape, w.shape, opts) floats.
 * @example cnn.ops.conv2dBackwardInto({ dx: null, dw, db }, dy, x, w, { padding: 2 }, ws);
 * See: torch.nn.grad.conv2d_input / conv2d_weight
 */
export function conv2dBackwardInto(
  grads: { dx: Tensor | null; dw: Tensor; db: Tensor | null },
  dy: Tensor,
  x: Tensor,
  w: Tensor,
  opts: Conv2dOptions = {},
  workspace: Tensor | null = null,
): void {
  const g = checkInputs('conv2dBackward', x, w, opts);
  expectDType('conv2dBackward dy', dy, 'float32');
  expectShape('conv2dBackward dy', dy.shape, [g.n, g.oc, g.oh, g.ow]);
  const { dx, dw, db } = grads;
  if (dx) {
    expectDType('conv2dBackward dx', dx, 'float32');
    expectShape('conv2dBackward dx', dx.shape, x.shape);
  }
  expectDType('conv2dBackward dw', dw, 'float32');
  expectShape('conv2dBackward dw', dw.shape, w.shape);
  if (db) {
    expectDType('conv2dBackward db', db, 'float32');
    expectShape('conv2dBackward db', db.shape, [g.oc]);
  }
  const ws = scratchPtr('conv2dBackward', workspaceFloats(g), workspace);
  try {
    writeGeometry(ws, g);
    const k = kernels();
    const scratch = ws + GEOM_FLOATS * 4;
    k.conv2d_backward_filter(dw.ptr, x.ptr, dy.ptr, scratch, ws, 0, g.n);
    if (db) k.conv2d_backward_bias(db.ptr, dy.ptr, ws, 0, g.n);
    if (dx) k.conv2d_backward_data(dx.ptr, dy.ptr, w.ptr, scratch, ws, 0, g.n);
  } finally {
    if (!workspace) free(ws);
  }
}
