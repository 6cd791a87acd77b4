// SPDX-License-Identifier: MIT
// Normalize: (x − mean) / std per channel, as the first layer of a model, so the model file
// carries its own preprocessing and predict() takes raw [0, 1] images. Not trained.
// See: torchvision.transforms.Normalize.
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { normalizeBackwardInto, normalizeInto, type NormalizeOptions } from '../ops/elementwise.js';
import { Layer, type Built, type LayerConfig, type LayerIO, type LayerOptions } from './layer.js';

export class Normalize extends Layer {
  readonly kind = 'normalize';
  readonly mean: number | number[];
  readonly std: number | number[];
  private readonly opts: NormalizeOptions;

  constructor(options: NormalizeOptions & LayerOptions) {
    checkOptions('normalize', options, ['name', 'mean', 'std'], ['mean', 'std']);
    super(options.name);
    const { mean, std } = options ?? ({} as NormalizeOptions);
    const values = (v: number | readonly number[]) => (typeof v === 'number' ? [v] : Array.isArray(v) ? v : []);
    if (values(mean).length === 0 || !values(mean).every(Number.isFinite)) {
      throw new ValueError(`normalize: expected mean as a number or one number per channel, got ${JSON.stringify(mean)}`);
    }
    if (values(std).length === 0 || !values(std).every((s) => s > 0 && Number.isFinite(s))) {
      throw new ValueError(`normalize: expected std > 0 as a number or one per channel, got ${JSON.stringify(std)}`);
    }
    this.mean = typeof mean === 'number' ? mean : [...mean];
    this.std = typeof std === 'number' ? std : [...std];
    this.opts = { mean: this.mean, std: this.std };
  }

  build(inShape: readonly number[]): Built {
    const channels = inShape[0];
    for (const [name, v] of [['mean', this.mean], ['std', this.std]] as const) {
      if (typeof v !== 'number' && v.length !== channels) {
        throw new ShapeError(`normalize: expected ${name} with ${channels} values for input ${fmtShape(inShape)}, got ${v.length}`);
      }
    }
    this.inShape = [...inShape];
    this.outShape = [...inShape];
    return { outShape: this.outShape, params: [] };
  }

  forward({ y, x }: LayerIO): void {
    normalizeInto(y, x, this.opts);
  }

  backward({ dx, dy }: LayerIO): void {
    if (dx) normalizeBackwardInto(dx, dy!, this.opts);
  }

  config(): LayerConfig {
    return { kind: this.kind, mean: this.mean, std: this.std };
  }
}
