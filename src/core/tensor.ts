// SPDX-License-Identifier: MIT
// Tensor = shape + dtype + byte offset into the one wasm memory. It owns its block unless
// it is a view into a planned arena (model buffers), in which case dispose() is a no-op
// and the arena's owner frees it.
import { DTypeError, ShapeError, ValueError, fmtShape } from './errors.js';
import { alloc, free, heapU8, wasmMemory } from './memory.js';
import { sizeOf } from './shape.js';

/** Element types: float32 for data, int32 for class labels and max-pool indices. */
export type DType = 'float32' | 'int32';
type ArrayFor<D extends DType> = D extends 'int32' ? Int32Array : Float32Array;

const scopes: Tensor<DType>[][] = [];

export class Tensor<D extends DType = 'float32'> {
  /** Number of elements. */
  readonly size: number;
  private alive = true;

  /** Prefer `tensor()`, `zeros()` or `empty()`; this wraps a block already in wasm memory. */
  constructor(
    /** Byte offset into wasm memory (64-byte aligned for owned tensors). */
    readonly ptr: number,
    readonly shape: readonly number[],
    readonly dtype: D,
    /** False for views into an arena: dispose() then leaves the memory alone. */
    readonly owned: boolean,
  ) {
    this.size = sizeOf(shape);
    scopes[scopes.length - 1]?.push(this);
  }

  /** A fresh view over the live memory (never cache it across an allocation: memory may grow). */
  get data(): ArrayFor<D> {
    this.check();
    const buffer = wasmMemory().buffer;
    const view = this.dtype === 'int32' ? new Int32Array(buffer, this.ptr, this.size) : new Float32Array(buffer, this.ptr, this.size);
    return view as ArrayFor<D>;
  }

  /** A copy of the data that stays valid after dispose() or memory growth. */
  toArray(): ArrayFor<D> {
    return this.data.slice() as ArrayFor<D>;
  }

  /** Bytes of data. */
  get bytes(): number {
    return this.size * 4;
  }

  get disposed(): boolean {
    return !this.alive;
  }

  /** Frees the memory (if owned). Using the tensor afterwards throws. */
  dispose(): void {
    if (!this.alive) return;
    this.alive = false;
    if (this.owned) free(this.ptr);
  }

  /** The same memory under another shape with the same number of elements (no copy). */
  reshape(shape: readonly number[]): Tensor<D> {
    this.check();
    if (sizeOf(shape) !== this.size) {
      throw new ShapeError(`reshape: expected a shape of ${this.size} elements, got ${fmtShape(shape)}`);
    }
    return new Tensor(this.ptr, shape, this.dtype, false);
  }

  private check(): void {
    if (!this.alive) throw new ValueError(`tensor ${fmtShape(this.shape)} was used after dispose()`);
  }
}

function checkShape(shape: readonly number[]): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`expected a shape of non-negative integers, got ${fmtShape(shape)}`);
  }
}

/** A new tensor with unspecified contents. */
export function empty<D extends DType = 'float32'>(shape: readonly number[], dtype: D = 'float32' as D): Tensor<D> {
  checkShape(shape);
  return new Tensor(alloc(sizeOf(shape) * 4), [...shape], dtype, true);
}

/** A new tensor of zeros. */
export function zeros<D extends DType = 'float32'>(shape: readonly number[], dtype: D = 'float32' as D): Tensor<D> {
  const t = empty(shape, dtype);
  heapU8().fill(0, t.ptr, t.ptr + t.bytes);
  return t;
}

/**
 * Copies `values` into wasm memory as a tensor of `shape`.
 * @example const x = cnn.tensor(new Float32Array(784), [1, 1, 28, 28]);
 */
export function tensor(values: Int32Array, shape: readonly number[]): Tensor<'int32'>;
export function tensor<D extends DType = 'float32'>(values: ArrayLike<number>, shape: readonly number[], dtype?: D): Tensor<D>;
export function tensor<D extends DType = 'float32'>(
  values: ArrayLike<number>,
  shape: readonly number[],
  dtype: D = (values instanceof Int32Array ? 'int32' : 'float32') as D,
): Tensor<D> {
  checkShape(shape);
  if (values.length !== sizeOf(shape)) {
    throw new ShapeError(`tensor: expected ${sizeOf(shape)} values for shape ${fmtShape(shape)}, got ${values.length}`);
  }
  if (dtype !== 'float32' && dtype !== 'int32') throw new DTypeError(`tensor: expected dtype 'float32' or 'int32', got '${dtype}'`);
  const t = empty(shape, dtype);
  t.data.set(values);
  return t;
}

type Kept = Tensor<DType> | Kept[] | { [key: string]: Kept } | number | string | boolean | null | undefined | void;

function collect(value: unknown, keep: Set<Tensor<DType>>): void {
  if (value instanceof Tensor) keep.add(value);
  else if (Array.isArray(value)) value.forEach((v) => collect(v, keep));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => collect(v, keep));
}

/**
 * Runs `fn`, then disposes every tensor created inside it except those it returns
 * (directly, in an array or in an object); if `fn` throws, disposes them all.
 * @example const y = cnn.scope(() => cnn.ops.relu(cnn.ops.conv2d(x, w, b)));
 */
export function scope<T extends Kept>(fn: () => T): T {
  scopes.push([]);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    for (const t of scopes.pop()!) t.dispose();
    throw e;
  }
  const made = scopes.pop()!;
  const keep = new Set<Tensor<DType>>();
  collect(result, keep);
  for (const t of made) if (!keep.has(t)) t.dispose();
  // Returned tensors now belong to the enclosing scope, if any.
  for (const t of keep) scopes[scopes.length - 1]?.push(t);
  return result;
}

/** Checks a tensor's dtype, naming the argument in the error. */
export function expectDType(what: string, t: Tensor<DType>, dtype: DType): void {
  if (t.dtype !== dtype) throw new DTypeError(`${what}: expected dtype ${dtype}, got ${t.dtype}`);
}
