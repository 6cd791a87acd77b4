// SPDX-License-Identifier: MIT
// The parametric activations leakyRelu, elu and gelu, any shape, forward and backward side
// by side over assembly/activations.ts. Backward forms take the forward INPUT x and the same
// options; their Into forms ACCUMULATE (dx += dy·f′(x)). Options are checked on every call
// without allocating (the key lists are module constants). Each activation is one
// `ActivationOp` (its options check and kernel pair); the public forms below are one line each,
// listed form by form: forward, backward, then their Into forms.
import { DTypeError, ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { checkChoice, checkOptions } from '../core/options.js';
import { shapesEqual } from '../core/shape.js';
import { empty, zeros, type DType, type Tensor, scope } from '../core/tensor.js';
import { forElements, type KernelName } from '../core/parallel.js';

/** leakyRelu's options (all ops of the pair take the same object). */
export interface LeakyReluOptions {
  /** Slope for x ≤ 0 (default 0.01, as torch). */
  negativeSlope?: number;
}

/** elu's options. */
export interface EluOptions {
  /** α in α(e^x − 1) for x ≤ 0 (default 1). */
  alpha?: number;
}

/** gelu's options. */
export interface GeluOptions {
  /** 'none' (default): x·Φ(x) with the exact normal CDF; 'tanh': 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))). */
  approximate?: 'none' | 'tanh';
}

const LEAKY_OPTIONS = ['negativeSlope'];
const ELU_OPTIONS = ['alpha'];
const GELU_OPTIONS = ['approximate'];
const GELU_FORMS = ['none', 'tanh'] as const;

function expectLike(what: string, name: string, t: Tensor<DType>, x: Tensor<DType>): void {
  if (t.dtype !== 'float32') throw new DTypeError(`${what}: expected ${name} of dtype float32, got ${t.dtype}`);
  if (!shapesEqual(t.shape, x.shape)) throw new ShapeError(`${what}: expected ${name} of shape ${fmtShape(x.shape)} (as x), got ${fmtShape(t.shape)}`);
}

/** Returns v if it is a finite number; throws a ValueError naming the option otherwise. */
function finite(what: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${what}: expected ${name} a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function slopeOf(what: string, opts: LeakyReluOptions | undefined): number {
  checkOptions(what, opts, LEAKY_OPTIONS);
  return finite(what, 'negativeSlope', opts?.negativeSlope ?? 0.01);
}

function alphaOf(what: string, opts: EluOptions | undefined): number {
  checkOptions(what, opts, ELU_OPTIONS);
  return finite(what, 'alpha', opts?.alpha ?? 1);
}

/** 1 for the tanh form, 0 for the exact one. */
function tanhFormOf(what: string, opts: GeluOptions | undefined): number {
  checkOptions(what, opts, GELU_OPTIONS);
  return checkChoice(what, 'approximate', opts?.approximate ?? 'none', GELU_FORMS) === 'tanh' ? 1 : 0;
}

/** One activation: `param` checks its options and gives the kernels' scalar; `forward` computes y = f(x), `backward` dx += dy·f′(x). */
class ActivationOp<O> {
  private readonly whatBackward: string;

  constructor(
    private readonly what: string,
    private readonly param: (what: string, opts: O | undefined) => number,
    /** Kernels (y, x, n, p) and (dx, dy, x, n, p). */
    private readonly forwardKernel: KernelName,
    private readonly backwardKernel: KernelName,
  ) {
    this.whatBackward = `${what}Backward`;
  }

  /** The allocating forward: a new y from the Into form. */
  forward(x: Tensor, opts: O | undefined): Tensor {
    return scope(() => {
      const y = empty(x.shape);
      this.into(y, x, opts);
      return y;
    });
  }

  into(y: Tensor, x: Tensor, opts: O | undefined): void {
    const p = this.param(this.what, opts);
    expectLike(this.what, 'x', x, x);
    expectLike(this.what, 'y', y, x);
    forElements(this.forwardKernel, [y.ptr, x.ptr], x.size, [p], 16);
  }

  /** The allocating backward: a new zeroed dx the Into form accumulates into. */
  backward(dy: Tensor, x: Tensor, opts: O | undefined): Tensor {
    return scope(() => {
      const dx = zeros(x.shape);
      this.backwardInto(dx, dy, x, opts);
      return dx;
    });
  }

  backwardInto(dx: Tensor, dy: Tensor, x: Tensor, opts: O | undefined): void {
    const p = this.param(this.whatBackward, opts);
    expectLike(this.whatBackward, 'x', x, x);
    expectLike(this.whatBackward, 'dy', dy, x);
    expectLike(this.whatBackward, 'dx', dx, x);
    forElements(this.backwardKernel, [dx.ptr, dy.ptr, x.ptr], x.size, [p], 16);
  }
}

const LEAKY_RELU = new ActivationOp<LeakyReluOptions>('leakyRelu', slopeOf, 'leaky_relu_forward', 'leaky_relu_backward');
const ELU = new ActivationOp<EluOptions>('elu', alphaOf, 'elu_forward', 'elu_backward');
const GELU = new ActivationOp<GeluOptions>('gelu', tanhFormOf, 'gelu_forward', 'gelu_backward');

/**
 * x where x > 0, else negativeSlope·x.
 * @example const y = cnn.ops.leakyRelu(x, { negativeSlope: 0.2 });
 * See: torch.nn.functional.leaky_relu
 */
export function leakyRelu(x: Tensor, opts?: LeakyReluOptions): Tensor {
  return LEAKY_RELU.forward(x, opts);
}

/**
 * x where x > 0, else α(e^x − 1).
 * @example const y = cnn.ops.elu(x, { alpha: 1 });
 * See: torch.nn.functional.elu
 */
export function elu(x: Tensor, opts?: EluOptions): Tensor {
  return ELU.forward(x, opts);
}

/**
 * x·Φ(x), Φ the standard normal CDF (or its tanh approximation).
 * @example const y = cnn.ops.gelu(x, { approximate: 'tanh' });
 * See: torch.nn.functional.gelu
 */
export function gelu(x: Tensor, opts?: GeluOptions): Tensor {
  return GELU.forward(x, opts);
}

/**
 * dy where x > 0, else negativeSlope·dy (a new tensor).
 * @example const dx = cnn.ops.leakyReluBackward(dy, x, { negativeSlope: 0.2 });
 * See: torch.nn.functional.leaky_relu (autograd)
 */
export function leakyReluBackward(dy: Tensor, x: Tensor, opts?: LeakyReluOptions): Tensor {
  return LEAKY_RELU.backward(dy, x, opts);
}

/**
 * dy where x > 0, else dy·α·e^x (a new tensor).
 * @example const dx = cnn.ops.eluBackward(dy, x);
 * See: torch.nn.functional.elu (autograd)
 */
export function eluBackward(dy: Tensor, x: Tensor, opts?: EluOptions): Tensor {
  return ELU.backward(dy, x, opts);
}

/**
 * dy·(Φ(x) + x·φ(x)) (or the tanh form's derivative) (a new tensor).
 * @example const dx = cnn.ops.geluBackward(dy, x);
 * See: torch.nn.functional.gelu (autograd)
 */
export function geluBackward(dy: Tensor, x: Tensor, opts?: GeluOptions): Tensor {
  return GELU.backward(dy, x, opts);
}

/**
 * y = leakyRelu(x).
 * @example cnn.ops.leakyReluInto(y, x, { negativeSlope: 0.2 });
 * See: torch.nn.functional.leaky_relu
 */
export function leakyReluInto(y: Tensor, x: Tensor, opts?: LeakyReluOptions): void {
  LEAKY_RELU.into(y, x, opts);
}

/**
 * y = elu(x).
 * @example cnn.ops.eluInto(y, x);
 * See: torch.nn.functional.elu
 */
export function eluInto(y: Tensor, x: Tensor, opts?: EluOptions): void {
  ELU.into(y, x, opts);
}

/**
 * y = gelu(x).
 * @example cnn.ops.geluInto(y, x);
 * See: torch.nn.functional.gelu
 */
export function geluInto(y: Tensor, x: Tensor, opts?: GeluOptions): void {
  GELU.into(y, x, opts);
}

/**
 * dx += dy where x > 0, else negativeSlope·dy. ACCUMULATES.
 * @example cnn.ops.leakyReluBackwardInto(dx, dy, x, { negativeSlope: 0.2 });
 * See: torch.nn.functional.leaky_relu (autograd)
 */
export function leakyReluBackwardInto(dx: Tensor, dy: Tensor, x: Tensor, opts?: LeakyReluOptions): void {
  LEAKY_RELU.backwardInto(dx, dy, x, opts);
}

/**
 * dx += dy where x > 0, else dy·α·e^x. ACCUMULATES.
 * @example cnn.ops.eluBackwardInto(dx, dy, x, { alpha: 0.5 });
 * See: torch.nn.functional.elu (autograd)
 */
export function eluBackwardInto(dx: Tensor, dy: Tensor, x: Tensor, opts?: EluOptions): void {
  ELU.backwardInto(dx, dy, x, opts);
}

/**
 * dx += dy·gelu′(x). ACCUMULATES.
 * @example cnn.ops.geluBackwardInto(dx, dy, x, { approximate: 'tanh' });
 * See: torch.nn.functional.gelu (autograd)
 */
export function geluBackwardInto(dx: Tensor, dy: Tensor, x: Tensor, opts?: GeluOptions): void {
  GELU.backwardInto(dx, dy, x, opts);
}
