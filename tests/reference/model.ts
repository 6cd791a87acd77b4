// SPDX-License-Identifier: MIT
// A whole model in float64: the graph of a cnn.Model evaluated node by node with the
// oracle of each op (conv, pool, dense, activations from the other reference files; batch
// norm, add, concat, global/adaptive average pooling and dropout written out here from
// their definitions). Finite differences of its loss, in float64 with a small step, give
// a gradient accurate to ~1e-8 against which the wasm backward is checked tightly.
import type * as cnn from '../../src/index.js';
import { conv2dRef, convDims } from './conv.js';
import { reluRef, sigmoidRef, tanhRef, normalizeRef } from './elementwise.js';
import { linearRef } from './gemm.js';
import { avgPoolRef, maxPoolRef, type PoolRefOptions } from './pool.js';
import { crossEntropyRef, mseRef, softmaxRef } from './softmax.js';

type Config = Record<string, unknown> & { kind: string };
const pairOf = (v: unknown): [number, number] => (typeof v === 'number' ? [v, v] : [(v as number[])[0], (v as number[])[1]]);
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** The float64 state of a model: parameters and saved state per node, and fixed dropout masks. */
export interface RefModel {
  model: cnn.Model;
  /** params[k][j]: node k's j-th parameter (copied from the model, then perturbed by the check). */
  params: Float64Array[][];
  /** state[k][j]: node k's saved state (running statistics), read in evaluation mode. */
  state: Float64Array[][];
  /** Dropout masks by node (the values the model drew in its forward), for training mode. */
  masks: Map<number, Float64Array>;
  training: boolean;
}

/** Copies a model's parameters and state into float64. */
export function refModel(model: cnn.Model, training: boolean, masks = new Map<number, Float64Array>()): RefModel {
  const params = model.layers.map((_, k) => model.plan.paramsOf(k).map((t) => Float64Array.from(t.data)));
  const state = model.layers.map((_, k) => model.plan.stateOf(k).map((t) => Float64Array.from(t.data)));
  return { model, params, state, masks, training };
}

/** Node k of the model on float64 inputs xs (shapes with the batch n). */
function nodeRef(r: RefModel, k: number, xs: Float64Array[], n: number): Float64Array {
  const { model } = r;
  const layer = model.layers[k];
  const c = layer.config() as Config;
  const inShapes = model.graph.inputsOf[k].map((v) => [n, ...model.plan.shapes[v]]);
  const shape = inShapes[0];
  const [w, b] = r.params[k];
  const x = xs[0];
  switch (c.kind) {
    case 'conv2d': {
      const d = convDims(shape, [c.filters as number, shape[1], ...pairOf(c.kernelSize)], {
        stride: pairOf(c.stride),
        padding: pairOf(c.padding),
        dilation: pairOf(c.dilation),
      });
      return conv2dRef(x, w, c.useBias ? b : null, d);
    }
    case 'dense':
      return linearRef(x, w, c.useBias ? b : null, n, shape[1], c.units as number);
    case 'maxPool2d':
    case 'avgPool2d': {
      const o: PoolRefOptions = { k: pairOf(c.kernelSize), s: pairOf(c.stride), p: pairOf(c.padding), ceil: c.ceilMode as boolean, countIncludePad: c.countIncludePad as boolean };
      return c.kind === 'maxPool2d' ? maxPoolRef(x, shape, o).y : avgPoolRef(x, shape, o);
    }
    case 'flatten':
      return Float64Array.from(x);
    case 'relu':
      return reluRef(x);
    case 'sigmoid':
      return sigmoidRef(x);
    case 'tanh':
      return tanhRef(x);
    case 'softmax':
      return softmaxRef(x, shape);
    case 'normalize': {
      const ch = shape[1];
      const per = (v: unknown) => (typeof v === 'number' ? new Array(ch).fill(v) : (v as number[]));
      return normalizeRef(x, shape, per(c.mean), per(c.std));
    }
    case 'add':
      return Float64Array.from(x, (_, i) => xs.reduce((s, t) => s + t[i], 0));
    case 'concat':
      return concatRef(xs, inShapes, c.axis as number);
    case 'batchNorm2d':
      return batchNormRef(x, shape, r.training ? null : r.state[k], c.affine ? w : null, c.affine ? b : null, c.eps as number);
    case 'globalAvgPool2d':
      return adaptiveAvgRef(x, shape, [1, 1]);
    case 'adaptiveAvgPool2d':
      return adaptiveAvgRef(x, shape, c.outputSize as [number, number]);
    case 'dropout': {
      if (!r.training) return Float64Array.from(x);
      const mask = r.masks.get(k);
      if (!mask) throw new Error(`reference: no dropout mask recorded for node ${k}`);
      return Float64Array.from(x, (v, i) => v * mask[i]);
    }
    default:
      throw new Error(`reference: no float64 oracle for layer kind ${c.kind}`);
  }
}

