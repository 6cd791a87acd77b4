// SPDX-License-Identifier: MIT
// The training loop. One step, top to bottom:
//   copy batch → planned input | reseed the step's random stream | zero grads + δ (one fill
//   each) | forward in node order | loss writes the output δ | backward in reverse node
//   order (+= into δ and grads; a value read by several nodes sums their δ) | one optimiser
//   step over the flat parameter store. Everything it touches was planned by compile(), so
//   a step allocates nothing. fit trains in training mode; evaluate and predict run in
//   evaluation mode (batch norm's running statistics, no dropout).
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { heapF32, heapI32, index32 } from '../core/memory.js';
import { checkOptions } from '../core/options.js';
import { Rng, murmur3 } from '../core/random.js';
import { shapesEqual, sizeOf } from '../core/shape.js';
import { Tensor, empty, expectDType, scope, type DType } from '../core/tensor.js';
import { Dataset } from '../data/dataset.js';
import { losses, type LossName } from '../losses/index.js';
import { countCorrect } from '../ops/softmax.js';
import { clipGradNorm, clipGradValue } from '../optim/clip.js';
import type { Model } from './model.js';
import type { Binding } from './plan.js';
import type { Schedule } from '../schedules/index.js';
import { EarlyStopping, divergence, type EarlyStoppingOptions } from './control.js';

export interface BatchInfo {
  epoch: number;
  /** Batch index within the epoch. */
  batch: number;
  batches: number;
  /** This batch's loss: its mean (the Euclidean loss: its sum, as the loss is defined). */
  loss: number;
  /** This batch's accuracy (classification losses), else NaN. */
  accuracy: number;
  /** Samples seen in this epoch so far. */
  seen: number;
  /** Training throughput over this epoch so far. */
  imagesPerSecond: number;
}

export interface EpochInfo {
  epoch: number;
  /** The loss per sample over the epoch (a mean of batch means weighted by size; the Euclidean loss: its total ÷ samples). */
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  seconds: number;
  lr: number;
}

export type History = EpochInfo[];

export interface FitOptions {
  epochs?: number;
  /** Default: the compiled batch size (and never more). */
  batchSize?: number;
  /** Reshuffle the training order every epoch (seeded). Default true. */
  shuffle?: boolean;
  seed?: number;
  /** Evaluated after every epoch. */
  validation?: Dataset;
  /** Learning rate per epoch ("larger at first, smaller later"), e.g. (e) => 1e-3 * 0.5 ** e. */
  lrSchedule?: (epoch: number) => number;
  /**
   * A schedule from cnn.schedules, applied per epoch or per step as it says. fit starts it
   * with the optimiser's lr the first time it sees it; reduceOnPlateau is updated with
   * valLoss (with a validation set) or the epoch's (per step: the batch's) training loss.
   */
  schedule?: Schedule;
  /** The epoch to start from (Keras): epochs then runs initialEpoch … epochs − 1, with the shuffles and random streams an unbroken run would have had there. Default 0. */
  initialEpoch?: number;
  onBatchEnd?: (info: BatchInfo) => void;
  onEpochEnd?: (info: EpochInfo) => void;
  /** Stop when a monitored metric stops improving. */
  earlyStopping?: EarlyStoppingOptions;
  /** Aborting it stops fit after the running step; fit then rejects with the signal's reason (the model stays usable). */
  signal?: AbortSignal;
}

export interface EvaluateResult {
  loss: number;
  accuracy: number;
}

const now = () => globalThis.performance.now();
const nextTick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Throws unless compile() ran; returns the loss name (no allocation: it runs every step). */
function compiledLoss(model: Model): LossName {
  if (!model.optimizer || !model.lossName) throw new ValueError('model is not compiled: expected model.compile({...}) before training');
  return model.lossName;
}

/** A loaded model restores its compile settings without planning memory: plan it at first training use. */
function ensurePrepared(model: Model): void {
  if (model.plan.prepared) return;
  const { optimizer, lossName, batchSize } = model;
  model.plan.prepareTraining(optimizer!.stateCount, batchSize, losses[lossName!].targetDType as DType);
  optimizer!.reset();
  optimizer!.initState?.(model.plan.optimizerState);
}

