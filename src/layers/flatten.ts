// SPDX-License-Identifier: MIT
// Flatten [C, H, W] to [C·H·W]: a view, no data moves. compile() gives y the same memory as
// x (and dy the same as dx), so forward and backward have nothing to do.
// See: torch.nn.Flatten.
import { checkOptions } from '../core/options.js';
import { sizeOf } from '../core/shape.js';
import { Layer, type Built, type LayerConfig, type LayerOptions } from './layer.js';

export class Flatten extends Layer {
  readonly kind = 'flatten';
  readonly aliasesInput = true;

  constructor(options?: LayerOptions) {
    checkOptions('flatten', options, ['name']);
    super(options?.name);
  }

  build(inShape: readonly number[]): Built {
    this.inShape = [...inShape];
    this.outShape = [sizeOf(inShape)];
    return { outShape: this.outShape, params: [] };
  }

  forward(): void {}

  backward(): void {}

  config(): LayerConfig {
    return { kind: this.kind };
  }
}
