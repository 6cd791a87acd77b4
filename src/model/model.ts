// SPDX-License-Identifier: MIT
// Model: a graph of layers over one Plan. Construction names the nodes, sizes and allocates
// the parameter and saved-state stores and initialises them (seeded); compile() picks the
// optimiser and loss and plans the training memory; fit / evaluate / predict live in
// train.ts, files in io/. A disposed model throws DisposedError from every call; dispose()
// during fit() is deferred to the end of the running step, and fit() then returns.
import { DisposedError, StateError, ValueError, fmtShape } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { Rng } from '../core/random.js';
import { sizeOf } from '../core/shape.js';
import type { Tensor, DType } from '../core/tensor.js';
import type { Dataset } from '../data/index.js';
import type { Layer } from '../layers/layer.js';
import { losses, type LossName } from '../losses/index.js';
import { adam, type Optimizer } from '../optim/index.js';
import { checkRange } from '../optim/optimizer.js';
import { modelToBytes, writeFileAtomic } from '../io/save.js';
import type { Graph, SymbolicTensor } from './graph.js';
import { Plan } from './plan.js';
import { evaluate, fit, predict, trainBatch, type EvaluateResult, type FitOptions, type History } from './train.js';

export interface CompileOptions {
  /** Default: optim.adam() (lr 1e-3). */
  optimizer?: Optimizer;
  /** Default: 'softmaxCrossEntropy' (logits + integer labels, as torch.nn.CrossEntropyLoss). */
  loss?: LossName;
  /** Largest training batch; memory is planned for it. Default 64. */
  batchSize?: number;
  /** Before every optimiser step, scale the gradients so their global L2 norm is at most this (torch clip_grad_norm_). */
  clipNorm?: number | null;
  /** Before every optimiser step, clamp every gradient to [−clipValue, clipValue] (torch clip_grad_value_; after clipNorm when both). */
  clipValue?: number | null;
}

/** One node as the model reports it. */
export interface NodeInfo {
  name: string;
  kind: string;
  /** Names of the nodes it reads ('input' for the model input). */
  inputs: string[];
  outputShape: number[];
  /** Trained scalars. */
  params: number;
  layer: Layer;
}

const MiB = (bytes: number) => `${(bytes / 1048576).toFixed(bytes < 1048576 ? 3 : 1)} MiB`;

export class Model {
  readonly plan: Plan;
  readonly graph: Graph;
  optimizer: Optimizer | null = null;
  lossName: LossName | null = null;
  batchSize = 64;
  /** compile({ clipNorm, clipValue }), or null. */
  clipNorm: number | null = null;
  clipValue: number | null = null;
  /** The seed the parameters were initialised from; also seeds trainBatch()'s dropout streams. */
  readonly seed: number;
  /** Training steps taken by trainBatch() (each gets its own random stream). */
  steps = 0;
  /**
   * Set true (from a callback, a timer or another task) to stop a running fit() after the
   * current step; fit() resolves with the history so far. fit() sets it false when it starts.
   * See: keras Model.stop_training
   */
  stopTraining = false;
  private isDisposed = false;
  private running = false;

  /** Prefer cnn.model() or cnn.sequential(). Allocates and (unless told not to) initialises the stores. */
  constructor(graph: Graph, options: { seed?: number; initialize?: boolean } = {}) {
    const { seed = 42, initialize = true } = options;
    if (graph.nodes.length === 0) throw new ValueError('model: expected at least one layer between the input and the output, got none');
    nameNodes(graph.nodes.map((n) => n.layer));
    this.graph = graph;
    this.seed = seed >>> 0;
    this.plan = new Plan(graph);
    this.plan.allocate();
    if (initialize) this.plan.initialize(new Rng(seed));
  }

  /** The layers, in node (topological) order. */
  get layers(): Layer[] {
    return this.plan.layers;
  }

  /** Shape of one input sample, e.g. [1, 28, 28]. */
  get inputShape(): readonly number[] {
    return this.graph.input.shape;
  }

  /** Output shape of one sample, e.g. [10]. */
  get outputShape(): number[] {
    return this.plan.outputShape;
  }

  /** Number of trained scalars (saved state such as running statistics not included). */
  get paramCount(): number {
    return this.plan.paramCount;
  }

  /** True once dispose() was called. */
  get disposed(): boolean {
    return this.isDisposed;
  }

