// SPDX-License-Identifier: MIT
// The memory plan of a graph (llm.c's fill_in_activation_sizes + malloc_and_point_activations,
// with liveness). Separate stores, each one block of the wasm memory owned by the model:
//
//   parameters       every weight and bias, one flat block: what the optimiser steps over
//   gradients        same layout                 ┐ allocated when training is first prepared
//   optimiser state  stateCount blocks, same layout ┘
//   saved state      never stepped, saved with the model (batch norm's running statistics)
//   batch arenas     per max batch size and mode: activations | δ | node buffers |
//                    workspace | loss targets — allocated once, then viewed for any n ≤ max.
//
// In an evaluation arena, activations whose lifetimes do not overlap share memory
// (liveness.ts): a chain needs about two activation buffers; a conv and the ReLU reading it
// are fused into one pass over one buffer (liveness.ts: valueSharing). A training arena keeps every
// activation (backward reads them) and gives every δ its own slot in one contiguous range,
// zeroed before every step (each thread its share of the images), so backward can accumulate
// (+=) from every consumer.
// Views for a batch size are built once and cached: a steady-state step creates no tensors,
// no typed arrays and calls no allocator.
import { ShapeError } from '../core/errors.js';
import { poolThreads, zeroFloats, zeroImages } from '../core/parallel.js';
import { Block, allocBlock, heapF32, index32 } from '../core/memory.js';
import type { Rng } from '../core/random.js';
import { sizeOf } from '../core/shape.js';
import { Tensor, type DType } from '../core/tensor.js';
import type { Layer, LayerIO, ParamSpec, StateSpec } from '../layers/layer.js';
import type { Graph } from './graph.js';
import { initialize } from './init.js';

import { ALIGN_FLOATS, align, arenaLayout, valueSharing, type ArenaBytes, type Layout } from './liveness.js';

/** One parameter's (or one saved state tensor's) place in its store. */
export interface Slot<S = ParamSpec> {
  /** Index of the node that owns it. */
  node: number;
  spec: S;
  /** Offset in floats from the store's start. */
  offset: number;
}

/** Everything one forward/backward over n samples touches. */
export interface Binding {
  n: number;
  training: boolean;
  input: Tensor;
  output: Tensor;
  /** δ of the output: the loss writes it (in evaluation too, where nothing reads it). */
  outputDelta: Tensor;
  /** Each distinct δ buffer of a training binding (byte pointer, floats per image), zeroed before each backward. */
  deltaPtrs: number[];
  deltaFloats: number[];
  /** Class labels, int32 [n] (datasets copy them here). */
  labels: Tensor<'int32'>;
  /** What the loss compares with: the labels, or float32 [n, ...out] targets (mse). */
  target: Tensor<DType>;
  /** One per node, in node order. */
  ios: LayerIO[];
  /** The step's random stream, shared by every node's io. */
  stream: { seed: number };
}

interface Arena {
  block: Block;
  maxBatch: number;
  training: boolean;
  layout: Layout;
  /** Bindings by batch size: +n for training, −n for evaluation. */
  views: Map<number, Binding>;
  /** The threads its workspace was sized for. */
  threads: number;
}

const view = <D extends DType>(block: Block, floats: number, shape: number[], dtype: D) => new Tensor(block, floats * 4, shape, dtype, false);

export class Plan {
  readonly layers: Layer[];
  /** Shape of every value without the batch: [0] the input, [k + 1] node k's output. */
  readonly shapes: number[][];
  readonly slots: Slot[] = [];
  readonly stateSlots: Slot<StateSpec>[] = [];
  /** Scalars in the parameter store and in the saved-state store. */
  readonly paramCount: number;
  readonly stateCount: number;
  /** For each value, whether a gradient flows into it (something upstream is trained). */
  readonly needsGrad: boolean[];
  /** For each value, the value whose activation memory it uses: itself, or its input's for flatten, or its producer's for a fused ReLU. */
  aliasOf: readonly number[] = [];
  /** For each value, the value whose δ memory it uses: itself, or its input's for flatten (a fused ReLU keeps its own δ). */
  deltaAliasOf: readonly number[] = [];
  /** For each node, whether it is half of a fused conv + ReLU pair (LayerIO.fusedRelu). */
  fusedRelu: readonly boolean[] = [];
  private readonly paramFloats: number;
  private readonly stateFloats: number;
  /** The stores as flat views, made once when allocated (a step reads them, never makes them); each holds its Block. */
  private stores: { params: Tensor; state: Tensor; grads: Tensor | null; optimizer: Tensor[] } | null = null;
  /** One view per slot, in slot order, and the same grouped by node. */
  private slotViews: Tensor[] = [];
  private stateSlotViews: Tensor[] = [];
  private paramViews: Tensor[][] = [];
  private gradViews: Tensor[][] = [];
  private stateViews: Tensor[][] = [];
  private arenas: Arena[] = [];
  /** Element type of the loss target: int32 labels or float32 targets (set by compile). */
  private targetDType: DType = 'int32';

