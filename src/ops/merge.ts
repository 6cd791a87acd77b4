// SPDX-License-Identifier: MIT
// Concatenation along an axis (torch.cat), forward and backward side by side over
// assembly/merge.ts: one strided block copy per input forward, one strided accumulate per
// input backward. Inputs have one rank and agree in every dim but the axis; a negative axis
// counts from the end. (Add, the other way branches meet, is in elementwise.ts.)
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { expectShape } from '../core/shape.js';
import { empty, expectDType, scope, zeros, type Tensor } from '../core/tensor.js';
import { kernels } from '../core/wasm.js';

export interface ConcatOptions {
  /** The axis to join along (default 1, channels of NCHW); negative counts from the end. */
  axis?: number;
}

export interface ConcatBackwardOptions extends ConcatOptions {
  /**
   * Each input's size along the axis. Needed only when more than one entry of dxs is null
   * (a null entry's size is otherwise taken from the tensors given and dy).
   */
  sizes?: readonly number[];
}

/** The axis in [0, rank) for `axis` in [−rank, rank). */
function resolveAxis(what: string, opts: ConcatOptions, rank: number): number {
  const axis = opts.axis ?? 1;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new ValueError(`${what}: expected axis an integer in [${-rank}, ${rank - 1}] for inputs of rank ${rank}, got ${JSON.stringify(axis)}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** rows = product of the dims before the axis, inner = product of the dims after it. */
function rowsInner(shape: readonly number[], axis: number): { rows: number; inner: number } {
  let rows = 1;
  let inner = 1;
  for (let d = 0; d < shape.length; d++) {
    if (d < axis) rows *= shape[d];
    else if (d > axis) inner *= shape[d];
  }
  return { rows, inner };
}

/**
 * Shape of the concatenation of tensors of `shapes` along the axis; throws ShapeError naming
 * the first input that differs from input 0 outside the axis.
 * @example cnn.ops.concatOutputShape([[8, 64, 28, 28], [8, 32, 28, 28]]) // [8, 96, 28, 28]
 * See: torch.cat
 */
export function concatOutputShape(shapes: readonly (readonly number[])[], opts: ConcatOptions = {}): number[] {
  const what = 'concat';
  checkOptions(what, opts, ['axis']);
  if (!Array.isArray(shapes) || shapes.length === 0) throw new ValueError(`${what}: expected a non-empty list of inputs, got ${JSON.stringify(shapes)}`);
  const first = shapes[0];
  if (first.length === 0) throw new ShapeError(`${what}: expected inputs of rank ≥ 1, got input 0 of shape ${fmtShape(first)}`);
  const axis = resolveAxis(what, opts, first.length);
  const out = [...first];
  for (let i = 1; i < shapes.length; i++) {
    const s: readonly number[] = shapes[i];
    if (s.length !== first.length || s.some((d, k) => k !== axis && d !== first[k])) {
      throw new ShapeError(
        `${what}: expected input ${i} to match input 0 ${fmtShape(first)} in every dim except axis ${axis}, got ${fmtShape(s)}`,
      );
    }
    out[axis] += s[axis];
  }
  return out;
}

/**
 * Joins tensors along an axis (default 1: channels), as Inception joins its branches.
 * @example const y = cnn.ops.concat([b1, b2, b3, b4]); // [N, C1 + C2 + C3 + C4, H, W]
 * See: torch.cat
 */
export function concat(xs: readonly Tensor[], opts: ConcatOptions = {}): Tensor {
  return scope(() => {
    const y = empty(concatOutputShape(xs.map((x) => x.shape), opts));
    concatInto(y, xs, opts);
    return y;
  });
}

/**
 * concat into y (y must not overlap the inputs).
 * @example cnn.ops.concatInto(y, [a, b], { axis: 1 });
 * See: torch.cat (out=)
 */
export function concatInto(y: Tensor, xs: readonly Tensor[], opts: ConcatOptions = {}): void {
  const what = 'concat';
  const out = concatOutputShape(xs.map((x) => x.shape), opts);
  xs.forEach((x, i) => expectDType(`${what} input ${i}`, x, 'float32'));
  expectDType(`${what} y`, y, 'float32');
  expectShape(`${what} y`, y.shape, out);
  const axis = resolveAxis(what, opts, out.length);
  const { rows, inner } = rowsInner(out, axis);
  const k = kernels();
  let offset = 0;
  for (const x of xs) {
    k.concat_forward(y.ptr, x.ptr, rows, x.shape[axis] * inner, out[axis] * inner, offset * inner);
    offset += x.shape[axis];
  }
}

/**
 * Gradients of concat: each input's slice of dy (new tensors, one per input).
 * @example const [da, db] = cnn.ops.concatBackward(dy, [a, b]);
 * See: torch.cat (autograd)
 */
export function concatBackward(dy: Tensor, xs: readonly Tensor[], opts: ConcatOptions = {}): Tensor[] {
  concatOutputShape(xs.map((x) => x.shape), opts);
  return scope(() => {
    const dxs = xs.map((x) => zeros(x.shape));
    concatBackwardInto(dxs, dy, opts);
    return dxs;
  });
}

/**
 * dxs[i] += its slice of dy along the axis; null entries are skipped (their sizes come from
 * the others and dy, or from opts.sizes). ACCUMULATES.
 * @example cnn.ops.concatBackwardInto([da, db], dy, { axis: 1 });
 * See: torch.cat (autograd)
 */
export function concatBackwardInto(dxs: readonly (Tensor | null)[], dy: Tensor, opts: ConcatBackwardOptions = {}): void {
  const what = 'concatBackward';
  checkOptions(what, opts, ['axis', 'sizes']);
  if (!Array.isArray(dxs) || dxs.length === 0) throw new ValueError(`${what}: expected a non-empty list of gradients, got ${JSON.stringify(dxs)}`);
  expectDType(`${what} dy`, dy, 'float32');
  const axis = resolveAxis(what, opts, dy.shape.length);
  const { sizes } = opts;
  if (sizes !== undefined && (!Array.isArray(sizes) || sizes.length !== dxs.length)) {
    throw new ValueError(`${what}: expected sizes with one entry per input (${dxs.length}), got ${JSON.stringify(sizes)}`);
  }
  // Each input's size along the axis: from its tensor, from opts.sizes, or (one unknown) the rest of dy.
  const total = dy.shape[axis];
  let known = 0;
  let unknown = -1;
  for (let i = 0; i < dxs.length; i++) {
    const dx = dxs[i];
    if (dx) {
      expectDType(`${what} dxs[${i}]`, dx, 'float32');
      if (dx.shape.length !== dy.shape.length) throw new ShapeError(`${what}: expected dxs[${i}] of rank ${dy.shape.length} (as dy ${fmtShape(dy.shape)}), got ${fmtShape(dx.shape)}`);
    }
    const s = dx ? dx.shape[axis] : sizes?.[i];
    if (sizes !== undefined && !(Number.isInteger(sizes[i]) && sizes[i] >= 0)) {
      throw new ValueError(`${what}: expected sizes[${i}] a non-negative integer, got ${JSON.stringify(sizes[i])}`);
    }
    if (dx && sizes !== undefined && s !== sizes[i]) {
      throw new ShapeError(`${what}: expected dxs[${i}] of size ${sizes[i]} along axis ${axis} (opts.sizes), got ${fmtShape(dx.shape)}`);
    }
    if (s !== undefined) known += s;
    else if (unknown < 0) unknown = i;
    else throw new ValueError(`${what}: entries ${unknown} and ${i} of dxs are null: pass opts.sizes (each input's size along axis ${axis})`);
  }
  if (unknown < 0 ? known !== total : known > total) {
    throw new ShapeError(`${what}: expected the inputs' sizes along axis ${axis} to add up to dy's ${total} (dy ${fmtShape(dy.shape)}), got ${known}`);
  }
  const sizeOf = (i: number): number => (i === unknown ? total - known : (dxs[i]?.shape[axis] ?? sizes![i]));
  dxs.forEach((dx, i) => dx && expectShape(`${what} dxs[${i}]`, dx.shape, dy.shape.map((d, j) => (j === axis ? sizeOf(i) : d))));
  const { rows, inner } = rowsInner(dy.shape, axis);
  const k = kernels();
  let offset = 0;
  for (let i = 0; i < dxs.length; i++) {
    const dx = dxs[i];
    if (dx) k.concat_backward(dx.ptr, dy.ptr, rows, sizeOf(i) * inner, total * inner, offset * inner);
    offset += sizeOf(i);
  }
}
