// SPDX-License-Identifier: MIT
// The two ways to make a Model: sequential([...]) for a chain, model({ inputs, outputs })
// for any graph built with input() and layer.apply(). sequential() is a chain graph built
// by the same apply(), so both run the same code from there on.
import { ValueError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { Layer } from '../layers/layer.js';
import { checkSampleShape, graphOf, input, SymbolicTensor } from './graph.js';
import { Model, type ModelOptions } from './model.js';

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
 * See: keras.Sequential, torch.nn.Sequential
 */
export function sequential(layers: Layer[], options: SequentialOptions): Model {
  if (!Array.isArray(layers) || layers.length === 0) throw new ValueError('sequential: expected a non-empty array of layers');
  layers.forEach((layer, i) => {
    if (!(layer instanceof Layer)) throw new ValueError(`sequential: expected a layer at index ${i}, got ${typeof layer}`);
  });
  checkOptions('sequential', options, ['inputShape', 'seed'], ['inputShape']);
  const { inputShape, seed = 42 } = options;
  checkSampleShape('sequential inputShape', inputShape);
  checkSeed('sequential', seed);
  const x = input(inputShape);
  let y = x;
  layers.forEach((layer, i) => {
    try {
      y = layer.apply(y);
    } catch (e) {
      if (e instanceof Error) e.message = `layer ${i} ${e.message}`;
      throw e;
    }
  });
  return new Model(graphOf(x, y), { seed });
}

/**
 * A model from a graph: its input from cnn.input(), its output from a layer's apply().
 * @example
 * const x = cnn.input([16, 8, 8]);
 * let y = cnn.layers.conv2d({ filters: 16, kernelSize: 3, padding: 1, activation: 'relu' }).apply(x);
 * y = cnn.layers.relu().apply(cnn.layers.add().apply([y, x]));
 * const block = cnn.model({ inputs: x, outputs: y });
 * See: keras.Model (functional API)
 */
export function model(options: ModelOptions): Model {
  checkOptions('model', options, ['inputs', 'outputs', 'seed'], ['inputs', 'outputs']);
  const { seed = 42 } = options;
  const one = (v: unknown, what: string) => {
    const list = Array.isArray(v) ? v : [v];
    if (list.length !== 1 || !(list[0] instanceof SymbolicTensor)) {
      throw new ValueError(`model: expected one symbolic tensor as ${what}, got ${Array.isArray(v) ? `${v.length} values` : typeof v}`);
    }
    return list[0] as SymbolicTensor;
  };
  checkSeed('model', seed);
  return new Model(graphOf(one(options.inputs, 'inputs'), one(options.outputs, 'outputs')), { seed });
}

function checkSeed(what: string, seed: unknown): void {
  if (!Number.isInteger(seed) || (seed as number) < 0 || (seed as number) > 0xffffffff) {
    throw new ValueError(`${what}: expected seed an integer in [0, 2^32), got ${JSON.stringify(seed)}`);
  }
}
