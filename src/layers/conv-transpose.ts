// SPDX-License-Identifier: MIT
// ConvTranspose2D over ops/conv-transpose: the adjoint of a conv2d (an upsampling learned
// convolution), weights [Cin, filters/groups, KH, KW] as PyTorch lays them out.
// See: torch.nn.ConvTranspose2d.
import { checkOptions } from '../core/options.js';
import { pair, type Pair } from '../core/shape.js';
import { type InitializerSpec } from '../model/init.js';
import {
  convTranspose2dBackwardInto,
  convTranspose2dInto,
  convTranspose2dOutputShape,
  convTranspose2dWorkspaceSize,
  type ConvTranspose2dOptions,
} from '../ops/conv-transpose.js';
import { activationLayer, type ActivationName } from './activation.js';
import { convLayerCommon, type ConvLayerCommonOptions } from './conv2d.js';
import { Layer, type Built, type LayerConfig, type LayerIO, type LayerOptions } from './layer.js';

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

export class ConvTranspose2D extends Layer {
  readonly kind = 'convTranspose2d';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  readonly useBias: boolean;
  readonly activation?: ActivationName;
  readonly kernelInitializer: InitializerSpec;
  readonly biasInitializer: InitializerSpec;
  private opts: ConvTranspose2dOptions;
  private wShape: number[] = [];

  constructor(options: ConvTranspose2dLayerOptions) {
    const what = 'convTranspose2d';
    checkOptions(what, options, CONV_TRANSPOSE2D_OPTIONS, ['filters', 'kernelSize']);
    super(options.name);
    const common = convLayerCommon(what, options);
    this.filters = common.filters;
    this.groups = common.groups;
    this.useBias = common.useBias;
    this.activation = common.activation;
    this.kernelInitializer = common.kernelInitializer;
    this.biasInitializer = common.biasInitializer;
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
    this.wShape = [cin, this.filters / this.groups, kh, kw];
    this.outShape = convTranspose2dOutputShape([1, ...inShape], this.wShape, this.opts).slice(1);
    this.inShape = [...inShape];
    // torch's fans come from the weight's dims 1 and 0: fan_in = Cout/groups·KH·KW, fan_out = Cin·KH·KW.
    const fanIn = (this.filters / this.groups) * kh * kw;
    const fanOut = cin * kh * kw;
    const params = [{ name: 'weight', shape: this.wShape, init: this.kernelInitializer, fanIn, fanOut }];
    if (this.useBias) params.push({ name: 'bias', shape: [this.filters], init: this.biasInitializer, fanIn, fanOut });
    return { outShape: this.outShape, params };
  }

  workspaceSize(n: number): number {
    return convTranspose2dWorkspaceSize([n, ...this.inShape], this.wShape, this.opts);
  }

  forward({ y, x, params, workspace }: LayerIO): void {
    convTranspose2dInto(y, x, params[0], params[1] ?? null, this.opts, workspace);
  }

  backward({ dx, dy, x, params, grads, workspace }: LayerIO): void {
    convTranspose2dBackwardInto({ dx, dw: grads[0], db: grads[1] ?? null }, dy!, x, params[0], this.opts, workspace);
  }

  activationLayer(): Layer | null {
    return activationLayer('convTranspose2d', this.activation);
  }

  config(): LayerConfig {
    const { filters, kernelSize, stride, padding, outputPadding, dilation, groups, useBias, kernelInitializer, biasInitializer } = this;
    return { kind: this.kind, filters, kernelSize, stride, padding, outputPadding, dilation, groups, useBias, kernelInitializer, biasInitializer };
  }
}
