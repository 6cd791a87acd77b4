// SPDX-License-Identifier: MIT
// The one kinds table: kind name → constructor from a config. The factory functions below
// and loadModel() go through it, so a kind is added in exactly one place.
import { FormatError } from '../core/errors.js';
import { Custom, ReLU, Sigmoid, Softmax, Tanh, type ActivationName, type CustomActivation } from './activation.js';
import { ELU, GELU, LeakyReLU, LogSoftmax, type EluLayerOptions, type GeluLayerOptions, type LeakyReluLayerOptions } from './activation.js';
import { LocalResponseNorm, type LocalResponseNormLayerOptions } from './lrn.js';
import { BatchNorm2D, type BatchNorm2dLayerOptions } from './batchnorm.js';
import { Conv2D, type Conv2dLayerOptions } from './conv2d.js';
import { Conv1D, type Conv1dLayerOptions } from './conv1d.js';
import { ConvTranspose2D, type ConvTranspose2dLayerOptions } from './conv-transpose.js';
import { ZeroPad2D, type ZeroPad2dLayerOptions } from './pad.js';
import { Dense, type DenseLayerOptions } from './dense.js';
import { Dropout, type DropoutLayerOptions } from './dropout.js';
import { Flatten } from './flatten.js';
import { Add, Concat, type ConcatLayerOptions } from './merge.js';
import { Normalize } from './normalize.js';
import type { NormalizeOptions } from '../ops/elementwise.js';
import type { Layer, LayerConfig, LayerOptions } from './layer.js';
import {
  AdaptiveAvgPool2D,
  AvgPool2D,
  GlobalAvgPool2D,
  MaxPool2D,
  type AdaptiveAvgPool2dLayerOptions,
  type AvgPool2dLayerOptions,
  type GlobalAvgPool2dLayerOptions,
  type Pool2dLayerOptions,
} from './pool.js';

export { Layer, checkLayerName } from './layer.js';
export type { LayerConfig, LayerIO, LayerOptions, ParamSpec, StateSpec, BufferSpec, Built } from './layer.js';
export { Conv2D, Dense, Flatten, Normalize, MaxPool2D, AvgPool2D, GlobalAvgPool2D, AdaptiveAvgPool2D, ReLU, Sigmoid, Tanh, Softmax, Custom };
export { Add, Concat, BatchNorm2D, Dropout };
export { Conv1D, ConvTranspose2D, ZeroPad2D };
export type { Conv1dLayerOptions, ConvTranspose2dLayerOptions, ZeroPad2dLayerOptions };
export { LeakyReLU, ELU, GELU, LogSoftmax, LocalResponseNorm };
export type { LeakyReluLayerOptions, EluLayerOptions, GeluLayerOptions, LocalResponseNormLayerOptions };
export type {
  Conv2dLayerOptions,
  DenseLayerOptions,
  Pool2dLayerOptions,
  AvgPool2dLayerOptions,
  GlobalAvgPool2dLayerOptions,
  AdaptiveAvgPool2dLayerOptions,
  ConcatLayerOptions,
  BatchNorm2dLayerOptions,
  DropoutLayerOptions,
  ActivationName,
  CustomActivation,
};

const customActivations = new Map<string, CustomActivation>();

