// SPDX-License-Identifier: MIT
// Local response normalisation across channels (torch.nn.functional.local_response_norm),
// forward and backward side by side over assembly/lrn.ts, on x [N, C, ...] (rank ≥ 3, as
// torch):  y_c = x_c / (k + α/size · Σ_{c' ∈ window(c)} x_c'²)^β, the window running from
// c − ⌊size/2⌋ to c + ⌊(size−1)/2⌋ over zero-padded channels (α is divided by size, as torch).
// The forward can keep the multiplier r = (k + …)^(−β) in `scale` (shape of x) for the
// backward, which otherwise recomputes it. Every Into form validates and makes one kernel call.
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { expectShape } from '../core/shape.js';
import { empty, expectDType, scope, zeros, type Tensor } from '../core/tensor.js';
import { forRange } from '../core/parallel.js';

/** localResponseNorm's options (torch's names and defaults; size has none). */
export interface LocalResponseNormOptions {
  /** Channels in the window (required, ≥ 1). */
  size: number;
  /** Scale of the window's mean of squares (default 1e-4). */
  alpha?: number;
  /** Exponent (default 0.75). */
  beta?: number;
  /** Additive constant (default 1); k + α/size·Σx² must stay positive. */
  k?: number;
}

const LRN_OPTIONS = ['size', 'alpha', 'beta', 'k'];
const LRN_REQUIRED = ['size'];

interface Geometry {
  n: number;
  c: number;
  s: number;
  size: number;
  alpha: number;
  beta: number;
  k: number;
}

function finite(what: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${what}: expected ${name} a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function geometry(what: string, x: Tensor, opts: LocalResponseNormOptions): Geometry {
  checkOptions(what, opts, LRN_OPTIONS, LRN_REQUIRED);
  const { size, alpha = 1e-4, beta = 0.75, k = 1 } = opts;
  if (!Number.isInteger(size) || size < 1) throw new ValueError(`${what}: expected size an integer ≥ 1, got ${JSON.stringify(size)}`);
  finite(what, 'alpha', alpha);
  finite(what, 'beta', beta);
  finite(what, 'k', k);
  expectDType(`${what} x`, x, 'float32');
  const shape = x.shape;
  if (shape.length < 3) throw new ShapeError(`${what}: expected x of rank ≥ 3 ([N, C, H, W] or [N, C, L]), got shape ${fmtShape(shape)}`);
  let s = 1;
  for (let i = 2; i < shape.length; i++) s *= shape[i];
  return { n: shape[0], c: shape[1], s, size, alpha, beta, k };
}

function expectLikeX(what: string, name: string, t: Tensor | null | undefined, x: Tensor): void {
  if (!t) return;
  expectDType(`${what} ${name}`, t, 'float32');
  expectShape(`${what} ${name}`, t.shape, x.shape);
}

/**
 * Local response normalisation over channels of x [N, C, H, W] (or [N, C, L]).
 * @example const y = cnn.ops.localResponseNorm(x, { size: 5, alpha: 1e-4, beta: 0.75, k: 2 }); // AlexNet's
 * See: torch.nn.functional.local_response_norm
 */
export function localResponseNorm(x: Tensor, opts: LocalResponseNormOptions): Tensor {
  return scope(() => {
    const y = empty(x.shape);
    localResponseNormInto(y, x, opts);
    return y;
  });
}

/**
 * localResponseNorm into y; writes the multiplier (k + α/size·Σx²)^(−β) into `scale` (shape
 * of x) when given, for localResponseNormBackwardInto.
 * @example cnn.ops.localResponseNormInto(y, x, { size: 5, k: 2 }, scale);
 * See: torch.nn.functional.local_response_norm
 */
export function localResponseNormInto(y: Tensor, x: Tensor, opts: LocalResponseNormOptions, scale: Tensor | null = null): void {
  const what = 'localResponseNorm';
  const g = geometry(what, x, opts);
  expectLikeX(what, 'y', y, x);
  expectLikeX(what, 'scale', scale, x);
  forRange('lrn_forward', [y.ptr, scale ? scale.ptr : 0, x.ptr, g.c, g.s, g.size, g.alpha, g.beta, g.k], g.n, 16 * g.size * g.c * g.s);
}

/**
 * Gradient of localResponseNorm with respect to x (a new tensor).
 * @example const dx = cnn.ops.localResponseNormBackward(dy, x, { size: 5, k: 2 });
 * See: torch.nn.functional.local_response_norm (autograd)
 */
export function localResponseNormBackward(dy: Tensor, x: Tensor, opts: LocalResponseNormOptions): Tensor {
  return scope(() => {
    const dx = zeros(x.shape);
    localResponseNormBackwardInto(dx, dy, x, opts);
    return dx;
  });
}

/**
 * dx += ∂y/∂xᵀ·dy: with s_c = k + α/size·Σ x², dx_i += dy_i·s_i^(−β) − (2αβ/size)·x_i·Σ dy_c·x_c·s_c^(−β−1)
 * over the channels c whose window holds i. Uses the forward's `scale` when given, else
 * recomputes it. ACCUMULATES.
 * @example cnn.ops.localResponseNormBackwardInto(dx, dy, x, { size: 5, k: 2 }, scale);
 * See: torch.nn.functional.local_response_norm (autograd)
 */
export function localResponseNormBackwardInto(dx: Tensor, dy: Tensor, x: Tensor, opts: LocalResponseNormOptions, scale: Tensor | null = null): void {
  const what = 'localResponseNormBackward';
  const g = geometry(what, x, opts);
  expectLikeX(what, 'dy', dy, x);
  expectLikeX(what, 'dx', dx, x);
  expectLikeX(what, 'scale', scale, x);
  forRange('lrn_backward', [dx.ptr, dy.ptr, x.ptr, scale ? scale.ptr : 0, g.c, g.s, g.size, g.alpha, g.beta, g.k], g.n, 16 * g.size * g.c * g.s);
}
