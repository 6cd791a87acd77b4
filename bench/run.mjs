// SPDX-License-Identifier: MIT
// `npm run bench`: the driver. Single thread everywhere, one run, every rival measured in
// the same run. Models: LeNet-5 and a ResNet basic block (simdcnn, tfjs-wasm inference,
// PyTorch); issue 7's conv layers pass by pass (simdcnn, tfjs-wasm, PyTorch). Steps:
//   1. compile bench/assembly/peak.ts twice with the asc JS API (simd; relaxed-simd)
//   2. bundle bench/child.ts with esbuild (npm packages left external)
//   3. run one child process per contestant, one after another (2 cores: never two timed
//      things at once): simdcnn plain SIMD in the default engine, simdcnn relaxed under
//      `node --experimental-wasm-relaxed-simd` (Node 20 needs the flag), tfjs wasm, tfjs cpu,
//      ConvNetJS, and PyTorch (bench/torch_lenet.py, which also runs
//      bench/torch_resnet_block.py and bench/torch_conv.py) when `python3 -c 'import torch'` works
//   4. the threads table (issue 8): bench/export_onnx.py writes the ONNX models, then at 1 and
//      2 threads, one process each: simdcnn (child role simdcnn-threads, relaxed build),
//      PyTorch (bench/torch_threads.py) and onnxruntime-web (child role ort-web), in `passes`
//      interleaved passes like step 3
//   5. print the report and write it to bench/RESULTS.md (bench/report.mjs), and the thread
//      ratios' chart to bench/threads.svg (bench/threads-chart.mjs).
import asc from 'assemblyscript/asc';
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bestOf, renderReport } from './report.mjs';
import { threadsChart } from './threads-chart.mjs';
import { WORKLOADS, bestThreads, figure } from './threads-report.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
// Inside node_modules so the bundle's external imports (tfjs, convnetjs) resolve.
const tmp = join(root, 'node_modules', '.cache', 'simdcnn-bench');
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
const started = Date.now();
const loadBefore = os.loadavg()[0].toFixed(2);
const say = (msg) => process.stderr.write(`bench: ${msg}\n`);

// (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd))
const relaxedProbe = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);
const relaxedNative = WebAssembly.validate(relaxedProbe);
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';
const relaxedFlags = relaxedNative ? [] : [RELAXED_FLAG];

// 1. Peak microbenchmark, both variants, from one source.
const peakWasm = {};
for (const variant of ['simd', 'relaxed']) {
  peakWasm[variant] = join(tmp, `peak-${variant}.wasm`);
  const { error, stderr } = await asc.main(['--config', 'bench/assembly/asconfig.json', '--target', variant, '--outFile', peakWasm[variant]]);
  if (error) {
    process.stderr.write(stderr.toString());
    throw new Error(`asc failed for bench/assembly/peak.ts (${variant}): ${error.message}`);
  }
}

// 2. The contestants' code, bundled once.
const child = join(tmp, 'child.mjs');
await esbuild.build({
  entryPoints: ['bench/child.ts'],
  outfile: child,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['@tensorflow/*', 'convnetjs', 'onnxruntime-web'],
  logLevel: 'warning',
});

