// SPDX-License-Identifier: MIT
// The one level of Layer. A layer holds its options; build() infers its output shape and
// names the parameters it needs; compile() (model/plan.ts) then lays every tensor out in
// planned arenas and hands the layer a LayerIO of views into them. forward/backward are a
// few calls into src/ops over those views: they allocate nothing.
import type { DType, Tensor } from '../core/tensor.js';
import type { InitializerSpec } from '../model/init.js';

/** A parameter the layer needs: compile() allocates and initialises it. */
export interface ParamSpec {
  name: 'weight' | 'bias';
  shape: number[];
  init: InitializerSpec;
  /** Fan-in and fan-out, for the scaled initialisers. */
  fanIn: number;
  fanOut: number;
}

/** A per-layer buffer kept from forward to backward (e.g. max-pool argmax). */
export interface BufferSpec {
  name: string;
  /** Shape including the batch dimension. */
  shape: number[];
  dtype: DType;
}

/** What a layer reads and writes in one step: views into the planned arenas. */
export interface LayerIO {
  /** Input activation [n, ...inShape]. */
  x: Tensor;
  /** Output activation [n, ...outShape]. */
  y: Tensor;
  /** δ of the input (accumulate into it); null for the first layer or in inference. */
  dx: Tensor | null;
  /** δ of the output; null in inference. */
  dy: Tensor | null;
  /** Parameters in the order of build().params. */
  params: Tensor[];
  /** Their gradients (accumulate into them), same order. */
  grads: Tensor[];
  /** Buffers in the order of bufferSpecs(). */
  buffers: Tensor<DType>[];
  /** Shared scratch of at least workspaceSize(n) floats. */
  workspace: Tensor;
  training: boolean;
}

/** The serialisable description of a layer: its kind plus its options. */
export interface LayerConfig {
  kind: string;
  [option: string]: unknown;
}

export abstract class Layer {
  /** Key in the kinds table (layers/index.ts). */
  abstract readonly kind: string;
  /** Set by build(). */
  inShape: number[] = [];
  outShape: number[] = [];
  /** True when y is x under another shape (flatten): compile() gives both one buffer. */
  readonly aliasesInput: boolean = false;

  /** Infers the output shape from the input shape (without batch), validating it. */
  abstract build(inShape: readonly number[]): { outShape: number[]; params: ParamSpec[] };
  /** Buffers kept between forward and backward, for a batch of n. */
  bufferSpecs(_n: number): BufferSpec[] {
    return [];
  }
  /** Scratch floats needed by forward and backward for a batch of n. */
  workspaceSize(_n: number): number {
    return 0;
  }
  abstract forward(io: LayerIO): void;
  abstract backward(io: LayerIO): void;
  /** Options to rebuild this layer with the kinds table. */
  abstract config(): LayerConfig;
}
