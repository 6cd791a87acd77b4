// SPDX-License-Identifier: MIT
// The one level of Layer. A layer holds its options; apply() (model/graph.ts) makes it a
// node of a graph and calls build(), which infers the output shape and names the
// parameters and saved state it needs; compile() (model/plan.ts) then lays every tensor out
// in planned arenas and hands the node a LayerIO of views into them. forward/backward are
// a few calls into src/ops over those views: they allocate nothing.
import { ValueError } from '../core/errors.js';
import type { DType, Tensor } from '../core/tensor.js';
import { applyLayer, type GraphNode, type SymbolicTensor } from '../model/graph.js';
import type { InitializerSpec } from '../model/init.js';

/** A trained parameter the layer needs: the plan allocates and initialises it, the optimiser steps it. */
export interface ParamSpec {
  /** 'weight', 'bias' … */
  name: string;
  shape: number[];
  init: InitializerSpec;
  /** Fan-in and fan-out, for the scaled initialisers. */
  fanIn: number;
  fanOut: number;
}

/** Saved state that is not trained (batch norm's running statistics): saved with the model, never stepped. */
export interface StateSpec {
  name: string;
  shape: number[];
  init: 'zeros' | 'ones';
}

/** A per-node buffer kept from forward to backward (max-pool argmax, batch-norm statistics, dropout mask). */
export interface BufferSpec {
  name: string;
  shape: number[];
  dtype: DType;
}

/** What build() returns. */
export interface Built {
  outShape: number[];
  params: ParamSpec[];
  state?: StateSpec[];
}

/** What a node reads and writes in one step: views into the planned arenas. */
export interface LayerIO {
  /** The first input activation [n, ...inShape] (xs[0]). */
  x: Tensor;
  /** Every input activation, in apply() order. */
  xs: Tensor[];
  /** Output activation [n, ...outShape]. */
  y: Tensor;
  /** δ of the first input (accumulate into it); null when no gradient flows there or in inference. */
  dx: Tensor | null;
  /** δ of every input, like dx. */
  dxs: (Tensor | null)[];
  /** δ of the output; null in inference (backward is then never called). */
  dy: Tensor | null;
  /** Parameters in the order of build().params. */
  params: Tensor[];
  /** Their gradients (accumulate into them), same order. */
  grads: Tensor[];
  /** Saved state in the order of build().state (updated in place by forward in training). */
  state: Tensor[];
  /** Buffers in the order of bufferSpecs(). */
  buffers: Tensor<DType>[];
  /** Shared scratch of at least workspaceSize(n) floats. */
  workspace: Tensor;
  /** Training mode (fit, trainBatch) or evaluation mode (evaluate, predict). */
  training: boolean;
  /** The step's random stream, reseeded before every training step (dropout masks). */
  stream: { seed: number };
  /** This node's index in the model (mixed into the stream's seed, so nodes draw differently). */
  node: number;
  /**
   * True when the plan fused this node with a ReLU (model/plan.ts): a layer that fusesRelu
   * then writes relu(its output) in its own forward, and the ReLU, whose y is that same
   * memory, has nothing to do in forward (its backward is unchanged).
   */
  fusedRelu: boolean;
}

/** The serialisable description of a layer: its kind plus its options. */
export interface LayerConfig {
  kind: string;
  [option: string]: unknown;
}

/** The option every layer factory accepts beside its own. */
export interface LayerOptions {
  /** A unique name in the model (default: kind_k, e.g. 'conv2d_1'). */
  name?: string;
}

/** Throws unless name is a string of letters, digits, _ . - not starting with a digit. */
export function checkLayerName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !/^[A-Za-z_][\w.-]*$/.test(name) || name.length > 256) {
    throw new ValueError(`layer name: expected a string of letters, digits, _ . - (not starting with a digit), got ${JSON.stringify(name)}`);
  }
}

export abstract class Layer {
  /** Key in the kinds table (layers/index.ts). */
  abstract readonly kind: string;
  /** The name given in the options, or the one the model assigns. */
  name: string | null;
  /** Set by build(). */
  inShape: number[] = [];
  outShape: number[] = [];
  /** True when y is x under another shape (flatten): the plan gives both one buffer. */
  readonly aliasesInput: boolean = false;
  /** True when forward can end in a ReLU (conv1d, conv2d): the plan fuses it with a ReLU that is the only reader of its output. */
  readonly fusesRelu: boolean = false;
  /** How many inputs apply() accepts (merge layers take several). */
  readonly minInputs: number = 1;
  readonly maxInputs: number = 1;
  /** The node this layer became (set by apply()). */
  node: GraphNode | null = null;
  /** What build() returned for that node. */
  built: Built | null = null;

  constructor(name?: string) {
    if (name !== undefined) checkLayerName(name);
    this.name = name ?? null;
  }

  /**
   * Makes this layer a node of a graph reading `inputs`, and returns its output.
   * @example const y = cnn.layers.conv2d({ filters: 16, kernelSize: 3, padding: 1 }).apply(x);
   * See: keras.layers.Layer.__call__
   */
  apply(inputs: SymbolicTensor | readonly SymbolicTensor[]): SymbolicTensor {
    return applyLayer(this, inputs);
  }

  /** The name in messages: 'conv2d_1' or 'conv2d'. */
  label(): string {
    return this.name ?? this.kind;
  }

  /** Infers the output shape from the input shape(s) (without batch), validating them. */
  abstract build(...inShapes: (readonly number[])[]): Built;
  /** Buffers kept between forward and backward, for a batch of n, in training or evaluation. */
  bufferSpecs(_n: number, _training: boolean): BufferSpec[] {
    return [];
  }
  /** Scratch floats needed by forward and backward for a batch of n. */
  workspaceSize(_n: number): number {
    return 0;
  }
  abstract forward(io: LayerIO): void;
  /** Accumulates into io.dxs and io.grads; called only when io.dy exists. */
  abstract backward(io: LayerIO): void;
  /** Options to rebuild this layer with the kinds table. */
  abstract config(): LayerConfig;
  /** The activation layer `activation: 'relu'` desugars into, applied after this one. */
  activationLayer(): Layer | null {
    return null;
  }
}