// 3. One process per contestant.
function runChild(role, flags = [], extra = [], name = role) {
  const out = join(tmp, `${name}.json`);
  say(`${name}${flags.length ? ` (node ${flags.join(' ')})` : ''}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [...flags, child, role, out, ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    timeout: 240_000,
  });
  const seconds = (Date.now() - t0) / 1000;
  if (r.status === 0 && existsSync(out)) return { ...JSON.parse(readFileSync(out, 'utf8')), seconds };
  const why = r.error?.message ?? `exit ${r.status ?? r.signal}`;
  const lines = (r.stdout ?? '').trim().split('\n').filter(Boolean);
  say(`${name} failed (${why})`);
  return { role: name, error: `${why}${lines.length ? `: ${lines.slice(-3).join(' | ')}` : ''}`, seconds };
}

function runTorch() {
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
  if (probe.status !== 0) return { role: 'pytorch', skipped: `${python} -c 'import torch' failed` };
  say('pytorch (bench/torch_lenet.py)');
  const t0 = Date.now();
  const r = spawnSync(python, ['bench/torch_lenet.py'], { encoding: 'utf8', timeout: 180_000, env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) return { role: 'pytorch', error: (r.stderr || r.stdout || '').trim().split('\n').pop() };
  const { resnet, layer, ...lenet } = JSON.parse(last);
  return { role: 'pytorch', lenet, resnet, layer, seconds: (Date.now() - t0) / 1000 };
}

// The fast contestants run in `passes` interleaved passes (pass 2 in reverse order) and each
// figure keeps its best pass: on a shared machine a burst of someone else's work then costs
// every contestant alike instead of whoever ran during it. The slow rivals (tfjs-cpu,
// ConvNetJS: minutes per pass) run once.
const passArg = process.argv.indexOf('--passes');
const passes = Math.max(1, Number(passArg > 0 ? process.argv[passArg + 1] : 2) || 1);
const fast = {
  simd: () => runChild('simdcnn-simd', [], [peakWasm.simd]),
  relaxed: () => runChild('simdcnn-relaxed', relaxedFlags, [peakWasm.relaxed]),
  tfjsWasm: () => runChild('tfjs-wasm'),
  pytorch: runTorch,
};
const results = {};
for (let pass = 0; pass < passes; pass++) {
  const order = pass % 2 === 0 ? Object.keys(fast) : Object.keys(fast).reverse();
  for (const key of order) results[key] = bestOf(results[key], fast[key]());
  if (pass === 0) {
    results.tfjsCpu = runChild('tfjs-cpu');
    results.convnetjs = runChild('convnetjs');
  }
}

// 4. Threads: 1 and 2 threads of simdcnn, PyTorch and onnxruntime-web, each in its own process.
const PYTHON = '/usr/bin/python3';
const torchMissing = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0 ? null : `${PYTHON} -c 'import torch' failed`;

/** One Python script whose last stdout line is a JSON object. */
function runPython(name, args, env = {}) {
  if (torchMissing) return { role: name, skipped: torchMissing };
  say(`${name} (python3 ${args.join(' ')})`);
  const t0 = Date.now();
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 240_000, env: { ...process.env, ...env } });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) return { role: name, error: (r.stderr || r.stdout || r.error?.message || '').trim().split('\n').pop() };
  return { role: name, ...JSON.parse(last), seconds: (Date.now() - t0) / 1000 };
}

const onnxDir = join(tmp, 'onnx');
const onnx = runPython('export-onnx', ['bench/export_onnx.py', onnxDir]);
const threads = { counts: [1, 2], passes, flags: relaxedFlags, onnx, simdcnn: {}, pytorch: {}, ort: {}, runs: [] };
const threadRuns = threads.counts.flatMap((n) => [
  ['simdcnn', n, () => runChild('simdcnn-threads', relaxedFlags, [String(n)], `simdcnn-threads-${n}`)],
  ['pytorch', n, () => runPython(`pytorch-threads-${n}`, ['bench/torch_threads.py', String(n)], { OMP_NUM_THREADS: String(n), MKL_NUM_THREADS: String(n) })],
  ['ort', n, () => (onnx.error || onnx.skipped ? { role: `ort-web-${n}`, skipped: `no ONNX models (export: ${onnx.error ?? onnx.skipped})` } : runChild('ort-web', [], [String(n), onnxDir], `ort-web-${n}`))],
]);
for (let pass = 0; pass < passes; pass++) {
  for (const [who, n, run] of pass % 2 === 0 ? threadRuns : [...threadRuns].reverse()) {
    const r = run();
    threads.runs.push({ who, n, pass, figures: WORKLOADS.map((w) => figure(r, w)) }); // each pass's figures, for the report's spread note
    threads[who][n] = bestThreads(threads[who][n], r);
  }
}
results.threads = threads;
writeFileSync(join(tmp, 'threads.json'), JSON.stringify(threads, null, 1)); // what RESULTS.md and threads.svg are drawn from

// 5. Report.
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const markdown = renderReport(results, {
  date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  command: `npm run bench  (= ${pkg.scripts?.bench ?? 'node bench/run.mjs'})`,
  passes,
  relaxedHow: relaxedNative ? 'relaxed SIMD native in this engine' : `relaxed child run as \`node ${RELAXED_FLAG}\``,
  seconds: (Date.now() - started) / 1000,
  loadBefore,
  loadAfter: os.loadavg()[0].toFixed(2),
});
process.stdout.write(markdown);
writeFileSync('bench/RESULTS.md', markdown);
writeFileSync('bench/threads.svg', threadsChart(threads, `${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} cores), Node ${process.version}: every ratio from one run`));
say(`wrote bench/RESULTS.md (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
