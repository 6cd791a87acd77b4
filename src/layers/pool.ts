// SPDX-License-Identifier: MIT
// MaxPool2D and AvgPool2D over ops/pool. No parameters; max pooling keeps its argmax in a
// planned int32 buffer so backward routes δ without searching the window again.
// See: torch.nn.MaxPool2d, torch.nn.AvgPool2d.
import { pair, type Pair } from '../core/shape.js';
import {
  avgPool2dBackwardInto,
  avgPool2dInto,
  maxPool2dBackwardInto,
  maxPool2dInto,
  pool2dOutputShape,
  type AvgPool2dOptions,
  type Pool2dOptions,
} from '../ops/pool.js';
import { Layer, type BufferSpec, type LayerConfig, type LayerIO, type ParamSpec } from './layer.js';
import type { Tensor } from '../core/tensor.js';

export interface Pool2dLayerOptions {
  /** Window size (alias: kernelSize). */
  poolSize?: Pair;
  kernelSize?: Pair;
  /** Defaults to the window size. */
  stride?: Pair;
  padding?: Pair;
  ceilMode?: boolean;
}

export interface AvgPool2dLayerOptions extends Pool2dLayerOptions {
  /** Count zero padding in the average's divisor (PyTorch's default: true). */
  countIncludePad?: boolean;
}

abstract class Pool2D extends Layer {
  protected readonly opts: AvgPool2dOptions;

  constructor(options: AvgPool2dLayerOptions, name: string) {
    super();
    const kernelSize = pair(options.poolSize ?? options.kernelSize ?? 2, `${name} poolSize`, 1);
    this.opts = {
      kernelSize,
      stride: pair(options.stride ?? kernelSize, `${name} stride`, 1),
      padding: pair(options.padding ?? 0, `${name} padding`),
      ceilMode: options.ceilMode ?? false,
      countIncludePad: options.countIncludePad ?? true,
    };
  }

  build(inShape: readonly number[]): { outShape: number[]; params: ParamSpec[] } {
    this.inShape = [...inShape];
    this.outShape = pool2dOutputShape([1, ...inShape], this.opts).slice(1);
    return { outShape: this.outShape, params: [] };
  }

  config(): LayerConfig {
    const { kernelSize, stride, padding, ceilMode } = this.opts;
    return { kind: this.kind, kernelSize, stride, padding, ceilMode };
  }
}

export class MaxPool2D extends Pool2D {
  readonly kind = 'maxPool2d';

  constructor(options: Pool2dLayerOptions = {}) {
    super(options, 'maxPool2d');
  }

  bufferSpecs(n: number): BufferSpec[] {
    return [{ name: 'argmax', shape: [n, ...this.outShape], dtype: 'int32' }];
  }

  forward({ y, x, buffers, training }: LayerIO): void {
    maxPool2dInto(y, x, this.opts as Pool2dOptions, training ? (buffers[0] as Tensor<'int32'>) : null);
  }

  backward({ dx, dy, x, buffers }: LayerIO): void {
    if (dx) maxPool2dBackwardInto(dx, dy!, x, this.opts as Pool2dOptions, buffers[0] as Tensor<'int32'>);
  }
}

export class AvgPool2D extends Pool2D {
  readonly kind = 'avgPool2d';

  constructor(options: AvgPool2dLayerOptions = {}) {
    super(options, 'avgPool2d');
  }

  forward({ y, x }: LayerIO): void {
    avgPool2dInto(y, x, this.opts);
  }

  backward({ dx, dy }: LayerIO): void {
    if (dx) avgPool2dBackwardInto(dx, dy!, this.opts);
  }

  config(): LayerConfig {
    return { ...super.config(), countIncludePad: this.opts.countIncludePad };
  }
}
