// SPDX-License-Identifier: MIT
// Elementwise activations and add, any shape (Into forms check equal sizes and float32),
// forward and backward side by side over assembly/elementwise.ts. Backward Into forms
// ACCUMULATE (dx += dy·f′); sigmoid and tanh backward take the forward OUTPUT y.
import { DTypeError, ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { empty, zeros, type DType, type Tensor, scope } from '../core/tensor.js';
import { kernels } from '../core/wasm.js';
import { forElements } from '../core/parallel.js';

/** Throws unless `t` is float32 with as many elements as `like` (no allocation on success). */
function expectLike(what: string, name: string, t: Tensor<DType>, likeName: string, like: Tensor<DType>): void {
  if (t.dtype !== 'float32') throw new DTypeError(`${what}: expected ${name} of dtype float32, got ${t.dtype}`);
  if (t.size !== like.size) {
    throw new ShapeError(
      `${what}: expected ${name} with ${like.size} elements (like ${likeName} ${fmtShape(like.shape)}), got ${t.size} (shape ${fmtShape(t.shape)})`,
    );
  }
}

/**
 * max(0, x).
 * @example const y = cnn.ops.relu(x);
 * See: torch.nn.functional.relu
 */
export function relu(x: Tensor): Tensor {
  return scope(() => {
    const y = empty(x.shape);
    reluInto(y, x);
    return y;
  });
}

/**
 * y = max(0, x).
 * @example cnn.ops.reluInto(y, x);
 * See: torch.nn.functional.relu
 */
export function reluInto(y: Tensor, x: Tensor): void {
  expectLike('relu', 'x', x, 'x', x);
  expectLike('relu', 'y', y, 'x', x);
  forElements('relu_forward', [y.ptr, x.ptr], x.size);
}

/**
 * dy where x > 0, else 0 (a new tensor).
 * @example const dx = cnn.ops.reluBackward(dy, x);
 * See: torch.nn.functional.relu (autograd)
 */
export function reluBackward(dy: Tensor, x: Tensor): Tensor {
  return scope(() => {
    const dx = zeros(x.shape);
    reluBackwardInto(dx, dy, x);
    return dx;
  });
}

/**
 * dx += dy where x > 0. ACCUMULATES.
 * @example cnn.ops.reluBackwardInto(dx, dy, x);
 * See: torch.nn.functional.relu (autograd)
 */
export function reluBackwardInto(dx: Tensor, dy: Tensor, x: Tensor): void {
  expectLike('reluBackward', 'x', x, 'x', x);
  expectLike('reluBackward', 'dy', dy, 'x', x);
  expectLike('reluBackward', 'dx', dx, 'x', x);
  forElements('relu_backward', [dx.ptr, dy.ptr, x.ptr], x.size);
}

/**
 * 1 / (1 + e^−x).
 * @example const y = cnn.ops.sigmoid(x);
 * See: torch.nn.functional.sigmoid
 */
export function sigmoid(x: Tensor): Tensor {
  return scope(() => {
    const y = empty(x.shape);
    sigmoidInto(y, x);
    return y;
  });
}

/**
 * y = 1 / (1 + e^−x).
 * @example cnn.ops.sigmoidInto(y, x);
 * See: torch.nn.functional.sigmoid
 */
export function sigmoidInto(y: Tensor, x: Tensor): void {
  expectLike('sigmoid', 'x', x, 'x', x);
  expectLike('sigmoid', 'y', y, 'x', x);
  forElements('sigmoid_forward', [y.ptr, x.ptr], x.size, [], 16);
}

/**
 * dy · y(1 − y) from the forward output y (a new tensor).
 * @example const dx = cnn.ops.sigmoidBackward(dy, y);
 * See: torch.nn.functional.sigmoid (autograd)
 */
export function sigmoidBackward(dy: Tensor, y: Tensor): Tensor {
  return scope(() => {
    const dx = zeros(y.shape);
    sigmoidBackwardInto(dx, dy, y);
    return dx;
  });
}

/**
 * dx += dy · y(1 − y), y the forward output. ACCUMULATES.
 * @example cnn.ops.sigmoidBackwardInto(dx, dy, y);
 * See: torch.nn.functional.sigmoid (autograd)
 */
export function sigmoidBackwardInto(dx: Tensor, dy: Tensor, y: Tensor): void {
  expectLike('sigmoidBackward', 'y', y, 'y', y);
  expectLike('sigmoidBackward', 'dy', dy, 'y', y);
  expectLike('sigmoidBackward', 'dx', dx, 'y', y);
  forElements('sigmoid_backward', [dx.ptr, dy.ptr, y.ptr], y.size, [], 16);
}

/**
 * tanh(x).
 * @example const y = cnn.ops.tanh(x);
 * See: torch.nn.functional.tanh
 */
export function tanh(x: Tensor): Tensor {
  return scope(() => {
    const y = empty(x.shape);
    tanhInto(y, x);
    return y;
  });
}

/**
 * y = tanh(x).
 * @example cnn.ops.tanhInto(y, x);
 * See: torch.nn.functional.tanh
 */
export function tanhInto(y: Tensor, x: Tensor): void {
  expectLike('tanh', 'x', x, 'x', x);
  expectLike('tanh', 'y', y, 'x', x);
  forElements('tanh_forward', [y.ptr, x.ptr], x.size, [], 16);
}

/**
 * dy · (1 − y²) from the forward output y (a new tensor).
 * @example const dx = cnn.ops.tanhBackward(dy, y);
 * See: torch.nn.functional.tanh (autograd)
 */
export function tanhBackward(dy: Tensor, y: Tensor): Tensor {
  return scope(() => {
    const dx = zeros(y.shape);
    tanhBackwardInto(dx, dy, y);
    return dx;
  });
}

/**
 * dx += dy · (1 − y²), y the forward output. ACCUMULATES.
 * @example cnn.ops.tanhBackwardInto(dx, dy, y);
 * See: torch.nn.functional.tanh (autograd)
 */
export function tanhBackwardInto(dx: Tensor, dy: Tensor, y: Tensor): void {
  expectLike('tanhBackward', 'y', y, 'y', y);
  expectLike('tanhBackward', 'dy', dy, 'y', y);
  expectLike('tanhBackward', 'dx', dx, 'y', y);
  forElements('tanh_backward', [dx.ptr, dy.ptr, y.ptr], y.size, [], 16);
}

/**
 * a + b, same number of elements (the result takes a's shape).
 * @example const y = cnn.ops.add(fx, x);
 * See: torch.add
 */
export function add(a: Tensor, b: Tensor): Tensor {
  return scope(() => {
    const out = empty(a.shape);
    addInto(out, a, b);
    return out;
  });
}

/**
 * out = a + b; out may be a or b.
 * @example cnn.ops.addInto(out, a, b);
 * See: torch.add (out=)
 */
export function addInto(out: Tensor, a: Tensor, b: Tensor): void {
  expectLike('add', 'a', a, 'a', a);
  expectLike('add', 'b', b, 'a', a);
  expectLike('add', 'out', out, 'a', a);
  forElements('add_forward', [out.ptr, a.ptr, b.ptr], a.size);
}

/**
 * Gradients of add: δ goes to both inputs unchanged (new tensors, copies of dy).
 * @example const { da, db } = cnn.ops.addBackward(dy);
 * See: torch.add (autograd)
 */
export function addBackward(dy: Tensor): { da: Tensor; db: Tensor } {
  return scope(() => {
    const grads = { da: zeros(dy.shape), db: zeros(dy.shape) };
    addBackwardInto(grads.da, grads.db, dy);
    return grads;
  });
}

/**
 * da += dy, db += dy (a residual shortcut hands δ to both branches); null is skipped. ACCUMULATES.
 * @example cnn.ops.addBackwardInto(dShortcut, dResidual, dy);
 * See: torch.add (autograd)
 */
export function addBackwardInto(da: Tensor | null, db: Tensor | null, dy: Tensor): void {
  expectLike('addBackward', 'dy', dy, 'dy', dy);
  if (da) expectLike('addBackward', 'da', da, 'dy', dy);
  if (db) expectLike('addBackward', 'db', db, 'dy', dy);
  forElements('add_backward', [da ? da.ptr : 0, db ? db.ptr : 0, dy.ptr], dy.size);
}

/** Per-channel statistics: one number for every channel, or one per channel (dim 1). */
export interface NormalizeOptions {
  mean: number | readonly number[];
  std: number | readonly number[];
}

const NORMALIZE_OPTIONS = ['mean', 'std'];

/** Scale 1/std and shift −mean/std of channel c; validates the options (no allocation). */
function channelScale(what: string, opts: NormalizeOptions, c: number, channels: number): number {
  const std = typeof opts.std === 'number' ? opts.std : opts.std[c];
  if (typeof opts.std !== 'number' && opts.std.length !== channels) {
    throw new ShapeError(`${what}: expected std as a number or ${channels} values (one per channel), got ${opts.std.length}`);
  }
  if (!(std > 0 && Number.isFinite(std))) throw new ValueError(`${what}: expected std > 0 for channel ${c}, got ${std}`);
  return 1 / std;
}

function channelShift(what: string, opts: NormalizeOptions, c: number, channels: number): number {
  const mean = typeof opts.mean === 'number' ? opts.mean : opts.mean[c];
  if (typeof opts.mean !== 'number' && opts.mean.length !== channels) {
    throw new ShapeError(`${what}: expected mean as a number or ${channels} values (one per channel), got ${opts.mean.length}`);
  }
  if (!Number.isFinite(mean)) throw new ValueError(`${what}: expected a finite mean for channel ${c}, got ${mean}`);
  return -mean * channelScale(what, opts, c, channels);
}

/**
 * (x − mean) / std per channel (dim 1) of x [N, C, ...], as torchvision's Normalize.
 * @example const y = cnn.ops.normalize(x, { mean: 0.286, std: 0.353 });
 * See: torchvision.transforms.Normalize
 */
export function normalize(x: Tensor, opts: NormalizeOptions): Tensor {
  return scope(() => {
    const y = empty(x.shape);
    normalizeInto(y, x, opts);
    return y;
  });
}

/**
 * y = (x − mean) / std per channel; y may be x.
 * @example cnn.ops.normalizeInto(y, x, { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
 * See: torchvision.transforms.Normalize
 */
export function normalizeInto(y: Tensor, x: Tensor, opts: NormalizeOptions): void {
  checkOptions('normalize', opts, NORMALIZE_OPTIONS, NORMALIZE_OPTIONS);
  expectLike('normalize', 'x', x, 'x', x);
  expectLike('normalize', 'y', y, 'x', x);
  const k = kernels();
  const n = x.shape.length >= 2 ? x.shape[0] : 1;
  const c = x.shape.length >= 2 ? x.shape[1] : 1;
  const plane = x.size / (n * c);
  for (let ch = 0; ch < c; ch++) {
    const a = channelScale('normalize', opts, ch, c);
    const b = channelShift('normalize', opts, ch, c);
    if (c === 1) k.scale_shift_forward(y.ptr, x.ptr, a, b, x.size);
    else for (let i = 0; i < n; i++) k.scale_shift_forward(y.ptr + (i * c + ch) * plane * 4, x.ptr + (i * c + ch) * plane * 4, a, b, plane);
  }
}

/**
 * dy / std per channel (a new tensor).
 * @example const dx = cnn.ops.normalizeBackward(dy, { mean: 0.286, std: 0.353 });
 * See: torchvision.transforms.Normalize (autograd)
 */
export function normalizeBackward(dy: Tensor, opts: NormalizeOptions): Tensor {
  return scope(() => {
    const dx = zeros(dy.shape);
    normalizeBackwardInto(dx, dy, opts);
    return dx;
  });
}

/**
 * dx += dy / std per channel. ACCUMULATES.
 * @example cnn.ops.normalizeBackwardInto(dx, dy, { mean: 0.286, std: 0.353 });
 * See: torchvision.transforms.Normalize (autograd)
 */
export function normalizeBackwardInto(dx: Tensor, dy: Tensor, opts: NormalizeOptions): void {
  checkOptions('normalizeBackward', opts, NORMALIZE_OPTIONS, NORMALIZE_OPTIONS);
  expectLike('normalizeBackward', 'dy', dy, 'dy', dy);
  expectLike('normalizeBackward', 'dx', dx, 'dy', dy);
  const k = kernels();
  const n = dy.shape.length >= 2 ? dy.shape[0] : 1;
  const c = dy.shape.length >= 2 ? dy.shape[1] : 1;
  const plane = dy.size / (n * c);
  for (let ch = 0; ch < c; ch++) {
    const a = channelScale('normalizeBackward', opts, ch, c);
    if (c === 1) k.scale_shift_backward(dx.ptr, dy.ptr, a, dy.size);
    else for (let i = 0; i < n; i++) k.scale_shift_backward(dx.ptr + (i * c + ch) * plane * 4, dy.ptr + (i * c + ch) * plane * 4, a, plane);
  }
}
