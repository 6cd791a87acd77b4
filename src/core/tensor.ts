// SPDX-License-Identifier: MIT
// Tensor = shape + dtype + a place in the one wasm memory: a Block (one allocation) and a
// byte offset into it. A tensor from tensor()/zeros()/empty() owns its block; reshape() and
// view() make views that keep their parent; a model's planned buffers are views into the
// model's arenas. Every read of `ptr` (so every op and kernel call) checks that the tensor,
// its parents and its block are alive and throws DisposedError otherwise: freed memory is
// never read or written through a stale tensor.
import { DTypeError, DisposedError, ShapeError, fmtShape } from './errors.js';
import { Block, allocBlock, heapU8, wasmMemory } from './memory.js';
import { sizeOf } from './shape.js';

/** Element types: float32 for data, int32 for class labels and max-pool indices. */
export type DType = 'float32' | 'int32';
type ArrayFor<D extends DType> = D extends 'int32' ? Int32Array : Float32Array;

const scopes: Tensor<DType>[][] = [];

export class Tensor<D extends DType = 'float32'> {
  /** Number of elements. */
  readonly size: number;
  private alive = true;

  /**
   * Prefer `tensor()`, `zeros()`, `empty()`, `reshape()` or `view()`; this wraps `size`
   * elements at `offset` bytes into `block` (not registered with scope()).
   */
  constructor(
    readonly block: Block,
    /** Byte offset of the first element inside the block. */
    readonly offset: number,
    readonly shape: readonly number[],
    readonly dtype: D,
    /** True when dispose() frees the block (tensors made by tensor/zeros/empty). */
    readonly owned: boolean,
    /** The tensor this one is a view of: disposing the parent ends the view too. */
    readonly parent: Tensor<DType> | null = null,
  ) {
    this.size = sizeOf(shape);
    if (!Number.isInteger(offset) || offset < 0 || offset % 4 !== 0 || offset + this.size * 4 > block.bytes) {
      throw new ShapeError(`tensor ${fmtShape(shape)} at byte ${offset}: expected it inside its ${block.bytes}-byte block (${block.what})`);
    }
  }

  /** Byte offset into wasm memory; throws DisposedError once the tensor (or what it views) is freed. */
  get ptr(): number {
    this.check();
    return this.block.ptr + this.offset;
  }

  /** A fresh view over the live memory (never cache it across an allocation: memory may grow). */
  get data(): ArrayFor<D> {
    const ptr = this.ptr;
    const buffer = wasmMemory().buffer;
    const view = this.dtype === 'int32' ? new Int32Array(buffer, ptr, this.size) : new Float32Array(buffer, ptr, this.size);
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

  /** True once this tensor, a tensor it views, or the memory under it was freed. */
  get disposed(): boolean {
    return !this.live();
  }

  /** Frees the memory (if owned). Using the tensor, or any view of it, afterwards throws DisposedError. */
  dispose(): void {
    if (!this.alive) return;
    this.alive = false;
    if (this.owned) this.block.free();
  }

  /**
   * The same memory under another shape with the same number of elements (no copy). The
   * view keeps its parent: it stops working when the parent is disposed.
   * @example const flat = x.reshape([x.shape[0], 784]); // [n, 1, 28, 28] → [n, 784]
   */
  reshape(shape: readonly number[]): Tensor<D> {
    this.check();
    checkShape(shape);
    if (sizeOf(shape) !== this.size) {
      throw new ShapeError(`reshape: expected a shape of ${this.size} elements, got ${fmtShape(shape)}`);
    }
    return track(new Tensor(this.block, this.offset, [...shape], this.dtype, false, this));
  }

  /**
   * A view of `shape` starting `start` elements into this tensor's data (no copy), e.g. one
   * sample of a batch. Like reshape(), it keeps its parent.
   * @example const second = batch.view(784, [1, 1, 28, 28]);
   */
  view(start: number, shape: readonly number[]): Tensor<D> {
    checkShape(shape);
    if (!Number.isInteger(start) || start < 0 || start + sizeOf(shape) > this.size) {
      throw new ShapeError(`view: expected ${fmtShape(shape)} starting at element ${start} inside ${this.size} elements, got it out of range`);
    }
    this.check(); // a view of a disposed tensor is refused at once
    return track(new Tensor(this.block, this.offset + start * 4, [...shape], this.dtype, false, this));
  }

  /** Throws DisposedError naming what was freed unless the tensor can be used. */
  check(): void {
    if (!this.live()) throw this.disposedError();
  }

  private live(): boolean {
    for (let t: Tensor<DType> | null = this; t !== null; t = t.parent) if (!t.alive) return false;
    return this.block.alive;
  }

  private disposedError(): DisposedError {
    const me = `tensor ${fmtShape(this.shape)} (${this.dtype})`;
    if (!this.alive) return new DisposedError(`${me} was used after dispose()`);
    for (let t = this.parent; t !== null; t = t.parent) {
      if (!t.alive) return new DisposedError(`${me} is a view of tensor ${fmtShape(t.shape)}, which was disposed`);
    }
    return new DisposedError(`${me} lives in ${this.block.what}, which was freed`);
  }
}

/** Registers a new tensor with the innermost scope(), if any. */
function track<T extends Tensor<DType>>(t: T): T {
  scopes[scopes.length - 1]?.push(t);
  return t;
}

function checkShape(shape: readonly number[]): void {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`expected a shape of non-negative integers, got ${fmtShape(shape)}`);
  }
}

/** A new tensor with unspecified contents. */
export function empty<D extends DType = 'float32'>(shape: readonly number[], dtype: D = 'float32' as D): Tensor<D> {
  checkShape(shape);
  if (dtype !== 'float32' && dtype !== 'int32') throw new DTypeError(`expected dtype 'float32' or 'int32', got '${dtype}'`);
  const bytes = sizeOf(shape) * 4;
  return track(new Tensor(allocBlock(bytes, `tensor ${fmtShape(shape)}`), 0, [...shape], dtype, true));
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
  if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
    throw new DTypeError(`tensor: expected an array or typed array of values, got ${values === null ? 'null' : typeof values}`);
  }
  if (values.length !== sizeOf(shape)) {
    throw new ShapeError(`tensor: expected ${sizeOf(shape)} values for shape ${fmtShape(shape)}, got ${values.length}`);
  }
  const t = empty(shape, dtype);
  t.data.set(values);
  return t;
}

type Kept = Tensor<DType> | Kept[] | { [key: string]: Kept } | number | string | boolean | null | undefined | void;

/** Adds every tensor reachable from value (and the parents of views) to keep; cycles end. */
function collect(value: unknown, keep: Set<Tensor<DType>>, seen: Set<object>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Tensor) {
    for (let t: Tensor<DType> | null = value; t !== null; t = t.parent) keep.add(t);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, keep, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, keep, seen);
  }
}

/**
 * Runs `fn`, then disposes every tensor created inside it except those it returns
 * (directly, in an array or in a plain object, with the parents of returned views); if
 * `fn` throws, disposes them all. A model built inside keeps its memory: its arenas are
 * not tensors of the scope.
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
  collect(result, keep, new Set());
  for (const t of made) if (!keep.has(t)) t.dispose();
  // Returned tensors now belong to the enclosing scope, if any.
  for (const t of keep) scopes[scopes.length - 1]?.push(t);
  return result;
}

/** Checks a tensor's dtype, naming the argument in the error. */
export function expectDType(what: string, t: Tensor<DType>, dtype: DType): void {
  if (t.dtype !== dtype) throw new DTypeError(`${what}: expected dtype ${dtype}, got ${t.dtype}`);
}
