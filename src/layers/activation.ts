// SPDX-License-Identifier: MIT
// Activation layers over ops/elementwise and ops/softmax, plus the user-defined kind: any
// forward/backward pair (SEEDS 000: "define a class with forward and backward").
import { ValueError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import type { Tensor } from '../core/tensor.js';
import { reluBackwardInto, reluInto, sigmoidBackwardInto, sigmoidInto, tanhBackwardInto, tanhInto } from '../ops/elementwise.js';
import { softmaxBackwardInto, softmaxInto } from '../ops/softmax.js';
import { Layer, type Built, type LayerConfig, type LayerIO, type LayerOptions } from './layer.js';

/** Names accepted by the `activation` option of conv2d and dense. */
export type ActivationName = 'relu' | 'sigmoid' | 'tanh' | 'softmax';

abstract class Activation extends Layer {
  constructor(options: LayerOptions | undefined, what: string) {
    checkOptions(what, options, ['name']);
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

const builtIn: Record<ActivationName, () => Layer> = {
  relu: () => new ReLU(),
  sigmoid: () => new Sigmoid(),
  tanh: () => new Tanh(),
  softmax: () => new Softmax(),
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
