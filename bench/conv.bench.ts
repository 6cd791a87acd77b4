// SPDX-License-Identifier: MIT
// Convolution-layer throughput: simdcnn's conv2dInto (NCHW, OIHW) against tfjs's tf.conv2d
// (NHWC, HWIO: the same fixture transposed once, outside the timed loop); and issue 7's
// layers (bench/shapes.ts LAYER_CASES) pass by pass: forward, backward-data, backward-filter
// (PyTorch's figures for them come from bench/torch_conv.py).
import type * as Cnn from '../src/index.js';
import { CONV_CASES, LAYER_CASES, LAYER_PASSES, convFlops, convOut, layerBytes, type ConvCase, type LayerCase, type LayerPass } from './shapes.js';
import { measure, measureDifference, randomArray } from './timing.js';

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

/** One pass of a LAYER_CASES layer; `pending` / `error` say why a figure is missing. */
export interface LayerRow {
  name: string;
  pass: LayerPass;
  x: number[];
  w: number[];
  stride: number;
  padding: number;
  groups: number;
  flops: number;
  bytes: number;
  seconds: number | null;
  gflops: number | null;
  spread: number | null;
  how?: string;
  pending?: string;
  error?: string;
}

function layerRow(c: LayerCase, pass: LayerPass, r: { seconds: number; spread: number } | null, note: Partial<LayerRow> = {}): LayerRow {
  const flops = convFlops(c);
  const seconds = r && r.seconds > 0 ? r.seconds : null; // a difference drowned in noise can come out ≤ 0
  return { ...c, pass, flops, bytes: layerBytes(c), seconds, gflops: seconds ? flops / seconds / 1e9 : null, spread: r?.spread ?? null, ...note };
}

function timeOnce(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

const layerOptions = (c: LayerCase) => ({ stride: c.stride, padding: c.padding, ...(c.groups > 1 ? { groups: c.groups } : {}) });

/**
 * simdcnn, per pass: forward = conv2dInto; backward-filter = conv2dBackwardInto with dx and db
 * null; backward-data = the same call with dx, less the call without (measureDifference: the
 * op has no data-only form). A grouped case whose `groups` option the build does not know yet
 * is reported as pending (probe: conv2dOutputShape throws on it).
 */
export function convLayerSimdcnn(cnn: typeof Cnn, cases = LAYER_CASES): LayerRow[] {
  return cases.flatMap((c) => {
    const opts = layerOptions(c);
    try {
      cnn.ops.conv2dOutputShape(c.x, c.w, opts);
    } catch (e) {
      if (c.groups === 1) throw e;
      const why = `pending: groups not yet supported (${e instanceof Error ? e.message.split('\n')[0].slice(0, 120) : String(e)})`;
      return LAYER_PASSES.map((pass) => layerRow(c, pass, null, { pending: why }));
    }
    const x = cnn.tensor(randomArray(size(c.x), 3), c.x);
    const w = cnn.tensor(randomArray(size(c.w), 4), c.w);
    const y = cnn.empty(convOut(c));
    const dy = cnn.tensor(randomArray(size(convOut(c)), 5), convOut(c));
    const dx = cnn.zeros(c.x);
    const dw = cnn.zeros(c.w);
    const ws = cnn.empty([Math.max(16, cnn.ops.conv2dWorkspaceSize(c.x, c.w, opts))]);
    const both = { dx, dw, db: null };
    const filter = { dx: null, dw, db: null };
    const filterOnly = () => cnn.ops.conv2dBackwardInto(filter, dy, x, w, opts, ws);
    const rows = [
      layerRow(c, 'forward', measure(() => cnn.ops.conv2dInto(y, x, w, null, opts, ws)), { how: 'conv2dInto' }),
      layerRow(c, 'backward-data', measureDifference(() => cnn.ops.conv2dBackwardInto(both, dy, x, w, opts, ws), filterOnly), {
        how: 'conv2dBackwardInto with dx − without',
      }),
      layerRow(c, 'backward-filter', measure(filterOnly), { how: 'conv2dBackwardInto, dx and db null' }),
    ];
    for (const t of [x, w, y, dy, dx, dw, ws]) t.dispose();
    return rows;
  });
}

/**
 * tfjs (wasm), per pass, NHWC / HWIO: the kernel each pass runs in training, called through
 * tf.engine().runKernel so no forward rides along: Conv2D / DepthwiseConv2dNative,
 * Conv2DBackpropInput / DepthwiseConv2dNativeBackpropInput, Conv2DBackpropFilter /
 * DepthwiseConv2dNativeBackpropFilter. A kernel the backend lacks is recorded as the error it throws.
 */
export function convLayerTfjs(tf: Tf, cases = LAYER_CASES): LayerRow[] {
  type T4 = import('@tensorflow/tfjs').Tensor4D;
  return cases.flatMap((c) => {
    const depthwise = c.groups > 1;
    const [n, ci, h, wd] = c.x;
    const [oc, , kh, kw] = c.w;
    const [, , oh, ow] = convOut(c);
    const x = tf.tidy(() => tf.tensor4d(randomArray(size(c.x), 3), c.x).transpose([0, 2, 3, 1])) as T4;
    // HWIO; depthwise filters are [KH, KW, C, multiplier]: OIHW [C, 1, KH, KW] → [KH, KW, C, 1].
    const w = tf.tidy(() => tf.tensor4d(randomArray(size(c.w), 4), c.w).transpose([2, 3, depthwise ? 0 : 1, depthwise ? 1 : 0])) as T4;
    const dy = tf.tensor4d(randomArray(n * oh * ow * oc, 5), [n, oh, ow, oc]);
    const common = { strides: [c.stride, c.stride], pad: c.padding, dimRoundingMode: undefined, dilations: [1, 1], dataFormat: 'NHWC' };
    const kernels: [LayerPass, string, Record<string, unknown>, Record<string, unknown>][] = depthwise
      ? [
          ['forward', 'DepthwiseConv2dNative', { x, filter: w }, common],
          ['backward-data', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { ...common, inputShape: [n, h, wd, ci] }],
          ['backward-filter', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...common, filterShape: [kh, kw, ci, 1] }],
        ]
      : [
          ['forward', 'Conv2D', { x, filter: w }, common],
          ['backward-data', 'Conv2DBackpropInput', { dy, filter: w }, { ...common, inputShape: [n, h, wd, ci] }],
          ['backward-filter', 'Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: [kh, kw, ci, oc] }],
        ];
    const rows = kernels.map(([pass, kernel, inputs, attrs]) => {
      const call = () => (tf.engine().runKernel(kernel, inputs as never, attrs as never) as import('@tensorflow/tfjs').Tensor).dispose();
      try {
        const first = timeOnce(call);
        // A naive kernel (seconds per call): one more call is its figure, as for the slow rivals elsewhere.
        const r = first > 1 ? { seconds: timeOnce(call), spread: 0 } : measure(call, { budgetMs: 6000 });
        return layerRow(c, pass, r, { how: `runKernel('${kernel}')` });
      } catch (e) {
        return layerRow(c, pass, null, { error: (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 160) });
      }
    });
    for (const t of [x, w, dy]) t.dispose();
    return rows;
  });
}
