// SPDX-License-Identifier: MIT
// ready(): pick the kernel binary (relaxed SIMD if the engine validates it, plain SIMD
// otherwise), instantiate it once over an imported memory, and expose its exports as the
// typed `Kernels` table. The type comes from the .d.ts asc writes next to the binary, so
// there is no hand-kept list of signatures to drift.
import { relaxedSharedWasmBase64, relaxedWasmBase64, simdSharedWasmBase64, simdWasmBase64 } from '../../build/wasm-inline.js';
import type { instantiate } from '../../build/simdcnn.js';
import { NotReadyError, ValueError } from './errors.js';
import { checkOptions } from './options.js';
import { MAX_PAGES, initMemory } from './memory.js';
import { reportedCores, sharedMemoryUnavailable, spawner } from './spawn.js';
import { MAX_THREADS, Pool } from './threads.js';

/** Every function exported by assembly/index.ts. */
export type Kernels = Omit<Awaited<ReturnType<typeof instantiate>>, 'memory'>;

/** Which binary runs: 'relaxed' uses f32x4.relaxed_madd, 'simd' plain SIMD128 mul+add. */
export type Isa = 'simd' | 'relaxed';

let table: Kernels | null = null;
let isa: Isa | null = null;
let pending: Promise<void> | null = null;

// (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd))
const relaxedProbe = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
]);

/** True when this engine accepts relaxed SIMD (Node ≥ 22, Chrome ≥ 114, Deno; Node 20 only with a flag). */
export function relaxedSimdSupported(): boolean {
  return WebAssembly.validate(relaxedProbe);
}

function decodeBase64(s: string): Uint8Array {
  const text = atob(s);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

export interface ReadyOptions {
  /** 'auto' (default) picks relaxed when supported; 'simd' forces the plain build. */
  isa?: 'auto' | Isa;
  /**
   * Threads to run the kernels on: the caller plus threads − 1 workers over one shared memory.
   * Default: the cores the runtime reports, at most 8; 1 forces one. Where threads cannot run
   * (no SharedArrayBuffer, a page that is not cross-origin isolated, no workers) one runs, and
   * threads() says why. A later ready({ threads }) restarts the workers with the new count.
   */
  threads?: number;
}

/** What threads() reports. */
export interface ThreadsInfo {
  /** Threads running the kernels (the caller counts as one). */
  count: number;
  /** What ready() was asked for (the default resolved to a number). */
  requested: number;
  /** Why count < requested, or null. */
  reason: string | null;
}

/**
 * Atomics.load polls a thread spends waiting before it sleeps in Atomics.wait (~1 ms, as
 * OpenMP runtimes spin before blocking): it bridges the caller's own work between two kernel
 * calls and between two steps, where a sleeping worker takes ~0.1 ms to wake.
 */
const SPIN = 1 << 20;

/** Threads ready() starts when not told (the runtime's cores, capped). */
const DEFAULT_MAX_THREADS = 8;

let pool: Pool | null = null;
let info: ThreadsInfo = { count: 1, requested: 1, reason: null };
let shared: { memory: WebAssembly.Memory; module: WebAssembly.Module } | null = null;

/**
 * Instantiates the wasm kernels once (later calls return the same promise) and starts the
 * worker threads; a later call with another `threads` count restarts the workers.
 * @example await cnn.ready();              // every core (up to 8)
 * @example await cnn.ready({ threads: 1 }); // one thread
 */
export function ready(options: ReadyOptions = {}): Promise<void> {
  checkOptions('ready', options, ['isa', 'threads']);
  const { threads } = options;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    return Promise.reject(new ValueError(`ready: expected threads an integer ≥ 1, got ${JSON.stringify(threads)}`));
  }
  if (!pending) {
    pending = load(options.isa ?? 'auto', threads);
    return pending;
  }
  if (threads === undefined || (threads === info.requested && !pool?.brokenReason)) return pending;
  pending = pending.then(() => startThreads(threads));
  return pending;
}

async function load(want: 'auto' | Isa, threads: number | undefined): Promise<void> {
  if (want !== 'auto' && want !== 'simd' && want !== 'relaxed') {
    throw new ValueError(`ready: expected isa 'auto', 'simd' or 'relaxed', got '${want}'`);
  }
  const relaxed = want === 'relaxed' || (want === 'auto' && relaxedSimdSupported());
  if (want === 'relaxed' && !relaxedSimdSupported()) {
    throw new ValueError(`ready: isa 'relaxed' requested, but this engine does not validate relaxed SIMD`);
  }
  // Shared memory whenever the runtime has it, so the thread count can change later.
  const unshared = sharedMemoryUnavailable();
  const memory = unshared ? new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES }) : new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES, shared: true });
  const base64 = unshared ? (relaxed ? relaxedWasmBase64 : simdWasmBase64) : relaxed ? relaxedSharedWasmBase64 : simdSharedWasmBase64;
  const module = await WebAssembly.compile(decodeBase64(base64) as BufferSource);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  initMemory(memory);
  table = instance.exports as unknown as Kernels;
  isa = relaxed ? 'relaxed' : 'simd';
  if (!unshared) shared = { memory, module };
  await startThreads(threads ?? Math.min(await reportedCores(), DEFAULT_MAX_THREADS), unshared);
}

/** Ends the current workers and starts threads − 1 new ones (or records why it cannot). */
async function startThreads(requested: number, unshared = shared ? null : 'the kernels were started on unshared memory'): Promise<void> {
  pool?.terminate();
  pool = null;
  info = { count: 1, requested, reason: null };
  if (requested === 1) return;
  if (unshared || !shared) {
    info.reason = unshared ?? 'no shared memory';
    return;
  }
  const how = await spawner();
  if ('reason' in how) {
    info.reason = how.reason;
    return;
  }
  const count = Math.min(requested, MAX_THREADS);
  const cores = await reportedCores();
  // Spin while waiting only when every thread has a core of its own.
  try {
    pool = await Pool.start(count, table as unknown as Record<string, never>, shared.memory, shared.module, how.spawn, count <= cores ? SPIN : 0);
  } catch (e) {
    // One thread is always a valid fallback (a page whose CSP refuses blob: workers …).
    info.reason = (e as Error).message;
    return;
  }
  info = { count, requested, reason: count < requested ? `at most ${MAX_THREADS} threads run` : null };
}

/**
 * How many threads run the kernels and, when fewer than asked, why.
 * @example const { count, reason } = cnn.threads();
 */
export function threads(): ThreadsInfo {
  return { ...info };
}

/** The thread pool, or null with one thread. */
export function threadPool(): Pool | null {
  return pool;
}

/**
 * Ends the worker threads; ops then run on one thread until ready({ threads }) starts them
 * again. Idle workers never keep a process alive, so calling it is optional.
 */
export function endThreads(): void {
  pool?.terminate();
  pool = null;
  info = { count: 1, requested: 1, reason: null };
}
/** The kernel table; throws NotReadyError before ready() has resolved. */
export function kernels(): Kernels {
  if (table === null) throw new NotReadyError('simdcnn is not ready: expected `await ready()` before calling ops');
  return table;
}

/** Which binary is running, or null before ready(). */
export function activeIsa(): Isa | null {
  return isa;
}
