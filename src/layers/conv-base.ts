// SPDX-License-Identifier: MIT
// What the convolution layers share (Conv2D, Conv1D, ConvTranspose2D), directly under Layer:
// the options every one has, checked once; the weight and bias it trains; forward and backward
// as one call each into its op's Into forms over the planned buffers (forward with the op's
// activation: 'relu' when the plan fused the layer with the ReLU reading it: conv1d and
// conv2d, whose fusesRelu is set); the config it saves.
// Each layer's own file keeps its geometry options, its weight layout and torch's fans.
import { ValueError } from '../core/errors.js';
import { checkBoolean, checkOptions } from '../core/options.js';
import type { Tensor } from '../core/tensor.js';
import { checkInitializer, type InitializerSpec } from '../model/init.js';
import type { ConvGrads } from '../ops/conv-geometry.js';
import { activationLayer, type ActivationName } from './activation.js';
import { Layer, type Built, type LayerConfig, type LayerIO, type LayerOptions, type ParamSpec } from './layer.js';

/** The options every convolution layer has (conv1d, conv2d, convTranspose2d). */
export interface ConvLayerCommonOptions {
  /** Output channels. */
  filters: number;
  /** Channel groups (default 1): input channels and filters divisible by it; groups = input channels is depthwise. */
  groups?: number;
  useBias?: boolean;
  /** Desugared into an activation layer applied after this one. */
  activation?: ActivationName;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
}

/** The options conv2d and conv1d accept (convTranspose2d adds outputPadding). */
export const CONV_LAYER_OPTIONS = ['name', 'filters', 'kernelSize', 'stride', 'padding', 'dilation', 'groups', 'useBias', 'activation', 'kernelInitializer', 'biasInitializer'];

/** The op a convolution layer runs: its shape, workspace and Into forms over options O. */
export interface ConvOps<O> {
  outputShape(xShape: readonly number[], wShape: readonly number[], opts: O): number[];
  workspaceSize(xShape: readonly number[], wShape: readonly number[], opts: O): number;
  into(y: Tensor, x: Tensor, w: Tensor, b: Tensor | null, opts: O, workspace: Tensor | null): void;
  backwardInto(grads: ConvGrads, dy: Tensor, x: Tensor, w: Tensor, opts: O, workspace: Tensor | null): void;
}

export abstract class ConvBase<O> extends Layer {
  readonly filters: number;
  readonly groups: number;
  readonly useBias: boolean;
  readonly activation?: ActivationName;
  readonly kernelInitializer: InitializerSpec;
  readonly biasInitializer: InitializerSpec;
  /** The op's options, set by the layer's constructor once its geometry is checked. */
  protected abstract readonly opts: O;
  /** opts plus activation: 'relu', for the fused forward (made at its first call). */
  private reluOpts: O | null = null;
  private wShape: number[] = [];

  /** Checks the options (`known` keys; filters and kernelSize required) and the ones every convolution has. */
  constructor(
    what: string,
    options: ConvLayerCommonOptions & LayerOptions,
    known: readonly string[],
    private readonly ops: ConvOps<O>,
  ) {
    checkOptions(what, options, known, ['filters', 'kernelSize']);
    super(options.name);
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
    this.filters = filters;
    this.groups = groups;
    this.useBias = checkBoolean(what, 'useBias', useBias);
    this.activation = activation;
    this.kernelInitializer = kernelInitializer;
    this.biasInitializer = biasInitializer;
  }

  /** build() for weights of wShape: checks the input through the op, names weight and bias with torch's fans. */
  protected buildConv(inShape: readonly number[], wShape: number[], fanIn: number, fanOut: number): Built {
    this.wShape = wShape;
    this.outShape = this.ops.outputShape([1, ...inShape], wShape, this.opts).slice(1);
    this.inShape = [...inShape];
    const params: ParamSpec[] = [{ name: 'weight', shape: wShape, init: this.kernelInitializer, fanIn, fanOut }];
    if (this.useBias) params.push({ name: 'bias', shape: [this.filters], init: this.biasInitializer, fanIn, fanOut });
    return { outShape: this.outShape, params };
  }

  workspaceSize(n: number): number {
    return this.ops.workspaceSize([n, ...this.inShape], this.wShape, this.opts);
  }

  forward({ y, x, params, workspace, fusedRelu }: LayerIO): void {
    const opts = fusedRelu ? (this.reluOpts ??= { ...this.opts, activation: 'relu' }) : this.opts;
    this.ops.into(y, x, params[0], params[1] ?? null, opts, workspace);
  }

  backward({ dx, dy, x, params, grads, workspace }: LayerIO): void {
    this.ops.backwardInto({ dx, dw: grads[0], db: grads[1] ?? null }, dy!, x, params[0], this.opts, workspace);
  }

  activationLayer(): Layer | null {
    return activationLayer(this.kind, this.activation);
  }

  /** The layer's own geometry options, in the order config() lists them after filters. */
  protected abstract geometryConfig(): Record<string, unknown>;

  config(): LayerConfig {
    const { filters, groups, useBias, kernelInitializer, biasInitializer } = this;
    return { kind: this.kind, filters, ...this.geometryConfig(), groups, useBias, kernelInitializer, biasInitializer };
  }
}

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
