// SPDX-License-Identifier: MIT
// The Optimizer contract: compile() asks for `stateCount` parameter-sized state arrays,
// then every training step makes one step() over the flat parameter and gradient arenas
// (one kernel call, no allocation). Options are validated once, at construction.
import { DTypeError, ShapeError, ValueError, fmtShape } from '../core/errors.js';
import type { DType, Tensor } from '../core/tensor.js';

/** An in-place parameter update over flat arrays (see sgd(), adam()). */
export interface Optimizer {
  /** 'sgd' | 'adam'. */
  readonly kind: string;
  /** Learning rate; may be changed between steps (decay schedules). */
  lr: number;
  /** How many parameter-sized state arrays step() needs (sgd: 1 if momentum > 0 else 0; adam: 2). */
  readonly stateCount: number;
  /** One update p −= … over the flat arrays; counts its own steps t (Adam bias correction). */
  step(param: Tensor, grad: Tensor, state: readonly Tensor[]): void;
  /** t = 0 (the state arrays are zeroed by their owner). */
  reset(): void;
  /** The options, with `kind`, for saving; fromConfig() is the inverse. */
  config(): Record<string, number | boolean | string>;
}

/** Throws a ValueError unless lo ≤ v < hi (or ≤ hi when hiInclusive); names the option and the value. */
export function checkRange(what: string, name: string, v: unknown, lo: number, hi: number, loExclusive = false, hiInclusive = false): number {
  const ok = typeof v === 'number' && Number.isFinite(v) && (loExclusive ? v > lo : v >= lo) && (hiInclusive ? v <= hi : v < hi);
  if (!ok) {
    const range = `${loExclusive ? '(' : '['}${lo}, ${hi === Infinity ? '∞' : hi}${hiInclusive ? ']' : ')'}`;
    throw new ValueError(`${what}: expected ${name} in ${range}, got ${JSON.stringify(v) ?? String(v)}`);
  }
  return v as number;
}

/** Throws unless param, grad and every state array are float32 of the same size. */
export function checkStep(what: string, param: Tensor<DType>, grad: Tensor<DType>, state: readonly Tensor<DType>[], count: number): void {
  if (state.length < count) throw new ValueError(`${what}.step: expected ${count} state arrays, got ${state.length}`);
  if (param.dtype !== 'float32') throw new DTypeError(`${what}.step: expected param of dtype float32, got ${param.dtype}`);
  if (grad.dtype !== 'float32' || grad.size !== param.size) {
    throw new ShapeError(`${what}.step: expected grad float32 of ${param.size} elements (as param ${fmtShape(param.shape)}), got ${grad.dtype} ${fmtShape(grad.shape)}`);
  }
  for (let i = 0; i < count; i++) {
    const s = state[i];
    if (s.dtype !== 'float32' || s.size !== param.size) {
      throw new ShapeError(`${what}.step: expected state[${i}] float32 of ${param.size} elements (as param), got ${s.dtype} ${fmtShape(s.shape)}`);
    }
  }
}
