// SPDX-License-Identifier: MIT
// A whole model in float64: the graph of a cnn.Model evaluated node by node with the
// oracle of each op family (the other files of tests/reference; add and dropout with a
// recorded mask are one line each here). Finite differences of its loss, in float64 with a small step, give
// a gradient accurate to ~1e-8 against which the wasm backward is checked tightly.
import type * as cnn from '../../src/index.js';
import { convLayerRef } from './conv.js';
import { reluRef, sigmoidRef, tanhRef, normalizeRef } from './elementwise.js';
import { linearRef } from './gemm.js';
import { concatRef } from './merge.js';
import { batchNormRef } from './norm.js';
import { adaptiveAvgPoolRef, avgPoolRef, maxPoolRef, type PoolRefOptions } from './pool.js';
import { crossEntropyRef, mseRef, softmaxRef } from './softmax.js';
import { eluRef, geluRef, leakyReluRef } from './elementwise.js';
import { lrnRef, type LrnRefOptions } from './lrn.js';
import { logSoftmaxRef } from './softmax.js';

type Config = Record<string, unknown> & { kind: string };
const pairOf = (v: unknown): [number, number] => (typeof v === 'number' ? [v, v] : [(v as number[])[0], (v as number[])[1]]);

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
    case 'conv2d':
    case 'conv1d':
    case 'convTranspose2d':
    case 'zeroPad2d':
      return convLayerRef(c, shape, x, w, b);
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
    case 'logSoftmax':
      return logSoftmaxRef(x, shape);
    case 'leakyRelu':
      return leakyReluRef(x, c.negativeSlope as number);
    case 'elu':
      return eluRef(x, c.alpha as number);
    case 'gelu':
      return geluRef(x, c.approximate as 'none' | 'tanh');
    case 'localResponseNorm':
      return lrnRef(x, shape, c as unknown as LrnRefOptions);
    case 'normalize': {
      const ch = shape[1];
      const per = (v: unknown) => (typeof v === 'number' ? new Array(ch).fill(v) : (v as number[]));
      return normalizeRef(x, shape, per(c.mean), per(c.std));
    }
    case 'add':
      return Float64Array.from(x, (_, i) => xs.reduce((s, t) => s + t[i], 0));
    case 'concat':
      return concatRef(xs, inShapes, c.axis as number);
    case 'batchNorm2d': {
      const [runningMean, runningVar] = r.training ? [null, null] : r.state[k];
      const affine = c.affine ? { weight: w, bias: b } : {};
      return batchNormRef(x, shape, { training: r.training, eps: c.eps as number, runningMean, runningVar, ...affine }).y;
    }
    case 'globalAvgPool2d':
      return adaptiveAvgPoolRef(x, shape, [1, 1]);
    case 'adaptiveAvgPool2d':
      return adaptiveAvgPoolRef(x, shape, c.outputSize as [number, number]);
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