function checkDataset(model: Model, data: Dataset, what: string): void {
  if (!(data instanceof Dataset)) throw new ValueError(`${what}: expected a cnn.data.Dataset, got ${data === null ? 'null' : typeof data}`);
  if (data.length === 0) throw new ValueError(`${what}: expected a dataset with at least one sample, got an empty one`);
  if (!shapesEqual(data.imageShape, model.inputShape)) {
    throw new ShapeError(`${what}: expected samples of shape ${fmtShape(model.inputShape)}, got ${fmtShape(data.imageShape)}`);
  }
  const classes = sizeOf(model.outputShape);
  if (data.numClasses > classes) {
    throw new ValueError(`${what}: the model has ${classes} outputs, but the dataset has ${data.numClasses} classes`);
  }
}

/** Forward through every node of a binding, in node order. */
function forward(model: Model, b: Binding): void {
  const { layers } = model;
  for (let i = 0; i < layers.length; i++) layers[i].forward(b.ios[i]);
}

/** Backward through every node whose output has a δ, in reverse node order. */
function backward(model: Model, b: Binding): void {
  const { layers } = model;
  for (let i = layers.length - 1; i >= 0; i--) if (b.ios[i].dy !== null) layers[i].backward(b.ios[i]);
}

/** For mse on a labelled dataset: one-hot targets from the labels (SEEDS: LeNet's Euclidean loss). */
function oneHotTargets(b: Binding): void {
  if (b.target === b.labels) return;
  const f32 = heapF32();
  const i32 = heapI32();
  const classes = b.target.size / b.n;
  const t0 = index32(b.target.ptr);
  const l0 = index32(b.labels.ptr);
  f32.fill(0, t0, t0 + b.target.size);
  for (let i = 0; i < b.n; i++) f32[t0 + i * classes + i32[l0 + i]] = 1;
}

/** zero | forward | loss | backward on a filled training binding; gradients land in the gradient arena. */
export function lossAndGradients(model: Model, b: Binding): number {
  const loss = losses[compiledLoss(model)];
  const { plan } = model;
  plan.zeroGrads(b);
  forward(model, b);
  const value = loss.into(b.outputDelta, b.output, b.target);
  backward(model, b);
  return value;
}

/**
 * One training step on a filled binding: gradients, clipping if compiled with it, then one
 * optimiser update in place. A loss that is not finite skips the update and is returned
 * for the caller to report (see divergence()).
 */
export function step(model: Model, b: Binding): number {
  const { plan } = model;
  const value = lossAndGradients(model, b);
  if (!Number.isFinite(value)) return value;
  if (model.clipNorm !== null) clipGradNorm(plan.gradArena, model.clipNorm);
  if (model.clipValue !== null) clipGradValue(plan.gradArena, model.clipValue);
  model.optimizer!.step(plan.paramArena, plan.gradArena, plan.optimizerState);
  return value;
}

/** Schedules fit has started (with the optimiser's lr then): a later fit continues them. */
const started = new WeakSet<Schedule>();

const FIT_OPTIONS = ['epochs', 'batchSize', 'shuffle', 'seed', 'validation', 'lrSchedule', 'onBatchEnd', 'onEpochEnd', 'earlyStopping', 'signal', 'schedule', 'initialEpoch'];

