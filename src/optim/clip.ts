// SPDX-License-Identifier: MIT
// Gradient clipping over the flat gradient arena, in place, before the optimiser's step:
// by global L2 norm (torch.nn.utils.clip_grad_norm_) or by value (clip_grad_value_) →
// assembly/optim.ts grad_sum_squares, grad_clip. Nothing is allocated.
import { expectDType, type Tensor } from '../core/tensor.js';
import { kernels } from '../core/wasm.js';
import { checkRange } from './optimizer.js';
import { forElements } from '../core/parallel.js';

/**
 * Scales every gradient by maxNorm/(‖g‖ + 1e-6) when that is below 1, with ‖g‖ the L2 norm
 * of all of them together (squares summed in float64); returns ‖g‖ before clipping. As
 * PyTorch (error_if_nonfinite false), a non-finite norm is returned and scales by 0 or NaN.
 * @example const norm = cnn.optim.clipGradNorm(model.plan.gradArena, 1.0);
 * See: torch.nn.utils.clip_grad_norm_
 */
export function clipGradNorm(grads: Tensor, maxNorm: number): number {
  checkRange('clipGradNorm', 'maxNorm', maxNorm, 0, Infinity);
  expectDType('clipGradNorm grads', grads, 'float32');
  const k = kernels();
  const norm = Math.sqrt(k.grad_sum_squares(grads.ptr, grads.size));
  const coef = maxNorm / (norm + 1e-6);
  if (!(coef >= 1)) forElements('grad_clip', [grads.ptr], grads.size, [coef, -Infinity, Infinity]);
  return norm;
}

/**
 * Clamps every gradient to [−clipValue, clipValue].
 * @example cnn.optim.clipGradValue(model.plan.gradArena, 0.5);
 * See: torch.nn.utils.clip_grad_value_
 */
export function clipGradValue(grads: Tensor, clipValue: number): void {
  checkRange('clipGradValue', 'clipValue', clipValue, 0, Infinity);
  expectDType('clipGradValue grads', grads, 'float32');
  forElements('grad_clip', [grads.ptr], grads.size, [1, -clipValue, clipValue]);
}
