// SPDX-License-Identifier: MIT
// Adadelta as torch.optim.Adadelta → assembly/optim.ts adadelta_step (state: the mean
// square of the gradient, the mean square of the update).
import { checkOptions } from '../core/options.js';
import type { Tensor } from '../core/tensor.js';
import { BaseOptimizer, checkRange, checkStep, type Optimizer } from './optimizer.js';
import { forElements } from '../core/parallel.js';

/** Adadelta options (PyTorch's, camelCase; lr 1.0). */
export interface AdadeltaOptions {
  lr?: number;
  rho?: number;
  eps?: number;
  weightDecay?: number;
}

const ADADELTA_OPTIONS = ['lr', 'rho', 'eps', 'weightDecay'];

class Adadelta extends BaseOptimizer {
  readonly stateCount = 2;
  private readonly o: Required<Omit<AdadeltaOptions, 'lr'>>;

  constructor(opts: AdadeltaOptions) {
    checkOptions('adadelta', opts, ADADELTA_OPTIONS);
    const o = {
      rho: checkRange('adadelta', 'rho', opts.rho ?? 0.9, 0, 1, false, true),
      eps: checkRange('adadelta', 'eps', opts.eps ?? 1e-6, 0, Infinity),
      weightDecay: checkRange('adadelta', 'weightDecay', opts.weightDecay ?? 0, 0, Infinity),
    };
    super('adadelta', opts.lr ?? 1, o);
    this.o = o;
  }

  step(param: Tensor, grad: Tensor, state: readonly Tensor[]): void {
    checkStep('adadelta', param, grad, state, 2);
    const { rho, eps, weightDecay } = this.o;
    forElements('adadelta_step', [param.ptr, state[0].ptr, state[1].ptr, grad.ptr], param.size, [this.lr, rho, eps, weightDecay], 32);
    this.t++;
  }
}

/**
 * Adadelta: g += wd·p; s = ρ·s + (1−ρ)·g²; δ = √(a + eps)/√(s + eps)·g; a = ρ·a + (1−ρ)·δ²;
 * p −= lr·δ.
 * @example model.compile({ optimizer: cnn.optim.adadelta() });
 * See: torch.optim.Adadelta
 */
export function adadelta(opts: AdadeltaOptions = {}): Optimizer {
  return new Adadelta(opts);
}
