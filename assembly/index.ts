// SPDX-License-Identifier: MIT
// The kernel module: every export below becomes a field of the TS `Kernels` table
// (src/core/wasm.ts derives its type from the `.d.ts` asc writes next to the binary).
//
// Conventions, the same in every kernel family:
//  - Outputs first, then inputs, then sizes, then (optionally) a half-open range
//    [i0, i1) of the dimension a worker may split (batch or output channels).
//  - Pointers are byte addresses into the one imported linear memory (`usize`).
//  - Counts and strides are in elements; kernels shift them (`<< 2` for f32).
//  - Above ~8 scalar arguments, pass a pointer to a packed Int32 geometry record
//    (its layout is documented where it is read).
//  - Kernels are pure: no globals written, no allocation, no GC (runtime stub), so the
//    same instance can be shared by workers over one memory.
//  - Backward kernels accumulate (+=) into gradients; zeroing is the caller's one step,
//    unless a kernel's comment says it overwrites.
export * from './gemm';
export * from './im2col';
export * from './conv';
export * from './depthwise';
export * from './winograd';
export * from './pool';
export * from './elementwise';
export * from './activations';
export * from './softmax';
export * from './norm';
export * from './lrn';
export * from './dropout';
export * from './merge';
export * from './optim';
