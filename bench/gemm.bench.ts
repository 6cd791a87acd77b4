// SPDX-License-Identifier: MIT
// GEMM throughput: simdcnn's matmulInto against tfjs's tf.matMul on the same shapes
// (bench/shapes.ts). Operands and output are allocated before the timed loop; a timed call
// is exactly one op call. Run by bench/child.ts, reported by bench/run.mjs.
import type * as Cnn from '../src/index.js';
import { GEMM_SHAPES, gemmFlops, type GemmShape } from './shapes.js';
import { measure, randomArray } from './timing.js';

type Tf = typeof import('@tensorflow/tfjs');

export interface GemmRow {
  name: string;
  m: number;
  k: number;
  n: number;
  flops: number;
  seconds: number;
  gflops: number;
  spread: number;
}

/**
 * The first figure of a process also waits for V8 to tier the wasm up (Liftoff → TurboFan
 * happens on a background thread, late when the machine is busy).
 */
const FIRST_WARMUP_MS = 1500;

function row(s: GemmShape, seconds: number, spread: number): GemmRow {
  const flops = gemmFlops(s);
  return { ...s, flops, seconds, gflops: flops / seconds / 1e9, spread };
}

/** cnn.ops.matmulInto(c, a, b, {}, workspace) for every shape; the workspace is made once. */
export function gemmSimdcnn(cnn: typeof Cnn, shapes = GEMM_SHAPES): GemmRow[] {
  return shapes.map((s, i) => {
    const a = cnn.tensor(randomArray(s.m * s.k, 1), [s.m, s.k]);
    const b = cnn.tensor(randomArray(s.k * s.n, 2), [s.k, s.n]);
    const c = cnn.empty([s.m, s.n]);
    const ws = cnn.empty([Math.max(16, cnn.ops.matmulWorkspaceSize(s.n, s.k))]);
    const r = measure(() => cnn.ops.matmulInto(c, a, b, {}, ws), { warmupMs: i === 0 ? FIRST_WARMUP_MS : 300 });
    for (const t of [a, b, c, ws]) t.dispose();
    return row(s, r.seconds, r.spread);
  });
}

/**
 * tf.matMul on the active backend. wasm and cpu run eagerly and synchronously, so the
 * product exists when the call returns; it is disposed, not read back.
 */
export function gemmTfjs(tf: Tf, shapes = GEMM_SHAPES): GemmRow[] {
  return shapes.map((s, i) => {
    const a = tf.tensor2d(randomArray(s.m * s.k, 1), [s.m, s.k]);
    const b = tf.tensor2d(randomArray(s.k * s.n, 2), [s.k, s.n]);
    const r = measure(() => tf.matMul(a, b).dispose(), { budgetMs: 4000, warmupMs: i === 0 ? FIRST_WARMUP_MS : 300 });
    a.dispose();
    b.dispose();
    return row(s, r.seconds, r.spread);
  });
}