/** The body of model.fit(), which marks the model busy around it (and frees it if dispose() came meanwhile). */
export async function fit(model: Model, train: Dataset, options: FitOptions = {}): Promise<History> {
  const lossName = compiledLoss(model);
  checkOptions('fit', options, FIT_OPTIONS);
  const optimizer = model.optimizer!;
  const { epochs = 1, shuffle = true, seed = 1, validation, lrSchedule, schedule, initialEpoch = 0, onBatchEnd, onEpochEnd, signal } = options;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new ValueError(`fit: expected initialEpoch an integer ≥ 0, got ${JSON.stringify(initialEpoch)}`);
  if (lrSchedule && schedule) throw new ValueError('fit: expected lrSchedule or schedule, got both');
  if (schedule !== undefined && (typeof schedule?.lrAt !== 'function' || typeof schedule.start !== 'function')) {
    throw new ValueError(`fit: expected schedule from cnn.schedules, got ${JSON.stringify(schedule)}`);
  }
  const batchSize = options.batchSize ?? model.batchSize;
  if (!Number.isInteger(epochs) || epochs < 0) throw new ValueError(`fit: expected epochs ≥ 0, got ${epochs}`);
  if (batchSize > model.batchSize || batchSize < 1) {
    throw new ValueError(`fit: expected 1 ≤ batchSize ≤ ${model.batchSize} (the compiled size), got ${batchSize}`);
  }
  checkDataset(model, train, 'fit');
  if (validation) checkDataset(model, validation, 'fit validation');
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new ValueError(`fit: expected signal an AbortSignal, got ${typeof signal}`);
  const classify = lossName === 'softmaxCrossEntropy';
  const early = options.earlyStopping ? new EarlyStopping(options.earlyStopping, validation !== undefined, classify) : null;
  signal?.throwIfAborted();
  model.stopTraining = false;
  const summed = losses[lossName].reduction === 'sum';
  const order = new Uint32Array(train.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  ensurePrepared(model);
  const rng = new Rng(seed);
  const streamBase = murmur3(model.seed, seed);
  const batches = Math.ceil(train.length / batchSize);
  let stepIndex = initialEpoch * batches;
  const full = model.plan.bind(batchSize, true);
  const last = model.plan.bind(train.length - (batches - 1) * batchSize || batchSize, true);
  const history: History = [];
  const stopped = () => model.disposed || model.stopTraining || signal?.aborted === true;
  if (schedule && !started.has(schedule)) {
    schedule.start(optimizer.lr);
    started.add(schedule);
  }
  const perStep = schedule?.interval === 'step';
  const plateau = typeof schedule?.update === 'function';
  if (shuffle) for (let e = 0; e < initialEpoch; e++) rng.shuffle(order);
  for (let epoch = initialEpoch; epoch < epochs && !stopped(); epoch++) {
    if (lrSchedule) optimizer.lr = lrSchedule(epoch);
    if (schedule && !perStep) optimizer.lr = schedule.lrAt(epoch);
    if (shuffle) rng.shuffle(order);
    const start = now();
    let lastYield = start;
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let batch = 0; batch < batches && !stopped(); batch++) {
      const b = batch === batches - 1 ? last : full;
      train.copyBatchInto(b.input, b.labels, order, batch * batchSize, b.n);
      oneHotTargets(b);
      if (perStep) optimizer.lr = schedule!.lrAt(stepIndex);
      b.stream.seed = murmur3(streamBase, stepIndex++);
      const loss = step(model, b);
      if (!Number.isFinite(loss)) throw divergence(model, b, loss, { epoch, batch, what: 'fit' });
      if (perStep && plateau) schedule!.update!(loss);
      const right = classify ? countCorrect(b.output, b.labels) : NaN;
      lossSum += summed ? loss : loss * b.n;
      correct += right;
      seen += b.n;
      if (onBatchEnd) {
        const imagesPerSecond = (seen / (now() - start)) * 1000;
        onBatchEnd({ epoch, batch, batches, loss, accuracy: right / b.n, seen, imagesPerSecond });
      }
      if (now() - lastYield > 100) {
        await nextTick(); // let a browser page repaint and Node flush output (and a timer abort)
        lastYield = now();
      }
    }
    if (model.disposed) return history; // dispose() from a callback: stop after this step
    signal?.throwIfAborted();
    const info: EpochInfo = {
      epoch,
      loss: lossSum / seen,
      accuracy: classify ? correct / seen : NaN,
      seconds: (now() - start) / 1000,
      lr: optimizer.lr,
    };
    if (validation) {
      const v = evaluate(model, validation);
      info.valLoss = v.loss;
      info.valAccuracy = v.accuracy;
    }
    if (plateau && !perStep) schedule!.update!(info.valLoss ?? info.loss);
    history.push(info);
    onEpochEnd?.(info);
    if (early?.update(info, model)) break;
    await nextTick();
  }
  signal?.throwIfAborted();
  return history;
}