  /** Sizes everything; allocates nothing (allocate() does). */
  constructor(readonly graph: Graph) {
    this.layers = graph.nodes.map((node) => node.layer);
    this.shapes = graph.values.map((v) => [...v.shape]);
    let params = 0;
    let state = 0;
    this.layers.forEach((layer, node) => {
      for (const spec of layer.built!.params) {
        this.slots.push({ node, spec, offset: params });
        params += align(sizeOf(spec.shape));
      }
      for (const spec of layer.built!.state ?? []) {
        this.stateSlots.push({ node, spec, offset: state });
        state += align(sizeOf(spec.shape));
      }
    });
    this.paramFloats = Math.max(params, ALIGN_FLOATS);
    this.stateFloats = Math.max(state, ALIGN_FLOATS);
    this.paramCount = this.slots.reduce((s, slot) => s + sizeOf(slot.spec.shape), 0);
    this.stateCount = this.stateSlots.reduce((s, slot) => s + sizeOf(slot.spec.shape), 0);
    this.needsGrad = [false];
    this.layers.forEach((layer, k) => {
      const ins = graph.inputsOf[k];
      const trained = layer.built!.params.length > 0 || ins.some((v) => this.needsGrad[v]);
      this.needsGrad.push(trained);
    });
    this.setFusion(true);
  }

  /**
   * @internal Plans with or without conv + ReLU fusion (on by default), for tests that
   * compare the two; the batch arenas planned so far are dropped (re-made on the next bind).
   */
  setFusion(on: boolean): void {
    ({ aliasOf: this.aliasOf, deltaAliasOf: this.deltaAliasOf, fusedRelu: this.fusedRelu } = valueSharing(this.layers, this.graph, on));
    this.disposeArenas();
  }

  /** Shape of one output sample, e.g. [10]. */
  get outputShape(): number[] {
    return this.shapes[this.shapes.length - 1];
  }

  /** Allocates the parameter and saved-state stores (zeroed). */
  allocate(): void {
    if (this.stores) return;
    const params = allocBlock(this.paramFloats * 4, 'the parameters of a model');
    let state: Block;
    try {
      state = allocBlock(this.stateFloats * 4, 'the saved state of a model');
    } catch (e) {
      params.free();
      throw e;
    }
    this.stores = { params: view(params, 0, [this.paramFloats], 'float32'), state: view(state, 0, [this.stateFloats], 'float32'), grads: null, optimizer: [] };
    fill(params, 0);
    fill(state, 0);
    this.slotViews = this.slots.map(({ spec, offset }) => view(params, offset, spec.shape, 'float32'));
    this.stateSlotViews = this.stateSlots.map(({ spec, offset }) => view(state, offset, spec.shape, 'float32'));
    this.paramViews = this.byNode(this.slots, this.slotViews);
    this.stateViews = this.byNode(this.stateSlots, this.stateSlotViews);
  }

  private byNode<S>(slots: Slot<S>[], views: Tensor[]): Tensor[][] {
    const out: Tensor[][] = this.layers.map(() => []);
    slots.forEach(({ node }, i) => out[node].push(views[i]));
    return out;
  }

  /** The whole parameter store as one flat tensor (what the optimiser steps). */
  get paramArena(): Tensor {
    return this.live().params;
  }

  /** The whole saved-state store as one flat tensor. */
  get stateArena(): Tensor {
    return this.live().state;
  }

  /** The gradient store (after prepareTraining). */
  get gradArena(): Tensor {
    const { grads } = this.live();
    if (!grads) throw new ShapeError('the model has no gradients yet: compile() it first');
    return grads;
  }

