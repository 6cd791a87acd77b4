// SPDX-License-Identifier: MIT
// Mean squared error (torch.nn.functional.mse_loss, reduction 'mean') and its gradient
// dpred = 2(pred − target)/numel, in one kernel call (assembly/softmax.ts mse_forward_backward).
import { DTypeError, ShapeError, fmtShape } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import { empty, type DType, type Tensor, scope } from '../core/tensor.js';
import { kernels } from '../core/wasm.js';

function expectLike(name: string, t: Tensor<DType>, pred: Tensor<DType>): void {
  if (t.dtype !== 'float32') throw new DTypeError(`mse: expected ${name} of dtype float32, got ${t.dtype}`);
  if (!shapesEqual(t.shape, pred.shape)) throw new ShapeError(`mse: expected ${name} of shape ${fmtShape(pred.shape)} (as pred), got ${fmtShape(t.shape)}`);
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
  expectLike('pred', pred, pred);
  expectLike('target', target, pred);
  expectLike('dpred', dpred, pred);
  if (pred.size < 1) throw new ShapeError(`mse: expected at least one element, got shape ${fmtShape(pred.shape)}`);
  return kernels().mse_forward_backward(dpred.ptr, pred.ptr, target.ptr, pred.size);
}
