// SPDX-License-Identifier: MIT
// How ops split a kernel call over the threads (threads.ts): by a range the kernel takes
// ([n0, n1) images, [c0, c1) channels, [p0, p1) planes), or by elements for kernels that map
// element to element. Where a unit's result does not depend on which thread computes it, the
// range is dealt in chunks (a faster thread takes more); where threads sum partial results,
// shares are contiguous and fixed by (total, threads), so a run repeats bit for bit at a
// given thread count. With one thread, or work too small to be worth waking
// the workers for, the kernel runs on the caller alone, exactly as before threads existed.
import { MAX_CALLS } from './threads.js';
import { threadPool, kernels, type Kernels } from './wasm.js';

/** The kernel table's function names. */
export type KernelName = { [K in keyof Kernels]: Kernels[K] extends (...args: never[]) => unknown ? K : never }[keyof Kernels];

/** Posts one kernel call for the current thread. */
export type Call = (name: KernelName, ...args: number[]) => void;

/** Posts the job's one dealt call for the current thread: its last two arguments, the range, are dealt in chunks of [0, total). */
export type Deal = (name: KernelName, total: number, ...args: number[]) => void;

/**
 * Work a thread must get to be worth waking (≈ 6 µs), in units of one multiply-add of the
 * GEMM micro-kernel (≈ 0.05 ns). Callers weigh their steps in it: a memory-bound element-wise
 * step ≈ 4, an exponential or a pooling tap ≈ 16, an optimiser update ≈ 32.
 */
const MIN_WORK = 1 << 17;

/** Threads available to the kernels now (1 without a pool). */
export function poolThreads(): number {
  return threadPool()?.threads ?? 1;
}

/** Threads to split `units` of work over: the pool's count, at most units, at most `cap`. */
export function threadsFor(units: number, cap = Infinity): number {
  return Math.max(1, Math.min(poolThreads(), units, cap));
}

/** Threads for `units` that together take `work` multiply-adds: one per MIN_WORK of it at most. */
export function threadsForWork(units: number, work: number): number {
  return threadsFor(units, Math.floor(work / MIN_WORK));
}

/** Start of thread t's share of [0, total) among T, a multiple of grain (t = T gives total). */
export function shareStart(t: number, T: number, total: number, grain = 1): number {
  if (t >= T) return total;
  return Math.min(total, Math.floor((total * t) / T / grain) * grain);
}

const direct: Call = (name, ...args) => {
  (kernels()[name] as (...a: number[]) => unknown)(...args);
};

/**
 * Runs body(t, call, deal) for t = 0 … T − 1, each posting that thread's kernel calls (at most
 * MAX_CALLS, and at most one dealt call per job), then runs them all at once and returns when
 * every thread is done. T = 1 runs on the caller.
 */
export function parallel(T: number, body: (t: number, call: Call, deal: Deal) => void): void {
  const pool = threadPool();
  if (T <= 1 || !pool) {
    body(0, direct, dealDirect);
    return;
  }
  // Chunks: 4 per thread, so a thread that runs slower (another load on its core) takes fewer.
  const chunks = (total: number) => Math.min(total, 4 * T);
  for (let t = 0; t < T; t++) {
    body(
      t,
      (name, ...args) => pool.post(t, name, args),
      (name, total, ...args) => pool.post(t, name, [...args, total, chunks(total)], true),
    );
  }
  pool.run();
}

const dealDirect: Deal = (name, total, ...args) => direct(name, ...args, 0, total);

/**
 * A kernel whose last two arguments are a range [i0, i1) over `total` units (images, planes,
 * channels) and whose result per unit does not depend on the range: dealt to the threads in
 * chunks, so a faster thread takes more. `unitWork`: the steps one unit takes.
 */
export function forRange(name: KernelName, args: number[], total: number, unitWork = 1): void {
  parallel(threadsForWork(total, total * unitWork), (_t, _call, deal) => deal(name, total, ...args));
}

/**
 * An element-wise kernel `name(p₀ … p_k, n, ...rest)` over `n` elements of `unitWork` each:
 * each thread runs it on its share, with every non-null pointer moved by the share's start
 * (16-element aligned).
 */
export function forElements(name: KernelName, pointers: number[], n: number, rest: number[] = [], unitWork = 4): void {
  const T = threadsForWork(n, n * unitWork);
  parallel(T, (t, call) => {
    const i0 = shareStart(t, T, n, 16);
    const i1 = shareStart(t + 1, T, n, 16);
    if (i1 > i0) call(name, ...pointers.map((p) => (p === 0 ? 0 : p + i0 * 4)), i1 - i0, ...rest);
  });
}

/** p[0:n] = 0, split over the threads. */
export function zeroFloats(p: number, n: number): void {
  const T = threadsForWork(n, n * 2);
  parallel(T, (t, call) => call('fill_f32', p, 0, shareStart(t, T, n, 16), shareStart(t + 1, T, n, 16)));
}

/**
 * Zeroes buffers of `images` images each (`floats[i]` floats per image at `ptrs[i]`), every
 * thread the same share of images in each: the share it wrote in the step before, so the
 * lines it clears are already in its own cache (a split of the whole range would clear lines
 * the other core holds dirty: slower than one thread).
 */
export function zeroImages(ptrs: readonly number[], floats: readonly number[], images: number): void {
  let total = 0;
  for (let i = 0; i < floats.length; i++) total += floats[i];
  const T = threadsForWork(images, 2 * total * images);
  for (let first = 0; first < ptrs.length; first += MAX_CALLS) {
    parallel(T, (t, call) => {
      const n0 = shareStart(t, T, images);
      const n1 = shareStart(t + 1, T, images);
      for (let i = first; i < Math.min(ptrs.length, first + MAX_CALLS); i++) call('fill_f32', ptrs[i], 0, n0 * floats[i], n1 * floats[i]);
    });
  }
}

/** dst[0:n] += Σ_{t < count} src[t·stride : t·stride + n], partial after partial, split by element. */
export function sumPartials(dst: number, src: number, stride: number, count: number, n: number): void {
  if (count < 1) return;
  const T = threadsForWork(n, n * 4 * count);
  parallel(T, (t, call) => call('sum_partials', dst, src, stride, count, shareStart(t, T, n, 16), shareStart(t + 1, T, n, 16)));
}
