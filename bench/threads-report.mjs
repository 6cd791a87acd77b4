// SPDX-License-Identifier: MIT
// The threads part of bench/RESULTS.md (issue 8 point 5): the Targets table's thread rows,
// the "Threads" section (simdcnn, PyTorch and onnxruntime-web at 1 and 2 threads, the
// ratios, the cores each run kept busy, what each runtime said about its threads), and the
// numbers bench/threads-chart.mjs draws. `threads` is what bench/run.mjs collected:
//   { counts: [1, 2], passes, onnx, simdcnn: { 1: json, 2: json }, pytorch: { … }, ort: { … } }
// Every ratio divides figures measured in the same run.

const dash = '—';
const num = (v, digits = 1) => (typeof v === 'number' && Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : dash);
const ips = (v) => (typeof v === 'number' && v >= 100 ? num(v, 0) : num(v, 1));
const ratio = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? a / b : null);
const times = (r) => (r === null ? dash : `×${num(r, 2)}`);
const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const yes = (ok) => (ok === null ? 'n/a' : ok ? '**yes**' : '**no**');

/** The four workloads: label, model key in each contestant's JSON, figure. */
export const WORKLOADS = [
  { label: 'LeNet-5 train (batch 64)', short: 'LeNet-5 train', model: 'lenet', kind: 'train' },
  { label: 'LeNet-5 infer (batch 256)', short: 'LeNet-5 infer', model: 'lenet', kind: 'infer' },
  { label: 'ResNet-20 train (batch 64)', short: 'ResNet-20 train', model: 'resnet20', kind: 'train' },
  { label: 'ResNet-20 infer (batch 256)', short: 'ResNet-20 infer', model: 'resnet20', kind: 'infer' },
];

const KEY = { train: 'trainImagesPerSecond', infer: 'inferImagesPerSecond' };
const CORES = { train: 'trainCores', infer: 'inferCores' };

/**
 * Images/s of one contestant's run for a workload. PyTorch's ResNet-20 inference is the
 * better of one call on 256 images and 4 calls of 64 (its oneDNN convolution has a cliff at
 * batch ≥ 128 for 16-channel layers), so the rival is never shown at its worst.
 */
export function figure(res, w) {
  const row = res?.[w.model];
  const v = row?.[KEY[w.kind]];
  const in64s = w.kind === 'infer' ? row?.inferIn64sImagesPerSecond : undefined;
  const best = Math.max(typeof v === 'number' ? v : -1, typeof in64s === 'number' ? in64s : -1);
  return best > 0 ? best : null;
}

const cores = (res, w) => res?.[w.model]?.[CORES[w.kind]];

/** The better of two runs of one contestant at one thread count, figure by figure; a failed run loses. */
export function bestThreads(a, b) {
  if (!a || a.error || a.skipped) return b;
  if (!b || b.error || b.skipped) return a;
  const out = { ...a, seconds: (a.seconds ?? 0) + (b.seconds ?? 0), errors: { ...b.errors, ...a.errors } };
  for (const model of ['lenet', 'resnet20']) {
    if (!a[model] || !b[model]) {
      out[model] = a[model] ?? b[model];
      continue;
    }
    const pick = (k) => ((b[model][k] ?? -1) > (a[model][k] ?? -1) ? b[model] : a[model]);
    const t = pick('trainImagesPerSecond');
    const i = pick('inferImagesPerSecond');
    out[model] = { ...t, inferImagesPerSecond: i.inferImagesPerSecond, inferCores: i.inferCores, inferError: i.inferError };
    if (a[model].inferIn64sImagesPerSecond) out[model].inferIn64sImagesPerSecond = Math.max(a[model].inferIn64sImagesPerSecond, b[model].inferIn64sImagesPerSecond ?? 0);
  }
  return out;
}

/** Whether simdcnn really had the threads asked for: null when it did, else why not (for "n/a" cells and the notes). */
function simdcnnThreadsMissing(threads) {
  const two = threads?.simdcnn?.[2];
  if (!two || two.error) return 'the 2-thread run failed';
  if (two.threads?.unavailable) return 'threads unavailable';
  const count = two.threads?.info?.count;
  if (typeof count === 'number' && count < 2) return `cnn.threads().count = ${count}`;
  return null;
}

/** Every ratio the table, the targets and the chart show, per workload. */
export function threadRatios(threads) {
  const s = threads?.simdcnn ?? {};
  const p = threads?.pytorch ?? {};
  const o = threads?.ort ?? {};
  return WORKLOADS.map((w) => ({
    ...w,
    ours1: figure(s[1], w),
    ours2: figure(s[2], w),
    torch1: figure(p[1], w),
    torch2: figure(p[2], w),
    ort1: figure(o[1], w),
    ort2: figure(o[2], w),
    speedup: ratio(figure(s[2], w), figure(s[1], w)),
    vsTorch: ratio(figure(s[2], w), figure(p[2], w)),
    vsOrt: ratio(figure(s[2], w), figure(o[2], w)),
    torchSpeedup: ratio(figure(p[2], w), figure(p[1], w)),
    ortSpeedup: ratio(figure(o[2], w), figure(o[1], w)),
  }));
}

