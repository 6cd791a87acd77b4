// SPDX-License-Identifier: MIT
// The ops namespace: one module per kernel family, each exporting forward/backward pairs
// in two forms — `xInto(out, …)` validates and calls the kernel without allocating (layers
// use it over planned buffers), `x(…)` allocates its output and calls the Into form.
export * from './gemm.js';
export * from './conv.js';
export * from './conv1d.js';
export * from './conv-transpose.js';
export * from './pad.js';
export * from './pool.js';
export * from './elementwise.js';
export * from './activations.js';
export * from './softmax.js';
export * from './norm.js';
export * from './lrn.js';
export * from './dropout.js';
export * from './merge.js';
export * from '../losses/index.js';
