// SPDX-License-Identifier: MIT
// LeNet-5 as in article 003's table (PyTorch version): 28×28 input padded by 2 (or 32×32
// unpadded), conv 5×5 → 6×28×28, max pool 2 → 6×14×14, conv 5×5 → 16×10×10, max pool 2 →
// 16×5×5, fc 400→120, fc 120→84, fc 84→10.
import { ValueError } from '../core/errors.js';
import { checkChoice, checkOptions } from '../core/options.js';
import * as layers from '../layers/index.js';
import type { Model } from '../model/model.js';
import type { NormalizeOptions } from '../ops/elementwise.js';
import { sequential } from '../model/create.js';

export interface LeNet5Options {
  /** [1, 28, 28] (default; the first conv pads by 2) or [C, 32, 32] (no padding). */
  inputShape?: readonly [number, number, number];
  numClasses?: number;
  /** 'relu' (default, article 003's PyTorch code) or LeCun's 'tanh' / 'sigmoid'. */
  activation?: 'relu' | 'tanh' | 'sigmoid';
  /** 'max' (default) or LeCun's 'avg' subsampling. */
  pool?: 'max' | 'avg';
  seed?: number;
  /** Prepend layers.normalize(…): e.g. the training set's `dataset.stats()`. */
  normalize?: NormalizeOptions;
}

/** @example const model = cnn.models.lenet5(); */
export function lenet5(options: LeNet5Options = {}): Model {
  checkOptions('lenet5', options, ['inputShape', 'numClasses', 'activation', 'pool', 'seed', 'normalize']);
  checkChoice('lenet5', 'activation', options.activation ?? 'relu', ['relu', 'tanh', 'sigmoid']);
  checkChoice('lenet5', 'pool', options.pool ?? 'max', ['max', 'avg']);
  const { inputShape = [1, 28, 28], numClasses = 10, activation = 'relu', pool = 'max', seed, normalize } = options;
  const [, h, w] = inputShape;
  if (h !== w || (h !== 28 && h !== 32)) {
    throw new ValueError(`lenet5: expected inputShape [C, 28, 28] or [C, 32, 32], got [${inputShape.join(', ')}]`);
  }
  const subsample = () => (pool === 'max' ? layers.maxPool2d({ poolSize: 2 }) : layers.avgPool2d({ poolSize: 2 }));
  return sequential(
    [
      ...(normalize ? [layers.normalize(normalize)] : []),
      layers.conv2d({ filters: 6, kernelSize: 5, padding: h === 28 ? 2 : 0, activation }),
      subsample(),
      layers.conv2d({ filters: 16, kernelSize: 5, activation }),
      subsample(),
      layers.flatten(),
      layers.dense({ units: 120, activation }),
      layers.dense({ units: 84, activation }),
      layers.dense({ units: numClasses }),
    ],
    { inputShape, seed },
  );
}
