// SPDX-License-Identifier: MIT
// Runs bench/assembly/peak.ts (compiled by bench/run.mjs) and turns it into GFLOP/s: the
// ceiling every other figure is compared with: its best run (load on a shared machine only
// lowers a ceiling), while every other figure is a median.
import { readFileSync } from 'node:fs';
import { measure } from './timing.js';

export interface PeakRow {
  variant: 'simd' | 'relaxed';
  gflops: number;
  spread: number;
}

const ITERATIONS = 4_000_000; // × 96 FLOPs ≈ 0.4 GFLOP per call, ~10 ms

export async function peakGflops(wasmPath: string, variant: PeakRow['variant']): Promise<PeakRow> {
  const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {});
  const exports = instance.exports as unknown as { peak(n: number, x: number, y: number): number; FLOPS_PER_ITERATION: WebAssembly.Global };
  const flops = ITERATIONS * (exports.FLOPS_PER_ITERATION.value as number);
  let sink = 0;
  const r = measure(() => {
    sink += exports.peak(ITERATIONS, 0.999, 0.001);
  }, { warmupMs: 500, runs: 9 });
  if (!Number.isFinite(sink)) throw new Error(`peak: accumulators diverged (${sink})`);
  return { variant, gflops: flops / r.best! / 1e9, spread: r.spread };
}
