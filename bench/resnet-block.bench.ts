// SPDX-License-Identifier: MIT
// A ResNet basic block end to end (bench/shapes.ts RESNET_*): 16×32×32 → conv 16@3×3 p1
// (no bias) → batch norm → relu → conv 16@3×3 p1 (no bias) → batch norm, + identity
// shortcut, relu → global average pool → fc 10; softmax cross-entropy, SGD lr 0.01
// momentum 0.9. Training images/s at batch 64 (training mode: batch statistics), inference
// images/s at batch 256 (evaluation mode: running statistics). Built with the functional
// graph API, the way a user writes a residual network. Random data, same shapes for all.
import type * as Cnn from '../src/index.js';
import { RESNET_FILTERS as F, RESNET_INFER_BATCH as INFER, RESNET_INPUT, RESNET_TRAIN_BATCH as TRAIN } from './shapes.js';
import { measure, randomArray } from './timing.js';
import { simdcnnRow, type LenetRow } from './train-step.bench.js';

type Tf = typeof import('@tensorflow/tfjs');

const POOL = INFER; // distinct random images: the inference batch, cycled through as 4 training batches
const PIXELS = RESNET_INPUT[0] * RESNET_INPUT[1] * RESNET_INPUT[2];

/** The block as a simdcnn graph model. */
export function resnetBlockModel(cnn: typeof Cnn): Cnn.Model {
  const L = cnn.layers;
  const conv = () => L.conv2d({ filters: F, kernelSize: 3, padding: 1, useBias: false });
  const x = cnn.input([...RESNET_INPUT]);
  let y = L.relu().apply(L.batchNorm2d().apply(conv().apply(x)));
  y = L.batchNorm2d().apply(conv().apply(y));
  y = L.relu().apply(L.add().apply([y, x]));
  y = L.dense({ units: 10 }).apply(L.globalAvgPool2d().apply(y));
  return cnn.model({ inputs: x, outputs: y });
}

/** One planned training step per call (copyBatchInto + step) and predict() in evaluation mode. */
export function resnetSimdcnn(cnn: typeof Cnn): LenetRow {
  const model = resnetBlockModel(cnn);
  model.compile({ optimizer: cnn.optim.sgd({ lr: 0.01, momentum: 0.9 }), batchSize: TRAIN });
  const images = randomArray(POOL * PIXELS, 13);
  return simdcnnRow(cnn, model, images, [...RESNET_INPUT], INFER, 'step(model, binding) after copyBatchInto; predict() in evaluation mode');
}

/**
 * tfjs (the wasm backend): inference only, through model.predict (NHWC; batch norm in
 * inference mode). Training is not attempted: tfjs-wasm has no Conv2DBackpropFilter kernel
 * (the LeNet-5 row shows the error).
 */
export function resnetTfjs(tf: Tf): LenetRow {
  const [c, h, w] = RESNET_INPUT;
  const x = tf.input({ shape: [h, w, c] });
  const conv = () => tf.layers.conv2d({ filters: F, kernelSize: 3, padding: 'same', useBias: false });
  let y = tf.layers.reLU().apply(tf.layers.batchNormalization({ axis: -1 }).apply(conv().apply(x))) as import('@tensorflow/tfjs').SymbolicTensor;
  y = tf.layers.batchNormalization({ axis: -1 }).apply(conv().apply(y)) as import('@tensorflow/tfjs').SymbolicTensor;
  y = tf.layers.reLU().apply(tf.layers.add().apply([y, x])) as import('@tensorflow/tfjs').SymbolicTensor;
  y = tf.layers.dense({ units: 10 }).apply(tf.layers.globalAveragePooling2d({}).apply(y)) as import('@tensorflow/tfjs').SymbolicTensor;
  const model = tf.model({ inputs: x, outputs: y });
  const xInfer = tf.tensor4d(randomArray(INFER * PIXELS, 13), [INFER, h, w, c]);
  const out: LenetRow = { trainImagesPerSecond: null, inferImagesPerSecond: null, trainError: 'not attempted: no Conv2DBackpropFilter kernel (see LeNet-5)' };
  try {
    out.inferImagesPerSecond = INFER / measure(() => {
      const p = model.predict(xInfer, { batchSize: INFER }) as import('@tensorflow/tfjs').Tensor;
      p.dataSync();
      p.dispose();
    }).seconds;
  } catch (e) {
    out.inferError = (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 200);
  }
  xInfer.dispose();
  model.dispose();
  return out;
}
