// SPDX-License-Identifier: MIT
// Conv1D over ops/conv1d: y = x ⋆ W + b on [C, L] inputs, weights [filters, C/groups, K].
// See: torch.nn.Conv1d.
import { ValueError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { type InitializerSpec } from '../model/init.js';
import { conv1dBackwardInto, conv1dInto, conv1dOutputShape, conv1dWorkspaceSize, type Conv1dOptions } from '../ops/conv1d.js';
import { activationLayer, type ActivationName } from './activation.js';
import { convLayerCommon, samePadding, type ConvLayerCommonOptions } from './conv2d.js';
import { Layer, type Built, type LayerConfig, type LayerIO, type LayerOptions } from './layer.js';

export interface Conv1dLayerOptions extends LayerOptions, ConvLayerCommonOptions {
  kernelSize: number;
  stride?: number;
  /** Zero padding per side, or 'valid' (0) or 'same' (stride 1: output length = input length). */
  padding?: number | 'same' | 'valid';
  dilation?: number;
}

const CONV1D_OPTIONS = ['name', 'filters', 'kernelSize', 'stride', 'padding', 'dilation', 'groups', 'useBias', 'activation', 'kernelInitializer', 'biasInitializer'];

function integer(v: unknown, name: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ValueError(`${name}: expected an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

export class Conv1D extends Layer {
  readonly kind = 'conv1d';
  readonly filters: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly groups: number;
  readonly useBias: boolean;
  readonly activation?: ActivationName;
  readonly kernelInitializer: InitializerSpec;
  readonly biasInitializer: InitializerSpec;
  private opts: Conv1dOptions;
  private wShape: number[] = [];

  constructor(options: Conv1dLayerOptions) {
    checkOptions('conv1d', options, CONV1D_OPTIONS, ['filters', 'kernelSize']);
    super(options.name);
    const common = convLayerCommon('conv1d', options);
    this.filters = common.filters;
    this.groups = common.groups;
    this.useBias = common.useBias;
    this.activation = common.activation;
    this.kernelInitializer = common.kernelInitializer;
    this.biasInitializer = common.biasInitializer;
    const { padding = 0 } = options;
    this.kernelSize = integer(options.kernelSize, 'conv1d kernelSize', 1);
    this.stride = integer(options.stride ?? 1, 'conv1d stride', 1);
    this.dilation = integer(options.dilation ?? 1, 'conv1d dilation', 1);
    this.padding =
      padding === 'valid' ? 0 : padding === 'same' ? samePadding('conv1d', [1, this.kernelSize], [1, this.stride], [1, this.dilation])[1] : integer(padding, 'conv1d padding', 0);
    this.opts = { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  build(inShape: readonly number[]): Built {
    const [c] = inShape;
    const k = this.kernelSize;
    this.wShape = [this.filters, c / this.groups, k];
    this.outShape = conv1dOutputShape([1, ...inShape], this.wShape, this.opts).slice(1);
    this.inShape = [...inShape];
    const fanIn = (c / this.groups) * k; // torch: w.shape[1] × kernel size
    const fanOut = this.filters * k;
    const params = [{ name: 'weight', shape: this.wShape, init: this.kernelInitializer, fanIn, fanOut }];
    if (this.useBias) params.push({ name: 'bias', shape: [this.filters], init: this.biasInitializer, fanIn, fanOut });
    return { outShape: this.outShape, params };
  }

  workspaceSize(n: number): number {
    return conv1dWorkspaceSize([n, ...this.inShape], this.wShape, this.opts);
  }

  forward({ y, x, params, workspace }: LayerIO): void {
    conv1dInto(y, x, params[0], params[1] ?? null, this.opts, workspace);
  }

  backward({ dx, dy, x, params, grads, workspace }: LayerIO): void {
    conv1dBackwardInto({ dx, dw: grads[0], db: grads[1] ?? null }, dy!, x, params[0], this.opts, workspace);
  }

  activationLayer(): Layer | null {
    return activationLayer('conv1d', this.activation);
  }

  config(): LayerConfig {
    const { filters, kernelSize, stride, padding, dilation, groups, useBias, kernelInitializer, biasInitializer } = this;
    return { kind: this.kind, filters, kernelSize, stride, padding, dilation, groups, useBias, kernelInitializer, biasInitializer };
  }
}
