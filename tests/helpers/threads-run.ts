// SPDX-License-Identifier: MIT
// The threads check every runtime runs (Node through vitest, Chromium through a page, Deno
// through a script): the same 100-step training run on each thread count, twice. The three
// functions use nothing but the library they are given and each other (they are sent to the
// page as source text).
import type * as Cnn from '../../src/index.js';

export interface ThreadsRunResult {
  /** cnn.threads() after each ready({ threads }). */
  threads: { count: number; requested: number; reason: string | null }[];
  /** Per thread count: the two runs had identical losses and parameters. */
  repeats: boolean[];
  /** Per thread count: the largest |parameter − the 1-thread run's| after the last step. */
  maxDiff: number[];
  /** Per thread count: first and last loss. */
  losses: [number, number][];
  isa: string | null;
}

/**
 * A small conv net compiled for batches of `batch`: conv (split by image, partial dw), batch
 * norm (by channel), relu, max-pool, a conv fused with its ReLU, dropout, dense (by rows).
 * SGD: Adam divides by √v, which turns rounding noise in near-zero gradients into whole
 * lr-sized steps, so runs that differ only in summation order would drift apart by ~lr a step.
 */
export function threadsNet(lib: typeof Cnn, batch: number): Cnn.Model {
  const L = lib.layers;
  const model = lib.sequential(
    [
      L.conv2d({ filters: 8, kernelSize: 3, padding: 1 }),
      L.batchNorm2d(),
      L.relu(),
      L.maxPool2d({ poolSize: 2 }),
      L.conv2d({ filters: 16, kernelSize: 3, padding: 1, activation: 'relu' }),
      L.dropout({ rate: 0.25 }),
      L.flatten(),
      L.dense({ units: 10 }),
    ],
    { inputShape: [3, 16, 16], seed: 7 },
  );
  model.compile({ optimizer: lib.optim.sgd({ lr: 0.05, momentum: 0.9 }), batchSize: batch });
  return model;
}

/** 32 × 100 random images [3, 16, 16] and labels (a fixed LCG: the same in every runtime). */
export function threadsData(lib: typeof Cnn): Cnn.data.Dataset {
  let s = 12345;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const n = 32 * 100;
  const x = Float32Array.from({ length: n * 3 * 16 * 16 }, rand);
  const y = Int32Array.from({ length: n }, () => Math.floor(rand() * 10));
  return lib.data.Dataset.fromArrays(x, y, [3, 16, 16], 10);
}

/**
 * Trains threadsNet 100 steps (batch 32) on threadsData on each of `counts` threads, twice
 * each. In a page it runs as source text, with threadsNet and threadsData defined beside it.
 */
export async function threadsRun(lib: typeof Cnn, counts: number[]): Promise<ThreadsRunResult> {
  const data = threadsData(lib);
  const train = async () => {
    const model = threadsNet(lib, 32);
    const losses: number[] = [];
    await model.fit(data, { epochs: 1, seed: 3, onBatchEnd: ({ loss }) => losses.push(loss) });
    const params = Float32Array.from(model.plan.paramArena.data);
    model.dispose();
    return { losses, params };
  };
  const result: ThreadsRunResult = { threads: [], repeats: [], maxDiff: [], losses: [], isa: null };
  let reference: Float32Array | null = null;
  for (const threads of counts) {
    await lib.ready({ threads });
    result.threads.push(lib.threads());
    const a = await train();
    const b = await train();
    const same = a.losses.every((v, i) => Object.is(v, b.losses[i])) && a.params.every((v, i) => Object.is(v, b.params[i]));
    result.repeats.push(same);
    reference ??= a.params;
    let worst = 0;
    for (let i = 0; i < reference.length; i++) worst = Math.max(worst, Math.abs(a.params[i] - reference[i]));
    result.maxDiff.push(worst);
    result.losses.push([a.losses[0], a.losses[a.losses.length - 1]]);
  }
  result.isa = lib.activeIsa();
  return result;
}