export function evaluate(model: Model, data: Dataset, options: { batchSize?: number } = {}): EvaluateResult {
  const lossName = compiledLoss(model);
  const loss = losses[lossName];
  checkOptions('evaluate', options, ['batchSize']);
  checkDataset(model, data, 'evaluate');
  const batchSize = checkBatchSize('evaluate', options.batchSize ?? Math.max(model.batchSize, 256));
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < data.length; start += batchSize) {
    const n = Math.min(batchSize, data.length - start);
    const b = model.plan.bind(n, false);
    data.copyBatchInto(b.input, b.labels, null, start, n);
    oneHotTargets(b);
    forward(model, b);
    const value = loss.into(b.outputDelta, b.output, b.target);
    if (!Number.isFinite(value)) throw divergence(model, b, value, { what: `evaluate (samples ${start}–${start + n - 1})` });
    lossSum += loss.reduction === 'sum' ? value : value * n;
    if (lossName === 'softmaxCrossEntropy') correct += countCorrect(b.output, b.labels);
  }
  return { loss: lossSum / data.length, accuracy: lossName === 'softmaxCrossEntropy' ? correct / data.length : NaN };
}

function checkBatchSize(what: string, n: unknown): number {
  if (!Number.isInteger(n) || (n as number) < 1) throw new ValueError(`${what}: expected batchSize an integer ≥ 1, got ${JSON.stringify(n)}`);
  return n as number;
}

export function predict(model: Model, data: Dataset | Tensor, options: { batchSize?: number } = {}): Tensor {
  checkOptions('predict', options, ['batchSize']);
  const batchSize = checkBatchSize('predict', options.batchSize ?? Math.max(model.batchSize, 256));
  const isTensor = data instanceof Tensor;
  if (isTensor) {
    data.check();
    expectDType('predict input', data, 'float32');
    if (!shapesEqual(data.shape.slice(1), model.inputShape)) {
      throw new ShapeError(`predict: expected input [n, ${model.inputShape.join(', ')}], got ${fmtShape(data.shape)}`);
    }
  } else {
    checkDataset(model, data, 'predict');
  }
  const total = isTensor ? data.shape[0] : data.length;
  const sampleIn = sizeOf(model.inputShape);
  const sampleOut = sizeOf(model.outputShape);
  // In a scope, so that `out` is freed if planning the evaluation arena runs out of memory.
  return scope(() => {
    const out = empty([total, ...model.outputShape]);
    for (let start = 0; start < total; start += batchSize) {
      const n = Math.min(batchSize, total - start);
      const b = model.plan.bind(n, false);
      if (isTensor) heapF32().copyWithin(index32(b.input.ptr), index32(data.ptr) + start * sampleIn, index32(data.ptr) + (start + n) * sampleIn);
      else data.copyBatchInto(b.input, null, null, start, n);
      forward(model, b);
      heapF32().copyWithin(index32(out.ptr) + start * sampleOut, index32(b.output.ptr), index32(b.output.ptr) + n * sampleOut);
    }
    return out;
  });
}

export function trainBatch(model: Model, x: Tensor, target: Tensor<DType>): number {
  const lossName = compiledLoss(model);
  x.check();
  target.check();
  expectDType('trainBatch x', x, 'float32');
  const n = x.shape[0];
  if (!shapesEqual(x.shape.slice(1), model.inputShape) || n > model.batchSize) {
    throw new ShapeError(`trainBatch: expected x [n ≤ ${model.batchSize}, ${model.inputShape.join(', ')}], got ${fmtShape(x.shape)}`);
  }
  ensurePrepared(model);
  const b = model.plan.bind(n, true);
  if (target.size !== b.target.size || target.dtype !== b.target.dtype) {
    const want = lossName === 'softmaxCrossEntropy' ? `int32 labels [${n}]` : `float32 targets ${fmtShape(b.target.shape)}`;
    throw new ShapeError(`trainBatch: expected ${want}, got ${target.dtype} ${fmtShape(target.shape)}`);
  }
  const f32 = heapF32();
  f32.copyWithin(index32(b.input.ptr), index32(x.ptr), index32(x.ptr) + x.size);
  f32.copyWithin(index32(b.target.ptr), index32(target.ptr), index32(target.ptr) + target.size);
  b.stream.seed = murmur3(model.seed ^ 0x5bd1e995, model.steps++);
  const loss = step(model, b);
  if (!Number.isFinite(loss)) throw divergence(model, b, loss, { what: 'trainBatch' });
  return loss;
}
