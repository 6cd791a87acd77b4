// SPDX-License-Identifier: MIT
// MaxPool2D, AvgPool2D, GlobalAvgPool2D and AdaptiveAvgPool2D over ops/pool. No
// parameters; max pooling keeps its argmax in a planned int32 buffer (training only) so
// backward routes δ without searching the window again.
// See: torch.nn.MaxPool2d, torch.nn.AvgPool2d, torch.nn.AdaptiveAvgPool2d.
import { checkBoolean, checkOptions } from '../core/options.js';
import { pair, type Pair } from '../core/shape.js';
import { ShapeError, fmtShape } from '../core/errors.js';
import {
  adaptiveAvgPool2dBackwardInto,
  adaptiveAvgPool2dInto,
  avgPool2dBackwardInto,
  avgPool2dInto,
  globalAvgPool2dBackwardInto,
  globalAvgPool2dInto,
  maxPool2dBackwardInto,
  maxPool2dInto,
  pool2dOutputShape,
  type AvgPool2dOptions,
  type Pool2dOptions,
} from '../ops/pool.js';
import { Layer, type Built, type BufferSpec, type LayerConfig, type LayerIO, type LayerOptions } from './layer.js';
import type { Tensor } from '../core/tensor.js';

export interface Pool2dLayerOptions extends LayerOptions {
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

const POOL_OPTIONS = ['name', 'poolSize', 'kernelSize', 'stride', 'padding', 'ceilMode'];

abstract class Pool2D extends Layer {
  protected readonly opts: AvgPool2dOptions;

  constructor(options: AvgPool2dLayerOptions, what: string, known: string[]) {
    checkOptions(what, options, known);
    super(options.name);
    const kernelSize = pair(options.poolSize ?? options.kernelSize ?? 2, `${what} poolSize`, 1);
    this.opts = {
      kernelSize,
      stride: pair(options.stride ?? kernelSize, `${what} stride`, 1),
      padding: pair(options.padding ?? 0, `${what} padding`),
      ceilMode: checkBoolean(what, 'ceilMode', options.ceilMode ?? false),
    };
  }

  build(inShape: readonly number[]): Built {
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
    super(options, 'maxPool2d', POOL_OPTIONS);
  }

  bufferSpecs(n: number, training: boolean): BufferSpec[] {
    return training ? [{ name: 'argmax', shape: [n, ...this.outShape], dtype: 'int32' }] : [];
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
    super(options, 'avgPool2d', [...POOL_OPTIONS, 'countIncludePad']);
    this.opts.countIncludePad = checkBoolean('avgPool2d', 'countIncludePad', options.countIncludePad ?? true);
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

function expectImage(what: string, inShape: readonly number[]): void {
  if (inShape.length !== 3) throw new ShapeError(`${what}: expected an input [C, H, W], got ${fmtShape(inShape)}`);
}

export interface GlobalAvgPool2dLayerOptions extends LayerOptions {
  /** Output [C, 1, 1] instead of [C] (default false: ready for a dense layer). */
  keepDims?: boolean;
}

/** The mean of every channel plane: [C, H, W] → [C] (ResNet's and GoogLeNet's head). */
export class GlobalAvgPool2D extends Layer {
  readonly kind = 'globalAvgPool2d';
  readonly keepDims: boolean;

  constructor(options: GlobalAvgPool2dLayerOptions = {}) {
    checkOptions('globalAvgPool2d', options, ['name', 'keepDims']);
    super(options.name);
    this.keepDims = checkBoolean('globalAvgPool2d', 'keepDims', options.keepDims ?? false);
  }

  build(inShape: readonly number[]): Built {
    expectImage('globalAvgPool2d', inShape);
    this.inShape = [...inShape];
    this.outShape = this.keepDims ? [inShape[0], 1, 1] : [inShape[0]];
    return { outShape: this.outShape, params: [] };
  }

  forward({ y, x }: LayerIO): void {
    globalAvgPool2dInto(y, x);
  }

  backward({ dx, dy }: LayerIO): void {
    if (dx) globalAvgPool2dBackwardInto(dx, dy!);
  }

  config(): LayerConfig {
    return { kind: this.kind, keepDims: this.keepDims };
  }
}

export interface AdaptiveAvgPool2dLayerOptions extends LayerOptions {
  /** Output height and width, `s` or `[oh, ow]`. */
  outputSize: Pair;
}

/** Average pooling to a fixed output size with PyTorch's windows. */
export class AdaptiveAvgPool2D extends Layer {
  readonly kind = 'adaptiveAvgPool2d';
  readonly outputSize: [number, number];

  constructor(options: AdaptiveAvgPool2dLayerOptions) {
    checkOptions('adaptiveAvgPool2d', options, ['name', 'outputSize'], ['outputSize']);
    super(options.name);
    this.outputSize = pair(options.outputSize, 'adaptiveAvgPool2d outputSize', 1);
  }

  build(inShape: readonly number[]): Built {
    expectImage('adaptiveAvgPool2d', inShape);
    this.inShape = [...inShape];
    this.outShape = [inShape[0], ...this.outputSize];
    return { outShape: this.outShape, params: [] };
  }

  forward({ y, x }: LayerIO): void {
    adaptiveAvgPool2dInto(y, x, { outputSize: this.outputSize });
  }

  backward({ dx, dy }: LayerIO): void {
    if (dx) adaptiveAvgPool2dBackwardInto(dx, dy!, { outputSize: this.outputSize });
  }

  config(): LayerConfig {
    return { kind: this.kind, outputSize: this.outputSize };
  }
}
