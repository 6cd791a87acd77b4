// SPDX-License-Identifier: MIT
// ConvTranspose2D over ops/conv-transpose: the adjoint of a conv2d (an upsampling learned
// convolution), weights [Cin, filters/groups, KH, KW] as PyTorch lays them out.
// See: torch.nn.ConvTranspose2d.
import { pair, type Pair } from '../core/shape.js';
import {
  convTranspose2dBackwardInto,
  convTranspose2dInto,
  convTranspose2dOutputShape,
  convTranspose2dWorkspaceSize,
  type ConvTranspose2dOptions,
} from '../ops/conv-transpose.js';
import { ConvBase, type ConvLayerCommonOptions, type ConvOps } from './conv-base.js';
import type { Built, LayerOptions } from './layer.js';

export interface ConvTranspose2dLayerOptions extends LayerOptions, ConvLayerCommonOptions {
  kernelSize: Pair;
  stride?: Pair;
  /** Rows / columns cropped from each side of the full output (default 0). */
  padding?: Pair;
  /** Extra rows / columns at the bottom / right, less than max(stride, dilation) (default 0). */
  outputPadding?: Pair;
  dilation?: Pair;
}

const CONV_TRANSPOSE2D_OPTIONS = [
  'name', 'filters', 'kernelSize', 'stride', 'padding', 'outputPadding', 'dilation', 'groups', 'useBias', 'activation', 'kernelInitializer', 'biasInitializer',
];
const CONV_TRANSPOSE2D_OPS: ConvOps<ConvTranspose2dOptions> = {
  outputShape: convTranspose2dOutputShape,
  workspaceSize: convTranspose2dWorkspaceSize,
  into: convTranspose2dInto,
  backwardInto: convTranspose2dBackwardInto,
};

export class ConvTranspose2D extends ConvBase<ConvTranspose2dOptions> {
  readonly kind = 'convTranspose2d';
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  protected readonly opts: ConvTranspose2dOptions;

  constructor(options: ConvTranspose2dLayerOptions) {
    const what = 'convTranspose2d';
    super(what, options, CONV_TRANSPOSE2D_OPTIONS, CONV_TRANSPOSE2D_OPS);
    this.kernelSize = pair(options.kernelSize, `${what} kernelSize`, 1);
    this.stride = pair(options.stride ?? 1, `${what} stride`, 1);
    this.padding = pair(options.padding ?? 0, `${what} padding`, 0);
    this.outputPadding = pair(options.outputPadding ?? 0, `${what} outputPadding`, 0);
    this.dilation = pair(options.dilation ?? 1, `${what} dilation`, 1);
    const { stride, padding, outputPadding, dilation, groups } = this;
    this.opts = { stride, padding, outputPadding, dilation, groups };
  }

  build(inShape: readonly number[]): Built {
    const [cin] = inShape;
    const [kh, kw] = this.kernelSize;
    // torch's fans come from the weight's dims 1 and 0: fan_in = Cout/groups·KH·KW, fan_out = Cin·KH·KW.
    return this.buildConv(inShape, [cin, this.filters / this.groups, kh, kw], (this.filters / this.groups) * kh * kw, cin * kh * kw);
  }

  protected geometryConfig(): Record<string, unknown> {
    const { kernelSize, stride, padding, outputPadding, dilation } = this;
    return { kernelSize, stride, padding, outputPadding, dilation };
  }
}
