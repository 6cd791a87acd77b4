// SPDX-License-Identifier: MIT
// The only allocator. All tensor data lives in the one WebAssembly.Memory the kernels
// import; this file hands out 64-byte aligned blocks of it (first fit over a free list
// sorted by address, neighbours merged on free), grows the memory when it must, and
// counts what it does so tests can prove a training step allocates nothing.
//
// Growing detaches every view over the old buffer, so views are never cached across a
// grow: heapF32()/heapI32()/heapU8() re-derive theirs when the buffer has changed, and
// Tensor.data builds a fresh one on each access.
//
// Memory may reach 4 GiB, so byte pointers go up to 2^32 − 1: every JS index into a heap
// view is index32(ptr) (an unsigned shift; `ptr >> 2` turns negative above 2 GiB).
import { NotReadyError, OutOfMemoryError, ValueError } from './errors.js';

const ALIGN = 64;
const PAGE = 65536;
/** Bytes below this belong to the kernel module's own static data. */
export const HEAP_BASE = PAGE;
/** The memory's maximum: 65,536 pages, the wasm32 limit. */
export const MAX_PAGES = 65536;

let memory: WebAssembly.Memory | null = null;
let top = HEAP_BASE;
const freeList: { ptr: number; bytes: number }[] = [];
const live = new Map<number, number>();
const counters = { allocations: 0, frees: 0, grows: 0 };
let inUse = 0;
let peak = 0;

let viewBuffer: ArrayBuffer | null = null;
let f32: Float32Array = new Float32Array(0);
let i32: Int32Array = new Int32Array(0);
let u8: Uint8Array = new Uint8Array(0);

/** Called once by ready(): the memory the kernel module imports. */
export function initMemory(m: WebAssembly.Memory): void {
  memory = m;
}

export function wasmMemory(): WebAssembly.Memory {
  if (memory === null) throw new NotReadyError('simdcnn is not ready: expected `await ready()` before using tensors');
  return memory;
}

function refreshViews(): void {
  const buffer = wasmMemory().buffer;
  if (buffer !== viewBuffer) {
    viewBuffer = buffer;
    f32 = new Float32Array(buffer);
    i32 = new Int32Array(buffer);
    u8 = new Uint8Array(buffer);
  }
}

/** Index of the 4-byte element at byte pointer `ptr` in heapF32()/heapI32(), valid up to 4 GiB. */
export function index32(ptr: number): number {
  return ptr >>> 2;
}

/** The whole memory as f32 (index = index32(byte pointer)). Re-made only after a grow. */
export function heapF32(): Float32Array {
  refreshViews();
  return f32;
}

/** The whole memory as i32 (index = index32(byte pointer)). Re-made only after a grow. */
export function heapI32(): Int32Array {
  refreshViews();
  return i32;
}

/** The whole memory as bytes. Re-made only after a grow. */
export function heapU8(): Uint8Array {
  refreshViews();
  return u8;
}

/**
 * Returns a 64-byte aligned byte pointer to `bytes` bytes (contents unspecified). `what`
 * names the allocation in the OutOfMemoryError thrown when the memory cannot hold it.
 */
export function alloc(bytes: number, what = 'a tensor'): number {
  if (!Number.isInteger(bytes) || bytes < 0) throw new ValueError(`alloc: expected a byte count ≥ 0, got ${bytes}`);
  const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  for (let i = 0; i < freeList.length; i++) {
    const block = freeList[i];
    if (block.bytes >= size) {
      const ptr = block.ptr;
      if (block.bytes === size) freeList.splice(i, 1);
      else {
        block.ptr += size;
        block.bytes -= size;
      }
      counters.allocations += 1;
      live.set(ptr, size);
      account(size);
      return ptr;
    }
  }
  // free() returns a free tail to `top`, so no free block ends there: grow from `top`.
  const ptr = top;
  ensureCapacity(ptr + size, what, bytes);
  top = ptr + size;
  counters.allocations += 1;
  live.set(ptr, size);
  account(size);
  return ptr;
}

function account(bytes: number): void {
  inUse += bytes;
  if (inUse > peak) peak = inUse;
}

