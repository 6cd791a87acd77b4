// SPDX-License-Identifier: MIT
// The public surface of simdcnn.
export { ready, activeIsa, relaxedSimdSupported, threads, endThreads } from './core/wasm.js';
export type { ReadyOptions, Isa, ThreadsInfo } from './core/wasm.js';
export { Tensor, tensor, zeros, empty, scope } from './core/tensor.js';
export type { DType } from './core/tensor.js';
export { memoryStats } from './core/memory.js';
export type { MemoryStats } from './core/memory.js';
export { SimdCnnError, ShapeError, DTypeError, ValueError, FormatError, NotReadyError, DisposedError, OutOfMemoryError, StateError, DivergenceError, ThreadError } from './core/errors.js';
export { Rng } from './core/random.js';
export * as ops from './ops/index.js';
export * as layers from './layers/index.js';
export * as optim from './optim/index.js';
export * as schedules from './schedules/index.js';
export * as data from './data/index.js';
export * as models from './models/index.js';
export { sequential, model } from './model/create.js';
export type { SequentialOptions } from './model/create.js';
export { input, SymbolicTensor } from './model/graph.js';
export { Model } from './model/model.js';
export type { CompileOptions, ModelOptions, NodeInfo } from './model/model.js';
export type { FitOptions, BatchInfo, EpochInfo, History, EvaluateResult } from './model/train.js';
export type { InitializerSpec } from './model/init.js';
export { loadModel } from './io/load.js';
