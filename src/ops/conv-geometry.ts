// SPDX-License-Identifier: MIT
// What conv2d, conv1d and convTranspose2d share (internal: not part of the ops namespace): the
// resolved geometry of one convolution and its checks, the 16-Int32 record the kernels read
// (layout: assembly/im2col.ts, for one group; slot 15 = groups), workspace sizes, the kernel calls —
// the direct depthwise kernels of assembly/depthwise.ts when groups = C > 1, im2col + GEMM
// (assembly/conv.ts, one GEMM per group) otherwise — and the checks and bodies of the Into
// and allocating forms, so each op file keeps only its shapes, options and kernel order.
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { free, heapI32, index32 } from '../core/memory.js';
import { checkChoice } from '../core/options.js';
import { convOutSize, expectShape } from '../core/shape.js';
import { type Tensor, expectDType, scope, zeros } from '../core/tensor.js';
import { kernels } from '../core/wasm.js';
import { scratchPtr } from '../core/workspace.js';
import { parallel, shareStart, sumPartials, threadsFor, threadsForWork } from '../core/parallel.js';

/** A convolution in kernel terms: x [n, c, h, w] ⋆ w [oc, c/groups, kh, kw] → y [n, oc, oh, ow]. */
export interface ConvGeometry {
  n: number; c: number; h: number; w: number; oc: number; kh: number; kw: number; oh: number; ow: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; groups: number;
}

