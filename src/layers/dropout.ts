// SPDX-License-Identifier: MIT
// Dropout over ops/dropout: in training, inverted dropout — each value is zeroed with
// probability `rate` and the rest scaled by 1/(1 − rate) — with the mask drawn from the
// training step's random stream (so a seeded run repeats exactly) and kept in a planned
// buffer for backward; in evaluation, the identity.
// See: torch.nn.Dropout.
import { ValueError } from '../core/errors.js';
import { heapF32, index32 } from '../core/memory.js';
import { checkOptions } from '../core/options.js';
import { murmur3 } from '../core/random.js';
import type { Tensor } from '../core/tensor.js';
import { dropoutBackwardInto, dropoutInto } from '../ops/dropout.js';
import { Layer, type Built, type BufferSpec, type LayerConfig, type LayerIO, type LayerOptions } from './layer.js';

export interface DropoutLayerOptions extends LayerOptions {
  /** Probability of dropping each value, in [0, 1) (AlexNet and VGG: 0.5). */
  rate: number;
}

export class Dropout extends Layer {
  readonly kind = 'dropout';
  readonly rate: number;
  /** The op's options, reseeded in place every step (no object made per step). */
  private readonly opts = { rate: 0, seed: 0 };

  constructor(options: DropoutLayerOptions) {
    checkOptions('dropout', options, ['name', 'rate'], ['rate']);
    super(options.name);
    const { rate } = options;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
      throw new ValueError(`dropout: expected rate in [0, 1), got ${JSON.stringify(rate)}`);
    }
    this.rate = rate;
    this.opts.rate = rate;
  }

  build(inShape: readonly number[]): Built {
    this.inShape = [...inShape];
    this.outShape = [...inShape];
    return { outShape: this.outShape, params: [] };
  }

  bufferSpecs(n: number, training: boolean): BufferSpec[] {
    return training ? [{ name: 'mask', shape: [n, ...this.outShape], dtype: 'float32' }] : [];
  }

  forward({ y, x, buffers, training, stream, node }: LayerIO): void {
    if (training) {
      this.opts.seed = murmur3(stream.seed, node);
      dropoutInto(y, buffers[0] as Tensor, x, this.opts);
    } else {
      const from = index32(x.ptr);
      heapF32().copyWithin(index32(y.ptr), from, from + x.size);
    }
  }

  backward({ dx, dy, buffers }: LayerIO): void {
    if (dx) dropoutBackwardInto(dx, dy!, buffers[0] as Tensor);
  }

  config(): LayerConfig {
    return { kind: this.kind, rate: this.rate };
  }
}
