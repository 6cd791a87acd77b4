// SPDX-License-Identifier: MIT
// Conv1D over ops/conv1d: y = x ⋆ W + b on [C, L] inputs, weights [filters, C/groups, K].
// See: torch.nn.Conv1d.
import { conv1dBackwardInto, conv1dInto, conv1dOutputShape, conv1dWorkspaceSize, type Conv1dOptions } from '../ops/conv1d.js';
import { checkInteger } from '../ops/conv-geometry.js';
import { CONV_LAYER_OPTIONS, ConvBase, samePadding, type ConvLayerCommonOptions, type ConvOps } from './conv-base.js';
import type { Built, LayerOptions } from './layer.js';

export interface Conv1dLayerOptions extends LayerOptions, ConvLayerCommonOptions {
  kernelSize: number;
  stride?: number;
  /** Zero padding per side, or 'valid' (0) or 'same' (stride 1: output length = input length). */
  padding?: number | 'same' | 'valid';
  dilation?: number;
}

const CONV1D_OPS: ConvOps<Conv1dOptions> = { outputShape: conv1dOutputShape, workspaceSize: conv1dWorkspaceSize, into: conv1dInto, backwardInto: conv1dBackwardInto };

export class Conv1D extends ConvBase<Conv1dOptions> {
  readonly kind = 'conv1d';
  readonly fusesRelu = true;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  protected readonly opts: Conv1dOptions;

  constructor(options: Conv1dLayerOptions) {
    super('conv1d', options, CONV_LAYER_OPTIONS, CONV1D_OPS);
    const { padding = 0 } = options;
    this.kernelSize = checkInteger(options.kernelSize, 'conv1d kernelSize', 1);
    this.stride = checkInteger(options.stride ?? 1, 'conv1d stride', 1);
    this.dilation = checkInteger(options.dilation ?? 1, 'conv1d dilation', 1);
    this.padding =
      padding === 'valid' ? 0 : padding === 'same' ? samePadding('conv1d', [1, this.kernelSize], [1, this.stride], [1, this.dilation])[1] : checkInteger(padding, 'conv1d padding', 0);
    this.opts = { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  build(inShape: readonly number[]): Built {
    const [c] = inShape;
    const k = this.kernelSize;
    // torch: fan_in = w.shape[1] × kernel size
    return this.buildConv(inShape, [this.filters, c / this.groups, k], (c / this.groups) * k, this.filters * k);
  }

  protected geometryConfig(): Record<string, unknown> {
    const { kernelSize, stride, padding, dilation } = this;
    return { kernelSize, stride, padding, dilation };
  }
}
