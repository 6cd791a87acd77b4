// SPDX-License-Identifier: MIT
// LocalResponseNorm over ops/lrn: each activation divided by (k + α/size·Σ x²)^β over a window
// of `size` neighbouring channels (AlexNet §3.3). No parameters; in training the multiplier
// (k + …)^(−β) is kept in a planned buffer (`scale`, the activation's shape) so backward
// does not recompute the powers. See: torch.nn.LocalResponseNorm.
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import type { Tensor } from '../core/tensor.js';
import { localResponseNormBackwardInto, localResponseNormInto, type LocalResponseNormOptions } from '../ops/lrn.js';
import { Layer, type Built, type BufferSpec, type LayerConfig, type LayerIO, type LayerOptions } from './layer.js';

/** layers.localResponseNorm's options: the op's plus a name. */
export interface LocalResponseNormLayerOptions extends LayerOptions, LocalResponseNormOptions {}

/** Local response normalisation across channels, options as the op's (size required). See: torch.nn.LocalResponseNorm. */
export class LocalResponseNorm extends Layer {
  readonly kind = 'localResponseNorm';
  /** The op's options, made once (forward and backward run every step). */
  readonly opts: Required<LocalResponseNormOptions>;

  constructor(options: LocalResponseNormLayerOptions) {
    checkOptions('localResponseNorm', options, ['name', 'size', 'alpha', 'beta', 'k'], ['size']);
    super(options.name);
    const { size, alpha = 1e-4, beta = 0.75, k = 1 } = options;
    if (!Number.isInteger(size) || size < 1) throw new ValueError(`localResponseNorm: expected size an integer ≥ 1, got ${JSON.stringify(size)}`);
    for (const [name, v] of [['alpha', alpha], ['beta', beta], ['k', k]] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`localResponseNorm: expected ${name} a finite number, got ${JSON.stringify(v)}`);
    }
    this.opts = { size, alpha, beta, k };
  }

  build(inShape: readonly number[]): Built {
    if (inShape.length < 2) throw new ShapeError(`localResponseNorm: expected an input [C, H, W] (or [C, L]), got ${fmtShape(inShape)}`);
    this.inShape = [...inShape];
    this.outShape = [...inShape];
    return { outShape: this.outShape, params: [] };
  }

  bufferSpecs(n: number, training: boolean): BufferSpec[] {
    return training ? [{ name: 'scale', shape: [n, ...this.inShape], dtype: 'float32' }] : [];
  }

  forward({ y, x, buffers, training }: LayerIO): void {
    localResponseNormInto(y, x, this.opts, training ? (buffers[0] as Tensor) : null);
  }

  backward({ dx, dy, x, buffers }: LayerIO): void {
    if (dx) localResponseNormBackwardInto(dx, dy!, x, this.opts, buffers[0] as Tensor);
  }

  config(): LayerConfig {
    return { kind: this.kind, ...this.opts };
  }
}
