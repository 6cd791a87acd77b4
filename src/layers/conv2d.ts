// SPDX-License-Identifier: MIT
// Conv2D over ops/conv: y = x ⋆ W + b (cross-correlation, NCHW, weights OIHW, groups). What
// every convolution layer shares is in conv-base.ts. See: torch.nn.Conv2d.
import { pair, type Pair } from '../core/shape.js';
import { conv2dBackwardInto, conv2dInto, conv2dOutputShape, conv2dWorkspaceSize, type Conv2dOptions } from '../ops/conv.js';
import { CONV_LAYER_OPTIONS, ConvBase, samePadding, type ConvLayerCommonOptions, type ConvOps } from './conv-base.js';
import type { Built, LayerOptions } from './layer.js';

export interface Conv2dLayerOptions extends LayerOptions, ConvLayerCommonOptions {
  kernelSize: Pair;
  stride?: Pair;
  /** Zero padding per side, or 'valid' (0) or 'same' (stride 1: output size = input size). */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
}

const CONV2D_OPS: ConvOps<Conv2dOptions> = { outputShape: conv2dOutputShape, workspaceSize: conv2dWorkspaceSize, into: conv2dInto, backwardInto: conv2dBackwardInto };

export class Conv2D extends ConvBase<Conv2dOptions> {
  readonly kind = 'conv2d';
  readonly fusesRelu = true;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  protected readonly opts: Conv2dOptions;

  constructor(options: Conv2dLayerOptions) {
    super('conv2d', options, CONV_LAYER_OPTIONS, CONV2D_OPS);
    const { kernelSize, stride = 1, padding = 0, dilation = 1 } = options;
    this.kernelSize = pair(kernelSize, 'conv2d kernelSize', 1);
    this.stride = pair(stride, 'conv2d stride', 1);
    this.dilation = pair(dilation, 'conv2d dilation', 1);
    this.padding = padding === 'valid' ? [0, 0] : padding === 'same' ? samePadding('conv2d', this.kernelSize, this.stride, this.dilation) : pair(padding, 'conv2d padding');
    this.opts = { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  build(inShape: readonly number[]): Built {
    const [c] = inShape;
    const [kh, kw] = this.kernelSize;
    // torch: fan_in = w.shape[1] × receptive field
    return this.buildConv(inShape, [this.filters, c / this.groups, kh, kw], (c / this.groups) * kh * kw, this.filters * kh * kw);
  }

  protected geometryConfig(): Record<string, unknown> {
    const { kernelSize, stride, padding, dilation } = this;
    return { kernelSize, stride, padding, dilation };
  }
}
