// SPDX-License-Identifier: MIT
// ZeroPad2D over ops/pad: zeros around every [H, W] plane; backward hands the interior of δ back.
// padding: p, [ph, pw] or [top, bottom, left, right] (Keras' order; torch.nn.ZeroPad2d's
// tuple is (left, right, top, bottom)). See: torch.nn.ZeroPad2d, keras.layers.ZeroPadding2D.
import { checkOptions } from '../core/options.js';
import { zeroPad2dBackwardInto, zeroPad2dInto, zeroPad2dOutputShape, type ZeroPad2dOptions } from '../ops/pad.js';
import { Layer, type Built, type LayerConfig, type LayerIO, type LayerOptions } from './layer.js';

export interface ZeroPad2dLayerOptions extends LayerOptions {
  /** p, [ph, pw] or [top, bottom, left, right]. */
  padding: number | readonly number[];
}

export class ZeroPad2D extends Layer {
  readonly kind = 'zeroPad2d';
  /** As given: p, [ph, pw] or [top, bottom, left, right]. */
  readonly padding: number | readonly number[];
  private opts: ZeroPad2dOptions;

  constructor(options: ZeroPad2dLayerOptions) {
    checkOptions('zeroPad2d', options, ['name', 'padding'], ['padding']);
    super(options.name);
    const { padding } = options;
    zeroPad2dOutputShape([1, 1, 1, 1], { padding }); // a ValueError now for a bad padding
    this.padding = typeof padding === 'number' ? padding : [...padding];
    this.opts = { padding: this.padding };
  }

  build(inShape: readonly number[]): Built {
    this.inShape = [...inShape];
    this.outShape = zeroPad2dOutputShape([1, ...inShape], this.opts).slice(1);
    return { outShape: this.outShape, params: [] };
  }

  forward({ y, x }: LayerIO): void {
    zeroPad2dInto(y, x, this.opts);
  }

  backward({ dx, dy }: LayerIO): void {
    if (dx) zeroPad2dBackwardInto(dx, dy!, this.opts);
  }

  config(): LayerConfig {
    return { kind: this.kind, padding: this.padding };
  }
}
