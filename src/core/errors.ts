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

/** Formats a shape as `[2, 3, 28, 28]` for messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
