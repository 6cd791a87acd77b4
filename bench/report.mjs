// SPDX-License-Identifier: MIT
// Turns the contestants' JSON (bench/run.mjs) into one markdown report: printed, and
// written to bench/RESULTS.md. Every ratio divides figures measured in the same run. The
// threads rows and section come from bench/threads-report.mjs.
import { threadTargetRows, threadsSection } from './threads-report.mjs';

const dash = '—';
const num = (v, digits = 1) => (typeof v === 'number' && Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : dash);
const int = (v) => num(v, 0);
const times = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? `×${a / b >= 100 ? num(a / b, 0) : num(a / b, 2)}` : dash);
const pct = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? `${num((100 * a) / b, 0)} %` : dash);
const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const mflop = (f) => num(f / 1e6, 2);
const yes = (ok) => (ok === null ? 'n/a' : ok ? '**yes**' : '**no**');

/** The better of two runs of one contestant, figure by figure (a failed run loses). */
export function bestOf(a, b) {
  if (!a || a.error || a.skipped) return b;
  if (!b || b.error || b.skipped) return a;
  const out = { ...a, passes: (a.passes ?? 1) + 1, seconds: (a.seconds ?? 0) + (b.seconds ?? 0), errors: { ...b.errors, ...a.errors } };
  // Rows match by name (and pass, for the layer rows); PyTorch's layer rows carry seconds only.
  const rate = (r) => r.gflops ?? (r.seconds ? 1 / r.seconds : -1);
  for (const family of ['gemm', 'conv', 'layer']) {
    if (!a[family] || !b[family]) out[family] = a[family] ?? b[family];
    else out[family] = a[family].map((r) => { const o = b[family].find((x) => x.name === r.name && x.pass === r.pass); return o && rate(o) > rate(r) ? o : r; });
  }
  if (a.peak && b.peak) out.peak = b.peak.gflops > a.peak.gflops ? b.peak : a.peak;
  else out.peak = a.peak ?? b.peak;
  for (const model of ['lenet', 'resnet']) {
    if (a[model] && b[model]) {
      const pick = (k) => (b[model][k] ?? -1) > (a[model][k] ?? -1) ? b[model] : a[model];
      const t = pick('trainImagesPerSecond');
      const i = pick('inferImagesPerSecond');
      out[model] = { ...t, inferImagesPerSecond: i.inferImagesPerSecond, inferError: i.inferError };
      if (a[model].inferIn64sImagesPerSecond) out[model].inferIn64sImagesPerSecond = pick('inferIn64sImagesPerSecond').inferIn64sImagesPerSecond;
    } else out[model] = a[model] ?? b[model];
  }
  for (const [k, v] of Object.entries(b)) if (!(k in out)) out[k] = v;
  return out;
}

/** Row `name` of a contestant's gemm / conv list. */
const find = (res, family, name) => res?.[family]?.find?.((r) => r.name === name);
/** Row (case `name`, `pass`) of a contestant's layer list. */
const findLayer = (res, name, pass) => res?.layer?.find?.((r) => r.name === name && r.pass === pass);
const LAYER_PASSES = ['forward', 'backward-data', 'backward-filter'];
const VGG = 'VGG 3×3';
const DEPTHWISE = 'depthwise 3×3';

function lenetOf(res) {
  return res?.lenet ?? null;
}

function errorNote(label, res) {
  if (!res) return [];
  if (res.error) return [`- **${label} failed**: ${res.error}`];
  if (res.skipped) return [`- ${label} skipped: ${res.skipped}`];
  return Object.entries(res.errors ?? {}).map(([part, why]) => `- **${label} ${part} failed**: ${why}`);
}

/** Compares each build of ours with a rival: "simd ×a / relaxed ×b". */
const both = (ours, rival, pick) => `${times(pick(ours.simd), rival)} / ${times(pick(ours.relaxed), rival)}`;

