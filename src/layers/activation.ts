// SPDX-License-Identifier: MIT
// Activation layers over ops/elementwise, ops/activations and ops/softmax, plus the
// user-defined kind: any forward/backward pair (SEEDS 000: "define a class with forward and
// backward"). Layers with options build the op's options object once.
import { ValueError } from '../core/errors.js';
import { checkChoice, checkOptions } from '../core/options.js';
import type { Tensor } from '../core/tensor.js';
import {
  eluBackwardInto, eluInto, geluBackwardInto, geluInto, leakyReluBackwardInto, leakyReluInto, type EluOptions, type GeluOptions, type LeakyReluOptions,
} from '../ops/activations.js';
import { reluBackwardInto, reluInto, sigmoidBackwardInto, sigmoidInto, tanhBackwardInto, tanhInto } from '../ops/elementwise.js';
import { logSoftmaxBackwardInto, logSoftmaxInto, softmaxBackwardInto, softmaxInto } from '../ops/softmax.js';
import { Layer, type Built, type LayerConfig, type LayerIO, type LayerOptions } from './layer.js';

/** Names accepted by the `activation` option of conv2d and dense. */
export type ActivationName = 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'leakyRelu' | 'elu' | 'gelu';

const NAME_ONLY = ['name'];

abstract class Activation extends Layer {
  constructor(options: LayerOptions | undefined, what: string, known: readonly string[] = NAME_ONLY) {
    checkOptions(what, options, known);
    super(options?.name);
  }

  build(inShape: readonly number[]): Built {
    this.inShape = [...inShape];
    this.outShape = [...inShape];
    return { outShape: this.outShape, params: [] };
  }

  config(): LayerConfig {
    return { kind: this.kind };
  }
}

/** max(0, x); derivative 1 where x > 0, else 0. See: torch.nn.ReLU. */
export class ReLU extends Activation {
  readonly kind = 'relu';
  constructor(options?: LayerOptions) {
    super(options, 'relu');
  }
  forward({ y, x }: LayerIO): void {
    reluInto(y, x);
  }
  backward({ dx, dy, x }: LayerIO): void {
    if (dx) reluBackwardInto(dx, dy!, x);
  }
}

/** 1 / (1 + e^−x); derivative y(1 − y). See: torch.nn.Sigmoid. */
export class Sigmoid extends Activation {
  readonly kind = 'sigmoid';
  constructor(options?: LayerOptions) {
    super(options, 'sigmoid');
  }
  forward({ y, x }: LayerIO): void {
    sigmoidInto(y, x);
  }
  backward({ dx, dy, y }: LayerIO): void {
    if (dx) sigmoidBackwardInto(dx, dy!, y);
  }
}

/** tanh(x); derivative 1 − y². See: torch.nn.Tanh. */
export class Tanh extends Activation {
  readonly kind = 'tanh';
  constructor(options?: LayerOptions) {
    super(options, 'tanh');
  }
  forward({ y, x }: LayerIO): void {
    tanhInto(y, x);
  }
  backward({ dx, dy, y }: LayerIO): void {
    if (dx) tanhBackwardInto(dx, dy!, y);
  }
}

/** Softmax over the features of [n, features]. See: torch.nn.Softmax(dim=1). */
export class Softmax extends Activation {
  readonly kind = 'softmax';
  constructor(options?: LayerOptions) {
    super(options, 'softmax');
  }
  forward({ y, x }: LayerIO): void {
    softmaxInto(y, x);
  }
  backward({ dx, dy, y }: LayerIO): void {
    if (dx) softmaxBackwardInto(dx, dy!, y);
  }
}

/** Log-softmax over the features of [n, features]. See: torch.nn.LogSoftmax(dim=1). */
export class LogSoftmax extends Activation {
  readonly kind = 'logSoftmax';
  constructor(options?: LayerOptions) {
    super(options, 'logSoftmax');
  }
  forward({ y, x }: LayerIO): void {
    logSoftmaxInto(y, x);
  }
  backward({ dx, dy, y }: LayerIO): void {
    if (dx) logSoftmaxBackwardInto(dx, dy!, y);
  }
}

/** Returns v if it is a finite number (undefined gives the default). */
function finiteOption(what: string, name: string, v: unknown, fallback: number): number {
  const value = v ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValueError(`${what}: expected ${name} a finite number, got ${JSON.stringify(v)}`);
  return value;
}

/** layers.leakyRelu's options: the op's plus a name. */
export interface LeakyReluLayerOptions extends LayerOptions, LeakyReluOptions {}

