// SPDX-License-Identifier: MIT
// SGD with momentum, Nesterov and L2 weight decay, as torch.optim.SGD (dampening 0) →
// assembly/optim.ts sgd_step. The momentum buffer starts as the first gradient, as PyTorch's.
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { kernels } from '../core/wasm.js';
import { checkRange, checkStep, type Optimizer } from './optimizer.js';

/** SGD options (PyTorch names and defaults, lr 0.01). */
export interface SgdOptions {
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

class Sgd implements Optimizer {
  readonly kind = 'sgd';
  readonly stateCount: number;
  private t = 0;
  private rate: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;

  constructor(opts: SgdOptions) {
    this.rate = checkRange('sgd', 'lr', opts.lr ?? 0.01, 0, Infinity, true);
    this.momentum = checkRange('sgd', 'momentum', opts.momentum ?? 0, 0, 1);
    this.weightDecay = checkRange('sgd', 'weightDecay', opts.weightDecay ?? 0, 0, Infinity);
    const nesterov = opts.nesterov ?? false;
    if (typeof nesterov !== 'boolean') throw new ValueError(`sgd: expected nesterov true or false, got ${JSON.stringify(nesterov)}`);
    if (nesterov && this.momentum === 0) throw new ValueError(`sgd: expected momentum > 0 with nesterov (as PyTorch), got momentum 0`);
    this.nesterov = nesterov;
    this.stateCount = this.momentum > 0 ? 1 : 0;
  }

  get lr(): number {
    return this.rate;
  }

  set lr(v: number) {
    this.rate = checkRange('sgd', 'lr', v, 0, Infinity, true);
  }

  step(param: Tensor, grad: Tensor, state: readonly Tensor[]): void {
    checkStep('sgd', param, grad, state, this.stateCount);
    const v = this.stateCount ? state[0].ptr : 0;
    kernels().sgd_step(param.ptr, v, grad.ptr, param.size, this.rate, this.momentum, this.weightDecay, this.nesterov ? 1 : 0, this.t === 0 ? 1 : 0);
    this.t++;
  }

  reset(): void {
    this.t = 0;
  }

  config(): Record<string, number | boolean | string> {
    return { kind: this.kind, lr: this.rate, momentum: this.momentum, weightDecay: this.weightDecay, nesterov: this.nesterov };
  }
}

/**
 * Stochastic gradient descent: g += wd·p; v = μ·v + g (v = g at the first step); p −= lr·v
 * (Nesterov: p −= lr·(g + μ·v)).
 * @example model.compile({ optimizer: cnn.optim.sgd({ lr: 0.01, momentum: 0.9 }) });
 * See: torch.optim.SGD
 */
export function sgd(opts: SgdOptions = {}): Optimizer {
  return new Sgd(opts);
}
