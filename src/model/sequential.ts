// SPDX-License-Identifier: MIT
// sequential([...]): a chain of layers. `activation:` options are desugared here into their
// own layers (through the one kinds table), so every layer does one thing.
import { ShapeError, ValueError } from '../core/errors.js';
import { expand } from '../layers/index.js';
import { Layer } from '../layers/layer.js';
import { Model } from './model.js';

export interface SequentialOptions {
  /** Shape of one sample without the batch dimension, e.g. [1, 28, 28] (C, H, W). */
  inputShape: readonly number[];
  /** Seed for parameter initialisation. Default 42. */
  seed?: number;
}

/**
 * A model that applies `layers` in order.
 * @example
 * const model = cnn.sequential([
 *   cnn.layers.conv2d({ filters: 6, kernelSize: 5, padding: 2, activation: 'relu' }),
 *   cnn.layers.maxPool2d({ poolSize: 2 }),
 *   cnn.layers.flatten(),
 *   cnn.layers.dense({ units: 10 }),
 * ], { inputShape: [1, 28, 28] });
 */
export function sequential(layers: Layer[], options: SequentialOptions): Model {
  if (!Array.isArray(layers) || layers.length === 0) throw new ValueError('sequential: expected a non-empty array of layers');
  layers.forEach((layer, i) => {
    if (!(layer instanceof Layer)) throw new ValueError(`sequential: expected a layer at index ${i}, got ${typeof layer}`);
  });
  const { inputShape, seed = 42 } = options ?? {};
  if (!Array.isArray(inputShape) || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ShapeError(`sequential: expected inputShape of positive integers like [1, 28, 28], got ${JSON.stringify(inputShape)}`);
  }
  return new Model(layers.flatMap(expand), inputShape, seed);
}