/** The images/s table of one model (`key`: 'lenet', 'resnet') and its ratios; contestants[0, 1] are ours. */
function modelTables(contestants, ours, key, fwd, trn) {
  const M = (r) => r?.[key] ?? null;
  const train = (r) => M(r)?.trainImagesPerSecond;
  const infer = (r) => M(r)?.inferImagesPerSecond;
  const gf = (ips, flops) => (typeof ips === 'number' ? num((ips * flops) / 1e9, 2) : dash);
  return [
    table(['contestant', 'train img/s', 'train GFLOP/s', 'infer img/s', 'infer GFLOP/s', 'how / notes'], contestants.map(([name, res]) => {
      const l = M(res);
      const note = res?.error ? `failed: ${res.error}` : res?.skipped ? `skipped: ${res.skipped}` : [l?.trainHow, l?.trainError ? `training error: ${l.trainError}` : null, l?.inferError ? `inference error: ${l.inferError}` : null, typeof l?.loss === 'number' ? `last loss ${num(l.loss, 3)}` : null].filter(Boolean).join('; ');
      const tr = l?.trainImagesPerSecond;
      const inf = l?.inferImagesPerSecond;
      return [name, tr >= 100 ? int(tr) : num(tr, 1), gf(tr, trn), inf >= 100 ? int(inf) : num(inf, 1), gf(inf, fwd), note.replace(/\|/g, '/')];
    })),
    '',
    '### Ratios: simdcnn ÷ rival, same run (simd / relaxed)',
    '',
    table(['rival', 'training', 'inference'], contestants.slice(2).map(([name, res]) => [
      `simdcnn / ${name}`,
      M(res)?.trainError ? 'n/a: the rival cannot train (see above)' : M(res)?.trainAsAbove ? 'as above' : both(ours, train(res), train),
      both(ours, infer(res), infer),
    ])),
    '',
  ];
}

