// SPDX-License-Identifier: MIT
// The only allocator. All tensor data lives in the one WebAssembly.Memory the kernels
// import; this file hands out 64-byte aligned blocks of it (first fit over a free list
// sorted by address, neighbours merged on free), grows the memory when it must, and
// counts what it does so tests can prove a training step allocates nothing.
//
// Growing detaches every view over the old buffer, so views are never cached across a
// grow: heapF32()/heapI32()/heapU8() re-derive theirs when the buffer has changed, and
// Tensor.data builds a fresh one on each access.
import { NotReadyError, ValueError } from './errors.js';

const ALIGN = 64;
const PAGE = 65536;
/** Bytes below this belong to the kernel module's own static data. */
export const HEAP_BASE = PAGE;

let memory: WebAssembly.Memory | null = null;
let top = HEAP_BASE;
const freeList: { ptr: number; bytes: number }[] = [];
const live = new Map<number, number>();
const counters = { allocations: 0, frees: 0, grows: 0 };

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

/** The whole memory as f32 (index = byte pointer >> 2). Re-made only after a grow. */
export function heapF32(): Float32Array {
  refreshViews();
  return f32;
}

/** The whole memory as i32 (index = byte pointer >> 2). Re-made only after a grow. */
export function heapI32(): Int32Array {
  refreshViews();
  return i32;
}

/** The whole memory as bytes. Re-made only after a grow. */
export function heapU8(): Uint8Array {
  refreshViews();
  return u8;
}

/** Returns a 64-byte aligned byte pointer to `bytes` bytes (contents unspecified). */
export function alloc(bytes: number): number {
  if (!Number.isInteger(bytes) || bytes < 0) throw new ValueError(`alloc: expected a byte count ≥ 0, got ${bytes}`);
  const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  counters.allocations += 1;
  for (let i = 0; i < freeList.length; i++) {
    const block = freeList[i];
    if (block.bytes >= size) {
      const ptr = block.ptr;
      if (block.bytes === size) freeList.splice(i, 1);
      else {
        block.ptr += size;
        block.bytes -= size;
      }
      live.set(ptr, size);
      return ptr;
    }
  }
  const ptr = top;
  ensureCapacity(ptr + size);
  top = ptr + size;
  live.set(ptr, size);
  return ptr;
}

function ensureCapacity(end: number): void {
  const m = wasmMemory();
  const have = m.buffer.byteLength;
  if (end <= have) return;
  // Grow geometrically so a sequence of allocations does not grow page by page.
  const want = Math.max(end, Math.min(have * 2, have + 256 * 1024 * 1024));
  m.grow(Math.ceil((want - have) / PAGE));
  counters.grows += 1;
}

/** Returns a block from alloc() to the free list. Freeing twice is an error. */
export function free(ptr: number): void {
  const size = live.get(ptr);
  if (size === undefined) throw new ValueError(`free: ${ptr} is not a live allocation`);
  live.delete(ptr);
  counters.frees += 1;
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
  let bytesInUse = 0;
  for (const size of live.values()) bytesInUse += size;
  return {
    ...counters,
    liveBlocks: live.size,
    bytesInUse,
    memoryBytes: wasmMemory().buffer.byteLength,
  };
}
