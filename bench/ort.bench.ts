// SPDX-License-Identifier: MIT
// onnxruntime-web, the wasm backend run in Node (its package's `node` export), as the
// inference rival of the threads table: LeNet-5 and ResNet-20 exported from the PyTorch
// definitions by bench/export_onnx.py (batch fixed at 256, evaluation mode), at one thread
// count per process (`ort.env.wasm.numThreads`, set before the first session). Inference
// only: onnxruntime-web does not train. Random data, the same shapes as simdcnn's rows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LENET_INFER_BATCH, RESNET20_INFER_BATCH, RESNET20_INPUT } from './shapes.js';
import { busyCores, measureAsync, randomArray } from './timing.js';
import type { LenetRow } from './train-step.bench.js';

type Ort = typeof import('onnxruntime-web');

/** The runtime as it set itself up: what was asked, what `env.wasm.numThreads` says after the first session, and any warning it printed. */
export interface OrtSetup {
  version: string;
  requested: number;
  numThreadsAfterInit?: number;
  crossOriginIsolated: unknown;
  sharedArrayBuffer: boolean;
  warnings: string[];
}

/** Sets the thread count and the wasm backend's flags, and starts catching the runtime's console warnings (its fallback to one thread is one). */
export function ortSetup(ort: Ort, threads: number): OrtSetup {
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  const setup: OrtSetup = {
    version: ort.env.versions?.web ?? '?',
    requested: threads,
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: unknown }).crossOriginIsolated,
    sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
    warnings: [],
  };
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    setup.warnings.push(args.map(String).join(' ').slice(0, 300));
    warn(...args);
  };
  return setup;
}

/**
 * Inference images/s of the ONNX model at `path` on a random batch of `shape` (session.run,
 * awaited, per call), the cores kept busy meanwhile, and a check that the output is
 * [batch, 10] and finite. `slow` (ResNet-20): fewer timed runs.
 */
export async function ortInfer(ort: Ort, setup: OrtSetup, path: string, shape: number[], slow: boolean): Promise<LenetRow & { outputDims?: number[] }> {
  const session = await ort.InferenceSession.create(readFileSync(path), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  setup.numThreadsAfterInit = ort.env.wasm.numThreads;
  const size = shape.reduce((p, d) => p * d, 1);
  const x = new ort.Tensor('float32', randomArray(size, 11), shape);
  const [input] = session.inputNames;
  const [output] = session.outputNames;
  let y: import('onnxruntime-web').Tensor | undefined;
  const run = async () => {
    y = (await session.run({ [input]: x }))[output];
  };
  const cores = busyCores();
  const m = await measureAsync(run, slow ? { warmupCalls: 1, runs: 5, minRunMs: 0 } : { warmupCalls: 3, runs: 7, minRunMs: 150 });
  const inferCores = cores();
  const data = y?.data as Float32Array | undefined;
  await session.release();
  if (!y || y.dims.length !== 2 || y.dims[0] !== shape[0] || y.dims[1] !== 10 || !data?.every(Number.isFinite)) {
    throw new Error(`onnxruntime-web: expected a finite [${shape[0]}, 10] output, got [${y?.dims.join(', ')}]`);
  }
  return { trainImagesPerSecond: null, inferImagesPerSecond: shape[0] / m.seconds, inferCores, trainError: 'onnxruntime-web does not train', outputDims: [...y.dims] };
}

/** The two rows, from the models bench/export_onnx.py wrote into `dir`. */
export const ortModels = (dir: string) => ({
  lenet: { path: join(dir, 'lenet5.onnx'), shape: [LENET_INFER_BATCH, 1, 28, 28], slow: false },
  resnet20: { path: join(dir, 'resnet20.onnx'), shape: [RESNET20_INFER_BATCH, ...RESNET20_INPUT], slow: true },
});
