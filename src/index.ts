// SPDX-License-Identifier: MIT
// The public surface of simdcnn.
export { ready, activeIsa, relaxedSimdSupported } from './core/wasm.js';
export type { ReadyOptions, Isa } from './core/wasm.js';
export { Tensor, tensor, zeros, empty, scope } from './core/tensor.js';
export type { DType } from './core/tensor.js';
export { memoryStats } from './core/memory.js';
export type { MemoryStats } from './core/memory.js';
export { SimdCnnError, ShapeError, DTypeError, ValueError, FormatError, NotReadyError } from './core/errors.js';
export { Rng } from './core/random.js';
export * as ops from './ops/index.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
