// SPDX-License-Identifier: MIT
// Flatten [C, H, W] to [C·H·W]: a view, no data moves. compile() gives y the same memory as
// x (and dy the same as dx), so forward and backward have nothing to do.
// See: torch.nn.Flatten.
import { sizeOf } from '../core/shape.js';
import { Layer, type LayerConfig, type ParamSpec } from './layer.js';

export class Flatten extends Layer {
  readonly kind = 'flatten';
  readonly aliasesInput = true;

  build(inShape: readonly number[]): { outShape: number[]; params: ParamSpec[] } {
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
