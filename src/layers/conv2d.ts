// SPDX-License-Identifier: MIT
// Conv2D over ops/conv: y = x ⋆ W + b (cross-correlation, NCHW, weights OIHW, groups), and
// the options every convolution layer shares (conv1d, convTranspose2d).
// See: torch.nn.Conv2d.
import { ValueError } from '../core/errors.js';
import { checkBoolean, checkOptions } from '../core/options.js';
import { pair, type Pair } from '../core/shape.js';
import { checkInitializer, type InitializerSpec } from '../model/init.js';
import { conv2dBackwardInto, conv2dInto, conv2dOutputShape, conv2dWorkspaceSize, type Conv2dOptions } from '../ops/conv.js';
import { activationLayer, type ActivationName } from './activation.js';
import { Layer, type Built, type LayerConfig, type LayerIO, type LayerOptions } from './layer.js';

export interface Conv2dLayerOptions extends LayerOptions {
  /** Output channels. */
  filters: number;
  kernelSize: Pair;
  stride?: Pair;
  /** Zero padding per side, or 'valid' (0) or 'same' (stride 1: output size = input size). */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  /** Channel groups (default 1): input channels and filters divisible by it; groups = input channels is depthwise. */
  groups?: number;
  useBias?: boolean;
  /** Desugared into an activation layer applied after this one. */
  activation?: ActivationName;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
}

/** The options every convolution layer has (conv1d, conv2d, convTranspose2d). */
export interface ConvLayerCommonOptions {
  filters: number;
  groups?: number;
  useBias?: boolean;
  activation?: ActivationName;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
}

/** What every convolution layer keeps of those, checked. */
export type ConvLayerCommon = Required<Omit<ConvLayerCommonOptions, 'activation'>> & { activation?: ActivationName };

/** Checks filters, groups (dividing filters), useBias, activation and initialisers (ValueErrors naming `what`). */
export function convLayerCommon(what: string, options: ConvLayerCommonOptions): ConvLayerCommon {
  const { filters, groups = 1, useBias = true, activation } = options;
  if (!Number.isInteger(filters) || filters < 1) throw new ValueError(`${what}: expected filters ≥ 1, got ${filters}`);
  if (!Number.isInteger(groups) || groups < 1 || filters % groups !== 0) {
    throw new ValueError(`${what}: expected groups an integer ≥ 1 dividing filters (${filters}), got ${JSON.stringify(groups)}`);
  }
  activationLayer(what, activation);
  const kernelInitializer = options.kernelInitializer ?? 'torch';
  const biasInitializer = options.biasInitializer ?? 'torch';
  checkInitializer(kernelInitializer, `${what} kernelInitializer`);
  checkInitializer(biasInitializer, `${what} biasInitializer`);
  return { filters, groups, useBias: checkBoolean(what, 'useBias', useBias), activation, kernelInitializer, biasInitializer };
}

export class Conv2D extends Layer {
  readonly kind = 'conv2d';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  readonly useBias: boolean;
  readonly activation?: ActivationName;
  readonly kernelInitializer: InitializerSpec;
  readonly biasInitializer: InitializerSpec;
  private opts: Conv2dOptions;
  private wShape: number[] = [];

  constructor(options: Conv2dLayerOptions) {
    checkOptions('conv2d', options, CONV2D_OPTIONS, ['filters', 'kernelSize']);
    super(options.name);
    const { kernelSize, stride = 1, padding = 0, dilation = 1 } = options;
    const common = convLayerCommon('conv2d', options);
    this.filters = common.filters;
    this.groups = common.groups;
    this.useBias = common.useBias;
    this.activation = common.activation;
    this.kernelInitializer = common.kernelInitializer;
    this.biasInitializer = common.biasInitializer;
    this.kernelSize = pair(kernelSize, 'conv2d kernelSize', 1);
    this.stride = pair(stride, 'conv2d stride', 1);
    this.dilation = pair(dilation, 'conv2d dilation', 1);
    this.padding = padding === 'valid' ? [0, 0] : padding === 'same' ? samePadding('conv2d', this.kernelSize, this.stride, this.dilation) : pair(padding, 'conv2d padding');
    this.opts = { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }

  build(inShape: readonly number[]): Built {
    const [c] = inShape;
    const [kh, kw] = this.kernelSize;
    this.wShape = [this.filters, c / this.groups, kh, kw];
    const out = conv2dOutputShape([1, ...inShape], this.wShape, this.opts);
    this.inShape = [...inShape];
    this.outShape = out.slice(1);
    const fanIn = (c / this.groups) * kh * kw; // torch: w.shape[1] × receptive field
    const fanOut = this.filters * kh * kw;
    const params = [{ name: 'weight', shape: this.wShape, init: this.kernelInitializer, fanIn, fanOut }];
    if (this.useBias) params.push({ name: 'bias', shape: [this.filters], init: this.biasInitializer, fanIn, fanOut });
    return { outShape: this.outShape, params };
  }

  workspaceSize(n: number): number {
    return conv2dWorkspaceSize([n, ...this.inShape], this.wShape, this.opts);
  }

  forward({ y, x, params, workspace }: LayerIO): void {
    conv2dInto(y, x, params[0], params[1] ?? null, this.opts, workspace);
  }

  backward({ dx, dy, x, params, grads, workspace }: LayerIO): void {
    conv2dBackwardInto({ dx, dw: grads[0], db: grads[1] ?? null }, dy!, x, params[0], this.opts, workspace);
  }

  activationLayer(): Layer | null {
    return activationLayer('conv2d', this.activation);
  }

  config(): LayerConfig {
    const { filters, kernelSize, stride, padding, dilation, groups, useBias, kernelInitializer, biasInitializer } = this;
    return { kind: this.kind, filters, kernelSize, stride, padding, dilation, groups, useBias, kernelInitializer, biasInitializer };
  }
}

const CONV2D_OPTIONS = ['name', 'filters', 'kernelSize', 'stride', 'padding', 'dilation', 'groups', 'useBias', 'activation', 'kernelInitializer', 'biasInitializer'];

/** The padding that keeps the size at stride 1 (padding: 'same'); a ValueError when none does. */
export function samePadding(what: string, k: [number, number], s: [number, number], d: [number, number]): [number, number] {
  const p = k.map((ki, i) => (d[i] * (ki - 1)) / 2);
  if (s[0] !== 1 || s[1] !== 1 || !p.every(Number.isInteger)) {
    const show = (v: [number, number]) => (what === 'conv1d' ? `${v[1]}` : `[${v}]`);
    throw new ValueError(
      `${what} padding 'same': expected stride 1 and an odd dilated kernel, got kernelSize ${show(k)}, stride ${show(s)}, dilation ${show(d)}`,
    );
  }
  return [p[0], p[1]];
}