  /** True while fit() runs. */
  get fitting(): boolean {
    return this.running;
  }

  /** The nodes with their names, inputs, output shapes and parameter counts. */
  get nodes(): NodeInfo[] {
    const names = ['input', ...this.layers.map((l) => l.name!)];
    return this.layers.map((layer, k) => ({
      name: layer.name!,
      kind: layer.kind,
      inputs: this.graph.inputsOf[k].map((v) => names[v]),
      outputShape: this.plan.shapes[k + 1],
      params: this.plan.slots.filter((s) => s.node === k).reduce((n, s) => n + sizeOf(s.spec.shape), 0),
      layer,
    }));
  }

  /** Throws DisposedError after dispose(); `busy` also refuses while fit() runs. */
  check(what: string, busy = false): void {
    if (this.isDisposed) throw new DisposedError(`${what}: the model was disposed`);
    if (busy && this.running) throw new StateError(`${what}: the model is training (fit() is running); await it first`);
  }

  /**
   * Chooses optimiser, loss and batch size, and plans all training memory once. If the
   * memory cannot be had (OutOfMemoryError), the model stays as it was.
   * @example model.compile({ optimizer: cnn.optim.adam({ lr: 1e-3 }), loss: 'softmaxCrossEntropy', batchSize: 64 });
   */
  compile(options: CompileOptions = {}): this {
    this.check('compile', true);
    checkOptions('compile', options, ['optimizer', 'loss', 'batchSize', 'clipNorm', 'clipValue']);
    const { optimizer = adam(), loss = 'softmaxCrossEntropy', batchSize = 64, clipNorm = null, clipValue = null } = options;
    if (clipNorm !== null) checkRange('compile', 'clipNorm', clipNorm, 0, Infinity, true);
    if (clipValue !== null) checkRange('compile', 'clipValue', clipValue, 0, Infinity, true);
    if (typeof optimizer?.step !== 'function') throw new ValueError(`compile: expected an optimizer from cnn.optim, got ${JSON.stringify(optimizer)}`);
    if (typeof loss !== 'string' || !Object.hasOwn(losses, loss)) {
      throw new ValueError(`compile: expected loss ${Object.keys(losses).join(' or ')}, got ${JSON.stringify(loss)}`);
    }
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError(`compile: expected batchSize ≥ 1, got ${batchSize}`);
    if (loss === 'softmaxCrossEntropy' && this.outputShape.length !== 1) {
      throw new ValueError(`compile: softmaxCrossEntropy expects outputs [classes], got ${fmtShape(this.outputShape)}`);
    }
    this.plan.prepareTraining(optimizer.stateCount, batchSize, losses[loss].targetDType as DType);
    optimizer.reset();
    optimizer.initState?.(this.plan.optimizerState);
    this.optimizer = optimizer;
    this.lossName = loss;
    this.batchSize = batchSize;
    this.clipNorm = clipNorm;
    this.clipValue = clipValue;
    return this;
  }

  /** Sets what compile() would, without planning any memory (loadModel: planned at first use). */
  restoreCompiled(optimizer: Optimizer, loss: LossName, batchSize: number, clip: { norm: number | null; value: number | null }): void {
    this.plan.setTargetDType(losses[loss].targetDType as DType);
    this.optimizer = optimizer;
    this.lossName = loss;
    this.batchSize = batchSize;
    this.clipNorm = clip.norm;
    this.clipValue = clip.value;
  }

  /** Trains; see FitOptions. @example await model.fit(train, { epochs: 3, validation: test }); */
  async fit(train: Dataset, options: FitOptions = {}): Promise<History> {
    this.check('fit', true);
    this.running = true;
    try {
      return await fit(this, train, options);
    } finally {
      this.running = false;
      if (this.isDisposed) this.plan.dispose(); // dispose() came while fit ran
    }
  }

  /** Mean loss and accuracy over a dataset, in evaluation mode. @example const { loss, accuracy } = model.evaluate(test); */
  evaluate(data: Dataset, options: { batchSize?: number } = {}): EvaluateResult {
    this.check('evaluate');
    return evaluate(this, data, options);
  }

  /** Model outputs (logits) for every sample, in evaluation mode: a new [n, ...outputShape] tensor. */
  predict(data: Dataset | Tensor, options: { batchSize?: number } = {}): Tensor {
    this.check('predict');
    return predict(this, data, options);
  }

