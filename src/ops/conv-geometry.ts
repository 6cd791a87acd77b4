// SPDX-License-Identifier: MIT
// What conv2d, conv1d and convTranspose2d share (internal: not part of the ops namespace): the
// resolved geometry of one convolution and its checks, the 16-Int32 record the kernels read
// (layout: assembly/im2col.ts, for one group; slot 15 = groups), workspace sizes, the kernel calls —
// the direct depthwise kernels of assembly/depthwise.ts when groups = C > 1, im2col + GEMM
// (assembly/conv.ts, one GEMM per group) otherwise — and the checks and bodies of the Into
// and allocating forms, so each op file keeps only its shapes, options and kernel order.
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { free, heapI32, index32 } from '../core/memory.js';
import { convOutSize, expectShape } from '../core/shape.js';
import { type Tensor, expectDType, scope, zeros } from '../core/tensor.js';
import { kernels } from '../core/wasm.js';
import { scratchPtr } from '../core/workspace.js';

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

/** The options conv2d and conv1d take (convTranspose2d adds outputPadding). */
export const CONV_KEYS = ['stride', 'padding', 'dilation', 'groups'];

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
 * Floats of workspace every kernel of g needs, record included. Depthwise (assembly/depthwise.ts):
 * [ taps | max(padded source + δ rows, stuffed δ planes) ]. GEMM (assembly/conv.ts), per group:
 * max(forward: padded image + 8-wide column panels, backward: column matrix + padded image +
 * sgemm scratch) — the padded size repeats assembly/im2col.ts padded_floats.
 */
export function convWorkspaceFloats(g: ConvGeometry): number {
  const hp = g.h + 2 * g.ph;
  const wp = g.w + 2 * g.pw;
  const P = g.oh * g.ow;
  if (isDepthwise(g)) {
    const pitch = Math.ceil(wp / g.sw);
    const source = round16(g.sw * hp * pitch + 16) + g.oh * Math.ceil(g.ow / 4) * 4;
    const stuffed = (g.oc / g.c) * (g.h + (g.kh - 1) * g.dh) * (g.w + (g.kw - 1) * g.dw) + 16;
    return GEOM_FLOATS + round16(g.kh * g.kw) + Math.max(source, stuffed);
  }
  const k = kernels();
  const c = g.c / g.groups;
  const oc = g.oc / g.groups;
  const K = c * g.kh * g.kw;
  const padded = round16(c * hp * wp + g.sh * wp + 8);
  const forward = padded + Math.ceil(P / 8) * 8 * K;
  const gemm = Math.max(k.sgemm_workspace(P, K), k.sgemm_workspace(K, P), k.sgemm_workspace(P, oc));
  const backward = round16(K * P + 4) + padded + gemm;
  return GEOM_FLOATS + Math.max(forward, backward);
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

// The kernel calls, over byte pointers. ws: a workspace of convWorkspaceFloats(g) floats
// holding g's record (writeGeometry); every image of the batch.

/** y = x ⋆ w + b (b may be 0), or y += that when accumulate. */
export function convForward(g: ConvGeometry, y: number, x: number, w: number, b: number, ws: number, accumulate: boolean): void {
  const k = kernels();
  const scratch = ws + GEOM_FLOATS * 4;
  if (isDepthwise(g)) k.depthwise_forward(y, x, w, b, scratch, ws, accumulate ? 1 : 0, 0, g.n);
  else k.conv2d_forward(y, x, w, b, scratch, ws, accumulate ? 1 : 0, 0, g.n);
}

/** dx += ∂L/∂x for δ = dy. */
export function convBackwardData(g: ConvGeometry, dx: number, dy: number, w: number, ws: number): void {
  const k = kernels();
  const scratch = ws + GEOM_FLOATS * 4;
  if (isDepthwise(g)) k.depthwise_backward_data(dx, dy, w, scratch, ws, 0, g.n);
  else k.conv2d_backward_data(dx, dy, w, scratch, ws, 0, g.n);
}

/** dw += ∂L/∂w for δ = dy. */
export function convBackwardFilter(g: ConvGeometry, dw: number, x: number, dy: number, ws: number): void {
  const k = kernels();
  const scratch = ws + GEOM_FLOATS * 4;
  if (isDepthwise(g)) k.depthwise_backward_filter(dw, x, dy, scratch, ws, 0, g.n);
  else k.conv2d_backward_filter(dw, x, dy, scratch, ws, 0, g.n);
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

/** Byte pointer to the caller's workspace (checked) or a temporary one, holding g's record; free() it afterwards iff workspace was null. */
export function convScratch(what: string, g: ConvGeometry, workspace: Tensor | null): number {
  const ws = scratchPtr(what, convWorkspaceFloats(g), workspace);
  writeGeometry(ws, g);
  return ws;
}

/** A convolution's forward Into form once x and w made g: y (yShape) = x ⋆ w + b. */
export function convForwardInto(what: string, g: ConvGeometry, yShape: readonly number[], y: Tensor, x: Tensor, w: Tensor, b: Tensor | null, workspace: Tensor | null): void {
  checkConvOutput(what, y, yShape, b, g.oc);
  const ws = convScratch(what, g, workspace);
  try {
    convForward(g, y.ptr, x.ptr, w.ptr, b ? b.ptr : 0, ws, false);
  } finally {
    if (!workspace) free(ws);
  }
}

/** The backward Into form: checks dy (yShape) and the gradients, then accumulates dw, db, dx. */
export function convBackwardInto(what: string, g: ConvGeometry, yShape: readonly number[], grads: ConvGrads, dy: Tensor, x: Tensor, w: Tensor, workspace: Tensor | null): void {
  checkConvGrads(what, grads, dy, yShape, x, w, g.oc);
  const { dx, dw, db } = grads;
  const ws = convScratch(what, g, workspace);
  try {
    convBackwardFilter(g, dw.ptr, x.ptr, dy.ptr, ws);
    if (db) kernels().conv2d_backward_bias(db.ptr, dy.ptr, g.oc, g.oh * g.ow, 0, g.n);
    if (dx) convBackwardData(g, dx.ptr, dy.ptr, w.ptr, ws);
  } finally {
    if (!workspace) free(ws);
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
