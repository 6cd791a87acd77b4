// SPDX-License-Identifier: MIT
// The Euclidean loss of the articles (Caffe's EuclideanLoss without its 1/N): ½‖pred − target‖²
// summed over every element, not averaged, and its gradient dpred = pred − target, in one
// kernel call (assembly/softmax.ts squared_error_forward_backward). PyTorch has no such
// reduction: it is 0.5·F.mse_loss(pred, target, reduction='sum').
import type { Tensor } from '../core/tensor.js';
import { squaredErrorInto, withNewGradient } from './mse.js';

/**
 * ½ Σ (pred − target)² over all elements, and its gradient pred − target.
 * @example const { loss, dpred } = cnn.ops.euclidean(pred, target);
 * See: torch.nn.functional.mse_loss (reduction='sum', times ½)
 */
export function euclidean(pred: Tensor, target: Tensor): { loss: number; dpred: Tensor } {
  return withNewGradient(pred, target, euclideanInto);
}

/**
 * Returns ½ Σ (pred − target)² and OVERWRITES dpred with pred − target.
 * @example const loss = cnn.ops.euclideanInto(dpred, pred, target);
 * See: torch.nn.functional.mse_loss (reduction='sum', times ½)
 */
export function euclideanInto(dpred: Tensor, pred: Tensor, target: Tensor): number {
  return squaredErrorInto('euclidean', dpred, pred, target, 1) / 2;
}
