// SPDX-License-Identifier: MIT
// One contestant per process, so nothing one engine loads (tfjs's heap, a second wasm
// memory) disturbs another's figures. bench/run.mjs bundles this file with esbuild and runs
//   node child.mjs <role> <out.json> [peak.wasm | threads [onnx dir]]
// roles: simdcnn-simd (default engine), simdcnn-relaxed (under --experimental-wasm-relaxed-simd),
// tfjs-wasm, tfjs-cpu, convnetjs. Parts: peak, gemm, conv, layer (issue 7's layers pass by
// pass), lenet, resnet (the ResNet basic block); layer and resnet: simdcnn and tfjs-wasm only.
// The threads table's roles take a thread count: simdcnn-threads <N> (parts lenet, resnet20:
// bench/threads.bench.ts) and ort-web <N> <onnx dir> (inference only: bench/ort.bench.ts).
// The result is written as JSON to <out.json>.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { convLayerSimdcnn, convLayerTfjs, convSimdcnn, convTfjs } from './conv.bench.js';
import { gemmSimdcnn, gemmTfjs } from './gemm.bench.js';
import { ortInfer, ortModels, ortSetup } from './ort.bench.js';
import { peakGflops } from './peak.bench.js';
import { resnetSimdcnn, resnetTfjs } from './resnet-block.bench.js';
import { LENET_LAYERS, RESNET_LAYERS, lenetForwardFlops, lenetTrainFlops, resnetForwardFlops, resnetTrainFlops } from './shapes.js';
import { readyThreads, resnet20Simdcnn } from './threads.bench.js';
import { lenetConvnetjs, lenetSimdcnn, lenetTfjs } from './train-step.bench.js';

const [role, outPath, peakPath, onnxDir] = process.argv.slice(2);
const log = (msg: string) => process.stderr.write(`  [${role}] ${msg}\n`);
const errors: Record<string, string> = {};
const result: Record<string, unknown> = {
  role,
  napkin: { layers: LENET_LAYERS, forwardFlops: lenetForwardFlops(), trainFlops: lenetTrainFlops() },
  resnetNapkin: { layers: RESNET_LAYERS, forwardFlops: resnetForwardFlops(), trainFlops: resnetTrainFlops() },
  errors,
};

/** Runs one part; a part that throws (an op not written yet, a rival's missing kernel) is recorded, the rest still runs. */
async function part(name: string, fn: () => unknown): Promise<void> {
  log(name);
  try {
    result[name] = await fn();
  } catch (e) {
    errors[name] = e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e);
    log(`${name} failed: ${errors[name]}`);
  }
}

async function simdcnn(isa: 'simd' | 'relaxed') {
  const cnn = await import('../src/index.js');
  // Relaxed: the automatic pick must choose it under the flag. Plain: forced, so that an
  // engine with native relaxed SIMD (Node ≥ 22) still measures the plain build here.
  result.threads = await readyThreads(cnn, 1, isa === 'relaxed' ? {} : { isa: 'simd' });
  result.isa = cnn.activeIsa();
  if (result.isa !== isa) throw new Error(`expected cnn.activeIsa() = '${isa}', got '${result.isa}'`);
  await part('peak', () => peakGflops(peakPath, isa));
  await part('gemm', () => gemmSimdcnn(cnn));
  await part('conv', () => convSimdcnn(cnn));
  await part('layer', () => convLayerSimdcnn(cnn));
  await part('lenet', () => lenetSimdcnn(cnn));
  await part('resnet', () => resnetSimdcnn(cnn));
}

async function tfjs(backend: 'wasm' | 'cpu') {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // the single-threaded SIMD binary
    wasm.setThreadsCount(1);
    wasm.setWasmPaths(require.resolve('@tensorflow/tfjs-backend-wasm').replace(/[^/]*$/, ''));
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' did not initialise`);
  await tf.ready();
  result.version = tf.version.tfjs;
  result.simd = backend === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : null;
  await part('gemm', () => gemmTfjs(tf));
  await part('conv', () => convTfjs(tf));
  if (backend === 'wasm') await part('layer', () => convLayerTfjs(tf)); // tfjs-cpu: ~1 GFLOP/s, seconds per call
  await part('lenet', () => lenetTfjs(tf, backend === 'cpu'));
  if (backend === 'wasm') await part('resnet', () => resnetTfjs(tf)); // tfjs-cpu: minutes per batch, not run
}

async function convnetjs() {
  const mod = await import('convnetjs');
  await part('lenet', () => lenetConvnetjs((mod as { default?: unknown }).default ?? mod));
}

/** One thread count (the third argument): ready({ threads }), then LeNet-5 and ResNet-20. */
async function simdcnnThreads() {
  const cnn = await import('../src/index.js');
  result.threads = await readyThreads(cnn, Number(peakPath));
  result.isa = cnn.activeIsa();
  await part('lenet', () => lenetSimdcnn(cnn));
  await part('resnet20', () => resnet20Simdcnn(cnn));
}

/** onnxruntime-web's wasm backend at one thread count (the third argument), on the ONNX models in the fourth. */
async function ortWeb() {
  const ort = await import('onnxruntime-web');
  const setup = ortSetup(ort, Number(peakPath));
  result.threads = setup;
  result.version = setup.version;
  const models = ortModels(onnxDir);
  await part('lenet', () => ortInfer(ort, setup, models.lenet.path, models.lenet.shape, models.lenet.slow));
  await part('resnet20', () => ortInfer(ort, setup, models.resnet20.path, models.resnet20.shape, models.resnet20.slow));
}

const roles: Record<string, () => Promise<void>> = {
  'simdcnn-simd': () => simdcnn('simd'),
  'simdcnn-relaxed': () => simdcnn('relaxed'),
  'tfjs-wasm': () => tfjs('wasm'),
  'tfjs-cpu': () => tfjs('cpu'),
  convnetjs,
  'simdcnn-threads': simdcnnThreads,
  'ort-web': ortWeb,
};

if (!roles[role]) throw new Error(`child: expected a role in ${Object.keys(roles).join(', ')}, got '${role}'`);
await roles[role]();
writeFileSync(outPath, JSON.stringify(result, null, 1));
process.exit(0); // worker threads (wasm pthreads, a thread pool) would otherwise keep the process alive