  /** One optimisation step (training mode) on a batch already in tensors; returns the batch's mean loss. */
  trainBatch(x: Tensor, target: Tensor<DType>): number {
    this.check('trainBatch', true);
    return trainBatch(this, x, target);
  }

  /** The model file (graph, weights, saved state, optimiser settings) as bytes; works in every runtime. */
  toBytes(): Uint8Array {
    this.check('toBytes');
    return modelToBytes(this);
  }

  /**
   * Writes the model file (Node, Deno). Atomic: a crash mid-save keeps the previous file.
   * @example await model.save('models/lenet5.simdcnn');
   */
  async save(path: string): Promise<string> {
    await writeFileAtomic(path, this.toBytes());
    return path;
  }

  /** Copies of every parameter and saved-state tensor, node by node (parameters first within a node). */
  getWeights(): { layer: string; name: string; shape: number[]; trainable: boolean; values: Float32Array }[] {
    this.check('getWeights');
    const { plan } = this;
    return this.layers.flatMap((layer, k) => [
      ...plan.paramsOf(k).map((t, j) => ({ layer: layer.name!, name: layer.built!.params[j].name, shape: [...t.shape], trainable: true, values: t.toArray() })),
      ...plan.stateOf(k).map((t, j) => ({ layer: layer.name!, name: layer.built!.state![j].name, shape: [...t.shape], trainable: false, values: t.toArray() })),
    ]);
  }

  /**
   * A text table of the nodes (name, kind, inputs, output shape, parameters) and of the
   * planned memory by category, for training at the compiled batch size and for evaluation.
   */
  summary(): string {
    this.check('summary');
    const rows = [['node', 'kind', 'inputs', 'output', 'params'], ['input', 'input', '', fmtShape(this.inputShape), '0']];
    for (const n of this.nodes) rows.push([n.name, n.kind, n.inputs.join(', '), fmtShape(n.outputShape), String(n.params)]);
    rows.push(['total', '', '', '', String(this.paramCount)]);
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    const table = rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
    const stores = this.plan.storeBytes(this.optimizer?.stateCount ?? 0);
    const train = this.plan.arenaBytes(this.batchSize, true);
    const infer = this.plan.arenaBytes(this.batchSize, false);
    const arena = (a: typeof train) =>
      `activations ${MiB(a.activations)}, δ ${MiB(a.deltas)}, buffers ${MiB(a.buffers)}, workspace ${MiB(a.workspace)}, targets ${MiB(a.targets)} (total ${MiB(a.total)})`;
    return [
      ...table,
      '',
      `memory: parameters ${MiB(stores.parameters)}, gradients ${MiB(stores.gradients)}, optimiser state ${MiB(stores.optimizer)}, saved state ${MiB(stores.state)}`,
      `training (batch ${this.batchSize}): ${arena(train)}`,
      `evaluation (batch ${this.batchSize}): ${arena(infer)}`,
    ].join('\n');
  }

  /**
   * Frees all wasm memory the model holds; every later call throws DisposedError. During
   * fit() the memory is freed when the running step ends, and fit() returns its history.
   */
  dispose(): void {
    this.isDisposed = true;
    if (!this.running) this.plan.dispose();
  }
}

/** Gives every unnamed layer kind_k (k from 1, per kind); throws on a name used twice. */
function nameNodes(layers: Layer[]): void {
  const taken = new Set<string>();
  for (const layer of layers) {
    if (layer.name === null) continue;
    if (taken.has(layer.name)) throw new ValueError(`model: expected unique layer names, got '${layer.name}' twice`);
    taken.add(layer.name);
  }
  const counts = new Map<string, number>();
  for (const layer of layers) {
    if (layer.name !== null) continue;
    let k = counts.get(layer.kind) ?? 0;
    do k++;
    while (taken.has(`${layer.kind}_${k}`));
    counts.set(layer.kind, k);
    layer.name = `${layer.kind}_${k}`;
    taken.add(layer.name);
  }
}

/** Options of cnn.model(). */
export interface ModelOptions {
  /** The model's input, from cnn.input() (one input; an array of one is accepted). */
  inputs: SymbolicTensor | readonly SymbolicTensor[];
  /** The output, from a layer's apply() (one output; an array of one is accepted). */
  outputs: SymbolicTensor | readonly SymbolicTensor[];
  /** Seed for parameter initialisation. Default 42. */
  seed?: number;
}
