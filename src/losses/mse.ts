// SPDX-License-Identifier: MIT
// Mean squared error (torch.nn.functional.mse_loss, reduction 'mean') and its gradient
// dpred = 2(pred − target)/numel, in one kernel call (assembly/softmax.ts
// squared_error_forward_backward, which euclidean.ts shares).
import { DTypeError, ShapeError, fmtShape } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import { empty, type DType, type Tensor, scope } from '../core/tensor.js';
import { kernels } from '../core/wasm.js';

function expectLike(what: string, name: string, t: Tensor<DType>, pred: Tensor<DType>): void {
  if (t.dtype !== 'float32') throw new DTypeError(`${what}: expected ${name} of dtype float32, got ${t.dtype}`);
  if (!shapesEqual(t.shape, pred.shape)) throw new ShapeError(`${what}: expected ${name} of shape ${fmtShape(pred.shape)} (as pred), got ${fmtShape(t.shape)}`);
}

/**
 * Checks dpred, pred and target (float32, one shape, at least one element), OVERWRITES dpred
 * with gradScale·(pred − target) and returns Σ (pred − target)² (shared with euclidean).
 */
export function squaredErrorInto(what: string, dpred: Tensor, pred: Tensor, target: Tensor, gradScale: number): number {
  expectLike(what, 'pred', pred, pred);
  expectLike(what, 'target', target, pred);
  expectLike(what, 'dpred', dpred, pred);
  if (pred.size < 1) throw new ShapeError(`${what}: expected at least one element, got shape ${fmtShape(pred.shape)}`);
  return kernels().squared_error_forward_backward(dpred.ptr, pred.ptr, target.ptr, pred.size, gradScale);
}

/** The allocating form of a loss over pred (shared with euclidean): a new dpred, written by `into`, and the loss it returns. */
export function withNewGradient(pred: Tensor, target: Tensor, into: (dpred: Tensor, pred: Tensor, target: Tensor) => number): { loss: number; dpred: Tensor } {
  return scope(() => {
    const dpred = empty(pred.shape);
    return { loss: into(dpred, pred, target), dpred };
  });
}

/**
 * Mean of (pred − target)² over all elements, and its gradient.
 * @example const { loss, dpred } = cnn.ops.mse(pred, target);
 * See: torch.nn.functional.mse_loss
 */
export function mse(pred: Tensor, target: Tensor): { loss: number; dpred: Tensor } {
  return withNewGradient(pred, target, mseInto);
}

/**
 * Returns the mean loss and OVERWRITES dpred with 2(pred − target)/numel.
 * @example const loss = cnn.ops.mseInto(dpred, pred, target);
 * See: torch.nn.functional.mse_loss
 */
export function mseInto(dpred: Tensor, pred: Tensor, target: Tensor): number {
  return squaredErrorInto('mse', dpred, pred, target, 2 / pred.size) / pred.size;
}
