// SPDX-License-Identifier: MIT
// compile(): infer every shape, then lay out every tensor once (llm.c's
// fill_in_activation_sizes + malloc_and_point_activations).
//
//   parameter arena   all weights and biases, one flat block (what the optimiser steps over)
//   gradient arena    same layout                 ┐ zeroed with one fill per step
//   optimiser state   stateCount blocks, same layout
//   batch arena       per max batch size: activations | δ (contiguous) | layer buffers |
//                     workspace | targets — allocated once, then viewed for any n ≤ max.
//
// Views for a batch size are built once and cached, so a steady-state step creates no
// tensors, no typed arrays and calls no allocator.
import { ShapeError, fmtShape } from '../core/errors.js';
import { heapF32 } from '../core/memory.js';
import type { Rng } from '../core/random.js';
import { sizeOf } from '../core/shape.js';
import { Tensor, empty, type DType } from '../core/tensor.js';
import type { Layer, LayerIO, ParamSpec } from '../layers/layer.js';
import { initialize } from './init.js';

const ALIGN_FLOATS = 16; // 64 bytes

const align = (floats: number) => Math.ceil(floats / ALIGN_FLOATS) * ALIGN_FLOATS;

/** One parameter's place in the parameter arena. */
export interface ParamSlot {
  layer: number;
  spec: ParamSpec;
  /** Offset in floats from the arena start. */
  offset: number;
}

/** Everything one forward/backward over n samples touches. */
export interface Binding {
  n: number;
  input: Tensor;
  output: Tensor;
  /** δ of the output: the loss writes it (in inference too, where nothing reads it). */
  outputDelta: Tensor;
  training: boolean;
  /** Byte range of the δ buffers (empty in inference), zeroed before each backward. */
  deltaStart: number;
  deltaEnd: number;
  /** Class labels, int32 [n] (datasets copy them here). */
  labels: Tensor<'int32'>;
  /** What the loss compares with: the labels, or float32 [n, ...out] targets (mse). */
  target: Tensor<DType>;
  ios: LayerIO[];
}

interface Arena {
  block: Tensor;
  maxBatch: number;
  training: boolean;
  /** Bindings by batch size: +n for training, −n for inference. */
  views: Map<number, Binding>;
}

export class Plan {
  /** shapes[0] is the input (without batch), shapes[i + 1] the output of layer i. */
  readonly shapes: number[][];
  readonly slots: ParamSlot[] = [];
  readonly paramCount: number;
  readonly paramArena: Tensor;
  readonly gradArena: Tensor;
  readonly state: Tensor[] = [];
  private readonly params: Tensor[][];
  private readonly grads: Tensor[][];
  private arenas: Arena[] = [];

  /** Element type of the loss target: int32 labels or float32 targets (set by compile). */
  private targetDType: DType = 'int32';

  constructor(
    readonly layers: Layer[],
    inputShape: readonly number[],
  ) {
    this.shapes = [[...inputShape]];
    const specs: ParamSpec[][] = [];
    layers.forEach((layer, i) => {
      const inShape = this.shapes[i];
      try {
        const { outShape, params } = layer.build(inShape);
        this.shapes.push(outShape);
        specs.push(params);
      } catch (e) {
        if (e instanceof Error) e.message = `layer ${i} (${layer.kind}, input ${fmtShape(inShape)}): ${e.message}`;
        throw e;
      }
    });
    let floats = 0;
    specs.forEach((list, layer) =>
      list.forEach((spec) => {
        this.slots.push({ layer, spec, offset: floats });
        floats += align(sizeOf(spec.shape));
      }),
    );
    this.paramCount = this.slots.reduce((s, slot) => s + sizeOf(slot.spec.shape), 0);
    this.paramArena = empty([Math.max(floats, ALIGN_FLOATS)]);
    this.gradArena = empty([Math.max(floats, ALIGN_FLOATS)]);
    heapF32().fill(0, this.paramArena.ptr >> 2, (this.paramArena.ptr >> 2) + this.paramArena.size);
    this.params = layers.map(() => []);
    this.grads = layers.map(() => []);
    for (const { layer, spec, offset } of this.slots) {
      this.params[layer].push(new Tensor(this.paramArena.ptr + offset * 4, spec.shape, 'float32', false));
      this.grads[layer].push(new Tensor(this.gradArena.ptr + offset * 4, spec.shape, 'float32', false));
    }
  }

  get outputShape(): number[] {
    return this.shapes[this.shapes.length - 1];
  }

  /** Sets the loss target's element type; drops batch arenas planned for the other one. */
  setTargetDType(dtype: DType): void {
    if (dtype === this.targetDType) return;
    this.targetDType = dtype;
    this.disposeArenas();
  }

  /** The parameter tensors of layer i (views into the parameter arena). */
  paramsOf(i: number): Tensor[] {
    return this.params[i];
  }

  /** Initialises every parameter from its spec, in layer order, from rng. */
  initialize(rng: Rng): void {
    this.slots.forEach(({ spec }, i) => {
      const t = new Tensor(this.paramArena.ptr + this.slots[i].offset * 4, spec.shape, 'float32', false);
      initialize(t.data, spec.init, spec.fanIn, spec.fanOut, rng);
    });
  }

