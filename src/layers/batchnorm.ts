// SPDX-License-Identifier: MIT
// BatchNorm2D over ops/norm: in training, normalise each channel with the batch's mean and
// (biased) variance, keep them in the node's planned buffers for backward, and update the
// running statistics — saved state, never stepped by the optimiser; in evaluation,
// normalise with the running statistics. Then y = γ·x̂ + β (γ, β trained when affine).
// See: torch.nn.BatchNorm2d (and BatchNorm1d for a flat [C] input).
import { ShapeError, fmtShape } from '../core/errors.js';
import { checkBoolean, checkOptions } from '../core/options.js';
import type { Tensor } from '../core/tensor.js';
import { checkRange } from '../optim/optimizer.js';
import { batchNorm2dBackwardInto, batchNorm2dInto, type BatchNorm2dOptions } from '../ops/norm.js';
import { Layer, type Built, type BufferSpec, type LayerConfig, type LayerIO, type LayerOptions } from './layer.js';

export interface BatchNorm2dLayerOptions extends LayerOptions {
  /** Weight of the new batch in the running statistics (PyTorch's default 0.1). */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn a per-channel scale γ and shift β (default true). */
  affine?: boolean;
}

export class BatchNorm2D extends Layer {
  readonly kind = 'batchNorm2d';
  readonly momentum: number;
  readonly eps: number;
  readonly affine: boolean;
  /** The op's options in each mode, made once (forward and backward run every step). */
  private readonly modes: { train: BatchNorm2dOptions; eval: BatchNorm2dOptions };

  constructor(options: BatchNorm2dLayerOptions = {}) {
    checkOptions('batchNorm2d', options, ['name', 'momentum', 'eps', 'affine']);
    super(options.name);
    this.momentum = checkRange('batchNorm2d', 'momentum', options.momentum ?? 0.1, 0, 1, false, true);
    this.eps = checkRange('batchNorm2d', 'eps', options.eps ?? 1e-5, 0, Infinity, true);
    this.affine = checkBoolean('batchNorm2d', 'affine', options.affine ?? true);
    const { momentum, eps } = this;
    this.modes = { train: { training: true, momentum, eps }, eval: { training: false, momentum, eps } };
  }

  build(inShape: readonly number[]): Built {
    if (inShape.length !== 3 && inShape.length !== 1) {
      throw new ShapeError(`batchNorm2d: expected an input [C, H, W] (or a flat [C]), got ${fmtShape(inShape)}`);
    }
    const [c] = inShape;
    this.inShape = [...inShape];
    this.outShape = [...inShape];
    const params = this.affine
      ? [
          { name: 'weight', shape: [c], init: 'ones' as const, fanIn: c, fanOut: c },
          { name: 'bias', shape: [c], init: 'zeros' as const, fanIn: c, fanOut: c },
        ]
      : [];
    const state = [
      { name: 'runningMean', shape: [c], init: 'zeros' as const },
      { name: 'runningVar', shape: [c], init: 'ones' as const },
    ];
    return { outShape: this.outShape, params, state };
  }

  bufferSpecs(_n: number, training: boolean): BufferSpec[] {
    const c = this.inShape[0];
    return training
      ? [
          { name: 'mean', shape: [c], dtype: 'float32' },
          { name: 'invstd', shape: [c], dtype: 'float32' },
        ]
      : [];
  }

  forward({ y, x, params, state, buffers, training }: LayerIO): void {
    const saved = training ? { mean: buffers[0] as Tensor, invstd: buffers[1] as Tensor } : null;
    batchNorm2dInto(y, x, state[0], state[1], params[0] ?? null, params[1] ?? null, training ? this.modes.train : this.modes.eval, saved);
  }

  backward({ dx, dy, x, params, grads, state, buffers, training }: LayerIO): void {
    const saved = training ? { mean: buffers[0] as Tensor, invstd: buffers[1] as Tensor } : null;
    const out = { dx, dweight: grads[0] ?? null, dbias: grads[1] ?? null };
    batchNorm2dBackwardInto(out, dy!, x, state[0], state[1], params[0] ?? null, training ? this.modes.train : this.modes.eval, saved);
  }

  config(): LayerConfig {
    return { kind: this.kind, momentum: this.momentum, eps: this.eps, affine: this.affine };
  }
}
