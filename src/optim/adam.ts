// SPDX-License-Identifier: MIT
// Adam (L2 weight decay) and AdamW (decoupled weight decay), with bias correction and
// optional AMSGrad, as torch.optim.Adam / torch.optim.AdamW → assembly/optim.ts adam_step
// (state: m, v, and max v with amsgrad).
import { checkBoolean, checkOptions } from '../core/options.js';
import type { Tensor } from '../core/tensor.js';
import { BaseOptimizer, checkRange, checkStep, type Optimizer } from './optimizer.js';
import { forElements } from '../core/parallel.js';

/** Adam and AdamW options (PyTorch's, camelCase, betas as beta1 and beta2). */
export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

const ADAM_OPTIONS = ['lr', 'beta1', 'beta2', 'eps', 'weightDecay', 'amsgrad'];

class Adam extends BaseOptimizer {
  readonly stateCount: number;
  private readonly o: Required<Omit<AdamOptions, 'lr'>>;
  private readonly decoupled: number;

  constructor(kind: 'adam' | 'adamw', opts: AdamOptions) {
    checkOptions(kind, opts, ADAM_OPTIONS);
    const o = {
      beta1: checkRange(kind, 'beta1', opts.beta1 ?? 0.9, 0, 1),
      beta2: checkRange(kind, 'beta2', opts.beta2 ?? 0.999, 0, 1),
      eps: checkRange(kind, 'eps', opts.eps ?? 1e-8, 0, Infinity),
      weightDecay: checkRange(kind, 'weightDecay', opts.weightDecay ?? (kind === 'adamw' ? 1e-2 : 0), 0, Infinity),
      amsgrad: checkBoolean(kind, 'amsgrad', opts.amsgrad ?? false),
    };
    super(kind, opts.lr ?? 1e-3, o);
    this.o = o;
    this.decoupled = kind === 'adamw' ? 1 : 0;
    this.stateCount = o.amsgrad ? 3 : 2;
  }

  step(param: Tensor, grad: Tensor, state: readonly Tensor[]): void {
    checkStep(this.kind, param, grad, state, this.stateCount);
    const { beta1, beta2, eps, weightDecay, amsgrad } = this.o;
    this.t++;
    const vmax = amsgrad ? state[2].ptr : 0;
    forElements('adam_step', [param.ptr, state[0].ptr, state[1].ptr, vmax, grad.ptr], param.size, [this.lr, beta1, beta2, eps, weightDecay, this.decoupled, this.t], 32);
  }
}

/**
 * Adam: g += wd·p; m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; p −= lr·m̂/(√v̂ + eps) with
 * bias-corrected m̂, v̂ (amsgrad: v̂ from the running maximum of v).
 * @example model.compile({ optimizer: cnn.optim.adam({ lr: 1e-3 }) });
 * See: torch.optim.Adam
 */
export function adam(opts: AdamOptions = {}): Optimizer {
  return new Adam('adam', opts);
}

/**
 * AdamW: Adam with decoupled weight decay, p *= 1 − lr·wd before the update (weightDecay
 * default 1e-2).
 * @example model.compile({ optimizer: cnn.optim.adamw({ lr: 1e-3, weightDecay: 0.05 }) });
 * See: torch.optim.AdamW
 */
export function adamw(opts: AdamOptions = {}): Optimizer {
  return new Adam('adamw', opts);
}
