// SPDX-License-Identifier: MIT
// ResNet for small images (He et al. 2015, §4.2, the CIFAR-10 networks): depth 6n + 2 =
// a 3×3 stem conv, three stages of n basic blocks with width, 2·width and 4·width filters
// (the second and third start with stride 2), global average pooling and one dense layer.
// A basic block is conv3×3–BN–ReLU–conv3×3–BN plus a shortcut, added, then ReLU (article
// 003: "f(x) + x"); the shortcut is the identity, or a 1×1 conv + BN where the shape
// changes (the projection of torchvision's ResNets; the paper's CIFAR nets pad with zeros).
// See: torchvision.models.resnet.BasicBlock.
import { ValueError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import * as layers from '../layers/index.js';
import { input, type SymbolicTensor } from '../model/graph.js';
import { model } from '../model/create.js';
import type { Model } from '../model/model.js';
import type { NormalizeOptions } from '../ops/elementwise.js';

export interface ResNetOptions {
  /** 6n + 2: 8, 14, 20 (default), 32, 44, 56 … */
  depth?: number;
  /** Filters of the first stage (default 16; the later stages have 2× and 4×). */
  width?: number;
  /** [C, H, W], default [3, 32, 32] (CIFAR-10); [1, 28, 28] works too. */
  inputShape?: readonly [number, number, number];
  numClasses?: number;
  seed?: number;
  /** Prepend layers.normalize(…), e.g. the training set's `dataset.stats()`. */
  normalize?: NormalizeOptions;
}

/** conv3×3–BN–ReLU–conv3×3–BN + shortcut, ReLU. */
export function basicBlock(x: SymbolicTensor, filters: number, stride: number): SymbolicTensor {
  const conv = (f: number, k: number, s: number, from: SymbolicTensor) =>
    layers.conv2d({ filters: f, kernelSize: k, stride: s, padding: (k - 1) / 2, useBias: false, kernelInitializer: 'heNormal' }).apply(from);
  let y = layers.relu().apply(layers.batchNorm2d().apply(conv(filters, 3, stride, x)));
  y = layers.batchNorm2d().apply(conv(filters, 3, 1, y));
  const shortcut = stride !== 1 || x.shape[0] !== filters ? layers.batchNorm2d().apply(conv(filters, 1, stride, x)) : x;
  return layers.relu().apply(layers.add().apply([y, shortcut]));
}

/** @example const model = cnn.models.resnet({ depth: 20 }); // 0.27 M parameters for CIFAR-10 */
export function resnet(options: ResNetOptions = {}): Model {
  checkOptions('resnet', options, ['depth', 'width', 'inputShape', 'numClasses', 'seed', 'normalize']);
  const { depth = 20, width = 16, inputShape = [3, 32, 32], numClasses = 10, seed, normalize } = options;
  if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
    throw new ValueError(`resnet: expected depth = 6n + 2 (8, 14, 20, 32, 44, 56 …), got ${JSON.stringify(depth)}`);
  }
  if (!Number.isInteger(width) || width < 1) throw new ValueError(`resnet: expected width an integer ≥ 1, got ${JSON.stringify(width)}`);
  const x = input(inputShape);
  let y = normalize ? layers.normalize(normalize).apply(x) : x;
  y = layers.conv2d({ filters: width, kernelSize: 3, padding: 1, useBias: false, kernelInitializer: 'heNormal' }).apply(y);
  y = layers.relu().apply(layers.batchNorm2d().apply(y));
  const n = (depth - 2) / 6;
  for (let stage = 0; stage < 3; stage++) {
    for (let block = 0; block < n; block++) y = basicBlock(y, width << stage, stage > 0 && block === 0 ? 2 : 1);
  }
  const logits = layers.dense({ units: numClasses }).apply(layers.globalAvgPool2d().apply(y));
  return model({ inputs: x, outputs: logits, seed });
}
