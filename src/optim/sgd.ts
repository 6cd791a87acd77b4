// SPDX-License-Identifier: MIT
// SGD with momentum, dampening, Nesterov and L2 weight decay, as torch.optim.SGD →
// assembly/optim.ts sgd_step. The momentum buffer starts as the first gradient, as PyTorch's.
import { ValueError } from '../core/errors.js';
import { checkBoolean, checkOptions } from '../core/options.js';
import type { Tensor } from '../core/tensor.js';
import { BaseOptimizer, checkRange, checkStep, type Optimizer } from './optimizer.js';
import { forElements } from '../core/parallel.js';

/** SGD options (PyTorch's, camelCase; lr 0.01). */
export interface SgdOptions {
  lr?: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

const SGD_OPTIONS = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov'];

class Sgd extends BaseOptimizer {
  readonly stateCount: number;
  private readonly o: Required<Omit<SgdOptions, 'lr'>>;

  constructor(opts: SgdOptions) {
    checkOptions('sgd', opts, SGD_OPTIONS);
    const o = {
      momentum: checkRange('sgd', 'momentum', opts.momentum ?? 0, 0, 1),
      dampening: checkRange('sgd', 'dampening', opts.dampening ?? 0, 0, 1, false, true),
      weightDecay: checkRange('sgd', 'weightDecay', opts.weightDecay ?? 0, 0, Infinity),
      nesterov: checkBoolean('sgd', 'nesterov', opts.nesterov ?? false),
    };
    if (o.nesterov && (o.momentum === 0 || o.dampening !== 0)) {
      throw new ValueError(`sgd: expected momentum > 0 and dampening 0 with nesterov (as PyTorch), got momentum ${o.momentum}, dampening ${o.dampening}`);
    }
    super('sgd', opts.lr ?? 0.01, o);
    this.o = o;
    this.stateCount = o.momentum > 0 ? 1 : 0;
  }

  step(param: Tensor, grad: Tensor, state: readonly Tensor[]): void {
    checkStep('sgd', param, grad, state, this.stateCount);
    const { momentum, dampening, weightDecay, nesterov } = this.o;
    const v = this.stateCount ? state[0].ptr : 0;
    forElements('sgd_step', [param.ptr, v, grad.ptr], param.size, [this.lr, momentum, dampening, weightDecay, nesterov ? 1 : 0, this.t === 0 ? 1 : 0], 32);
    this.t++;
  }
}

/**
 * Stochastic gradient descent: g += wd·p; v = μ·v + (1 − dampening)·g (v = g at the first
 * step); p −= lr·v (Nesterov: p −= lr·(g + μ·v)).
 * @example model.compile({ optimizer: cnn.optim.sgd({ lr: 0.01, momentum: 0.9 }) });
 * See: torch.optim.SGD
 */
export function sgd(opts: SgdOptions = {}): Optimizer {
  return new Sgd(opts);
}