/** The most bytes in use at once since the last resetPeakBytes() (for tests that bound an operation's memory). */
export function peakBytes(): number {
  return peak;
}

/** Starts a new peak measurement at the current use. */
export function resetPeakBytes(): void {
  peak = inUse;
}

/** Bytes free below `ceiling` (default: the 4 GiB limit): free blocks plus the space above the bump pointer. */
export function bytesAvailable(ceiling = MAX_PAGES * PAGE): number {
  let free = Math.max(0, ceiling - top);
  for (const block of freeList) free += block.bytes;
  return free;
}

function ensureCapacity(end: number, what: string, bytes: number): void {
  const m = wasmMemory();
  const have = m.buffer.byteLength;
  if (end <= have) return;
  const limit = MAX_PAGES * PAGE;
  if (end > limit) throw new OutOfMemoryError(what, bytes, bytesAvailable());
  // Grow geometrically so a sequence of allocations does not grow page by page, but never
  // past the limit, and fall back to the exact need when the engine refuses the larger step.
  const want = Math.min(limit, Math.max(end, Math.min(have * 2, have + 256 * 1024 * 1024)));
  for (const target of want > end ? [want, end] : [end]) {
    try {
      m.grow(Math.ceil((target - have) / PAGE));
      counters.grows += 1;
      return;
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
    }
  }
  // The engine could not grow at all: only what is inside the current memory is left.
  throw new OutOfMemoryError(what, bytes, bytesAvailable(have));
}

/** Returns a block from alloc() to the free list. Freeing twice is an error. */
export function free(ptr: number): void {
  const size = live.get(ptr);
  if (size === undefined) throw new ValueError(`free: ${ptr} is not a live allocation`);
  live.delete(ptr);
  counters.frees += 1;
  inUse -= size;
  let i = 0;
  while (i < freeList.length && freeList[i].ptr < ptr) i++;
  freeList.splice(i, 0, { ptr, bytes: size });
  // Merge with the next block, then with the previous one.
  const next = freeList[i + 1];
  if (next && ptr + size === next.ptr) {
    freeList[i].bytes += next.bytes;
    freeList.splice(i + 1, 1);
  }
  const prev = freeList[i - 1];
  if (prev && prev.ptr + prev.bytes === ptr) {
    prev.bytes += freeList[i].bytes;
    freeList.splice(i, 1);
  }
  // Give the tail back to the bump pointer.
  const last = freeList[freeList.length - 1];
  if (last && last.ptr + last.bytes === top) {
    top = last.ptr;
    freeList.pop();
  }
}

/** Allocator counters: a training step must leave every one of them unchanged. */
export interface MemoryStats {
  /** alloc() calls so far. */
  allocations: number;
  /** free() calls so far. */
  frees: number;
  /** Times the wasm memory was grown. */
  grows: number;
  /** Blocks currently allocated. */
  liveBlocks: number;
  /** Bytes currently allocated (rounded to 64). */
  bytesInUse: number;
  /** Size of the wasm memory in bytes. */
  memoryBytes: number;
}

export function memoryStats(): MemoryStats {
  return {
    ...counters,
    liveBlocks: live.size,
    bytesInUse: inUse,
    memoryBytes: wasmMemory().buffer.byteLength,
  };
}

/**
 * One allocation and whether it is still live. Tensors, their views and a model's arenas
 * hold a Block and check it on every pointer read, so freed memory is never touched.
 */
export class Block {
  private live = true;

  constructor(
    /** Byte pointer (64-byte aligned). */
    readonly ptr: number,
    readonly bytes: number,
    /** What it holds, for error messages ('tensor [2, 3]', 'parameters of a model' …). */
    readonly what: string,
  ) {}

  get alive(): boolean {
    return this.live;
  }

  /** Returns the memory to the allocator; later reads through it throw DisposedError. */
  free(): void {
    if (!this.live) return;
    this.live = false;
    free(this.ptr);
  }
}

/** alloc() wrapped in a Block. */
export function allocBlock(bytes: number, what: string): Block {
  return new Block(alloc(bytes, what), bytes, what);
}
