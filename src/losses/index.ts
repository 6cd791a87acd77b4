// SPDX-License-Identifier: MIT
// Losses: each returns the loss (a mean, or the Euclidean half sum) and writes the first δ.
// `losses` is the one name → function table that compile(), fit() and loadModel() look names up in.
import type { DType, Tensor } from '../core/tensor.js';
import { softmaxCrossEntropyInto } from './cross-entropy.js';
import { euclideanInto } from './euclidean.js';
import { mseInto } from './mse.js';

export { softmaxCrossEntropy, softmaxCrossEntropyInto } from './cross-entropy.js';
export { mse, mseInto } from './mse.js';
export { euclidean, euclideanInto } from './euclidean.js';

/** Names accepted by `model.compile({ loss })`. */
export type LossName = 'softmaxCrossEntropy' | 'mse' | 'euclidean';

/**
 * The loss table: `into(dpred, pred, target)` returns the loss and overwrites dpred;
 * `targetDType` says what the targets hold (int32 class indices or float32 values; a
 * labelled dataset gives float32 losses one-hot targets); `reduction` says how a batch's
 * loss is reduced: 'mean' over the batch (a set's mean weights batches by size) or 'sum'
 * (a set's total is the sum of its batches' losses).
 * @example const loss = cnn.ops.losses.mse.into(dpred, pred, target);
 * See: torch.nn.CrossEntropyLoss, torch.nn.MSELoss (euclidean: MSELoss(reduction='sum') / 2)
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const losses: Record<LossName, { into(dpred: Tensor, pred: Tensor, target: Tensor<any>): number; targetDType: 'int32' | 'float32'; reduction: 'mean' | 'sum' }> = {
  softmaxCrossEntropy: { into: (d, p, t: Tensor<DType>) => softmaxCrossEntropyInto(d, p, t as Tensor<'int32'>), targetDType: 'int32', reduction: 'mean' },
  mse: { into: (d, p, t: Tensor<DType>) => mseInto(d, p, t as Tensor), targetDType: 'float32', reduction: 'mean' },
  euclidean: { into: (d, p, t: Tensor<DType>) => euclideanInto(d, p, t as Tensor), targetDType: 'float32', reduction: 'sum' },
};