/** The issue's thread targets, with the factor each is held to (also drawn by the chart). */
export const THREAD_TARGETS = [
  { label: 'LeNet-5 training, 2 threads ≥ 1.7 × our 1 thread', short: 'LeNet-5 train', key: 'speedup', factor: 1.7 },
  { label: 'LeNet-5 training, 2 threads ≥ 2 × PyTorch 2 threads', short: 'LeNet-5 train', key: 'vsTorch', factor: 2 },
  { label: 'LeNet-5 inference, 2 threads ≥ 1.8 × our 1 thread', short: 'LeNet-5 infer', key: 'speedup', factor: 1.8 },
  { label: 'LeNet-5 inference, 2 threads ≥ 1.5 × onnxruntime-web 2 threads', short: 'LeNet-5 infer', key: 'vsOrt', factor: 1.5 },
  { label: 'ResNet-20 training, 2 threads ≥ 1.7 × our 1 thread', short: 'ResNet-20 train', key: 'speedup', factor: 1.7 },
];

const RIVAL = { speedup: ['our 1 thread', 'ours1'], vsTorch: ['PyTorch 2 threads', 'torch2'], vsOrt: ['onnxruntime-web 2 threads', 'ort2'] };

/** Rows for the Targets table: [target, measured, met]. */
export function threadTargetRows(threads) {
  if (!threads) return [];
  const rows = threadRatios(threads);
  const missing = simdcnnThreadsMissing(threads);
  const out = THREAD_TARGETS.map((t) => {
    const r = rows.find((x) => x.short === t.short);
    const [rivalName, rivalKey] = RIVAL[t.key];
    const measured = `relaxed build, 2 threads ${ips(r.ours2)} vs ${rivalName} ${ips(r[rivalKey])} img/s: ${times(r[t.key])}`;
    const met = missing ? `n/a (${missing})` : yes(r[t.key] === null ? null : r[t.key] >= t.factor);
    return [t.label, measured, met];
  });
  const ri = rows.find((x) => x.short === 'ResNet-20 infer');
  out.push([
    'ResNet-20 inference, 2 threads vs our 1 thread / vs onnxruntime-web 2 threads (informational)',
    `${ips(ri.ours2)} vs ${ips(ri.ours1)} / ${ips(ri.ort2)} img/s: ${times(ri.speedup)} / ${times(ri.vsOrt)}`,
    'no target',
  ]);
  return out;
}

function errorNotes(label, byCount) {
  return Object.entries(byCount ?? {}).flatMap(([n, res]) => {
    if (!res) return [];
    if (res.error) return [`- **${label} ${n} thread${n > 1 ? 's' : ''} failed**: ${res.error}`];
    if (res.skipped) return [`- ${label} ${n} thread${n > 1 ? 's' : ''} skipped: ${res.skipped}`];
    return Object.entries(res.errors ?? {}).map(([part, why]) => `- **${label} ${n} threads ${part} failed**: ${why}`);
  });
}

/** What the simdcnn children said about their threads. */
function simdcnnThreadNote(threads) {
  return (threads.counts ?? []).map((n) => {
    const t = threads.simdcnn?.[n]?.threads;
    if (!t) return `${n}: ${dash}`;
    if (t.unavailable) return `${n}: **threads unavailable** (\`ready({ threads: ${n} })\` rejected the option, so the run used \`ready()\`: ${t.unavailable.replace(/\|/g, '/')})`;
    if (!t.info) return `${n}: \`ready({ threads: ${n} })\` accepted, but no \`cnn.threads()\` to report the count`;
    return `${n}: \`cnn.threads()\` = { count: ${t.info.count}, requested: ${JSON.stringify(t.info.requested)}, reason: ${JSON.stringify(t.info.reason)} }`;
  }).join('; ');
}

