// SPDX-License-Identifier: MIT
// LeNet-5 end to end (article 003 / cnn.models.lenet5(): 1×28×28, conv 6@5×5 p2, relu,
// maxpool 2, conv 16@5×5, relu, maxpool 2, fc 120, relu, fc 84, relu, fc 10,
// softmax-cross-entropy, Adam lr 1e-3): training images/s at batch 64, inference images/s
// at batch 256, for simdcnn, tfjs (any backend) and ConvNetJS. Random data, same shapes.
import type * as Cnn from '../src/index.js';
import { step } from '../src/model/train.js';
import { LENET_INFER_BATCH as INFER, LENET_TRAIN_BATCH as TRAIN } from './shapes.js';
import { busyCores, measure, measureAsync, randomArray, randomLabels, type MeasureOptions } from './timing.js';

type Tf = typeof import('@tensorflow/tfjs');

export interface LenetRow {
  trainImagesPerSecond: number | null;
  inferImagesPerSecond: number | null;
  /** Why a figure is missing (e.g. tfjs-wasm lacks a backward kernel). */
  trainError?: string;
  inferError?: string;
  /** How training was driven, for the report. */
  trainHow?: string;
  /** Final loss of the timed steps: a sanity check that training ran. */
  loss?: number;
  /** Cores kept busy while training / inference was timed (bench/timing.ts busyCores). */
  trainCores?: number;
  inferCores?: number;
}

const POOL = 1024; // distinct random images cycled through the batches
const PIXELS = 28 * 28;

/**
 * A compiled simdcnn model's row: training images/s over planned steps (copy a batch of
 * `images`, zero, forward, loss, backward, optimiser step), cycling through the images, and
 * inference images/s of predict() on the first `infer` of them. Disposes the model.
 */
export function simdcnnRow(cnn: typeof Cnn, model: Cnn.Model, images: Float32Array, imageShape: [number, number, number], infer: number, how: string, options: MeasureOptions = {}): LenetRow {
  const train = model.batchSize;
  const pixels = imageShape[0] * imageShape[1] * imageShape[2];
  const pool = images.length / pixels;
  const data = cnn.data.Dataset.fromArrays(images, randomLabels(pool, 10), imageShape, 10);
  const order = Uint32Array.from({ length: pool }, (_, i) => i);
  const binding = model.plan.bind(train, true);
  let batch = 0;
  let loss = NaN;
  let cores = busyCores();
  const trainTime = measure(() => {
    data.copyBatchInto(binding.input, binding.labels, order, (batch++ % Math.floor(pool / train)) * train, train);
    loss = step(model, binding);
  }, options);
  const trainCores = cores();
  const x = cnn.tensor(images.subarray(0, infer * pixels), [infer, ...imageShape]);
  cores = busyCores();
  const inferTime = measure(() => model.predict(x, { batchSize: infer }).dispose(), options);
  const inferCores = cores();
  x.dispose();
  model.dispose();
  return { trainImagesPerSecond: train / trainTime.seconds, inferImagesPerSecond: infer / inferTime.seconds, trainHow: how, loss, trainCores, inferCores };
}

/** One planned training step (copy batch, zero, forward, loss, backward, Adam) and predict(). */
export function lenetSimdcnn(cnn: typeof Cnn, options: MeasureOptions = {}): LenetRow {
  const model = cnn.models.lenet5();
  model.compile({ optimizer: cnn.optim.adam({ lr: 1e-3 }), batchSize: TRAIN });
  const images = randomArray(POOL * PIXELS, 11).map((v) => (v + 1) / 2);
  return simdcnnRow(cnn, model, images, [1, 28, 28], INFER, 'step(model, binding) after copyBatchInto', options);
}

function tfLenet(tf: Tf) {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'relu' }),
      tf.layers.dense({ units: 84, activation: 'relu' }),
      tf.layers.dense({ units: 10 }),
    ],
  });
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 200);

/**
 * tfjs on the active backend: training through optimizer.minimize (tf.variableGrads
 * underneath) and, if that throws, model.fit; inference through model.predict. `slow`
 * (the cpu backend) times a few batches only.
 */