/** x for x > 0, else negativeSlope·x (default 0.01). See: torch.nn.LeakyReLU. */
export class LeakyReLU extends Activation {
  readonly kind = 'leakyRelu';
  readonly opts: Required<LeakyReluOptions>;
  constructor(options: LeakyReluLayerOptions = {}) {
    super(options, 'leakyRelu', ['name', 'negativeSlope']);
    this.opts = { negativeSlope: finiteOption('leakyRelu', 'negativeSlope', options.negativeSlope, 0.01) };
  }
  forward({ y, x }: LayerIO): void {
    leakyReluInto(y, x, this.opts);
  }
  backward({ dx, dy, x }: LayerIO): void {
    if (dx) leakyReluBackwardInto(dx, dy!, x, this.opts);
  }
  config(): LayerConfig {
    return { kind: this.kind, ...this.opts };
  }
}

/** layers.elu's options: the op's plus a name. */
export interface EluLayerOptions extends LayerOptions, EluOptions {}

/** x for x > 0, else α(e^x − 1) (α default 1). See: torch.nn.ELU. */
export class ELU extends Activation {
  readonly kind = 'elu';
  readonly opts: Required<EluOptions>;
  constructor(options: EluLayerOptions = {}) {
    super(options, 'elu', ['name', 'alpha']);
    this.opts = { alpha: finiteOption('elu', 'alpha', options.alpha, 1) };
  }
  forward({ y, x }: LayerIO): void {
    eluInto(y, x, this.opts);
  }
  backward({ dx, dy, x }: LayerIO): void {
    if (dx) eluBackwardInto(dx, dy!, x, this.opts);
  }
  config(): LayerConfig {
    return { kind: this.kind, ...this.opts };
  }
}

/** layers.gelu's options: the op's plus a name. */
export interface GeluLayerOptions extends LayerOptions, GeluOptions {}

/** x·Φ(x) (approximate 'none', default) or its tanh form. See: torch.nn.GELU. */
export class GELU extends Activation {
  readonly kind = 'gelu';
  readonly opts: Required<GeluOptions>;
  constructor(options: GeluLayerOptions = {}) {
    super(options, 'gelu', ['name', 'approximate']);
    this.opts = { approximate: checkChoice('gelu', 'approximate', options.approximate ?? 'none', ['none', 'tanh'] as const) };
  }
  forward({ y, x }: LayerIO): void {
    geluInto(y, x, this.opts);
  }
  backward({ dx, dy, x }: LayerIO): void {
    if (dx) geluBackwardInto(dx, dy!, x, this.opts);
  }
  config(): LayerConfig {
    return { kind: this.kind, ...this.opts };
  }
}

const builtIn: Record<ActivationName, () => Layer> = {
  relu: () => new ReLU(),
  sigmoid: () => new Sigmoid(),
  tanh: () => new Tanh(),
  softmax: () => new Softmax(),
  leakyRelu: () => new LeakyReLU(),
  elu: () => new ELU(),
  gelu: () => new GELU(),
};

/** The layer an `activation` option stands for (a new one per call), or null when none is set. */
export function activationLayer(what: string, name: ActivationName | undefined): Layer | null {
  if (name === undefined) return null;
  if (typeof name !== 'string' || !Object.hasOwn(builtIn, name)) {
    throw new ValueError(`${what} activation: expected ${Object.keys(builtIn).map((k) => `'${k}'`).join(', ')}, got ${JSON.stringify(name)}`);
  }
  return builtIn[name]();
}

/** A user activation: forward writes y from x; backward ACCUMULATES into dx (dx += dy·f′). */
export interface CustomActivation {
  /** A unique name: models using it can be saved, and loaded after registerActivation(). */
  name: string;
  forward(y: Tensor, x: Tensor): void;
  backward(dx: Tensor, dy: Tensor, x: Tensor, y: Tensor): void;
}

export class Custom extends Activation {
  readonly kind = 'custom';
  constructor(readonly fn: CustomActivation) {
    super(undefined, 'activation');
    if (typeof fn?.name !== 'string' || typeof fn.forward !== 'function' || typeof fn.backward !== 'function') {
      throw new ValueError(`activation: expected { name, forward(y, x), backward(dx, dy, x, y) }, got ${typeof fn}`);
    }
  }
  forward({ y, x }: LayerIO): void {
    this.fn.forward(y, x);
  }
  backward({ dx, dy, x, y }: LayerIO): void {
    if (dx) this.fn.backward(dx, dy!, x, y);
  }
  config(): LayerConfig {
    return { kind: this.kind, name: this.fn.name };
  }
}