/** What onnxruntime-web did with `env.wasm.numThreads` in Node, from its own state and its busy cores. */
function ortThreadNote(threads) {
  const two = threads.ort?.[2];
  if (!two || two.error || two.skipped) return `- onnxruntime-web at 2 threads did not run (${two?.error ?? two?.skipped ?? 'no result'}).`;
  const setup = two.threads ?? {};
  const busy = [two.lenet?.inferCores, two.resnet20?.inferCores].filter((v) => typeof v === 'number');
  const fellBack = (setup.warnings ?? []).some((w) => /single-thread/i.test(w)) || setup.numThreadsAfterInit === 1;
  const verdict = fellBack
    ? `it **fell back to one thread** (${(setup.warnings ?? []).join(' / ') || '`env.wasm.numThreads` reset to 1'})`
    : `it **ran 2 threads in Node**: \`env.wasm.numThreads\` stayed ${setup.numThreadsAfterInit}, no fallback warning, and the process kept ${busy.map((v) => num(v, 2)).join(' and ')} cores busy while LeNet-5 and ResNet-20 were timed (1 thread: ${[threads.ort?.[1]?.lenet?.inferCores, threads.ort?.[1]?.resnet20?.inferCores].map((v) => num(v, 2)).join(' and ')})`;
  return (
    `- onnxruntime-web ${setup.version ?? ''} in Node ${process.version}: ${verdict}. How, from the package (\`lib/wasm/wasm-factory.ts\`, \`dist/ort.node.min.mjs\`): its one wasm binary (\`ort-wasm-simd-threaded.wasm\`) is an Emscripten pthreads build that creates numThreads − 1 workers (Node \`worker_threads\`) when \`SharedArrayBuffer\`, \`MessageChannel\` and wasm atomics are present; ` +
    'the cross-origin-isolation check applies only where `self` exists (browsers), so Node needs no flag. Left unset, `env.wasm.numThreads` defaults to min(4, ⌈cores / 2⌉): **1 thread on this 2-core machine**, so the 2-thread rows set it explicitly. The proxy worker (`env.wasm.proxy`) stays off.'
  );
}

/** Figures whose passes disagree by more than 15 % (the report keeps the better): someone else's work hit one of them. */
function spreadNote(threads) {
  const label = { simdcnn: 'simdcnn', pytorch: 'PyTorch', ort: 'ort-web' };
  const noisy = [];
  for (const who of Object.keys(label)) {
    for (const n of threads.counts ?? []) {
      const runs = (threads.runs ?? []).filter((r) => r.who === who && r.n === n);
      WORKLOADS.forEach((w, i) => {
        const v = runs.map((r) => r.figures[i]).filter((x) => typeof x === 'number');
        if (v.length > 1 && Math.max(...v) > 1.15 * Math.min(...v)) noisy.push(`${label[who]} ${n}t ${w.short} ${v.map(ips).join(' / ')}`);
      });
    }
  }
  return noisy.length ? [`- Passes that disagree by more than 15 % (img/s, pass by pass; the table keeps the better): ${noisy.join('; ')}.`] : [];
}