  /** The optimiser's state stores (after prepareTraining). */
  get optimizerState(): readonly Tensor[] {
    return this.live().optimizer;
  }

  /** The parameter views in slot order, and the saved-state views in state-slot order. */
  get slotTensors(): readonly Tensor[] {
    this.live();
    return this.slotViews;
  }

  get stateTensors(): readonly Tensor[] {
    this.live();
    return this.stateSlotViews;
  }

  /** The parameter tensors of node k (views into the parameter store). */
  paramsOf(k: number): Tensor[] {
    this.live();
    return this.paramViews[k];
  }

  /** The saved-state tensors of node k. */
  stateOf(k: number): Tensor[] {
    this.live();
    return this.stateViews[k];
  }

  private live(): NonNullable<Plan['stores']> {
    if (!this.stores) throw new ShapeError('the model plan is not allocated');
    return this.stores;
  }

  /** Initialises every parameter (slot order, from rng) and every saved state tensor. */
  initialize(rng: Rng): void {
    this.live();
    this.slots.forEach(({ spec }, i) => initialize(this.slotViews[i].data, spec.init, spec.fanIn, spec.fanOut, rng));
    this.stateSlots.forEach(({ spec }, i) => this.stateSlotViews[i].data.fill(spec.init === 'ones' ? 1 : 0));
  }

  /**
   * Allocates gradients and `stateCount` optimiser stores (zeroed) and a training arena for
   * `batch`, all or nothing: if any allocation fails, everything allocated here is freed,
   * the previous stores and arenas stay as they were, and the error propagates.
   */
  prepareTraining(stateCount: number, batch: number, targetDType: DType): void {
    const stores = this.live();
    const made: Block[] = [];
    try {
      const grads = stores.grads?.block ?? allocBlock(this.paramFloats * 4, 'the gradients of a model');
      if (!stores.grads) made.push(grads);
      const optimizer: Block[] = [];
      for (let i = 0; i < stateCount; i++) {
        const b = allocBlock(this.paramFloats * 4, 'the optimiser state of a model');
        made.push(b);
        optimizer.push(b);
      }
      const arena = this.newArena(batch, true, targetDType);
      made.push(arena.block);
      // Committed: nothing below allocates.
      for (const t of stores.optimizer) t.block.free();
      this.disposeArenas();
      for (const b of optimizer) fill(b, 0);
      if (!stores.grads) {
        stores.grads = view(grads, 0, [this.paramFloats], 'float32');
        fill(grads, 0);
        this.gradViews = this.byNode(this.slots, this.slots.map(({ spec, offset }) => view(grads, offset, spec.shape, 'float32')));
      }
      stores.optimizer = optimizer.map((b) => view(b, 0, [this.paramFloats], 'float32'));
      this.targetDType = targetDType;
      this.arenas.push(arena);
    } catch (e) {
      for (const b of made) b.free();
      throw e;
    }
  }

  /** True once prepareTraining() has allocated the gradients (and optimiser state). */
  get prepared(): boolean {
    return this.stores?.grads != null;
  }

  /** The loss target's element type for the arenas planned from now on; drops arenas planned for the other one. */
  setTargetDType(dtype: DType): void {
    if (dtype === this.targetDType) return;
    this.targetDType = dtype;
    this.disposeArenas();
  }

  /** Zeroes the gradient store and the binding's δ buffers (their n images; each thread its share of them). */
  zeroGrads(binding: Binding): void {
    const grads = this.gradArena;
    zeroFloats(grads.ptr, grads.size);
    zeroImages(binding.deltaPtrs, binding.deltaFloats, binding.n);
  }

  /** The views for a batch of n (training bindings also carry δ), made once per n. */
  bind(n: number, training: boolean): Binding {
    if (!Number.isInteger(n) || n < 1) throw new ShapeError(`batch size: expected an integer ≥ 1, got ${n}`);
    if (training && !this.live().grads) throw new ShapeError('the model is not prepared for training: compile() it first');
    // Workspaces are sized for the threads running: after ready({ threads }) changed them, plan again.
    const threads = poolThreads();
    if (this.arenas.length > 0 && this.arenas[0].threads !== threads) this.disposeArenas();
    let arena: Arena | undefined;
    for (const a of this.arenas) if (a.maxBatch >= n && a.training === training) arena = a;
    if (!arena) {
      arena = this.newArena(n, training, this.targetDType);
      this.arenas.push(arena);
    }
    const key = training ? n : -n;
    let binding = arena.views.get(key);
    if (!binding) {
      binding = this.makeViews(arena, n);
      arena.views.set(key, binding);
    }
    return binding;
  }