/** Makes a custom activation known by name, so loadModel() can rebuild models that use it. */
export function registerActivation(fn: CustomActivation): void {
  customActivations.set(fn.name, fn);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const kinds: Record<string, (options: any) => Layer> = {
  conv2d: (o: Conv2dLayerOptions) => new Conv2D(o),
  conv1d: (o: Conv1dLayerOptions) => new Conv1D(o),
  convTranspose2d: (o: ConvTranspose2dLayerOptions) => new ConvTranspose2D(o),
  zeroPad2d: (o: ZeroPad2dLayerOptions) => new ZeroPad2D(o),
  dense: (o: DenseLayerOptions) => new Dense(o),
  flatten: (o: LayerOptions) => new Flatten(o),
  normalize: (o: NormalizeOptions) => new Normalize(o),
  maxPool2d: (o: Pool2dLayerOptions) => new MaxPool2D(o),
  avgPool2d: (o: AvgPool2dLayerOptions) => new AvgPool2D(o),
  globalAvgPool2d: (o: GlobalAvgPool2dLayerOptions) => new GlobalAvgPool2D(o),
  adaptiveAvgPool2d: (o: AdaptiveAvgPool2dLayerOptions) => new AdaptiveAvgPool2D(o),
  batchNorm2d: (o: BatchNorm2dLayerOptions) => new BatchNorm2D(o),
  dropout: (o: DropoutLayerOptions) => new Dropout(o),
  add: (o: LayerOptions) => new Add(o),
  concat: (o: ConcatLayerOptions) => new Concat(o),
  relu: (o: LayerOptions) => new ReLU(o),
  sigmoid: (o: LayerOptions) => new Sigmoid(o),
  tanh: (o: LayerOptions) => new Tanh(o),
  softmax: (o: LayerOptions) => new Softmax(o),
  logSoftmax: (o: LayerOptions) => new LogSoftmax(o),
  leakyRelu: (o: LeakyReluLayerOptions) => new LeakyReLU(o),
  elu: (o: EluLayerOptions) => new ELU(o),
  gelu: (o: GeluLayerOptions) => new GELU(o),
  localResponseNorm: (o: LocalResponseNormLayerOptions) => new LocalResponseNorm(o),
  custom: (o: { name: string }) => {
    const fn = customActivations.get(o.name);
    if (!fn) throw new FormatError(`custom activation '${o.name}': expected it registered with layers.registerActivation(), got none`);
    return new Custom(fn);
  },
};

/** Rebuilds a layer from its config() (a new layer, not yet applied). */
export function fromConfig(config: LayerConfig): Layer {
  const kind = config?.kind;
  const make = typeof kind === 'string' && Object.hasOwn(kinds, kind) ? kinds[kind] : undefined;
  if (!make) {
    throw new FormatError(`unknown layer kind: expected one of ${Object.keys(kinds).join(', ')}, got ${JSON.stringify(kind)}`);
  }
  const { kind: _kind, ...options } = config;
  return make(options);
}

/** 2-D convolution. @example layers.conv2d({ filters: 6, kernelSize: 5, padding: 2, activation: 'relu' }) */
export const conv2d = (options: Conv2dLayerOptions): Conv2D => new Conv2D(options);
/** 1-D convolution over [C, L]. @example layers.conv1d({ filters: 16, kernelSize: 5, padding: 'same', groups: 2 }) */
export const conv1d = (options: Conv1dLayerOptions): Conv1D => new Conv1D(options);
/** Transposed 2-D convolution (learned upsampling). @example layers.convTranspose2d({ filters: 8, kernelSize: 4, stride: 2, padding: 1 }) */
export const convTranspose2d = (options: ConvTranspose2dLayerOptions): ConvTranspose2D => new ConvTranspose2D(options);
/** Zeros around each plane: p, [ph, pw] or [top, bottom, left, right]. @example layers.zeroPad2d({ padding: [0, 1, 0, 1] }) */
export const zeroPad2d = (options: ZeroPad2dLayerOptions): ZeroPad2D => new ZeroPad2D(options);
/** Fully connected. @example layers.dense({ units: 10 }) */
export const dense = (options: DenseLayerOptions): Dense => new Dense(options);
/** [C, H, W] → [C·H·W], no copy. @example layers.flatten() */
export const flatten = (options?: LayerOptions): Flatten => new Flatten(options);
/** (x − mean) / std per channel, e.g. first in a model. @example layers.normalize({ mean: 0.286, std: 0.353 }) */
export const normalize = (options: NormalizeOptions & LayerOptions): Normalize => new Normalize(options);
/** Max pooling. @example layers.maxPool2d({ poolSize: 2 }) */
export const maxPool2d = (options: Pool2dLayerOptions = {}): MaxPool2D => new MaxPool2D(options);
/** Average pooling. @example layers.avgPool2d({ poolSize: 2 }) */
export const avgPool2d = (options: AvgPool2dLayerOptions = {}): AvgPool2D => new AvgPool2D(options);
/** Mean of every channel plane: [C, H, W] → [C] (or [C, 1, 1] with keepDims). @example layers.globalAvgPool2d() */
export const globalAvgPool2d = (options: GlobalAvgPool2dLayerOptions = {}): GlobalAvgPool2D => new GlobalAvgPool2D(options);
/** Average pooling to a fixed output size, PyTorch's windows. @example layers.adaptiveAvgPool2d({ outputSize: 6 }) */
export const adaptiveAvgPool2d = (options: AdaptiveAvgPool2dLayerOptions): AdaptiveAvgPool2D => new AdaptiveAvgPool2D(options);
/** Batch normalisation over (N, H, W) per channel, running statistics saved with the model. @example layers.batchNorm2d() */
export const batchNorm2d = (options: BatchNorm2dLayerOptions = {}): BatchNorm2D => new BatchNorm2D(options);
/** Inverted dropout in training, identity in evaluation. @example layers.dropout({ rate: 0.5 }) */
export const dropout = (options: DropoutLayerOptions): Dropout => new Dropout(options);
/** Elementwise sum of two or more inputs of one shape (residual shortcut). @example layers.add().apply([fx, x]) */
export const add = (options?: LayerOptions): Add => new Add(options);
/** Concatenation along channels (Inception). @example layers.concat().apply([a, b, c, d]) */
export const concat = (options?: ConcatLayerOptions): Concat => new Concat(options);
/** ReLU. @example layers.relu() */
export const relu = (options?: LayerOptions): ReLU => new ReLU(options);
/** Logistic sigmoid. @example layers.sigmoid() */
export const sigmoid = (options?: LayerOptions): Sigmoid => new Sigmoid(options);
/** Hyperbolic tangent (LeNet's). @example layers.tanh() */
export const tanh = (options?: LayerOptions): Tanh => new Tanh(options);
/** Softmax over features. @example layers.softmax() */
export const softmax = (options?: LayerOptions): Softmax => new Softmax(options);
/** Log-softmax over features (for a negative log-likelihood). @example layers.logSoftmax() */
export const logSoftmax = (options?: LayerOptions): LogSoftmax => new LogSoftmax(options);
/** Leaky ReLU, slope 0.01 below 0 unless given. @example layers.leakyRelu({ negativeSlope: 0.2 }) */
export const leakyRelu = (options?: LeakyReluLayerOptions): LeakyReLU => new LeakyReLU(options);
/** ELU, α(e^x − 1) below 0 (α = 1 unless given). @example layers.elu({ alpha: 1 }) */
export const elu = (options?: EluLayerOptions): ELU => new ELU(options);
/** GELU, x·Φ(x) or its tanh approximation. @example layers.gelu({ approximate: 'tanh' }) */
export const gelu = (options?: GeluLayerOptions): GELU => new GELU(options);
/** Local response normalisation across channels. @example layers.localResponseNorm({ size: 5, alpha: 1e-4, beta: 0.75, k: 2 }) // AlexNet's */
export const localResponseNorm = (options: LocalResponseNormLayerOptions): LocalResponseNorm => new LocalResponseNorm(options);
/** A user-defined activation (forward/backward pair). @example layers.activation({ name: 'square', forward, backward }) */
export const activation = (fn: CustomActivation): Custom => new Custom(fn);
