// SPDX-License-Identifier: MIT
// Adagrad as torch.optim.Adagrad → assembly/optim.ts rmsprop_step with a = b = 1 (state: the
// sum of squares, which starts at initialAccumulatorValue: see initState).
import { ValueError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import type { Tensor } from '../core/tensor.js';
import { BaseOptimizer, checkRange, checkStep, type Optimizer } from './optimizer.js';
import { forElements } from '../core/parallel.js';

/** Adagrad options (PyTorch's, camelCase; lr 1e-2, eps 1e-10). */
export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
}

const ADAGRAD_OPTIONS = ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps'];

class Adagrad extends BaseOptimizer {
  readonly stateCount = 1;
  private readonly o: Required<Omit<AdagradOptions, 'lr'>>;

  constructor(opts: AdagradOptions) {
    checkOptions('adagrad', opts, ADAGRAD_OPTIONS);
    const o = {
      lrDecay: checkRange('adagrad', 'lrDecay', opts.lrDecay ?? 0, 0, Infinity),
      weightDecay: checkRange('adagrad', 'weightDecay', opts.weightDecay ?? 0, 0, Infinity),
      initialAccumulatorValue: checkRange('adagrad', 'initialAccumulatorValue', opts.initialAccumulatorValue ?? 0, 0, Infinity),
      eps: checkRange('adagrad', 'eps', opts.eps ?? 1e-10, 0, Infinity),
    };
    super('adagrad', opts.lr ?? 1e-2, o);
    this.o = o;
  }

  initState(state: readonly Tensor[]): void {
    if (state.length < 1 || state[0].dtype !== 'float32') {
      throw new ValueError(`adagrad.initState: expected 1 float32 state array, got ${state.length ? state[0].dtype : 'none'}`);
    }
    state[0].data.fill(this.o.initialAccumulatorValue);
  }

  step(param: Tensor, grad: Tensor, state: readonly Tensor[]): void {
    checkStep('adagrad', param, grad, state, 1);
    const { lrDecay, weightDecay, eps } = this.o;
    this.t++;
    const clr = this.lr / (1 + (this.t - 1) * lrDecay);
    forElements('rmsprop_step', [param.ptr, state[0].ptr, 0, 0, grad.ptr], param.size, [clr, 1, 1, eps, weightDecay, 0], 32);
  }
}

/**
 * Adagrad: g += wd·p; s += g²; p −= lr_t·g/(√s + eps) with lr_t = lr/(1 + (t − 1)·lrDecay);
 * s starts at initialAccumulatorValue (the owner of the state calls initState()).
 * @example model.compile({ optimizer: cnn.optim.adagrad({ lr: 0.05, initialAccumulatorValue: 0.1 }) });
 * See: torch.optim.Adagrad
 */
export function adagrad(opts: AdagradOptions = {}): Optimizer {
  return new Adagrad(opts);
}