  /** Allocates (and zeroes) the optimiser's state blocks. */
  allocateState(count: number): void {
    for (const t of this.state) t.dispose();
    this.state.length = 0;
    for (let i = 0; i < count; i++) {
      const t = empty(this.paramArena.shape);
      heapF32().fill(0, t.ptr >> 2, (t.ptr >> 2) + t.size);
      this.state.push(t);
    }
  }

  /** Zeroes the gradient arena and the δ buffers of a training binding: one fill each. */
  zeroGrads(binding: Binding): void {
    const heap = heapF32();
    heap.fill(0, this.gradArena.ptr >> 2, (this.gradArena.ptr >> 2) + this.gradArena.size);
    heap.fill(0, binding.deltaStart >> 2, binding.deltaEnd >> 2);
  }

  /** The views for a batch of n (training bindings also carry δ), made once per n. */
  bind(n: number, training: boolean): Binding {
    if (!Number.isInteger(n) || n < 1) throw new ShapeError(`batch size: expected an integer ≥ 1, got ${n}`);
    let arena: Arena | undefined;
    for (const a of this.arenas) if (a.maxBatch >= n && (a.training || !training)) arena = a;
    if (!arena) {
      arena = this.allocateArena(n, training);
      this.arenas.push(arena);
    }
    const key = training ? n : -n;
    let binding = arena.views.get(key);
    if (!binding) {
      binding = this.makeViews(arena, n, training);
      arena.views.set(key, binding);
    }
    return binding;
  }

  /** Byte offsets of every slot for a batch of `batch`, in arena order. */
  private layout(batch: number, training: boolean) {
    let floats = 0;
    const take = (count: number) => {
      const at = floats;
      floats += align(count);
      return at;
    };
    const L = this.layers.length;
    const act: number[] = [take(batch * sizeOf(this.shapes[0]))];
    for (let i = 0; i < L; i++) act.push(this.layers[i].aliasesInput ? act[i] : take(batch * sizeOf(this.shapes[i + 1])));
    const deltaStart = floats;
    const delta: (number | null)[] = [null];
    for (let i = 0; i < L; i++) {
      delta.push(!training ? null : this.layers[i].aliasesInput ? delta[i] : take(batch * sizeOf(this.shapes[i + 1])));
    }
    const deltaEnd = floats;
    // Inference still needs somewhere for the loss kernels to write the output δ (evaluate).
    const outputDelta = (training ? delta[L] : null) ?? take(batch * sizeOf(this.outputShape));
    const buffers = this.layers.map((layer) => layer.bufferSpecs(batch).map((spec) => take(sizeOf(spec.shape))));
    const workspaceFloats = Math.max(0, ...this.layers.map((layer) => layer.workspaceSize(batch)));
    const workspace = take(workspaceFloats);
    const labels = take(batch);
    const target = this.targetDType === 'int32' ? labels : take(batch * sizeOf(this.outputShape));
    return { act, delta, deltaStart, deltaEnd, outputDelta, buffers, workspace, workspaceFloats, labels, target, floats };
  }

  private allocateArena(maxBatch: number, training: boolean): Arena {
    const { floats } = this.layout(maxBatch, training);
    const block = empty([Math.max(floats, ALIGN_FLOATS)]);
    return { block, maxBatch, training, views: new Map() };
  }

  private makeViews(arena: Arena, n: number, training: boolean): Binding {
    const { act, delta, deltaStart, deltaEnd, outputDelta, buffers, workspace, workspaceFloats, labels, target } = this.layout(arena.maxBatch, arena.training);
    const base = arena.block.ptr;
    const view = <D extends DType>(offset: number, shape: number[], dtype: D) => new Tensor(base + offset * 4, shape, dtype, false);
    const acts = act.map((offset, i) => view(offset, [n, ...this.shapes[i]], 'float32'));
    const deltas = delta.map((offset, i) => (offset === null || !training ? null : view(offset, [n, ...this.shapes[i]], 'float32')));
    const ws = view(workspace, [workspaceFloats], 'float32');
    const ios: LayerIO[] = this.layers.map((layer, i) => ({
      x: acts[i],
      y: acts[i + 1],
      dx: deltas[i],
      dy: deltas[i + 1],
      params: this.params[i],
      grads: this.grads[i],
      buffers: layer.bufferSpecs(n).map((spec, j) => view(buffers[i][j], spec.shape, spec.dtype)),
      workspace: ws,
      training,
    }));
    const labelView = view(labels, [n], 'int32');
    return {
      n,
      input: acts[0],
      output: acts[acts.length - 1],
      outputDelta: deltas[deltas.length - 1] ?? view(outputDelta, [n, ...this.outputShape], 'float32'),
      training,
      deltaStart: training ? base + deltaStart * 4 : 0,
      deltaEnd: training ? base + deltaEnd * 4 : 0,
      labels: labelView,
      target: this.targetDType === 'int32' ? labelView : view(target, [n, ...this.outputShape], 'float32'),
      ios,
    };
  }

  /** Frees the batch arenas (they are re-made on the next bind). */
  disposeArenas(): void {
    for (const a of this.arenas) a.block.dispose();
    this.arenas = [];
  }

  /** Frees every block this plan allocated. */
  dispose(): void {
    this.disposeArenas();
    for (const t of [this.paramArena, this.gradArena, ...this.state]) t.dispose();
  }
}
