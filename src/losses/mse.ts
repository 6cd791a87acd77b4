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

/** Throws unless dpred, pred and target are float32 of one shape with at least one element (shared with euclidean). */
export function expectSquaredError(what: string, dpred: Tensor<DType>, pred: Tensor<DType>, target: Tensor<DType>): void {
  expectLike(what, 'pred', pred, pred);
  expectLike(what, 'target', target, pred);
  expectLike(what, 'dpred', dpred, pred);
  if (pred.size < 1) throw new ShapeError(`${what}: expected at least one element, got shape ${fmtShape(pred.shape)}`);
}

/**
 * Mean of (pred − target)² over all elements, and its gradient.
 * @example const { loss, dpred } = cnn.ops.mse(pred, target);
 * See: torch.nn.functional.mse_loss
 */
export function mse(pred: Tensor, target: Tensor): { loss: number; dpred: Tensor } {
  return scope(() => {
    const dpred = empty(pred.shape);
    return { loss: mseInto(dpred, pred, target), dpred };
  });
}

/**
 * Returns the mean loss and OVERWRITES dpred with 2(pred − target)/numel.
 * @example const loss = cnn.ops.mseInto(dpred, pred, target);
 * See: torch.nn.functional.mse_loss
 */
export function mseInto(dpred: Tensor, pred: Tensor, target: Tensor): number {
  expectSquaredError('mse', dpred, pred, target);
  return kernels().squared_error_forward_backward(dpred.ptr, pred.ptr, target.ptr, pred.size, 2 / pred.size) / pred.size;
}
