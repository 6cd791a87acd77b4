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

/** What the layer classes below run: forward(y, x, opts) and backward(dx, dy, x or y, opts), which ACCUMULATES into dx. */
type OpForward<O> = (y: Tensor, x: Tensor, opts: O) => void;
type OpBackward<O> = (dx: Tensor, dy: Tensor, xOrY: Tensor, opts: O) => void;

/**
 * One activation op pair as a layer kind. `input` is what backward takes: the forward input
 * 'x' or output 'y'. Layers with options list their keys in `known` and `parse` them once into
 * the op's options object (forward and backward run every step; config() saves it).
 */
interface OpSpec<O> {
  kind: string;
  input: 'x' | 'y';
  forward: OpForward<O>;
  backward: OpBackward<O>;
  known: readonly string[];
  parse(options: O): O;
}

/** The layer over an OpSpec; opLayer makes one class of it per kind. */
class OpLayer<O extends object> extends Activation {
  readonly kind: string;
  readonly opts: Required<O>;
  constructor(private readonly spec: OpSpec<O>, options?: LayerOptions & O) {
    super(options, spec.kind, spec.known);
    this.kind = spec.kind;
    this.opts = spec.parse(options ?? ({} as O)) as Required<O>;
  }
  forward({ y, x }: LayerIO): void {
    this.spec.forward(y, x, this.opts);
  }
  backward(io: LayerIO): void {
    if (io.dx) this.spec.backward(io.dx, io.dy!, io[this.spec.input], this.opts);
  }
  config(): LayerConfig {
    return { kind: this.kind, ...this.opts };
  }
}

/** A class of OpLayer for one kind: the exported classes below extend it. */
function opLayer<O extends object>(
  kind: string, input: 'x' | 'y', forward: OpForward<O>, backward: OpBackward<O>, known = NAME_ONLY, parse = (_: O): O => ({}) as O,
): new (options?: LayerOptions & O) => OpLayer<O> {
  const spec: OpSpec<O> = { kind, input, forward, backward, known, parse };
  return class extends OpLayer<O> {
    constructor(options?: LayerOptions & O) {
      super(spec, options);
    }
  };
}

/**
 * max(0, x); derivative 1 where x > 0, else 0. Fused into a conv1d or conv2d that is its only
 * input's producer (io.fusedRelu, model/plan.ts), its forward has nothing to do. See: torch.nn.ReLU.
 */
export class ReLU extends opLayer('relu', 'x', reluInto, reluBackwardInto) {
  forward(io: LayerIO): void {
    if (!io.fusedRelu) super.forward(io);
  }
}

/** 1 / (1 + e^−x); derivative y(1 − y). See: torch.nn.Sigmoid. */
export class Sigmoid extends opLayer('sigmoid', 'y', sigmoidInto, sigmoidBackwardInto) {}

/** tanh(x); derivative 1 − y². See: torch.nn.Tanh. */
export class Tanh extends opLayer('tanh', 'y', tanhInto, tanhBackwardInto) {}

/** Softmax over the features of [n, features]. See: torch.nn.Softmax(dim=1). */
export class Softmax extends opLayer('softmax', 'y', softmaxInto, softmaxBackwardInto) {}

/** Log-softmax over the features of [n, features]. See: torch.nn.LogSoftmax(dim=1). */
export class LogSoftmax extends opLayer('logSoftmax', 'y', logSoftmaxInto, logSoftmaxBackwardInto) {}

/** Returns v if it is a finite number (undefined gives the default). */
function finiteOption(what: string, name: string, v: unknown, fallback: number): number {
  const value = v ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValueError(`${what}: expected ${name} a finite number, got ${JSON.stringify(v)}`);
  return value;
}

/** layers.leakyRelu's options: the op's plus a name. */
export interface LeakyReluLayerOptions extends LayerOptions, LeakyReluOptions {}

/** x for x > 0, else negativeSlope·x (default 0.01). See: torch.nn.LeakyReLU. */
export class LeakyReLU extends opLayer<LeakyReluOptions>('leakyRelu', 'x', leakyReluInto, leakyReluBackwardInto, ['name', 'negativeSlope'], (o) => ({
  negativeSlope: finiteOption('leakyRelu', 'negativeSlope', o.negativeSlope, 0.01),
})) {}

/** layers.elu's options: the op's plus a name. */
export interface EluLayerOptions extends LayerOptions, EluOptions {}

/** x for x > 0, else α(e^x − 1) (α default 1). See: torch.nn.ELU. */
export class ELU extends opLayer<EluOptions>('elu', 'x', eluInto, eluBackwardInto, ['name', 'alpha'], (o) => ({
  alpha: finiteOption('elu', 'alpha', o.alpha, 1),
})) {}

/** layers.gelu's options: the op's plus a name. */
export interface GeluLayerOptions extends LayerOptions, GeluOptions {}

/** x·Φ(x) (approximate 'none', default) or its tanh form. See: torch.nn.GELU. */
export class GELU extends opLayer<GeluOptions>('gelu', 'x', geluInto, geluBackwardInto, ['name', 'approximate'], (o) => ({
  approximate: checkChoice('gelu', 'approximate', o.approximate ?? 'none', ['none', 'tanh'] as const),
})) {}

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
    checkOptions('activation', fn, ['name', 'forward', 'backward'], ['name', 'forward', 'backward']);
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
