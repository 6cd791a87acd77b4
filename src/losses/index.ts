// SPDX-License-Identifier: MIT
// Losses: each returns the mean loss and writes the first δ. `losses` is the one
// name → function table that compile(), fit() and loadModel() look names up in.
import type { DType, Tensor } from '../core/tensor.js';
import { softmaxCrossEntropyInto } from './cross-entropy.js';
import { mseInto } from './mse.js';

export { softmaxCrossEntropy, softmaxCrossEntropyInto } from './cross-entropy.js';
export { mse, mseInto } from './mse.js';

/** Names accepted by `model.compile({ loss })`. */
export type LossName = 'softmaxCrossEntropy' | 'mse';

/**
 * The loss table: `into(dpred, pred, target)` returns the mean loss and overwrites dpred;
 * `targetDType` says what the targets hold (int32 class indices or float32 values).
 * @example const loss = cnn.ops.losses.mse.into(dpred, pred, target);
 * See: torch.nn.CrossEntropyLoss, torch.nn.MSELoss
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const losses: Record<LossName, { into(dpred: Tensor, pred: Tensor, target: Tensor<any>): number; targetDType: 'int32' | 'float32' }> = {
  softmaxCrossEntropy: { into: (d, p, t: Tensor<DType>) => softmaxCrossEntropyInto(d, p, t as Tensor<'int32'>), targetDType: 'int32' },
  mse: { into: (d, p, t: Tensor<DType>) => mseInto(d, p, t as Tensor), targetDType: 'float32' },
};