  /** Lays out and allocates an arena for batches of up to maxBatch (not yet registered). */
  private newArena(maxBatch: number, training: boolean, targetDType: DType): Arena {
    const layout = this.layout(maxBatch, training, targetDType);
    const what = `${training ? 'a training' : 'an evaluation'} arena (batch ${maxBatch})`;
    return { block: allocBlock(layout.floats * 4, what), maxBatch, training, layout, views: new Map(), threads: poolThreads() };
  }

  /** Bytes of the arena that bind(batch, training) would plan, by category; allocates nothing. */
  arenaBytes(batch: number, training: boolean): ArenaBytes {
    return this.layout(batch, training, this.targetDType).bytes;
  }

  /** Bytes of the model's stores: parameters, gradients, optimiser state, saved state. */
  storeBytes(optimizerStates: number): { parameters: number; gradients: number; optimizer: number; state: number } {
    const bytes = this.paramFloats * 4;
    return { parameters: bytes, gradients: bytes, optimizer: bytes * optimizerStates, state: this.stateCount ? this.stateFloats * 4 : 0 };
  }

  private layout(batch: number, training: boolean, targetDType: DType): Layout {
    return arenaLayout(this, batch, training, targetDType);
  }

  private makeViews(arena: Arena, n: number): Binding {
    const { block, training, layout } = arena;
    const { act, delta, outputDelta, buffers, workspace, workspaceFloats, labels, target } = layout;
    const acts = act.map((offset, v) => view(block, offset, [n, ...this.shapes[v]], 'float32'));
    const deltas = delta.map((offset, v) => (offset === null ? null : view(block, offset, [n, ...this.shapes[v]], 'float32')));
    const deltaPtrs: number[] = [];
    const deltaFloats: number[] = [];
    for (const [v, d] of deltas.entries()) if (d && !deltaPtrs.includes(d.ptr)) deltaPtrs.push(d.ptr), deltaFloats.push(sizeOf(this.shapes[v]));
    const ws = view(block, workspace, [workspaceFloats], 'float32');
    const stream = { seed: 0 };
    const ios: LayerIO[] = this.layers.map((layer, k) => {
      const ins = this.graph.inputsOf[k];
      const xs = ins.map((v) => acts[v]);
      const dxs = ins.map((v) => deltas[v]);
      return {
        x: xs[0],
        xs,
        y: acts[k + 1],
        dx: dxs[0],
        dxs,
        dy: deltas[k + 1],
        params: this.paramViews[k],
        grads: training ? this.gradViews[k] : [],
        state: this.stateViews[k],
        buffers: layer.bufferSpecs(n, training).map((spec, j) => view(block, buffers[k][j], spec.shape, spec.dtype)),
        workspace: ws,
        training,
        stream,
        node: k,
        fusedRelu: this.fusedRelu[k],
      };
    });
    const labelView = view(block, labels, [n], 'int32');
    const V = this.shapes.length;
    return {
      n,
      training,
      input: acts[0],
      output: acts[V - 1],
      outputDelta: deltas[V - 1] ?? view(block, outputDelta, [n, ...this.outputShape], 'float32'),
      deltaPtrs,
      deltaFloats,
      labels: labelView,
      target: this.targetDType === 'int32' ? labelView : view(block, target, [n, ...this.outputShape], 'float32'),
      ios,
      stream,
    };
  }

  /** Frees the batch arenas (they are re-made on the next bind). */
  disposeArenas(): void {
    for (const a of this.arenas) a.block.free();
    this.arenas = [];
  }

  /** Frees every block this plan allocated; views into them throw DisposedError afterwards. */
  dispose(): void {
    this.disposeArenas();
    if (!this.stores) return;
    const { params, state, grads, optimizer } = this.stores;
    for (const t of [params, state, ...(grads ? [grads] : []), ...optimizer]) t.block.free();
  }
}

function fill(block: Block, value: number): void {
  heapF32().fill(value, index32(block.ptr), index32(block.ptr) + block.bytes / 4);
}
