// SPDX-License-Identifier: MIT
// How this runtime makes workers, how many cores it reports, and — when threads cannot run —
// why: Node's worker_threads (the worker source evaluated as a script) in Node and in Deno
// (whose web Workers would keep the process alive; its worker_threads can be unref'd), or a
// module Worker from a Blob URL in browsers. Threads need SharedArrayBuffer, which a page only
// has when it is cross-origin isolated (COOP/COEP headers), and wasm shared memory.
import { ThreadError } from './errors.js';
import type { SpawnWorker } from './threads.js';
import type { WorkerInit } from './worker.js';

/** A way to spawn workers, or the reason there is none. */
export type Spawner = { spawn: SpawnWorker } | { reason: string };

/** Node, or Deno with its Node compatibility: worker_threads is there. */
const hasWorkerThreads = () => typeof globalThis.process?.versions?.node === 'string' || 'Deno' in globalThis;

/** The cores the runtime reports (at least 1). */
export async function reportedCores(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  if (hasWorkerThreads()) {
    const os = await import('node:os');
    return os.availableParallelism?.() ?? os.cpus().length ?? 1;
  }
  return 1;
}

/** Why this runtime cannot share a wasm memory between threads, or null when it can. */
export function sharedMemoryUnavailable(): string | null {
  const g = globalThis as { crossOriginIsolated?: boolean };
  if (typeof SharedArrayBuffer === 'undefined') {
    return g.crossOriginIsolated === false
      ? 'the page is not cross-origin isolated, so SharedArrayBuffer is unavailable (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)'
      : 'this runtime has no SharedArrayBuffer';
  }
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch (e) {
    return `this engine has no shared WebAssembly memory (${(e as Error).message})`;
  }
  return null;
}

/** How to make workers here, or why it cannot be done. */
export async function spawner(): Promise<Spawner> {
  if (hasWorkerThreads()) {
    try {
      const { Worker } = await import('node:worker_threads');
      return { spawn: (source, init, onExit) => spawnNode(Worker, source, init, onExit) };
    } catch (e) {
      return { reason: `this runtime has no worker_threads (${(e as Error).message})` };
    }
  }
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined' || typeof URL?.createObjectURL !== 'function') {
    return { reason: 'this runtime has no Worker' };
  }
  return { spawn: spawnWeb };
}

type NodeWorkerClass = typeof import('node:worker_threads').Worker;

function spawnNode(NodeWorker: NodeWorkerClass, source: string, init: WorkerInit, onExit: (why: string) => void) {
  const code = `const { parentPort, workerData } = require('node:worker_threads');\n${source}(workerData, (m) => parentPort.postMessage(m));`;
  return new Promise<{ terminate(): void }>((resolve, reject) => {
    const worker = new NodeWorker(code, { eval: true, workerData: init });
    let started = false;
    worker.once('message', (m: unknown) => {
      if (m !== 'ready') return reject(new ThreadError(`worker ${init.thread} could not start: ${(m as { error?: string }).error ?? String(m)}`));
      started = true;
      worker.unref();
      resolve({ terminate: () => void worker.terminate() });
    });
    worker.once('error', (e: Error) => {
      if (!started) reject(new ThreadError(`worker ${init.thread} could not start: ${e.message}`));
      onExit(`threw: ${e.message}`);
    });
    worker.once('exit', (code: number) => {
      if (!started) reject(new ThreadError(`worker ${init.thread} exited (code ${code}) before it started`));
      onExit(`exited (code ${code})`);
    });
  });
}

function spawnWeb(source: string, init: WorkerInit, onExit: (why: string) => void) {
  const code = `self.onmessage = (e) => { self.onmessage = null; ${source}(e.data, (m) => self.postMessage(m)); };`;
  const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
  return new Promise<{ terminate(): void }>((resolve, reject) => {
    const worker = new Worker(url, { type: 'module' });
    let started = false;
    worker.onmessage = (e: MessageEvent) => {
      worker.onmessage = null;
      URL.revokeObjectURL(url);
      if (e.data !== 'ready') return reject(new ThreadError(`worker ${init.thread} could not start: ${e.data?.error ?? String(e.data)}`));
      started = true;
      resolve({ terminate: () => worker.terminate() });
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault?.();
      // A worker the page refuses (Content-Security-Policy worker-src) fails with no message.
      const why = e.message || 'the page refused or could not load it (a Content-Security-Policy worker-src rule?)';
      if (!started) reject(new ThreadError(`worker ${init.thread} could not start: ${why}`));
      onExit(`threw: ${why}`);
    };
    worker.postMessage(init);
  });
}
