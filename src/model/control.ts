// SPDX-License-Identifier: MIT
// Training control beside the loop of train.ts: early stopping on a monitored metric, and
// the divergence report. A healthy step costs one Number.isFinite on its loss; only when
// that fails does diagnose() scan the step's tensors to name the first layer whose
// parameters, output or gradient are not finite.
import { DivergenceError, ValueError } from '../core/errors.js';
import { heapF32, index32 } from '../core/memory.js';
import { checkBoolean, checkChoice, checkOptions } from '../core/options.js';
import type { Tensor } from '../core/tensor.js';
import { losses } from '../losses/index.js';
import type { Model } from './model.js';
import type { Binding } from './plan.js';

/** The metrics an epoch reports, by the names EpochInfo uses. */
export type Metric = 'loss' | 'accuracy' | 'valLoss' | 'valAccuracy';
const METRICS: Metric[] = ['loss', 'accuracy', 'valLoss', 'valAccuracy'];

/** fit({ earlyStopping }): stop when the monitored metric stops improving. See: keras.callbacks.EarlyStopping */
export interface EarlyStoppingOptions {
  /** Default 'valLoss' with a validation set, else 'loss'. */
  monitor?: Metric;
  /** Epochs without improvement before stopping (default 0: the first one stops). */
  patience?: number;
  /** A change must exceed this to count as an improvement (default 0). */
  minDelta?: number;
  /** 'min' for losses, 'max' for accuracies; 'auto' (default) picks by the name. */
  mode?: 'auto' | 'min' | 'max';
  /** Put back the parameters and saved state of the best epoch when stopping (default false). */
  restoreBestWeights?: boolean;
}

const EARLY_STOPPING_OPTIONS = ['monitor', 'patience', 'minDelta', 'mode', 'restoreBestWeights'];

/** The state of one fit()'s early stopping. */
export class EarlyStopping {
  readonly monitor: Metric;
  private readonly patience: number;
  private readonly minDelta: number;
  private readonly sign: number;
  private readonly restore: boolean;
  private best = Infinity;
  private wait = 0;
  private bestWeights: Float32Array[] | null = null;

  constructor(options: EarlyStoppingOptions, hasValidation: boolean, hasAccuracy: boolean) {
    checkOptions('fit earlyStopping', options, EARLY_STOPPING_OPTIONS);
    const { patience = 0, minDelta = 0, mode = 'auto', restoreBestWeights = false } = options;
    this.monitor = checkChoice('fit earlyStopping', 'monitor', options.monitor ?? (hasValidation ? 'valLoss' : 'loss'), METRICS);
    if (this.monitor.startsWith('val') && !hasValidation) {
      throw new ValueError(`fit earlyStopping: monitor '${this.monitor}' needs fit({ validation }), got none`);
    }
    if (this.monitor.endsWith('ccuracy') && !hasAccuracy) {
      throw new ValueError(`fit earlyStopping: monitor '${this.monitor}' needs an accuracy, which only softmaxCrossEntropy reports; monitor a loss instead`);
    }
    if (!Number.isInteger(patience) || patience < 0) throw new ValueError(`fit earlyStopping: expected patience an integer ≥ 0, got ${JSON.stringify(patience)}`);
    if (typeof minDelta !== 'number' || !(minDelta >= 0)) throw new ValueError(`fit earlyStopping: expected minDelta ≥ 0, got ${JSON.stringify(minDelta)}`);
    const m = checkChoice('fit earlyStopping', 'mode', mode, ['auto', 'min', 'max']);
    this.sign = m === 'max' || (m === 'auto' && this.monitor.toLowerCase().endsWith('accuracy')) ? -1 : 1;
    this.patience = patience;
    this.minDelta = minDelta;
    this.restore = checkBoolean('fit earlyStopping', 'restoreBestWeights', restoreBestWeights);
  }

  /** Called after every epoch; true when training should stop (the best weights are then back in place if asked for). */
  update(metrics: Partial<Record<Metric, number>>, model: Model): boolean {
    const score = this.sign * metrics[this.monitor]!;
    if (score < this.best - this.minDelta) {
      this.best = score;
      this.wait = 0;
      if (this.restore) this.bestWeights = snapshot(model, this.bestWeights);
      return false;
    }
    if (++this.wait <= this.patience) return false;
    if (this.bestWeights) restoreSnapshot(model, this.bestWeights);
    return true;
  }
}

