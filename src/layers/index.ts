// SPDX-License-Identifier: MIT
// The one kinds table: kind name → constructor from a config. The factory functions below,
// sequential()'s activation desugaring and loadModel() all go through it, so a kind is
// added in exactly one place.
import { FormatError, ValueError } from '../core/errors.js';
import { Custom, ReLU, Sigmoid, Softmax, Tanh, type ActivationName, type CustomActivation } from './activation.js';
import { Conv2D, type Conv2dLayerOptions } from './conv2d.js';
import { Dense, type DenseLayerOptions } from './dense.js';
import { Flatten } from './flatten.js';
import { Normalize } from './normalize.js';
import type { NormalizeOptions } from '../ops/elementwise.js';
import type { Layer, LayerConfig } from './layer.js';
import { AvgPool2D, MaxPool2D, type AvgPool2dLayerOptions, type Pool2dLayerOptions } from './pool.js';

export { Layer } from './layer.js';
export type { LayerConfig, LayerIO, ParamSpec, BufferSpec } from './layer.js';
export { Conv2D, Dense, Flatten, Normalize, MaxPool2D, AvgPool2D, ReLU, Sigmoid, Tanh, Softmax, Custom };
export type { Conv2dLayerOptions, DenseLayerOptions, Pool2dLayerOptions, AvgPool2dLayerOptions, ActivationName, CustomActivation };

const customActivations = new Map<string, CustomActivation>();

/** Makes a custom activation known by name, so loadModel() can rebuild models that use it. */
export function registerActivation(fn: CustomActivation): void {
  customActivations.set(fn.name, fn);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const kinds: Record<string, (config: any) => Layer> = {
  conv2d: (c: Conv2dLayerOptions) => new Conv2D(c),
  dense: (c: DenseLayerOptions) => new Dense(c),
  flatten: () => new Flatten(),
  normalize: (c: NormalizeOptions) => new Normalize(c),
  maxPool2d: (c: Pool2dLayerOptions) => new MaxPool2D(c),
  avgPool2d: (c: AvgPool2dLayerOptions) => new AvgPool2D(c),
  relu: () => new ReLU(),
  sigmoid: () => new Sigmoid(),
  tanh: () => new Tanh(),
  softmax: () => new Softmax(),
  custom: (c: { name: string }) => {
    const fn = customActivations.get(c.name);
    if (!fn) throw new FormatError(`custom activation '${c.name}': expected it registered with layers.registerActivation(), got none`);
    return new Custom(fn);
  },
};

/** Rebuilds a layer from its config(). */
export function fromConfig(config: LayerConfig): Layer {
  const make = kinds[config?.kind];
  if (!make) {
    throw new FormatError(`unknown layer kind: expected one of ${Object.keys(kinds).join(', ')}, got '${config?.kind}'`);
  }
  return make(config);
}

/** The layer(s) a layer stands for: conv2d/dense with `activation` become two layers. */
export function expand(layer: Layer): Layer[] {
  const activation = (layer as { activation?: ActivationName }).activation;
  if (activation === undefined) return [layer];
  if (!['relu', 'sigmoid', 'tanh', 'softmax'].includes(activation)) {
    throw new ValueError(`activation: expected 'relu', 'sigmoid', 'tanh' or 'softmax', got '${activation}'`);
  }
  return [layer, fromConfig({ kind: activation })];
}

/** 2-D convolution. @example layers.conv2d({ filters: 6, kernelSize: 5, padding: 2, activation: 'relu' }) */
export const conv2d = (options: Conv2dLayerOptions): Conv2D => new Conv2D(options);
/** Fully connected. @example layers.dense({ units: 10 }) */
export const dense = (options: DenseLayerOptions): Dense => new Dense(options);
/** [C, H, W] → [C·H·W], no copy. @example layers.flatten() */
export const flatten = (): Flatten => new Flatten();
/** (x − mean) / std per channel, e.g. first in a model. @example layers.normalize({ mean: 0.286, std: 0.353 }) */
export const normalize = (options: NormalizeOptions): Normalize => new Normalize(options);
/** Max pooling. @example layers.maxPool2d({ poolSize: 2 }) */
export const maxPool2d = (options: Pool2dLayerOptions = {}): MaxPool2D => new MaxPool2D(options);
/** Average pooling. @example layers.avgPool2d({ poolSize: 2 }) */
export const avgPool2d = (options: AvgPool2dLayerOptions = {}): AvgPool2D => new AvgPool2D(options);
/** ReLU. @example layers.relu() */
export const relu = (): ReLU => new ReLU();
/** Logistic sigmoid. @example layers.sigmoid() */
export const sigmoid = (): Sigmoid => new Sigmoid();
/** Hyperbolic tangent (LeNet's). @example layers.tanh() */
export const tanh = (): Tanh => new Tanh();
/** Softmax over features. @example layers.softmax() */
export const softmax = (): Softmax => new Softmax();
/** A user-defined activation (forward/backward pair). @example layers.activation({ name: 'square', forward, backward }) */
export const activation = (fn: CustomActivation): Custom => new Custom(fn);