/** Stride, padding and dilation per axis (h, w), and the group count. */
export interface ConvParams {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/** The options conv2d and conv1d take (convTranspose2d adds outputPadding); their forwards also take activation. */
export const CONV_KEYS = ['stride', 'padding', 'dilation', 'groups'];
const FORWARD_KEYS = [...CONV_KEYS, 'activation'];
const ACTIVATIONS = ['linear', 'relu'] as const;

/** The keys the op `what` accepts: a forward ('conv2d', 'conv1d') also takes activation. */
export function convKeys(what: string): string[] {
  return what.endsWith('Backward') ? CONV_KEYS : FORWARD_KEYS;
}

/** The forward kernels' flags for opts.activation ('linear', the default, or 'relu': fused into the same pass). */
export function activationFlags(what: string, activation: unknown): number {
  return activation === undefined || checkChoice(what, 'activation', activation, ACTIVATIONS) === 'linear' ? 0 : convFlag('CONV_RELU');
}

/** Floats the geometry record takes at the start of the workspace (64 bytes). */
const GEOM_FLOATS = 16;

/** Throws unless groups is an integer ≥ 1 dividing both channel counts (a ValueError naming both). */
export function checkGroups(what: string, groups: number, c: number, oc: number, cName: string, ocName: string): void {
  if (!Number.isInteger(groups) || groups < 1) throw new ValueError(`${what} groups: expected an integer ≥ 1, got ${JSON.stringify(groups)}`);
  if (c % groups !== 0 || oc % groups !== 0) {
    throw new ValueError(`${what}: expected ${cName} (${c}) and ${ocName} (${oc}) both divisible by groups (${groups})`);
  }
}

/**
 * The geometry of x ⋆ w for 4-D shapes (conv1d passes [N, C, 1, L]); `shown` are the shapes
 * the caller was given, for messages. Throws ShapeError / ValueError naming both shapes.
 */
export function convGeometry(what: string, xShape: readonly number[], wShape: readonly number[], p: ConvParams, shown = [xShape, wShape]): ConvGeometry {
  const [n, c, h, w] = xShape;
  const [oc, wc, kh, kw] = wShape;
  const { groups } = p;
  const oneD = shown[0].length === 3;
  checkGroups(what, groups, c, oc, 'input channels', 'filters');
  if (wc * groups !== c) {
    const expected = [...shown[1]];
    expected[1] = c / groups;
    const per = groups === 1 ? `${c} input channels` : `${c} input channels in ${groups} groups`;
    throw new ShapeError(
      `${what}: filter channels must equal input channels${groups === 1 ? '' : ' / groups'}: expected w=${fmtShape(expected)} ` +
        `(${per}) for x=${fmtShape(shown[0])}, got w=${fmtShape(shown[1])}`,
    );
  }
  if (oc < 1 || kh < 1 || kw < 1) {
    throw new ShapeError(`${what}: expected a filter of at least ${oneD ? '1×1' : '1×1×1'}, got w=${fmtShape(shown[1])}`);
  }
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const oh = convOutSize(h, kh, sh, ph, dh);
  const ow = convOutSize(w, kw, sw, pw, dw);
  if (oh < 1 || ow < 1) {
    const v = (a: number, b: number) => (oneD ? `${b}` : `[${a}, ${b}]`);
    throw new ValueError(
      `${what}: expected an output of at least ${oneD ? '1' : '1×1'}, got ${oneD ? ow : `${oh}×${ow}`} for x=${fmtShape(shown[0])} ` +
        `w=${fmtShape(shown[1])} stride ${v(sh, sw)} padding ${v(ph, pw)} dilation ${v(dh, dw)}`,
    );
  }
  return { n, c, h, w, oc, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw, groups };
}

/** True when the direct depthwise kernels run (groups = C, more than one channel). */
export function isDepthwise(g: ConvGeometry): boolean {
  return g.groups === g.c && g.c > 1;
}

const round16 = (v: number) => Math.ceil(v / 16) * 16;

/**
 * Floats of one thread's scratch. Depthwise (assembly/depthwise.ts): [ taps | max(padded
 * source + δ rows, stuffed δ planes) ]. GEMM (assembly/conv.ts), per group: max(forward: padded
 * image + 8-wide column panels, backward: column matrix + padded image + sgemm scratch) — the
 * padded size repeats assembly/im2col.ts padded_floats.
 */
function threadFloats(g: ConvGeometry): number {
  const hp = g.h + 2 * g.ph;
  const wp = g.w + 2 * g.pw;
  const P = g.oh * g.ow;
  if (isDepthwise(g)) {
    const pitch = Math.ceil(wp / g.sw);
    const source = round16(g.sw * hp * pitch + 16) + g.oh * Math.ceil(g.ow / 4) * 4;
    const stuffed = (g.oc / g.c) * (g.h + (g.kh - 1) * g.dh) * (g.w + (g.kw - 1) * g.dw) + 16;
    return round16(g.kh * g.kw) + Math.max(source, stuffed);
  }
  const k = kernels();
  const c = g.c / g.groups;
  const oc = g.oc / g.groups;
  const K = c * g.kh * g.kw;
  const padded = round16(c * hp * wp + g.sh * wp + 8);
  const forward = padded + Math.ceil(P / 8) * 8 * K;
  const gemm = Math.max(k.sgemm_workspace(P, K), k.sgemm_workspace(K, P), k.sgemm_workspace(P, oc));
  const backward = round16(K * P + 4) + padded + gemm;
  const winograd = usesWinograd(g) ? k.winograd3x3_workspace(g.c, g.oc, g.oh, g.ow) : 0;
  return round16(Math.max(forward, backward, winograd));
}

/**
 * True when the forward runs Winograd F(2×2, 3×3) (assembly/winograd.ts): 3×3, stride 1,
 * dilation 1, one group, at least 32 input channels — where it measured 1.3–1.8× faster than
 * im2col + GEMM (at 16 channels the same, at 3 slower: its 16 GEMMs are only C deep).
 */
export function usesWinograd(g: ConvGeometry): boolean {
  return g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 && g.groups === 1 && g.c >= 32;
}

/** Floats of w's elements, rounded to 16: where a thread's partial db starts in its partial block. */
const weightFloats = (g: ConvGeometry) => round16(g.oc * (g.c / g.groups) * g.kh * g.kw);

/** Floats of one thread's partial gradients (threads after the first): dw, then db (oc or, transposed, c). */
const partialFloats = (g: ConvGeometry) => weightFloats(g) + round16(Math.max(g.oc, g.c));

/**
 * Floats of workspace every kernel of g needs on T threads (default: the threads running):
 * [ record | T × thread scratch | (T − 1) × partial dw, db ]. The threads after the first
 * accumulate weight gradients into their own partials, summed into dw and db in thread order.
 */
export function convWorkspaceFloats(g: ConvGeometry, T = threadsFor(g.n)): number {
  return GEOM_FLOATS + T * threadFloats(g) + (T - 1) * partialFloats(g);
}

/** Writes g's record at byte pointer ws: assembly/im2col.ts's layout for one group (C/groups, OC/groups), groups in slot 15. */
export function writeGeometry(ws: number, g: ConvGeometry): void {
  const h = heapI32();
  const i = index32(ws);
  h[i] = g.n; h[i + 1] = g.c / g.groups; h[i + 2] = g.h; h[i + 3] = g.w; h[i + 4] = g.oc / g.groups;
  h[i + 5] = g.kh; h[i + 6] = g.kw; h[i + 7] = g.oh; h[i + 8] = g.ow;
  h[i + 9] = g.sh; h[i + 10] = g.sw; h[i + 11] = g.ph; h[i + 12] = g.pw;
  h[i + 13] = g.dh; h[i + 14] = g.dw; h[i + 15] = g.groups;
}

/** A workspace holding g's record: its byte pointer and its size in floats. */
export interface ConvScratch {
  ptr: number;
  floats: number;
}

/** A flag bit of the forward kernels, as assembly/conv.ts exports it: CONV_ACC adds into y, CONV_RELU applies max(·, 0) to the result. */
export function convFlag(name: 'CONV_ACC' | 'CONV_RELU'): number {
  return kernels()[name].value;
}

/**
 * The passes of one convolution call, over byte pointers (0: absent), for every image of the
 * batch. forward: y = x ⋆ w + b (flags). filter: dw += ∂L/∂w for δ = dy. bias: db[channels] +=
 * Σ dy over planes of `plane` floats. data: dx += ∂L/∂x for δ = dy, after fill if given.
 */
export interface ConvPasses {
  forward?: { y: number; x: number; w: number; b: number; flags: number };
  filter?: { dw: number; x: number; dy: number };
  bias?: { db: number; dy: number; channels: number; plane: number };
  data?: { dx: number; dy: number; w: number };
  /** Before data: y[n, c] = b[c] over planes of `plane` floats (b = 0: zeros) — the transposed forward's bias. */
  fill?: { y: number; b: number; channels: number; plane: number };
}

/**
 * Runs the passes split by image over as many threads as the workspace holds (at most the
 * pool's, at most one per image): each thread's scratch after the record, its partial weight
 * gradients after all scratch; then the partials are summed into dw and db in thread order.
 * A forward pass alone is dealt in chunks of images instead (a faster thread takes more).
 */
export function runConv(g: ConvGeometry, s: ConvScratch, p: ConvPasses): void {
  let T = threadsForWork(g.n, g.n * g.oh * g.ow * g.oc * (g.c / g.groups) * g.kh * g.kw);
  while (T > 1 && convWorkspaceFloats(g, T) > s.floats) T--;
  const dwise = isDepthwise(g);
  const per = threadFloats(g);
  const part = partialFloats(g);
  const partials = s.ptr + (GEOM_FLOATS + T * per) * 4;
  const partial = (t: number) => partials + (t - 1) * part * 4;
  const { forward, filter, bias, data, fill } = p;
  const forwardKernel = dwise ? 'depthwise_forward' : usesWinograd(g) ? 'winograd3x3_forward' : 'conv2d_forward';
  if (forward && !filter && !bias && !data && !fill) {
    // A forward alone sums nothing across images: its images are dealt in chunks.
    const { y, x, w, b, flags } = forward;
    parallel(T, (t, _call, deal) => deal(forwardKernel, g.n, y, x, w, b, s.ptr + (GEOM_FLOATS + t * per) * 4, s.ptr, flags));
    return;
  }
  parallel(T, (t, call) => {
    const n0 = shareStart(t, T, g.n);
    const n1 = shareStart(t + 1, T, g.n);
    const scratch = s.ptr + (GEOM_FLOATS + t * per) * 4;
    if (t > 0 && (filter || bias)) call('fill_f32', partial(t), 0, 0, part);
    if (forward) call(forwardKernel, forward.y, forward.x, forward.w, forward.b, scratch, s.ptr, forward.flags, n0, n1);
    if (filter) call(dwise ? 'depthwise_backward_filter' : 'conv2d_backward_filter', t ? partial(t) : filter.dw, filter.x, filter.dy, scratch, s.ptr, n0, n1);
    if (bias) call('conv2d_backward_bias', t ? partial(t) + weightFloats(g) * 4 : bias.db, bias.dy, bias.channels, bias.plane, n0, n1);
    if (fill) call('conv2d_bias_fill', fill.y, fill.b, fill.channels, fill.plane, n0, n1);
    if (data) call(dwise ? 'depthwise_backward_data' : 'conv2d_backward_data', data.dx, data.dy, data.w, scratch, s.ptr, n0, n1);
  });
  if (T === 1) return;
  if (filter) sumPartials(filter.dw, partial(1), part, T - 1, g.oc * (g.c / g.groups) * g.kh * g.kw);
  if (bias) sumPartials(bias.db, partial(1) + weightFloats(g) * 4, part, T - 1, bias.channels);
}

/** Throws unless t is float32 of the given shape (DTypeError / ShapeError naming `what`). */
export function expectF32(what: string, t: Tensor, shape: readonly number[]): void {
  expectDType(what, t, 'float32');
  expectShape(what, t.shape, shape);
}

/** Throws unless v is an integer ≥ min (a ValueError naming `name`): conv1d's one-axis options. */
export function checkInteger(v: unknown, name: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ValueError(`${name}: expected an integer ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

/** Gradients a backward Into form accumulates into; null entries are skipped. */
export interface ConvGrads {
  dx: Tensor | null;
  dw: Tensor;
  db: Tensor | null;
}

// The Into forms, one validation path: x and w make the geometry, then the outputs are
// checked against it and the kernels run over a workspace holding g's record.

/** How an op reads x's and w's shapes under its options: the geometry of the conv2d it runs. */
export type GeometryOf<O> = (what: string, xShape: readonly number[], wShape: readonly number[], opts: O) => ConvGeometry;

/** Checks that x and w are float32, then returns their geometry under opts. */
export function checkConvInputs<O>(what: string, x: Tensor, w: Tensor, opts: O, geometry: GeometryOf<O>): ConvGeometry {
  expectDType(`${what} x`, x, 'float32');
  expectDType(`${what} w`, w, 'float32');
  return geometry(what, x.shape, w.shape, opts);
}

/** Checks a forward's y (yShape) and, when given, b ([channels]). */
export function checkConvOutput(what: string, y: Tensor, yShape: readonly number[], b: Tensor | null, channels: number): void {
  expectF32(`${what} y`, y, yShape);
  if (b) expectF32(`${what} b`, b, [channels]);
}

/** Checks a backward's dy (dyShape) and gradients: dx like x, dw like w, db [channels] (null ones skipped). */
export function checkConvGrads(what: string, grads: ConvGrads, dy: Tensor, dyShape: readonly number[], x: Tensor, w: Tensor, channels: number): void {
  expectF32(`${what} dy`, dy, dyShape);
  const { dx, dw, db } = grads;
  if (dx) expectF32(`${what} dx`, dx, x.shape);
  expectF32(`${what} dw`, dw, w.shape);
  if (db) expectF32(`${what} db`, db, [channels]);
}

/**
 * The caller's workspace (checked: at least the one-thread size) or a temporary one, holding
 * g's record; free() its ptr afterwards iff workspace was null.
 */
export function convScratch(what: string, g: ConvGeometry, workspace: Tensor | null): ConvScratch {
  const floats = workspace ? workspace.size : convWorkspaceFloats(g);
  const ptr = scratchPtr(what, convWorkspaceFloats(g, 1), workspace ?? null);
  writeGeometry(ptr, g);
  return { ptr, floats };
}

/** A convolution's forward Into form once x and w made g: y (yShape) = x ⋆ w + b, then ReLU when flags has convFlag('CONV_RELU'). */
export function convForwardInto(
  what: string,
  g: ConvGeometry,
  yShape: readonly number[],
  y: Tensor,
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  workspace: Tensor | null,
  flags: number,
): void {
  checkConvOutput(what, y, yShape, b, g.oc);
  const s = convScratch(what, g, workspace);
  try {
    runConv(g, s, { forward: { y: y.ptr, x: x.ptr, w: w.ptr, b: b ? b.ptr : 0, flags } });
  } finally {
    if (!workspace) free(s.ptr);
  }
}

/** The backward Into form: checks dy (yShape) and the gradients, then accumulates dw, db, dx. */
export function convBackwardInto(what: string, g: ConvGeometry, yShape: readonly number[], grads: ConvGrads, dy: Tensor, x: Tensor, w: Tensor, workspace: Tensor | null): void {
  checkConvGrads(what, grads, dy, yShape, x, w, g.oc);
  const { dx, dw, db } = grads;
  const s = convScratch(what, g, workspace);
  try {
    runConv(g, s, {
      filter: { dw: dw.ptr, x: x.ptr, dy: dy.ptr },
      bias: db ? { db: db.ptr, dy: dy.ptr, channels: g.oc, plane: g.oh * g.ow } : undefined,
      data: dx ? { dx: dx.ptr, dy: dy.ptr, w: w.ptr } : undefined,
    });
  } finally {
    if (!workspace) free(s.ptr);
  }
}

// The allocating forms: new tensors, filled by the Into form, freed again if it throws.

/** A new y of yShape that `into` writes. */
export function newOutput(yShape: readonly number[], into: (y: Tensor) => void): Tensor {
  return scope(() => {
    const y = zeros(yShape);
    into(y);
    return y;
  });
}

/** New zeroed dx (like x), dw (like w) and db [channels] that `backwardInto` accumulates into. */
export function newConvGrads(x: Tensor, w: Tensor, channels: number, backwardInto: (grads: ConvGrads) => void): { dx: Tensor; dw: Tensor; db: Tensor } {
  return scope(() => {
    const grads = { dx: zeros(x.shape), dw: zeros(w.shape), db: zeros([channels]) };
    backwardInto(grads);
    return grads;
  });
}
