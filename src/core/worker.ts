// SPDX-License-Identifier: MIT
// What a worker runs: one self-contained function, sent to each worker as source text
// (threads.ts), so the code in a worker is this function and nothing else whatever bundler
// built the library, and no worker file has to be found at a URL.
//
// The worker instantiates the shared-memory kernel binary over the one shared
// WebAssembly.Memory, then loops: wait for the generation counter to move (spin a while, then
// Atomics.wait), run the calls posted for its thread (kernel index and arguments, as float64
// rows in the control buffer), record a fault instead of dying, count itself done and wake
// the caller. The control buffer's layout comes in the init message (threads.ts owns it).

/** The control buffer's layout, in Int32 / Float64 indexes of one SharedArrayBuffer. */
export interface ControlLayout {
  /**
   * Int32: the generation counter (bumped per job), the workers still running, the stop flag,
   * a one-shot test fault (thread + 1), and the polls a worker spins before it sleeps (the
   * caller lowers it when the threads do not get their cores: see Pool).
   */
  gen: number;
  pending: number;
  stop: number;
  testFault: number;
  spin: number;
  /** Int32: the next chunk of the job's dealt call (threads.ts, Pool.post). */
  next: number;
  /** Int32: calls posted for thread t at calls + t; fault text length (−1: none) at faultLength + t. */
  calls: number;
  faultLength: number;
  /** Float64: thread t's call c starts at rows + (t·maxCalls + c)·row: [kernel index, argument count (negative: dealt), arguments…]. */
  rows: number;
  row: number;
  maxCalls: number;
  /** Float64: the last call's result of thread t at results + t. */
  results: number;
  /** Uint16: fault text of thread t at faultText + t·faultChars. */
  faultText: number;
  faultChars: number;
}

/** What a worker receives first. */
export interface WorkerInit {
  memory: WebAssembly.Memory;
  /** The compiled kernel module (posting it shares the engine's compiled code, tiered-up code included). */
  module: WebAssembly.Module;
  control: SharedArrayBuffer;
  layout: ControlLayout;
  /** This worker's thread index (1 … threads − 1; the caller is thread 0). */
  thread: number;
  /** Kernel names by index. */
  names: string[];
}

/**
 * The worker body. Self-contained (stringified): it uses nothing outside its parameters.
 * `post` sends 'ready' once the kernels are instantiated, or the error that stopped it.
 */
export function workerMain(init: WorkerInit, post: (message: unknown) => void): void {
  const { memory, module, control, layout: L, thread: t, names } = init;
  let fns: ((...args: number[]) => number | void)[];
  try {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const exports = instance.exports as Record<string, (...args: number[]) => number | void>;
    fns = names.map((name) => exports[name]);
  } catch (e) {
    post({ error: String((e as Error)?.stack ?? e) });
    return;
  }
  const I = new Int32Array(control);
  const F = new Float64Array(control);
  const U = new Uint16Array(control);
  const args: number[] = [];
  let gen = Atomics.load(I, L.gen);
  post('ready');
  for (;;) {
    let polls = 0;
    while (Atomics.load(I, L.gen) === gen) {
      if (++polls > Atomics.load(I, L.spin)) {
        Atomics.wait(I, L.gen, gen);
        polls = 0;
      }
    }
    gen = Atomics.load(I, L.gen);
    if (Atomics.load(I, L.stop)) return;
    try {
      if (Atomics.load(I, L.testFault) === t + 1) {
        Atomics.store(I, L.testFault, 0);
        throw new Error(`a fault injected for tests in worker ${t}`);
      }
      const count = I[L.calls + t];
      for (let c = 0; c < count; c++) {
        const o = L.rows + (t * L.maxCalls + c) * L.row;
        const n = Math.abs(F[o + 1]);
        args.length = n;
        for (let i = 0; i < n; i++) args[i] = F[o + 2 + i];
        if (F[o + 1] > 0) {
          const r = fns[F[o]].apply(null, args);
          F[L.results + t] = typeof r === 'number' ? r : 0;
          continue;
        }
        // Dealt: chunks of [0, total) from the shared counter (the last two arguments).
        const total = args[n - 2];
        const chunks = args[n - 1];
        for (let k = Atomics.add(I, L.next, 1); k < chunks; k = Atomics.add(I, L.next, 1)) {
          args[n - 2] = Math.floor((total * k) / chunks);
          args[n - 1] = Math.floor((total * (k + 1)) / chunks);
          fns[F[o]].apply(null, args);
        }
      }
    } catch (e) {
      const text = `worker ${t}: ${String((e as Error)?.stack ?? e)}`.slice(0, L.faultChars);
      for (let i = 0; i < text.length; i++) U[L.faultText + t * L.faultChars + i] = text.charCodeAt(i);
      Atomics.store(I, L.faultLength + t, text.length);
    }
    if (Atomics.sub(I, L.pending, 1) === 1) Atomics.notify(I, L.pending);
  }
}