/** torch.cat along axis (of the batched shapes). */
export function concatRef(xs: Float64Array[], shapes: number[][], axis: number): Float64Array {
  const rank = shapes[0].length;
  const a = axis < 0 ? axis + rank : axis;
  const outer = size(shapes[0].slice(0, a));
  const inner = size(shapes[0].slice(a + 1));
  const total = shapes.reduce((s, sh) => s + sh[a], 0);
  const y = new Float64Array(outer * total * inner);
  for (let o = 0; o < outer; o++) {
    let at = o * total * inner;
    xs.forEach((x, i) => {
      const len = shapes[i][a] * inner;
      for (let j = 0; j < len; j++) y[at + j] = x[o * len + j];
      at += len;
    });
  }
  return y;
}

/** (x − μ_c)/sqrt(σ²_c + eps)·γ_c + β_c; μ, σ² of the batch (biased) when running is null, else running[0], running[1]. */
export function batchNormRef(x: Float64Array, shape: number[], running: Float64Array[] | null, g: Float64Array | null, b: Float64Array | null, eps: number): Float64Array {
  const [n, c] = shape;
  const hw = size(shape.slice(2));
  const y = new Float64Array(x.length);
  for (let ch = 0; ch < c; ch++) {
    let mean = 0;
    let variance = 0;
    if (running) {
      mean = running[0][ch];
      variance = running[1][ch];
    } else {
      for (let i = 0; i < n; i++) for (let j = 0; j < hw; j++) mean += x[(i * c + ch) * hw + j];
      mean /= n * hw;
      for (let i = 0; i < n; i++) for (let j = 0; j < hw; j++) variance += (x[(i * c + ch) * hw + j] - mean) ** 2;
      variance /= n * hw;
    }
    const inv = 1 / Math.sqrt(variance + eps);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < hw; j++) {
        const at = (i * c + ch) * hw + j;
        y[at] = (x[at] - mean) * inv * (g ? g[ch] : 1) + (b ? b[ch] : 0);
      }
  }
  return y;
}

/** PyTorch's adaptive average pooling: output row i averages rows ⌊i·H/OH⌋ … ⌈(i+1)·H/OH⌉ − 1. */
export function adaptiveAvgRef(x: Float64Array, shape: number[], out: [number, number]): Float64Array {
  const [n, c, H, W] = shape;
  const [OH, OW] = out;
  const y = new Float64Array(n * c * OH * OW);
  for (let p = 0; p < n * c; p++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++) {
        const [h0, h1] = [Math.floor((i * H) / OH), Math.ceil(((i + 1) * H) / OH)];
        const [w0, w1] = [Math.floor((j * W) / OW), Math.ceil(((j + 1) * W) / OW)];
        let s = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += x[(p * H + h) * W + w];
        y[(p * OH + i) * OW + j] = s / ((h1 - h0) * (w1 - w0));
      }
  return y;
}

/**
 * Every value of the model in float64 for input x [n, ...inputShape]; `from` reuses the
 * values of an earlier call up to node `from` (a perturbed parameter of node `from` changes
 * nothing before it).
 */
export function forwardRef(r: RefModel, x: Float64Array, n: number, from = 0, cache?: Float64Array[]): Float64Array[] {
  const values: Float64Array[] = cache ? cache.slice(0, from + 1) : [x];
  const start = cache ? from : 0;
  for (let k = start; k < r.model.layers.length; k++) {
    values[k + 1] = nodeRef(r, k, r.model.graph.inputsOf[k].map((v) => values[v]), n);
  }
  return values;
}

/** The model's loss in float64 (the compiled loss: cross-entropy on labels, or mse on targets). */
export function lossRef(r: RefModel, output: Float64Array, n: number, target: ArrayLike<number>): number {
  const classes = output.length / n;
  return r.model.lossName === 'mse' ? mseRef(output, target).loss : crossEntropyRef(output, target, n, classes).loss;
}

/** Sizes of a parameter: n elements. */
export const paramSize = (r: RefModel, k: number, j: number) => r.params[k][j].length;
export { size as sizeOfShape };
