// SPDX-License-Identifier: MIT
// Adam with bias correction and L2 weight decay, as torch.optim.Adam →
// assembly/optim.ts adam_step (state: m, v).
import type { Tensor } from '../core/tensor.js';
import { kernels } from '../core/wasm.js';
import { checkRange, checkStep, type Optimizer } from './optimizer.js';

/** Adam options (PyTorch names and defaults). */
export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

class Adam implements Optimizer {
  readonly kind = 'adam';
  readonly stateCount = 2;
  private t = 0;
  private rate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;

  constructor(opts: AdamOptions) {
    this.rate = checkRange('adam', 'lr', opts.lr ?? 1e-3, 0, Infinity, true);
    this.beta1 = checkRange('adam', 'beta1', opts.beta1 ?? 0.9, 0, 1);
    this.beta2 = checkRange('adam', 'beta2', opts.beta2 ?? 0.999, 0, 1);
    this.eps = checkRange('adam', 'eps', opts.eps ?? 1e-8, 0, Infinity);
    this.weightDecay = checkRange('adam', 'weightDecay', opts.weightDecay ?? 0, 0, Infinity);
  }

  get lr(): number {
    return this.rate;
  }

  set lr(v: number) {
    this.rate = checkRange('adam', 'lr', v, 0, Infinity, true);
  }

  step(param: Tensor, grad: Tensor, state: readonly Tensor[]): void {
    checkStep('adam', param, grad, state, 2);
    this.t++;
    kernels().adam_step(param.ptr, state[0].ptr, state[1].ptr, grad.ptr, param.size, this.rate, this.beta1, this.beta2, this.eps, this.weightDecay, this.t);
  }

  reset(): void {
    this.t = 0;
  }

  config(): Record<string, number | boolean | string> {
    return { kind: this.kind, lr: this.rate, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay };
  }
}

/**
 * Adam: m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; p −= lr·m̂/(√v̂ + eps) with bias-corrected m̂, v̂.
 * @example model.compile({ optimizer: cnn.optim.adam({ lr: 1e-3 }) });
 * See: torch.optim.Adam
 */
export function adam(opts: AdamOptions = {}): Optimizer {
  return new Adam(opts);
}
