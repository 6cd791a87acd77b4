// SPDX-License-Identifier: MIT
// Model: an ordered list of layers over one Plan. Construction infers every shape and
// initialises the parameters (seeded); compile() picks the optimiser and loss and plans
// the batch memory; fit / evaluate / predict live in train.ts, save in io/.
import { ValueError, fmtShape } from '../core/errors.js';
import { Rng } from '../core/random.js';
import { sizeOf } from '../core/shape.js';
import type { Tensor, DType } from '../core/tensor.js';
import type { Dataset } from '../data/index.js';
import type { Layer } from '../layers/layer.js';
import { losses, type LossName } from '../losses/index.js';
import { adam, type Optimizer } from '../optim/index.js';
import { modelToBytes, writeFileAtomic } from '../io/save.js';
import { Plan } from './plan.js';
import { evaluate, fit, predict, trainBatch, type EvaluateResult, type FitOptions, type History } from './train.js';

export interface CompileOptions {
  /** Default: optim.adam() (lr 1e-3). */
  optimizer?: Optimizer;
  /** Default: 'softmaxCrossEntropy' (logits + integer labels, as torch.nn.CrossEntropyLoss). */
  loss?: LossName;
  /** Largest training batch; memory is planned for it. Default 64. */
  batchSize?: number;
}

export class Model {
  readonly plan: Plan;
  optimizer: Optimizer | null = null;
  lossName: LossName | null = null;
  batchSize = 64;

  constructor(
    readonly layers: Layer[],
    readonly inputShape: readonly number[],
    seed = 42,
  ) {
    this.plan = new Plan(layers, inputShape);
    this.plan.initialize(new Rng(seed));
  }

  /** Output shape of one sample, e.g. [10]. */
  get outputShape(): number[] {
    return this.plan.outputShape;
  }

  /** Number of trainable scalars. */
  get paramCount(): number {
    return this.plan.paramCount;
  }

  /**
   * Chooses optimiser, loss and batch size, and plans all training memory once.
   * @example model.compile({ optimizer: cnn.optim.adam({ lr: 1e-3 }), loss: 'softmaxCrossEntropy', batchSize: 64 });
   */
  compile(options: CompileOptions = {}): this {
    const { optimizer = adam(), loss = 'softmaxCrossEntropy', batchSize = 64 } = options;
    if (!(loss in losses)) throw new ValueError(`compile: expected loss ${Object.keys(losses).join(' or ')}, got '${loss}'`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ValueError(`compile: expected batchSize ≥ 1, got ${batchSize}`);
    if (loss === 'softmaxCrossEntropy' && this.outputShape.length !== 1) {
      throw new ValueError(`compile: softmaxCrossEntropy expects outputs [classes], got ${fmtShape(this.outputShape)}`);
    }
    this.optimizer = optimizer;
    this.lossName = loss;
    this.batchSize = batchSize;
    optimizer.reset();
    this.plan.setTargetDType(losses[loss].targetDType as DType);
    this.plan.allocateState(optimizer.stateCount);
    this.plan.bind(batchSize, true);
    return this;
  }

  /** Trains; see FitOptions. @example await model.fit(train, { epochs: 3, validation: test }); */
  fit(train: Dataset, options: FitOptions = {}): Promise<History> {
    return fit(this, train, options);
  }

  /** Mean loss and accuracy over a dataset. @example const { loss, accuracy } = model.evaluate(test); */
  evaluate(data: Dataset, options: { batchSize?: number } = {}): EvaluateResult {
    return evaluate(this, data, options);
  }

  /** Model outputs (logits) for every sample: a new [n, ...outputShape] tensor. */
  predict(data: Dataset | Tensor, options: { batchSize?: number } = {}): Tensor {
    return predict(this, data, options);
  }

  /** One optimisation step on a batch already in tensors; returns the batch's mean loss. */
  trainBatch(x: Tensor, target: Tensor<DType>): number {
    return trainBatch(this, x, target);
  }

  /** The model file (layers, weights, optimiser settings) as bytes; works in every runtime. */
  toBytes(): Uint8Array {
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

  /** Copies of every parameter, in layer order. */
  getWeights(): { layer: number; name: string; shape: number[]; values: Float32Array }[] {
    return this.plan.slots.map(({ layer, spec, offset }) => ({
      layer,
      name: spec.name,
      shape: spec.shape,
      values: this.plan.paramArena.data.slice(offset, offset + sizeOf(spec.shape)),
    }));
  }

  /** A text table of layers, output shapes and parameter counts. */
  summary(): string {
    const rows = [['layer', 'output', 'params']];
    rows.push(['input', fmtShape(this.inputShape), '0']);
    this.layers.forEach((layer, i) => {
      const params = this.plan.slots.filter((s) => s.layer === i).reduce((n, s) => n + sizeOf(s.spec.shape), 0);
      rows.push([`${i} ${layer.kind}`, fmtShape(this.plan.shapes[i + 1]), String(params)]);
    });
    rows.push(['total', '', String(this.paramCount)]);
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ')).join('\n');
  }

  /** Frees all wasm memory the model holds. */
  dispose(): void {
    this.plan.dispose();
  }
}