/** The "Threads" section, markdown lines; `chart` is the SVG's file name next to RESULTS.md. */
export function threadsSection(threads, chart) {
  if (!threads) return [];
  const rows = threadRatios(threads);
  const out = ['## Threads: simdcnn, PyTorch and onnxruntime-web at 1 and 2 threads (images/s)', ''];
  const s1 = threads.simdcnn?.[1];
  const p1 = threads.pytorch?.[1];
  const onnx = threads.onnx;
  const paramsOurs = s1?.resnet20?.paramCount;
  const paramsTorch = p1?.resnet20?.paramCount ?? onnx?.resnet20?.params;
  out.push(
    `Each contestant at each thread count in its own process, one after another (never two timed things at once), ${threads.passes > 1 ? `in ${threads.passes} interleaved passes (the second in reverse order); each figure is the better pass's median` : 'one pass'}. ` +
      `**simdcnn**: \`await cnn.ready({ threads: N })\` (the ${s1?.isa ?? '?'} build, under \`node ${threads.flags?.join(' ') || ''}\`), LeNet-5 as in the LeNet-5 section (Adam), ResNet-20 = \`cnn.models.resnet({ depth: 20 })\` (3×32×32, 10 classes, 1×1 conv + BN projection shortcuts) trained with SGD lr 0.01 momentum 0.9 through planned steps, inference with \`predict()\` in evaluation mode. ` +
      `**PyTorch** ${p1?.version ?? ''}: \`torch.set_num_threads(N)\` (and OMP_NUM_THREADS=N), \`bench/torch_threads.py\`; the same LeNet-5 (\`bench/torch_lenet.py\`) and ResNet-20 (\`bench/torch_resnet20.py\`, written from \`src/models/resnet.ts\`: ${num(paramsTorch, 0)} parameters, ours ${num(paramsOurs, 0)}${paramsOurs === paramsTorch ? ', equal' : ': **they differ**'}); its ResNet-20 inference is the better of one call on 256 images and 4 calls of 64 (†: the 64s won). ` +
      `**onnxruntime-web** ${threads.ort?.[1]?.version ?? threads.ort?.[2]?.version ?? ''} (wasm backend, in Node; \`ort.env.wasm.numThreads = N\`): inference only, on ONNX models that \`bench/export_onnx.py\` exported from the PyTorch definitions at bench time (\`torch.onnx.export\`, opset ${onnx?.opset ?? '?'}, evaluation mode, batch fixed at 256) into \`node_modules/.cache/simdcnn-bench/onnx\` (not committed); its session optimiser (level 'all') may fold batch norm into the convolutions.`,
    '',
  );
  const torchCell = (r, n) => {
    const res = threads.pytorch?.[n];
    const v = n === 1 ? r.torch1 : r.torch2;
    const in64s = r.model === 'resnet20' && r.kind === 'infer' && res?.resnet20?.inferIn64sImagesPerSecond === v;
    return `${ips(v)}${in64s ? ' †' : ''}`;
  };
  out.push(table(
    ['workload', 'simdcnn 1t', 'simdcnn 2t', 'speed-up 2t / 1t', 'PyTorch 1t', 'PyTorch 2t', 'ort-web 1t', 'ort-web 2t', 'ours 2t ÷ PyTorch 2t', 'ours 2t ÷ ort-web 2t'],
    rows.map((r) => [r.label, ips(r.ours1), ips(r.ours2), times(r.speedup), torchCell(r, 1), torchCell(r, 2), r.kind === 'train' ? 'n/a (no training)' : ips(r.ort1), r.kind === 'train' ? 'n/a' : ips(r.ort2), times(r.vsTorch), r.kind === 'train' ? 'n/a' : times(r.vsOrt)]),
  ), '');
  out.push(`![Thread ratios: simdcnn 2 threads ÷ 1 thread, ÷ PyTorch 2 threads, ÷ onnxruntime-web 2 threads, with the issue's targets](${chart})`, '');
  out.push('Cores each process kept busy while a figure was timed (CPU time of all its threads ÷ wall time: ≈ 1 on one thread, ≈ 2 when both threads work), and the rivals\' own 2t / 1t speed-ups:', '');
  const c = (res, w) => num(cores(res, w), 2);
  out.push(table(
    ['workload', 'simdcnn 1t', 'simdcnn 2t', 'PyTorch 1t', 'PyTorch 2t', 'ort-web 1t', 'ort-web 2t', 'PyTorch 2t / 1t', 'ort-web 2t / 1t'],
    rows.map((r) => [r.label, c(threads.simdcnn?.[1], r), c(threads.simdcnn?.[2], r), c(threads.pytorch?.[1], r), c(threads.pytorch?.[2], r),
      r.kind === 'train' ? 'n/a' : c(threads.ort?.[1], r), r.kind === 'train' ? 'n/a' : c(threads.ort?.[2], r), times(r.torchSpeedup), r.kind === 'train' ? 'n/a' : times(r.ortSpeedup)]),
  ), '');
  const missing = simdcnnThreadsMissing(threads);
  out.push(
    `- simdcnn threads: ${simdcnnThreadNote(threads)}.${missing ? ` So the "2t" column is not a 2-thread figure (${missing}), and the thread targets show n/a.` : ''}`,
    ortThreadNote(threads),
    '- Two threads on a 2-core machine leave no core for anything else: a burst of other work (another process, the OS) stalls whichever thread it lands on, and the other waits for it at the next barrier, so 2-thread figures are the noisiest here; the busy-cores table shows when a run did not get both cores.',
    ...spreadNote(threads),
    ...rows.flatMap((r) => [['simdcnn', r.speedup], ['PyTorch', r.torchSpeedup], ['ort-web', r.ortSpeedup]]
      .filter(([, v]) => v !== null && v > 2.1)
      .map(([who, v]) => `- ${who} ${r.short}: 2t / 1t = ${times(v)}, more than two threads can give, so its 1-thread figure was slowed by something else in every pass (the table keeps the better): read that row's ratios with care.`)),
    ...errorNotes('simdcnn', threads.simdcnn), ...errorNotes('PyTorch', threads.pytorch), ...errorNotes('onnxruntime-web', threads.ort),
    ...(onnx?.error ? [`- **ONNX export failed**: ${onnx.error}`] : onnx?.skipped ? [`- ONNX export skipped: ${onnx.skipped}`] : []),
    `- Wall time of these processes, all passes: ${[['simdcnn', threads.simdcnn], ['PyTorch', threads.pytorch], ['onnxruntime-web', threads.ort]].flatMap(([label, byCount]) => (threads.counts ?? []).map((n) => `${label} ${n}t ${num(byCount?.[n]?.seconds, 0)} s`)).join(', ')}; ONNX export ${num(onnx?.seconds, 0)} s.`,
    '',
  );
  return out;
}