export async function lenetTfjs(tf: Tf, slow: boolean): Promise<LenetRow> {
  const model = tfLenet(tf);
  const few: MeasureOptions = slow ? { warmupCalls: 1, warmupMs: 0, runs: 3, minRunMs: 0 } : {};
  const pixels = randomArray(INFER * PIXELS, 11).map((v) => (v + 1) / 2);
  const labels = randomLabels(INFER, 10);
  const xTrain = tf.tensor4d(pixels.subarray(0, TRAIN * PIXELS), [TRAIN, 28, 28, 1]);
  const yTrain = tf.oneHot(tf.tensor1d(labels.subarray(0, TRAIN), 'int32'), 10);
  const out: LenetRow = { trainImagesPerSecond: null, inferImagesPerSecond: null };
  const optimizer = tf.train.adam(1e-3);
  const minimizeStep = () => {
    const cost = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(yTrain, model.apply(xTrain, { training: true }) as import('@tensorflow/tfjs').Tensor),
      true,
    );
    out.loss = cost!.dataSync()[0];
    cost!.dispose();
  };
  try {
    out.trainImagesPerSecond = TRAIN / measure(minimizeStep, few).seconds;
    out.trainHow = 'optimizer.minimize (variableGrads)';
  } catch (e) {
    const minimizeError = errorText(e);
    try {
      model.compile({ optimizer: tf.train.adam(1e-3), loss: tf.losses.softmaxCrossEntropy });
      const fitStep = async () => {
        const h = await model.fit(xTrain, yTrain, { batchSize: TRAIN, epochs: 1, verbose: 0 });
        out.loss = h.history.loss[0] as number;
      };
      out.trainImagesPerSecond = TRAIN / (await measureAsync(fitStep, { runs: slow ? 3 : 7 })).seconds;
      out.trainHow = 'model.fit (minimize failed: ' + minimizeError + ')';
    } catch (e2) {
      out.trainError = `minimize: ${minimizeError}; fit: ${errorText(e2)}`;
    }
  }
  const xInfer = tf.tensor4d(pixels, [INFER, 28, 28, 1]);
  try {
    const predictStep = () => {
      const y = model.predict(xInfer, { batchSize: INFER }) as import('@tensorflow/tfjs').Tensor;
      y.dataSync();
      y.dispose();
    };
    out.inferImagesPerSecond = INFER / measure(predictStep, few).seconds;
  } catch (e) {
    out.inferError = errorText(e);
  }
  for (const t of [xTrain, yTrain, xInfer]) t.dispose();
  model.dispose();
  return out;
}

/** ConvNetJS (one sample at a time; its Trainer averages 64 samples per Adam step). */
export function lenetConvnetjs(convnetjs: any): LenetRow {
  const net = new convnetjs.Net();
  net.makeLayers([
    { type: 'input', out_sx: 28, out_sy: 28, out_depth: 1 },
    { type: 'conv', sx: 5, filters: 6, stride: 1, pad: 2, activation: 'relu' },
    { type: 'pool', sx: 2, stride: 2 },
    { type: 'conv', sx: 5, filters: 16, stride: 1, pad: 0, activation: 'relu' },
    { type: 'pool', sx: 2, stride: 2 },
    { type: 'fc', num_neurons: 120, activation: 'relu' },
    { type: 'fc', num_neurons: 84, activation: 'relu' },
    { type: 'softmax', num_classes: 10 },
  ]);
  const trainer = new convnetjs.Trainer(net, {
    method: 'adam', learning_rate: 1e-3, batch_size: TRAIN, l2_decay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8,
  });
  const pixels = randomArray(INFER * PIXELS, 11).map((v) => (v + 1) / 2);
  const labels = randomLabels(INFER, 10);
  const vols = Array.from({ length: INFER }, (_, i) => {
    const v = new convnetjs.Vol(28, 28, 1, 0.0);
    for (let j = 0; j < PIXELS; j++) v.w[j] = pixels[i * PIXELS + j];
    return v;
  });
  const few: MeasureOptions = { warmupCalls: 1, warmupMs: 0, runs: 3, minRunMs: 0 };
  let loss = NaN;
  const train = measure(() => {
    for (let i = 0; i < TRAIN; i++) loss = trainer.train(vols[i], labels[i]).loss;
  }, few);
  const infer = measure(() => {
    for (let i = 0; i < INFER; i++) net.forward(vols[i], false);
  }, few);
  return {
    trainImagesPerSecond: TRAIN / train.seconds,
    inferImagesPerSecond: INFER / infer.seconds,
    trainHow: 'Trainer.train per sample, batch_size 64, adam',
    loss,
  };
}