export function renderReport(results, meta) {
  const { simd, relaxed, tfjsWasm, tfjsCpu, convnetjs, pytorch } = results;
  const ours = { simd, relaxed };
  const peak = { simd: simd?.peak?.gflops, relaxed: relaxed?.peak?.gflops };
  const napkin = [simd, relaxed, tfjsWasm, tfjsCpu, convnetjs].find((r) => r?.napkin)?.napkin;
  const resnetNapkin = [simd, relaxed, tfjsWasm].find((r) => r?.resnetNapkin)?.resnetNapkin;
  const out = [];

  out.push('# simdcnn benchmark', '');
  out.push(`- **Date**: ${meta.date}`);
  out.push(`- **Machine**: ${meta.cpu} (${meta.cores} logical cores), ${meta.platform}`);
  out.push(`- **Runtime**: Node ${meta.node}; ${meta.relaxedHow}; tfjs ${tfjsWasm?.version ?? tfjsCpu?.version ?? '?'}${pytorch?.lenet ? `; PyTorch ${pytorch.lenet.version} (Python ${pytorch.lenet.python}, ${pytorch.lenet.threads} thread)` : ''}`);
  out.push(`- **Command**: \`${meta.command}\` — took ${num(meta.seconds, 0)} s`);
  out.push(`- **Single thread everywhere${results.threads ? ' but the Threads section (1 and 2 threads)' : ''}**: simdcnn ${simd?.threads?.unavailable ? '\`ready()\` (threads unavailable: the library has no thread option yet)' : '\`ready({ threads: 1 })\`'}; tfjs-wasm \`setThreadsCount(1)\` and the non-threaded SIMD binary; PyTorch \`torch.set_num_threads(1)\`.`);
  out.push(`- **Method**: each contestant in its own process, one after another; warm-up, then the median of several timed runs (slow rivals: a few batches only). Random data, same shapes for all. ${meta.passes > 1 ? `simdcnn, tfjs-wasm and PyTorch ran in ${meta.passes} interleaved passes (the second in reverse order) and each figure is the better pass's median; tfjs-cpu and ConvNetJS ran once.` : 'One pass.'}`);
  out.push('- simdcnn columns: **simd** = plain SIMD128 build (mul + add), **relaxed** = relaxed-SIMD build (`f32x4.relaxed_madd`), confirmed with `cnn.activeIsa()` in each child.', '');

  // Targets.
  const L = (r) => lenetOf(r);
  const R = (r) => r?.resnet ?? null;
  const train = (r) => L(r)?.trainImagesPerSecond;
  const infer = (r) => L(r)?.inferImagesPerSecond;
  const target = (label, measured, ok) => [label, measured, yes(ok)];
  const atLeast = (pick, rival, factor) => {
    const vals = [pick(simd), pick(relaxed)].filter((v) => typeof v === 'number');
    if (typeof rival !== 'number' || vals.length === 0) return null;
    return vals.every((v) => v >= factor * rival);
  };
  const squares = ['square 256', 'square 512'];
  const gemmShare = (res, p) => squares.map((s) => (find(res, 'gemm', s)?.gflops ?? NaN) / p);
  const gemmIsa = relaxed?.gemm ? relaxed : simd;
  const gemmPeak = relaxed?.gemm ? peak.relaxed : peak.simd;
  const shares = gemmShare(gemmIsa, gemmPeak);
  const layerPct = (res, p, pass) => 100 * (findLayer(res, VGG, pass)?.gflops ?? NaN) / p;
  const vggShares = LAYER_PASSES.flatMap((pass) => [layerPct(simd, peak.simd, pass), layerPct(relaxed, peak.relaxed, pass)]);
  const dwForward = (r) => findLayer(r, DEPTHWISE, 'forward')?.gflops;
  const dwPending = findLayer(simd, DEPTHWISE, 'forward')?.pending ?? findLayer(relaxed, DEPTHWISE, 'forward')?.pending;
  out.push('## Targets', '');
  out.push(table(['target', 'measured (simdcnn simd / relaxed)', 'met (both builds)'], [
    target('LeNet-5 training ≥ PyTorch 1 thread', `${int(train(simd))} / ${int(train(relaxed))} vs ${int(train(pytorch))} img/s: ${both(ours, train(pytorch), train)}`, atLeast(train, train(pytorch), 1)),
    target('LeNet-5 training ≥ 300 × tfjs-cpu', `${int(train(simd))} / ${int(train(relaxed))} vs ${num(train(tfjsCpu), 1)} img/s: ${both(ours, train(tfjsCpu), train)}`, atLeast(train, train(tfjsCpu), 300)),
    target('LeNet-5 inference ≥ 1.2 × tfjs-wasm', `${int(infer(simd))} / ${int(infer(relaxed))} vs ${int(infer(tfjsWasm))} img/s: ${both(ours, infer(tfjsWasm), infer)}`, atLeast(infer, infer(tfjsWasm), 1.2)),
    [
      'ResNet block training / inference vs PyTorch 1 thread (informational)',
      `train ${int(R(simd)?.trainImagesPerSecond)} / ${int(R(relaxed)?.trainImagesPerSecond)} vs ${int(R(pytorch)?.trainImagesPerSecond)} img/s: ${both(ours, R(pytorch)?.trainImagesPerSecond, (r) => R(r)?.trainImagesPerSecond)}; ` +
        `infer ${int(R(simd)?.inferImagesPerSecond)} / ${int(R(relaxed)?.inferImagesPerSecond)} vs ${int(R(pytorch)?.inferImagesPerSecond)} img/s: ${both(ours, R(pytorch)?.inferImagesPerSecond, (r) => R(r)?.inferImagesPerSecond)}` +
        (R(pytorch)?.inferIn64sImagesPerSecond ? ` (vs PyTorch's 256 in 4 calls of 64, ${int(R(pytorch).inferIn64sImagesPerSecond)} img/s: ${both(ours, R(pytorch).inferIn64sImagesPerSecond, (r) => R(r)?.inferImagesPerSecond)})` : ''),
      'no target',
    ],
    [
      `${VGG} layer (x=[${findLayer(simd, VGG, 'forward')?.x ?? '?'}]): forward, backward-data and backward-filter each ≥ 70 % of measured peak`,
      LAYER_PASSES.map((pass, i) => `${pass} ${num(vggShares[2 * i], 0)} % / ${num(vggShares[2 * i + 1], 0)} %`).join(', '),
      yes(vggShares.every(Number.isFinite) ? vggShares.every((v) => v >= 70) : null),
    ],
    dwPending
      ? [`${DEPTHWISE} forward ≥ 2 × tfjs-wasm`, dwPending, 'n/a']
      : target(`${DEPTHWISE} forward ≥ 2 × tfjs-wasm`, `${num(dwForward(simd), 2)} / ${num(dwForward(relaxed), 2)} vs ${num(dwForward(tfjsWasm), 2)} GFLOP/s: ${both(ours, dwForward(tfjsWasm), dwForward)}`, atLeast(dwForward, dwForward(tfjsWasm), 2)),
    [
      `GEMM ≥ 60 % of measured peak (${relaxed?.gemm ? 'relaxed' : 'simd'}; square 256 and 512)`,
      squares.map((s, i) => `${s}: ${num(100 * shares[i], 0)} %`).join(', ') + ` of ${num(gemmPeak)} GFLOP/s`,
      yes(shares.every(Number.isFinite) ? shares.every((v) => v >= 0.6) : null),
    ],
    ...threadTargetRows(results.threads),
  ]), '');

  out.push('## Peak: one core, f32x4 multiply-add throughput', '');
  out.push('`bench/assembly/peak.ts`: 12 independent f32x4 accumulators, `acc = acc·x + y`, compiled twice by the runner; the figure is its best timed run (a ceiling: load only lowers it), where every other figure is a median.', '');
  out.push(table(['variant', 'GFLOP/s'], [
    ['simd (`f32x4.mul` + `f32x4.add`, `--enable simd`)', num(peak.simd)],
    ['relaxed (`f32x4.relaxed_madd`, `--enable relaxed-simd`)', num(peak.relaxed)],
  ]), '');

  const families = [
    ['gemm', 'GEMM: `c[m,n] = a[m,k] · b[k,n]`', 'simdcnn `ops.matmulInto(c, a, b, {}, workspace)` vs tfjs `tf.matMul(a, b)`; operands, output and workspace made before the timed loop.', (r) => `${r.m}×${r.k}×${r.n}`],
    ['conv', 'Convolution layer (forward)', 'simdcnn `ops.conv2dInto(y, x, w, null, {stride, padding}, workspace)` (NCHW, OIHW) vs tfjs `tf.conv2d` (NHWC, HWIO: the fixture transposed once, outside the timed loop).', (r) => `x=[${r.x}] w=[${r.w}] s=${r.stride} p=${r.padding}`],
  ];
  for (const [family, title, how, label] of families) {
    const names = (simd?.[family] ?? relaxed?.[family] ?? tfjsWasm?.[family] ?? []).map((r) => r.name);
    out.push(`## ${title} (GFLOP/s)`, '', how, '');
    out.push(table(['case', 'shape', 'MFLOP/call', 'simdcnn simd (% peak)', 'simdcnn relaxed (% peak)', 'tfjs-wasm', 'tfjs-cpu', 'ours ÷ tfjs-wasm (simd / relaxed)', 'ours ÷ tfjs-cpu (simd / relaxed)'],
      names.map((name) => {
        const s = find(simd, family, name);
        const x = find(relaxed, family, name);
        const w = find(tfjsWasm, family, name);
        const c = find(tfjsCpu, family, name);
        const any = s ?? x ?? w ?? c;
        const g = (r) => r?.gflops;
        return [name, label(any), mflop(any.flops), `${num(g(s))} (${pct(g(s), peak.simd)})`, `${num(g(x))} (${pct(g(x), peak.relaxed)})`, num(g(w), 2), num(g(c), 2),
          `${times(g(s), g(w))} / ${times(g(x), g(w))}`, `${times(g(s), g(c))} / ${times(g(x), g(c))}`];
      })), '');
  }

  const layerCases = [...new Set((simd?.layer ?? relaxed?.layer ?? tfjsWasm?.layer ?? []).map((r) => r.name))];
  if (layerCases.length) {
    out.push('## Convolution layers pass by pass: forward, backward-data, backward-filter (GFLOP/s)', '');
    out.push(
      'Issue 7\'s layers, each pass timed alone. simdcnn: forward `ops.conv2dInto`; backward-filter `ops.conv2dBackwardInto({ dx: null, dw, db: null }, …)`; backward-data = the same call with `dx`, less the call without (alternating runs: the op has no data-only form). ' +
        'tfjs-wasm: the kernel each pass runs in training, through `tf.engine().runKernel` (NHWC, HWIO): a kernel the backend lacks shows the error it throws. ' +
        'PyTorch (1 thread): `F.conv2d`, and `torch.ops.aten.convolution_backward` — the op autograd runs — with only dx or only dw requested. Every pass does the same FLOPs as the forward.',
      '',
    );
    const rival = (res, name, pass, flops) => {
      const r = findLayer(res, name, pass);
      return r?.gflops ?? (r?.seconds ? flops / r.seconds / 1e9 : undefined);
    };
    const rows = layerCases.flatMap((name) => LAYER_PASSES.map((pass) => {
      const s = findLayer(simd, name, pass);
      const x = findLayer(relaxed, name, pass);
      const any = s ?? x ?? findLayer(tfjsWasm, name, pass);
      const w = rival(tfjsWasm, name, pass, any.flops);
      const t = rival(pytorch, name, pass, any.flops);
      const g = (r) => r?.gflops;
      const ourCell = (r, p) => (r?.pending ? 'pending' : `${num(g(r))} (${pct(g(r), p)})`);
      const notes = [s?.pending, findLayer(tfjsWasm, name, pass)?.error ? `tfjs-wasm: ${findLayer(tfjsWasm, name, pass).error}` : null].filter(Boolean).join('; ');
      return [name, pass, `x=[${any.x}] w=[${any.w}] s=${any.stride} p=${any.padding}${any.groups > 1 ? ` g=${any.groups}` : ''}`, mflop(any.flops),
        ourCell(s, peak.simd), ourCell(x, peak.relaxed), num(w, 2), num(t, 2),
        `${times(g(s), w)} / ${times(g(x), w)}`, `${times(g(s), t)} / ${times(g(x), t)}`, notes.replace(/\|/g, '/')];
    }));
    out.push(table(['case', 'pass', 'shape', 'MFLOP/call', 'simdcnn simd (% peak)', 'simdcnn relaxed (% peak)', 'tfjs-wasm', 'PyTorch (1 thread)', 'ours ÷ tfjs-wasm (simd / relaxed)', 'ours ÷ PyTorch (simd / relaxed)', 'notes'], rows), '');
    const napkinOf = (name) => {
      const r = findLayer(simd, name, 'forward') ?? findLayer(relaxed, name, 'forward') ?? findLayer(tfjsWasm, name, 'forward');
      return r ? `- ${name}: ${mflop(r.flops)} MFLOP per pass over at least ${num(r.bytes / 1e6, 1)} MB (x, w and y or their gradients, read or written once): ${num(r.flops / r.bytes, 1)} FLOP per byte${r.flops / r.bytes < 10 ? ', so memory traffic, not multiply-adds, bounds it' : ''}.` : null;
    };
    out.push(...layerCases.map(napkinOf).filter(Boolean));
    out.push('- PyTorch runs native oneDNN code (8- or 16-wide FMA, as the CPU allows); "% peak" is of the 4-wide wasm SIMD ceiling above, which PyTorch may exceed several times.', '');
  }

  // LeNet-5.
  const fwd = napkin?.forwardFlops;
  const trn = napkin?.trainFlops;
  out.push('## LeNet-5: training (batch 64, Adam) and inference (batch 256), images/s', '');
  out.push('1×28×28 → conv 6@5×5 p2, relu, maxpool 2 → conv 16@5×5, relu, maxpool 2 → fc 120, relu → fc 84, relu → fc 10; softmax cross-entropy, Adam lr 1e-3. "GFLOP/s" = images/s × the napkin FLOPs per image below.', '');
  const contestants = [
    ['simdcnn simd', simd],
    ['simdcnn relaxed', relaxed],
    ['tfjs-wasm', tfjsWasm],
    ['tfjs-cpu', tfjsCpu],
    ['ConvNetJS', convnetjs],
    ['PyTorch (1 thread)', pytorch],
  ];
  out.push(...modelTables(contestants, ours, 'lenet', fwd, trn));

  const rFwd = resnetNapkin?.forwardFlops;
  const rTrn = resnetNapkin?.trainFlops;
  out.push('## ResNet basic block: training (batch 64, SGD momentum 0.9) and inference (batch 256), images/s', '');
  out.push('16×32×32 → conv 16@3×3 p1 (no bias), batch norm, relu → conv 16@3×3 p1 (no bias), batch norm, + identity shortcut, relu → global average pool → fc 10; softmax cross-entropy, SGD lr 0.01 momentum 0.9. Training in training mode (batch statistics), inference in evaluation mode (running statistics; PyTorch `model.eval()` + `no_grad`). simdcnn builds it with the graph API (`cnn.input`, `layer.apply`, `cnn.model`). tfjs-cpu and ConvNetJS do not run it. "GFLOP/s" = images/s × the napkin FLOPs per image below.', '');
  const r64 = R(pytorch)?.inferIn64sImagesPerSecond;
  const pytorch64 = r64 ? { resnet: { trainImagesPerSecond: null, inferImagesPerSecond: r64, trainAsAbove: true, trainHow: 'training as the row above; inference: the same 256 images in 4 calls of 64' } } : null;
  out.push(...modelTables([contestants[0], contestants[1], contestants[2], contestants[5], ...(pytorch64 ? [['PyTorch (1 thread), inference in 64s', pytorch64]] : [])], ours, 'resnet', rFwd, rTrn));
  if (pytorch64) out.push(`PyTorch ${pytorch.lenet?.version ?? ''}'s oneDNN convolution runs this layer (16→16 channels, 32×32) several times slower per image at batch ≥ 128 than at batch 64, so one call on 256 images is its worst case here; the "in 64s" row runs the same 256 images in 4 calls of 64. LeNet-5's convolutions show no such cliff. PyTorch runs native AVX2 code (8-wide FMA); the peak above is for 4-wide wasm SIMD, so PyTorch's GFLOP/s may exceed it.`, '');

  out.push(...threadsSection(results.threads, 'threads.svg'));

  if (napkin) {
    out.push('## Napkin math', '');
    out.push(table(['LeNet-5 layer', 'multiply-adds per image'], napkin.layers.map((l) => [l.name, int(l.macs)])), '');
    const macs = napkin.layers.reduce((s, l) => s + l.macs, 0);
    out.push(`- Forward: ${int(macs)} multiply-adds = **${mflop(fwd)} MFLOP per image** (ReLU, pooling, bias, softmax add < 1 %).`);
    out.push(`- Training: forward + weight gradient (same GEMM size) + input gradient (same again, except conv1, whose input needs none) = **${mflop(trn)} MFLOP per image**, ${num((trn * 64) / 1e6, 1)} MFLOP per batch of 64.`);
    out.push(`- At the measured relaxed peak (${num(peak.relaxed)} GFLOP/s) the ceiling is ≈ ${int((peak.relaxed * 1e9) / trn)} training and ${int((peak.relaxed * 1e9) / fwd)} inference images/s; at the simd peak (${num(peak.simd)}) ≈ ${int((peak.simd * 1e9) / trn)} and ${int((peak.simd * 1e9) / fwd)}.`);
    out.push('- GEMM: 2·m·k·n FLOPs per call; conv: 2·N·OC·OH·OW·C·KH·KW (the MFLOP/call columns above).', '');
  }
  if (resnetNapkin) {
    out.push(table(['ResNet block layer', 'multiply-adds per image'], resnetNapkin.layers.map((l) => [l.name, int(l.macs)])), '');
    const macs = resnetNapkin.layers.reduce((s, l) => s + l.macs, 0);
    out.push(`- Forward: ${int(macs)} multiply-adds = **${mflop(rFwd)} MFLOP per image** (batch norm, relu, add and pooling: ≈ 3 % more, not counted).`);
    out.push(`- Training, counted as for LeNet-5: **${mflop(rTrn)} MFLOP per image** (${num(rTrn / rFwd, 2)} × forward: conv1 reads the model input, so no one computes its input gradient), ${num((rTrn * 64) / 1e6, 1)} MFLOP per batch of 64.`);
    out.push(`- At the measured relaxed peak the ceiling is ≈ ${int((peak.relaxed * 1e9) / rTrn)} training and ${int((peak.relaxed * 1e9) / rFwd)} inference images/s; at the simd peak ≈ ${int((peak.simd * 1e9) / rTrn)} and ${int((peak.simd * 1e9) / rFwd)}.`, '');
  }

  const notes = [
    ...errorNote('simdcnn simd', simd), ...errorNote('simdcnn relaxed', relaxed), ...errorNote('tfjs-wasm', tfjsWasm),
    ...errorNote('tfjs-cpu', tfjsCpu), ...errorNote('ConvNetJS', convnetjs), ...errorNote('PyTorch', pytorch),
  ];
  const noisy = [];
  for (const [label, res] of [['simd', simd], ['relaxed', relaxed], ['tfjs-wasm', tfjsWasm], ['tfjs-cpu', tfjsCpu]]) {
    for (const r of [...(res?.gemm ?? []), ...(res?.conv ?? []), ...(res?.layer ?? [])]) if (r.spread > 0.2) noisy.push(`${label} ${r.name}${r.pass ? ` ${r.pass}` : ''} ±${num(50 * r.spread, 0)} %`);
    if (res?.peak?.spread > 0.2) noisy.push(`${label} peak ±${num(50 * res.peak.spread, 0)} %`);
  }
  if (noisy.length) notes.push(`- Noisy figures (timed runs spread over more than ±10 % around the median): ${noisy.join(', ')}.`);
  if (tfjsWasm && !tfjsWasm.error) notes.push(`- tfjs-wasm SIMD binary in use: ${tfjsWasm.simd ? 'yes' : 'no'} (single-threaded).`);
  notes.push(
    '- "last loss" is a sanity check, not a comparison: simdcnn copies a different random batch in every step (random labels cannot be learned, so it stays near ln 10 ≈ 2.30), while PyTorch reuses one fixed batch (and memorises it). Both models.',
  );
  const secs = Object.values(results).filter((r) => typeof r?.seconds === 'number').map((r) => `${r.role} ${num(r.seconds, 0)} s`);
  if (secs.length) notes.push(`- Child process wall times: ${secs.join(', ')}.`);
  notes.push(`- Load average (1 min) before / after the run: ${meta.loadBefore} / ${meta.loadAfter} on ${meta.cores} cores: anything else running on the machine lowers every figure, ours and the rivals'.`);
  out.push('## Notes', '', ...notes, '');
  return out.join('\n');
}
