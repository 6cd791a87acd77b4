// SPDX-License-Identifier: MIT
// RMSprop (optionally centered, with momentum) as torch.optim.RMSprop → assembly/optim.ts
// rmsprop_step (state: the mean square, then the mean gradient if centered, then the
// momentum buffer if momentum > 0).
import { checkBoolean, checkOptions } from '../core/options.js';
import type { Tensor } from '../core/tensor.js';
import { BaseOptimizer, checkRange, checkStep, type Optimizer } from './optimizer.js';
import { forElements } from '../core/parallel.js';

/** RMSprop options (PyTorch's, camelCase; lr 1e-2). */
export interface RmspropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
}

const RMSPROP_OPTIONS = ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered'];

class Rmsprop extends BaseOptimizer {
  readonly stateCount: number;
  private readonly o: Required<Omit<RmspropOptions, 'lr'>>;

  constructor(opts: RmspropOptions) {
    checkOptions('rmsprop', opts, RMSPROP_OPTIONS);
    const o = {
      alpha: checkRange('rmsprop', 'alpha', opts.alpha ?? 0.99, 0, 1, false, true),
      eps: checkRange('rmsprop', 'eps', opts.eps ?? 1e-8, 0, Infinity),
      weightDecay: checkRange('rmsprop', 'weightDecay', opts.weightDecay ?? 0, 0, Infinity),
      momentum: checkRange('rmsprop', 'momentum', opts.momentum ?? 0, 0, 1),
      centered: checkBoolean('rmsprop', 'centered', opts.centered ?? false),
    };
    super('rmsprop', opts.lr ?? 1e-2, o);
    this.o = o;
    this.stateCount = 1 + (o.centered ? 1 : 0) + (o.momentum > 0 ? 1 : 0);
  }

  step(param: Tensor, grad: Tensor, state: readonly Tensor[]): void {
    checkStep('rmsprop', param, grad, state, this.stateCount);
    const { alpha, eps, weightDecay, momentum, centered } = this.o;
    const c = centered ? state[1].ptr : 0;
    const u = momentum > 0 ? state[this.stateCount - 1].ptr : 0;
    forElements('rmsprop_step', [param.ptr, state[0].ptr, c, u, grad.ptr], param.size, [this.lr, alpha, 1 - alpha, eps, weightDecay, momentum], 32);
    this.t++;
  }
}

/**
 * RMSprop: g += wd·p; s = α·s + (1−α)·g²; r = √s + eps (centered: √(s − ḡ²) + eps with
 * ḡ = α·ḡ + (1−α)·g); p −= lr·g/r (momentum: u = μ·u + g/r, p −= lr·u).
 * @example model.compile({ optimizer: cnn.optim.rmsprop({ lr: 1e-3, momentum: 0.9 }) });
 * See: torch.optim.RMSprop
 */
export function rmsprop(opts: RmspropOptions = {}): Optimizer {
  return new Rmsprop(opts);
}
