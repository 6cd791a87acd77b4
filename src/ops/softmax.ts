// SPDX-License-Identifier: MIT
// Softmax and log-softmax over dim 1 (classes) with their backward, plus countCorrect
// (argmax == label), over assembly/softmax.ts. Rank 2 [N, C] is the logits case; rank > 2
// [N, C, ...] applies them over C at every position, as torch.nn.functional.softmax(x, dim=1).
// Both backward forms take the forward OUTPUT y. softmax and logSoftmax are one kernel pair
// with a `log` flag: the public forms below are one line each, listed form by form.
import { DTypeError, ShapeError, fmtShape } from '../core/errors.js';
import { shapesEqual } from '../core/shape.js';
import { empty, zeros, type DType, type Tensor, scope } from '../core/tensor.js';
import { kernels } from '../core/wasm.js';
import { expectLogitsLabels } from '../losses/cross-entropy.js';
import { forRange } from '../core/parallel.js';

function expectRank2Plus(what: string, name: string, t: Tensor<DType>): void {
  if (t.shape.length < 2) throw new ShapeError(`${what}: expected ${name} of rank ≥ 2 ([N, C, ...]), got shape ${fmtShape(t.shape)}`);
  if (t.dtype !== 'float32') throw new DTypeError(`${what}: expected ${name} of dtype float32, got ${t.dtype}`);
}

function expectSame(what: string, name: string, t: Tensor<DType>, likeName: string, like: Tensor<DType>): void {
  if (t.dtype !== 'float32') throw new DTypeError(`${what}: expected ${name} of dtype float32, got ${t.dtype}`);
  if (!shapesEqual(t.shape, like.shape)) {
    throw new ShapeError(`${what}: expected ${name} of shape ${fmtShape(like.shape)} (as ${likeName}), got ${fmtShape(t.shape)}`);
  }
}

/** Positions per class plane: the product of the dims after C. */
function inner(shape: readonly number[]): number {
  let s = 1;
  for (let i = 2; i < shape.length; i++) s *= shape[i];
  return s;
}

/** y = softmax(x) (log 0) or logSoftmax(x) (log 1) over dim 1; `what` names the op in errors. */
function forwardInto(what: string, log: number, y: Tensor, x: Tensor): void {
  expectRank2Plus(what, 'x', x);
  expectSame(what, 'y', y, 'x', x);
  const [n, c] = x.shape;
  forRange('softmax_forward', [y.ptr, x.ptr, n, c, inner(x.shape), log], n, 16 * c * inner(x.shape));
}

/** dx += the gradient of softmax (log 0) or logSoftmax (log 1) from its output y. */
function backwardInto(what: string, log: number, dx: Tensor, dy: Tensor, y: Tensor): void {
  expectRank2Plus(what, 'y', y);
  expectSame(what, 'dy', dy, 'y', y);
  expectSame(what, 'dx', dx, 'y', y);
  const [n, c] = y.shape;
  forRange('softmax_backward', [dx.ptr, dy.ptr, y.ptr, n, c, inner(y.shape), log], n, 16 * c * inner(y.shape));
}

/** A new tensor of `shape` (zeroed for the accumulating backward forms), written by `into`. */
function allocate(shape: readonly number[], zeroed: boolean, into: (out: Tensor) => void): Tensor {
  return scope(() => {
    const out = zeroed ? zeros(shape) : empty(shape);
    into(out);
    return out;
  });
}

/**
 * Softmax over dim 1: e^(x − max) / Σ e^(x − max).
 * @example const p = cnn.ops.softmax(logits); // [N, C] rows sum to 1
 * See: torch.nn.functional.softmax (dim=1)
 */
export function softmax(x: Tensor): Tensor {
  return allocate(x.shape, false, (y) => softmaxInto(y, x));
}

/**
 * Log-softmax over dim 1: (x − max) − log Σ e^(x − max), stable for any logits.
 * @example const logp = cnn.ops.logSoftmax(logits); // [N, C]
 * See: torch.nn.functional.log_softmax (dim=1)
 */
export function logSoftmax(x: Tensor): Tensor {
  return allocate(x.shape, false, (y) => logSoftmaxInto(y, x));
}

/**
 * Gradient of softmax from its output y: y ⊙ (dy − Σ_c dy·y) (a new tensor).
 * @example const dx = cnn.ops.softmaxBackward(dy, y);
 * See: torch.nn.functional.softmax (autograd)
 */
export function softmaxBackward(dy: Tensor, y: Tensor): Tensor {
  return allocate(y.shape, true, (dx) => softmaxBackwardInto(dx, dy, y));
}

/**
 * Gradient of logSoftmax from its output y: dy − e^y · Σ_c dy (a new tensor).
 * @example const dx = cnn.ops.logSoftmaxBackward(dy, y);
 * See: torch.nn.functional.log_softmax (autograd)
 */
export function logSoftmaxBackward(dy: Tensor, y: Tensor): Tensor {
  return allocate(y.shape, true, (dx) => logSoftmaxBackwardInto(dx, dy, y));
}

/**
 * y = softmax(x) over dim 1.
 * @example cnn.ops.softmaxInto(y, logits);
 * See: torch.nn.functional.softmax (dim=1)
 */
export function softmaxInto(y: Tensor, x: Tensor): void {
  forwardInto('softmax', 0, y, x);
}

/**
 * y = logSoftmax(x) over dim 1.
 * @example cnn.ops.logSoftmaxInto(y, logits);
 * See: torch.nn.functional.log_softmax (dim=1)
 */
export function logSoftmaxInto(y: Tensor, x: Tensor): void {
  forwardInto('logSoftmax', 1, y, x);
}

/**
 * dx += y ⊙ (dy − Σ_c dy·y), y the forward output. ACCUMULATES.
 * @example cnn.ops.softmaxBackwardInto(dx, dy, y);
 * See: torch.nn.functional.softmax (autograd)
 */
export function softmaxBackwardInto(dx: Tensor, dy: Tensor, y: Tensor): void {
  backwardInto('softmaxBackward', 0, dx, dy, y);
}

/**
 * dx += dy − e^y · Σ_c dy, y the forward output. ACCUMULATES.
 * @example cnn.ops.logSoftmaxBackwardInto(dx, dy, y);
 * See: torch.nn.functional.log_softmax (autograd)
 */
export function logSoftmaxBackwardInto(dx: Tensor, dy: Tensor, y: Tensor): void {
  backwardInto('logSoftmaxBackward', 1, dx, dy, y);
}

/**
 * How many rows of logits [N, C] have their argmax (first maximum) equal to the label.
 * @example const acc = cnn.ops.countCorrect(logits, labels) / labels.size;
 * See: torch.argmax (dim=1)
 */
export function countCorrect(logits: Tensor, labels: Tensor<'int32'>): number {
  expectLogitsLabels('countCorrect', logits, labels);
  const [n, c] = logits.shape;
  return kernels().count_correct(logits.ptr, labels.ptr, n, c);
}
