// SPDX-License-Identifier: MIT
// Convolution-layer throughput: simdcnn's conv2dInto (NCHW, OIHW) against tfjs's tf.conv2d
// (NHWC, HWIO: the same fixture transposed once, outside the timed loop).
import type * as Cnn from '../src/index.js';
import { CONV_CASES, convFlops, convOut, type ConvCase } from './shapes.js';
import { measure, randomArray } from './timing.js';

type Tf = typeof import('@tensorflow/tfjs');

export interface ConvRow {
  name: string;
  x: number[];
  w: number[];
  stride: number;
  padding: number;
  flops: number;
  seconds: number;
  gflops: number;
  spread: number;
}

function row(c: ConvCase, seconds: number, spread: number): ConvRow {
  const flops = convFlops(c);
  return { ...c, flops, seconds, gflops: flops / seconds / 1e9, spread };
}

const size = (s: number[]) => s.reduce((p, d) => p * d, 1);

/** cnn.ops.conv2dInto(y, x, w, null, opts, workspace): output and workspace made once. */
export function convSimdcnn(cnn: typeof Cnn, cases = CONV_CASES): ConvRow[] {
  return cases.map((c) => {
    const opts = { stride: c.stride, padding: c.padding };
    const x = cnn.tensor(randomArray(size(c.x), 3), c.x);
    const w = cnn.tensor(randomArray(size(c.w), 4), c.w);
    const y = cnn.empty(convOut(c));
    const ws = cnn.empty([Math.max(16, cnn.ops.conv2dWorkspaceSize(c.x, c.w, opts))]);
    const r = measure(() => cnn.ops.conv2dInto(y, x, w, null, opts, ws));
    for (const t of [x, w, y, ws]) t.dispose();
    return row(c, r.seconds, r.spread);
  });
}

/** tf.conv2d on the active backend, NHWC input and HWIO filter, explicit padding. */
export function convTfjs(tf: Tf, cases = CONV_CASES): ConvRow[] {
  return cases.map((c) => {
    const x = tf.tidy(() => tf.tensor4d(randomArray(size(c.x), 3), c.x).transpose([0, 2, 3, 1])) as import('@tensorflow/tfjs').Tensor4D;
    const w = tf.tidy(() => tf.tensor4d(randomArray(size(c.w), 4), c.w).transpose([2, 3, 1, 0])) as import('@tensorflow/tfjs').Tensor4D;
    const r = measure(() => tf.conv2d(x, w, c.stride, c.padding).dispose(), { budgetMs: 6000 });
    x.dispose();
    w.dispose();
    return row(c, r.seconds, r.spread);
  });
}
