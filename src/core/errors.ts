// SPDX-License-Identifier: MIT
// Typed errors. Every message says what was expected and what came, so a user can fix the
// call without reading the source.

/** Base class of every error simdcnn throws on purpose. */
export class SimdCnnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A tensor had the wrong rank, size or dimensions (e.g. filter channels ≠ input channels). */
export class ShapeError extends SimdCnnError {}

/** A tensor had the wrong element type (e.g. float labels where int32 class indices go). */
export class DTypeError extends SimdCnnError {}

/** A value was out of its allowed range (labels ≥ classes, negative padding, lr ≤ 0 …). */
export class ValueError extends SimdCnnError {}

/** Bytes were not in the expected format (not an IDX file, not a simdcnn model). */
export class FormatError extends SimdCnnError {}

/** A kernel was called before `await ready()` finished. */
export class NotReadyError extends SimdCnnError {}

/** A disposed tensor, a view of one, or a disposed model was used. */
export class DisposedError extends SimdCnnError {}

/** The wasm memory cannot hold an allocation (it grows up to 4 GiB). */
export class OutOfMemoryError extends SimdCnnError {
  constructor(
    /** What was being allocated, e.g. 'training arena (batch 64)'. */
    readonly what: string,
    /** Bytes asked for. */
    readonly requested: number,
    /** Bytes still free under the limit (free blocks + the unused tail). */
    readonly available: number,
  ) {
    super(`out of memory allocating ${what}: asked for ${requested} bytes, ${available} bytes left under the 4 GiB wasm limit`);
  }
}

/** A worker thread failed: its exception (with the worker's number), or it exited. */
export class ThreadError extends SimdCnnError {}

/** A call the object's current state does not allow (a second fit() while one runs …). */
export class StateError extends SimdCnnError {}

/**
 * Training diverged: a loss was NaN or ±Infinity. Names where (epoch and batch, from 0, in
 * fields; from 1 in the message) and the first layer whose parameters, output or gradient
 * were not finite.
 */
export class DivergenceError extends SimdCnnError {
  constructor(
    message: string,
    /** The epoch (from 0) of the step whose loss was not finite; undefined outside fit(). */
    readonly epoch: number | undefined,
    /** The batch within that epoch (from 0). */
    readonly batch: number | undefined,
    /** Where it broke, e.g. "the output of layer 'conv2d_1' (conv2d, node 2 of 9) is not finite (element 3)". */
    readonly location: string,
  ) {
    super(message);
  }
}

/** Formats a shape as `[2, 3, 28, 28]` for messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
