// SPDX-License-Identifier: MIT
// Inverted dropout (torch.nn.functional.dropout), forward and backward side by side over
// assembly/dropout.ts: in training each element is zeroed with probability `rate` and the
// rest scaled by 1/(1 − rate); the mask (0 or 1/(1 − rate), float32) is returned for
// backward. The mask is a hash of (seed, element index) computed in wasm, so a seed gives the
// same mask bit for bit in every engine (PyTorch's generator differs: same law, other bits).
import { ValueError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { expectShape } from '../core/shape.js';
import { empty, expectDType, scope, zeros, type Tensor } from '../core/tensor.js';
import { forElements, forRange } from '../core/parallel.js';

export interface DropoutOptions {
  /** Probability p of zeroing each element, in [0, 1]. */
  rate: number;
  /** Seed of the mask, an integer in [0, 2³²) (default 0). */
  seed?: number;
  /** false: y = x and mask = 1 (default true: dropout is on, as F.dropout). */
  training?: boolean;
}

/** The rate the kernel applies (0 when not training) and the seed; validates the options. */
function resolve(what: string, opts: DropoutOptions): { rate: number; seed: number } {
  checkOptions(what, opts, ['rate', 'seed', 'training']);
  if (opts === undefined) throw new ValueError(`${what}: expected options { rate, seed?, training? }, got undefined`);
  const { rate, seed = 0, training = true } = opts;
  if (!(typeof rate === 'number' && rate >= 0 && rate <= 1)) throw new ValueError(`${what}: expected rate in [0, 1], got ${JSON.stringify(rate)}`);
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    throw new ValueError(`${what}: expected seed an integer in [0, 2^32), got ${JSON.stringify(seed)}`);
  }
  if (typeof training !== 'boolean') throw new ValueError(`${what}: expected training true or false, got ${JSON.stringify(training)}`);
  return { rate: training ? rate : 0, seed };
}

function expectLike(what: string, name: string, t: Tensor, shape: readonly number[]): void {
  expectDType(`${what} ${name}`, t, 'float32');
  expectShape(`${what} ${name}`, t.shape, shape);
}

/**
 * Inverted dropout: y = x·mask, mask = 0 with probability rate, else 1/(1 − rate).
 * @example const { y, mask } = cnn.ops.dropout(x, { rate: 0.5, seed: 7 });
 * See: torch.nn.functional.dropout
 */
export function dropout(x: Tensor, opts: DropoutOptions): { y: Tensor; mask: Tensor } {
  return scope(() => {
    const out = { y: empty(x.shape), mask: empty(x.shape) };
    dropoutInto(out.y, out.mask, x, opts);
    return out;
  });
}

/**
 * dropout into y and mask (same shape as x; y may be x). Element i is kept iff
 * (murmur3(seed, i) >>> 8)·2⁻²⁴ ≥ rate (assembly/dropout.ts). training false: y = x, mask = 1.
 * @example cnn.ops.dropoutInto(y, mask, x, { rate: 0.5, seed: step });
 * See: torch.nn.functional.dropout
 */
export function dropoutInto(y: Tensor, mask: Tensor, x: Tensor, opts: DropoutOptions): void {
  const what = 'dropout';
  const { rate, seed } = resolve(what, opts);
  expectDType(`${what} x`, x, 'float32');
  expectLike(what, 'y', y, x.shape);
  expectLike(what, 'mask', mask, x.shape);
  forRange('dropout_forward', [y.ptr, mask.ptr, x.ptr, rate, seed], x.size, 8);
}

/**
 * Gradient of dropout: dy·mask (a new tensor).
 * @example const dx = cnn.ops.dropoutBackward(dy, mask);
 * See: torch.nn.functional.dropout (autograd)
 */
export function dropoutBackward(dy: Tensor, mask: Tensor): Tensor {
  return scope(() => {
    const dx = zeros(mask.shape);
    dropoutBackwardInto(dx, dy, mask);
    return dx;
  });
}

/**
 * dx += dy·mask, the mask from the forward. ACCUMULATES.
 * @example cnn.ops.dropoutBackwardInto(dx, dy, mask);
 * See: torch.nn.functional.dropout (autograd)
 */
export function dropoutBackwardInto(dx: Tensor, dy: Tensor, mask: Tensor): void {
  const what = 'dropoutBackward';
  expectDType(`${what} mask`, mask, 'float32');
  expectLike(what, 'dy', dy, mask.shape);
  expectLike(what, 'dx', dx, mask.shape);
  forElements('dropout_backward', [dx.ptr, dy.ptr, mask.ptr], mask.size);
}
