// SPDX-License-Identifier: MIT
// The fixtures every contestant runs (same shapes in every process) and the napkin math:
// FLOPs per GEMM call, per conv call, per LeNet-5 image. A multiply-add counts as 2 FLOPs.

export interface GemmShape {
  name: string;
  m: number;
  k: number;
  n: number;
}

/** c[m,n] = a[m,k] · b[k,n]. */
export const GEMM_SHAPES: GemmShape[] = [
  { name: 'square 256', m: 256, k: 256, n: 256 },
  { name: 'square 512', m: 512, k: 512, n: 512 },
  { name: 'LeNet fc1, batch 64', m: 64, k: 400, n: 120 },
  { name: 'LeNet conv2 im2col, 1 image', m: 16, k: 150, n: 100 },
  { name: 'LeNet conv2 im2col, batch 64', m: 16, k: 150, n: 6400 },
];

export const gemmFlops = (s: GemmShape) => 2 * s.m * s.k * s.n;

export interface ConvCase {
  name: string;
  /** NCHW input, OIHW weights. */
  x: [number, number, number, number];
  w: [number, number, number, number];
  stride: number;
  padding: number;
}

export const CONV_CASES: ConvCase[] = [
  { name: 'LeNet conv2', x: [64, 6, 14, 14], w: [16, 6, 5, 5], stride: 1, padding: 0 },
  { name: 'VGG-like 3×3', x: [16, 32, 32, 32], w: [64, 32, 3, 3], stride: 1, padding: 1 },
];

/**
 * Issue 7's layers, timed pass by pass (forward, backward-data, backward-filter): a VGG 3×3
 * layer (64→64 channels at 56×56: ResNet-18's conv2_x, VGG-16's conv1_2 at 1/4 the side) and
 * a depthwise 3×3 (MobileNet style, channel multiplier 1). N = 16 makes a VGG call ≈ 0.1 s
 * at 40 GFLOP/s.
 */
export interface LayerCase extends ConvCase {
  groups: number;
}

export const LAYER_BATCH = 16;

export const LAYER_CASES: LayerCase[] = [
  { name: 'VGG 3×3', x: [LAYER_BATCH, 64, 56, 56], w: [64, 64, 3, 3], stride: 1, padding: 1, groups: 1 },
  { name: 'depthwise 3×3', x: [LAYER_BATCH, 32, 56, 56], w: [32, 1, 3, 3], stride: 1, padding: 1, groups: 32 },
];

/** Each pass is one GEMM-sized sweep (or, depthwise, one direct sweep) of the same FLOPs: convFlops. */
export const LAYER_PASSES = ['forward', 'backward-data', 'backward-filter'] as const;
export type LayerPass = (typeof LAYER_PASSES)[number];

/** Bytes a pass must at least read and write once: x, w and y (dx, dw or dy in the backward), float32. */
export function layerBytes(c: ConvCase): number {
  const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
  return 4 * (size(c.x) + size(c.w) + size(convOut(c)));
}

export function convOut(c: ConvCase): [number, number, number, number] {
  const [n, , h, w] = c.x;
  const [oc, , kh, kw] = c.w;
  const oh = Math.floor((h + 2 * c.padding - kh) / c.stride) + 1;
  const ow = Math.floor((w + 2 * c.padding - kw) / c.stride) + 1;
  return [n, oc, oh, ow];
}

/** 2·N·OC·OH·OW·(C/groups)·KH·KW: w's second dimension is already C/groups. */
export function convFlops(c: ConvCase): number {
  const [n, oc, oh, ow] = convOut(c);
  const [, ic, kh, kw] = c.w;
  return 2 * n * oc * oh * ow * ic * kh * kw;
}

/** LeNet-5 as cnn.models.lenet5(): the layers that multiply, with their multiply-adds per image. */
export const LENET_LAYERS = [
  { name: 'conv1 1→6 5×5 p2 → 6×28×28', macs: 6 * 28 * 28 * 1 * 5 * 5, first: true },
  { name: 'conv2 6→16 5×5 → 16×10×10', macs: 16 * 10 * 10 * 6 * 5 * 5, first: false },
  { name: 'fc1 400→120', macs: 400 * 120, first: false },
  { name: 'fc2 120→84', macs: 120 * 84, first: false },
  { name: 'fc3 84→10', macs: 84 * 10, first: false },
];

export const LENET_TRAIN_BATCH = 64;
export const LENET_INFER_BATCH = 256;

/** Forward FLOPs per image (GEMM work only; ReLU, pooling and bias add are < 1 % more). */
export const lenetForwardFlops = () => LENET_LAYERS.reduce((s, l) => s + 2 * l.macs, 0);

/**
 * Training FLOPs per image: forward + weight gradient (one more GEMM of the same size per
 * layer) + input gradient (the same again, except for the first layer, whose input needs none).
 */
export const lenetTrainFlops = () => LENET_LAYERS.reduce((s, l) => s + 2 * l.macs * (l.first ? 2 : 3), 0);

/**
 * The ResNet basic block (He et al. 2016, fig. 2, identity shortcut): 16×32×32 →
 * conv 16@3×3 p1 (no bias) → batch norm → relu → conv 16@3×3 p1 (no bias) → batch norm,
 * + the input, relu → global average pool → fc 10. Same batch sizes as LeNet-5.
 */
export const RESNET_INPUT = [16, 32, 32] as const;
export const RESNET_FILTERS = 16;
export const RESNET_TRAIN_BATCH = LENET_TRAIN_BATCH;
export const RESNET_INFER_BATCH = LENET_INFER_BATCH;

/** The layers that multiply, with their multiply-adds per image. conv1 reads the model input, so it needs no input gradient. */
export const RESNET_LAYERS = [
  { name: 'conv1 16→16 3×3 p1 → 16×32×32', macs: 16 * 32 * 32 * 16 * 3 * 3, first: true },
  { name: 'conv2 16→16 3×3 p1 → 16×32×32', macs: 16 * 32 * 32 * 16 * 3 * 3, first: false },
  { name: 'fc 16→10', macs: 16 * 10, first: false },
];

/** Forward FLOPs per image (the GEMM work; batch norm, relu, add and pooling are ≈ 3 % more). */
export const resnetForwardFlops = () => RESNET_LAYERS.reduce((s, l) => s + 2 * l.macs, 0);

/** Training FLOPs per image, counted as for LeNet-5 (lenetTrainFlops): ≈ 2.5 × forward. */
export const resnetTrainFlops = () => RESNET_LAYERS.reduce((s, l) => s + 2 * l.macs * (l.first ? 2 : 3), 0);

/**
 * The threads rows (bench/threads.bench.ts, bench/torch_threads.py, bench/ort.bench.ts):
 * LeNet-5 at the batches above and ResNet-20 (cnn.models.resnet({ depth: 20 }), CIFAR-10
 * shape), trained at batch 64 with SGD lr 0.01 momentum 0.9, inferred at batch 256.
 */
export const RESNET20_INPUT = [3, 32, 32] as const;
export const RESNET20_TRAIN_BATCH = 64;
export const RESNET20_INFER_BATCH = 256;
