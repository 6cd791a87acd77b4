// SPDX-License-Identifier: MIT
// Dense (fully connected) over ops/gemm: y = x·Wᵀ + b, W is [units, inFeatures].
// See: torch.nn.Linear.
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { checkBoolean, checkOptions } from '../core/options.js';
import { checkInitializer, type InitializerSpec } from '../model/init.js';
import { linearBackwardInto, linearInto, linearWorkspaceSize } from '../ops/gemm.js';
import { activationLayer, type ActivationName } from './activation.js';
import { Layer, type Built, type LayerConfig, type LayerIO, type LayerOptions, type ParamSpec } from './layer.js';

export interface DenseLayerOptions extends LayerOptions {
  /** Output features. */
  units: number;
  useBias?: boolean;
  /** Desugared into an activation layer applied after this one. */
  activation?: ActivationName;
  kernelInitializer?: InitializerSpec;
  biasInitializer?: InitializerSpec;
}

export class Dense extends Layer {
  readonly kind = 'dense';
  readonly units: number;
  readonly useBias: boolean;
  readonly activation?: ActivationName;
  readonly kernelInitializer: InitializerSpec;
  readonly biasInitializer: InitializerSpec;

  constructor(options: DenseLayerOptions) {
    checkOptions('dense', options, ['name', 'units', 'useBias', 'activation', 'kernelInitializer', 'biasInitializer'], ['units']);
    super(options?.name);
    const { units, useBias = true } = options;
    if (!Number.isInteger(units) || units < 1) throw new ValueError(`dense: expected units ≥ 1, got ${units}`);
    this.units = units;
    this.useBias = checkBoolean('dense', 'useBias', useBias);
    this.activation = options.activation;
    activationLayer('dense', this.activation);
    this.kernelInitializer = options.kernelInitializer ?? 'torch';
    this.biasInitializer = options.biasInitializer ?? 'torch';
    checkInitializer(this.kernelInitializer, 'dense kernelInitializer');
    checkInitializer(this.biasInitializer, 'dense biasInitializer');
  }

  build(inShape: readonly number[]): Built {
    if (inShape.length !== 1) {
      throw new ShapeError(`dense: expected a flat input [features], got ${fmtShape(inShape)}; put layers.flatten() before it`);
    }
    const fanIn = inShape[0];
    const fanOut = this.units;
    this.inShape = [fanIn];
    this.outShape = [this.units];
    const params: ParamSpec[] = [{ name: 'weight', shape: [this.units, fanIn], init: this.kernelInitializer, fanIn, fanOut }];
    if (this.useBias) params.push({ name: 'bias', shape: [this.units], init: this.biasInitializer, fanIn, fanOut });
    return { outShape: this.outShape, params };
  }

  workspaceSize(n: number): number {
    return linearWorkspaceSize(n, this.inShape[0], this.units);
  }

  forward({ y, x, params, workspace }: LayerIO): void {
    linearInto(y, x, params[0], params[1] ?? null, workspace);
  }

  backward({ dx, dy, x, params, grads, workspace }: LayerIO): void {
    linearBackwardInto({ dx, dw: grads[0], db: grads[1] ?? null }, dy!, x, params[0], workspace);
  }

  activationLayer(): Layer | null {
    return activationLayer('dense', this.activation);
  }

  config(): LayerConfig {
    const { units, useBias, kernelInitializer, biasInitializer } = this;
    return { kind: this.kind, units, useBias, kernelInitializer, biasInitializer };
  }
}