/** The parameter and saved-state stores, copied out (into `into` when given: no new arrays after the first epoch). */
function snapshot(model: Model, into: Float32Array[] | null): Float32Array[] {
  const stores = [model.plan.paramArena, model.plan.stateArena];
  const copies = into ?? stores.map((t) => new Float32Array(t.size));
  const heap = heapF32();
  for (let s = 0; s < stores.length; s++) {
    const start = index32(stores[s].ptr);
    const copy = copies[s];
    for (let i = 0; i < copy.length; i++) copy[i] = heap[start + i];
  }
  return copies;
}

function restoreSnapshot(model: Model, copies: Float32Array[]): void {
  const stores = [model.plan.paramArena, model.plan.stateArena];
  stores.forEach((t, i) => heapF32().set(copies[i], index32(t.ptr)));
}

/** Index of the first NaN or ±Infinity in t, or −1. */
function firstNonFinite(t: Tensor | null): number {
  if (!t) return -1;
  const heap = heapF32();
  const start = index32(t.ptr);
  for (let i = 0; i < t.size; i++) if (!Number.isFinite(heap[start + i])) return i;
  return -1;
}

/**
 * After a step whose loss was not finite, on its filled binding: runs the step again node
 * by node (buffers are shared by liveness, so each is checked as soon as it is written) and
 * names the first place it broke, in the order the numbers flow — a node's parameters, then
 * its output (forward, node order), then the δ of each node's inputs and its parameter
 * gradients (backward, reverse node order). Saved state (running statistics) is put back.
 */
function diagnose(model: Model, b: Binding): string {
  const { layers, plan } = model;
  const saved = snapshot(model, null);
  try {
    const at = (k: number) => `layer '${layers[k].name}' (${layers[k].kind}, node ${k + 1} of ${layers.length})`;
    const training = b.ios[0].dy !== null;
    if (training) plan.zeroGrads(b);
    for (let k = 0; k < layers.length; k++) {
      const params = plan.paramsOf(k);
      for (let j = 0; j < params.length; j++) {
        const i = firstNonFinite(params[j]);
        if (i >= 0) return `the parameter '${layers[k].built!.params[j].name}' of ${at(k)} is not finite (element ${i})`;
      }
      layers[k].forward(b.ios[k]);
      const i = firstNonFinite(b.ios[k].y);
      if (i >= 0) return `the output of ${at(k)} is not finite (element ${i})`;
    }
    const lossFinite = 'every layer output is finite; the loss itself is not (targets out of range?)';
    if (!training) return lossFinite;
    losses[model.lossName!].into(b.outputDelta, b.output, b.target);
    for (let k = layers.length - 1; k >= 0; k--) {
      const io = b.ios[k];
      if (io.dy === null) continue;
      layers[k].backward(io);
      for (let j = 0; j < io.dxs.length; j++) {
        const i = firstNonFinite(io.dxs[j]);
        if (i >= 0) return `the gradient flowing out of ${at(k)} (into its input ${j + 1}) is not finite (element ${i})`;
      }
      for (let j = 0; j < io.grads.length; j++) {
        const i = firstNonFinite(io.grads[j]);
        if (i >= 0) return `the gradient of the parameter '${layers[k].built!.params[j].name}' of ${at(k)} is not finite (element ${i})`;
      }
    }
    return lossFinite;
  } finally {
    restoreSnapshot(model, saved);
  }
}

/** The DivergenceError for a non-finite loss at this point of training. */
export function divergence(model: Model, b: Binding, loss: number, where: { epoch?: number; batch?: number; what: string }): DivergenceError {
  const when = where.epoch === undefined ? where.what : `${where.what} at epoch ${where.epoch + 1}, batch ${where.batch! + 1}`;
  const cause = diagnose(model, b);
  const advice = b.ios[0].dy
    ? 'The parameters were not updated by this step. Try a smaller learning rate or gradient clipping (compile({ clipNorm }))'
    : 'The model or the data hold values that are not finite';
  return new DivergenceError(
    `${when}: the loss is ${loss}; ${cause}. ${advice}`,
    where.epoch,
    where.batch,
    cause,
  );
}
