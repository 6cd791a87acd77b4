// SPDX-License-Identifier: MIT
// The Optimizer contract: compile() asks for `stateCount` parameter-sized state arrays,
// zeroes them and lets initState() fill them; then every training step makes one step()
// over the flat parameter and gradient arenas (one kernel call, no allocation). Options are
// validated once, at construction.
import { DTypeError, ShapeError, ValueError, fmtShape } from '../core/errors.js';
import type { DType, Tensor } from '../core/tensor.js';

/** An in-place parameter update over flat arrays (see sgd(), adam(), adamw(), rmsprop(), adagrad(), adadelta()). */
export interface Optimizer {
  /** 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad' | 'adadelta'. */
  readonly kind: string;
  /** Learning rate (> 0 at construction); may be changed between steps, to any value ≥ 0 (schedules). */
  lr: number;
  /** How many parameter-sized state arrays step() needs (sgd: 1 if momentum > 0 else 0; adam: 2, 3 with amsgrad …). */
  readonly stateCount: number;
  /** One update p −= … over the flat arrays; counts its own steps t (bias correction, lr decay). */
  step(param: Tensor, grad: Tensor, state: readonly Tensor[]): void;
  /** t = 0 (the state arrays are zeroed by their owner, who then calls initState). */
  reset(): void;
  /**
   * Fills freshly zeroed state arrays with their starting values, when these are not zero
   * (adagrad: initialAccumulatorValue). The owner calls it after every zeroing of the state.
   */
  initState?(state: readonly Tensor[]): void;
  /** The options, with `kind`, for saving; fromConfig() is the inverse. */
  config(): Record<string, number | boolean | string>;
}

/** What every optimiser shares: a validated, settable lr, the step count t, reset() and config(). */
export abstract class BaseOptimizer implements Optimizer {
  abstract readonly stateCount: number;
  /** Steps taken since reset(). */
  protected t = 0;
  private rate: number;

  /** `settings`: the options other than lr, resolved (defaults filled in), as config() saves them. */
  constructor(
    readonly kind: string,
    lr: number,
    private readonly settings: Readonly<Record<string, number | boolean>>,
  ) {
    this.rate = checkRange(kind, 'lr', lr, 0, Infinity, true);
  }

  get lr(): number {
    return this.rate;
  }

  /** Any lr ≥ 0 between steps: a schedule may reach 0 (cosine's etaMin, a warmup from 0). */
  set lr(v: number) {
    this.rate = checkRange(this.kind, 'lr', v, 0, Infinity);
  }

  abstract step(param: Tensor, grad: Tensor, state: readonly Tensor[]): void;

  reset(): void {
    this.t = 0;
  }

  config(): Record<string, number | boolean | string> {
    return { kind: this.kind, lr: this.rate, ...this.settings };
  }
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
