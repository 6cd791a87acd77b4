// SPDX-License-Identifier: MIT
// ConvNetJS ships no types; the bench drives it untyped (bench/train-step.bench.ts).
declare module 'convnetjs';
