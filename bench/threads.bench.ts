// SPDX-License-Identifier: MIT
// Issue 8 point 5, simdcnn's side of the threads table: LeNet-5 (batch 64 training with
// Adam, batch 256 inference, as bench/train-step.bench.ts) and ResNet-20
// (cnn.models.resnet({ depth: 20 }): 3×32×32, 10 classes, 1×1 conv + BN projection
// shortcuts; batch 64 training with SGD lr 0.01 momentum 0.9, batch 256 inference) at one
// thread count per process. bench/run.mjs runs `child.mjs simdcnn-threads <out> <N>` once per
// N in 1, 2.
import type * as Cnn from '../src/index.js';
import { RESNET20_INFER_BATCH, RESNET20_INPUT, RESNET20_TRAIN_BATCH } from './shapes.js';
import { randomArray, type MeasureOptions } from './timing.js';
import { lenetSimdcnn, simdcnnRow, type LenetRow } from './train-step.bench.js';

/** What `cnn.threads()` reports once `ready({ threads })` has resolved (typed here so the bench also builds before the library has it). */
export interface ThreadInfo {
  count: number;
  requested: unknown;
  reason: string | null;
}

/** How the process was readied: the library's own account, or why threads could not be asked for. */
export interface ThreadSetup {
  requested: number;
  info: ThreadInfo | null;
  /** Set when `ready({ threads })` rejected the option (the thread API not written yet): ready() ran instead. */
  unavailable?: string;
}

/**
 * `await cnn.ready({ ...options, threads: n })`, or, while the library does not know the
 * option yet (a ValueError naming 'threads'), `await cnn.ready(options)` and a note saying
 * so. Any other error is the bench's to report, not to hide. The single-thread roles call it
 * with n = 1, so that a default of several threads never leaks into their figures.
 */
export async function readyThreads(cnn: typeof Cnn, n: number, options: Cnn.ReadyOptions = {}): Promise<ThreadSetup> {
  const api = cnn as unknown as { threads?: () => ThreadInfo };
  try {
    await cnn.ready({ ...options, threads: n } as Cnn.ReadyOptions);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (!(e instanceof cnn.ValueError) || !/'threads'/.test(message)) throw e;
    await cnn.ready(options);
    return { requested: n, info: null, unavailable: message };
  }
  return { requested: n, info: typeof api.threads === 'function' ? api.threads() : null };
}

/** ResNet-20's slower steps (≈ 1 s each on one core) get fewer timed runs. */
const RESNET20_TIMING: MeasureOptions = { runs: 5, budgetMs: 6000 };

export interface ResNet20Row extends LenetRow {
  /** model.paramCount, to compare with the PyTorch definition's (bench/torch_resnet20.py). */
  paramCount: number;
}

/** ResNet-20 from the catalogue, one planned training step per call and predict() in evaluation mode. */
export function resnet20Simdcnn(cnn: typeof Cnn): ResNet20Row {
  const model = cnn.models.resnet({ depth: 20, inputShape: [...RESNET20_INPUT], numClasses: 10, seed: 1 });
  model.compile({ optimizer: cnn.optim.sgd({ lr: 0.01, momentum: 0.9 }), batchSize: RESNET20_TRAIN_BATCH });
  const paramCount = model.paramCount;
  const pixels = RESNET20_INPUT[0] * RESNET20_INPUT[1] * RESNET20_INPUT[2];
  const images = randomArray(RESNET20_INFER_BATCH * pixels, 17);
  const how = 'step(model, binding) after copyBatchInto; SGD lr 0.01 momentum 0.9; predict() in evaluation mode';
  return { ...simdcnnRow(cnn, model, images, [...RESNET20_INPUT], RESNET20_INFER_BATCH, how, RESNET20_TIMING), paramCount };
}
