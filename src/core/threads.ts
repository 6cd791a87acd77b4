// SPDX-License-Identifier: MIT
// The thread pool: N − 1 workers beside the caller, each with the shared-memory kernel binary
// instantiated over the one shared WebAssembly.Memory (worker.ts). A job is a few kernel
// calls per thread, posted as rows of a control SharedArrayBuffer; run() wakes the workers,
// runs thread 0's calls on the caller, then waits (spinning, then Atomics.wait where the
// runtime allows it; a page's main thread may only spin) until every worker is done. So an
// op stays a synchronous call, as with one thread. Spinning bridges the short gaps between
// the kernel calls of a step, but when the threads do not each get a core (another busy
// process, more threads than cores) a spinning thread only delays the one it waits for: so
// when about one in ten of the recent jobs finished far apart, every thread spins briefly and
// sleeps sooner, until they finish close together again (a rarer late share, a machine's
// noise, changes nothing: here a sleeping worker takes ~0.1 ms to wake, every job). A
// worker's exception comes back as a ThreadError thrown by run(); a worker that exits marks
// the pool broken, and the next run() throws. Idle workers never keep a Node process alive
// (unref).
import { ThreadError } from './errors.js';
import { workerMain, type ControlLayout, type WorkerInit } from './worker.js';

/** Kernel calls one job may post per thread. */
export const MAX_CALLS = 64;
/** A wait for the workers longer than this (ms) and than the caller's own share makes a job late. */
const WAITED_MS = 0.5;
/** Late jobs are scored with a decay of DECAY a job: above LATE_SCORE (≈ one in ten of them late) spin SHORT_SPIN polls (a few µs), below CALM_SCORE fully again. */
const DECAY = 0.95;
const LATE_SCORE = 2;
const CALM_SCORE = 1;
const SHORT_SPIN = 1024;
const ROW = 20;
const FAULT_CHARS = 2048;
/** The pool's hard limit (a sensible cap well above today's laptops; requests above are clamped, with the reason). */
export const MAX_THREADS = 64;

function layoutFor(threads: number): { layout: ControlLayout; bytes: number } {
  const calls = 8;
  const faultLength = calls + threads;
  const i32End = faultLength + threads;
  const rows = Math.ceil(i32End / 2);
  const results = rows + threads * MAX_CALLS * ROW;
  const faultText = (results + threads) * 4;
  const bytes = (faultText + threads * FAULT_CHARS) * 2;
  const layout = { gen: 0, pending: 1, stop: 2, testFault: 3, spin: 4, next: 5, calls, faultLength, rows, row: ROW, maxCalls: MAX_CALLS, results, faultText, faultChars: FAULT_CHARS };
  return { layout, bytes: Math.ceil(bytes / 8) * 8 };
}

/** A started worker: how to end it, and whether it is still there. */
interface WorkerHandle {
  terminate(): void;
}

/** How workers are made in this runtime: Node worker_threads, or Web/Deno module workers. */
export type SpawnWorker = (source: string, init: WorkerInit, onExit: (why: string) => void) => Promise<WorkerHandle>;

type Kernel = (...args: number[]) => number | void;

export class Pool {
  readonly threads: number;
  private readonly I: Int32Array;
  private readonly F: Float64Array;
  private readonly U: Uint16Array;
  private readonly layout: ControlLayout;
  private readonly index = new Map<string, number>();
  private readonly mainCalls: { fn: Kernel; args: number[]; dealt: boolean }[] = [];
  private readonly counts: number[];
  private broken: string | null = null;
  /** Jobs run so far (tests check that work reached the workers). */
  jobs = 0;
  private workers: WorkerHandle[] = [];
  /** Whether Atomics.wait may block here (false on a page's main thread). */
  private readonly canBlock: boolean;
  /** The polls every thread spins before it sleeps now: `spin`, or SHORT_SPIN while many jobs are late. */
  private spinNow: number;
  /** Late jobs, decayed: Σ DECAY^age over the jobs whose caller waited long. */
  private lateScore = 0;

  private constructor(
    threads: number,
    private readonly table: Record<string, Kernel>,
    names: string[],
    private readonly spin: number,
  ) {
    this.threads = threads;
    const { layout, bytes } = layoutFor(threads);
    this.layout = layout;
    const control = new SharedArrayBuffer(bytes);
    this.I = new Int32Array(control);
    this.F = new Float64Array(control);
    this.U = new Uint16Array(control);
    names.forEach((name, i) => this.index.set(name, i));
    this.counts = new Array<number>(threads).fill(0);
    this.spinNow = spin;
    Atomics.store(this.I, layout.spin, spin);
    this.canBlock = blockingAllowed(this.I);
  }

  /** Starts threads − 1 workers; resolves once every one has its kernels instantiated. */
  static async start(threads: number, table: Record<string, Kernel>, memory: WebAssembly.Memory, module: WebAssembly.Module, spawn: SpawnWorker, spin: number): Promise<Pool> {
    const names = Object.keys(table).filter((k) => typeof table[k] === 'function');
    const pool = new Pool(threads, table, names, spin);
    const source = `(${workerMain.toString()})`;
    const control = pool.I.buffer as SharedArrayBuffer;
    const started = await Promise.allSettled(
      Array.from({ length: threads - 1 }, (_, i) =>
        spawn(source, { memory, module, control, layout: pool.layout, thread: i + 1, names }, (why) => {
          pool.broken ??= `worker ${i + 1} ${why}`;
        }),
      ),
    );
    pool.workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      pool.terminate();
      throw failed.reason;
    }
    return pool;
  }

  /**
   * Posts one call for thread t (t = 0: the caller); run() executes what was posted. Dealt:
   * the last two arguments are (total, chunks), and the threads that posted this call take
   * chunks of [0, total) from a shared counter until none is left, calling the kernel with
   * each chunk's range — for kernels whose result per unit does not depend on who computes
   * it (at most one dealt call per job: the threads share one counter).
   */
  post(t: number, name: string, args: number[], dealt = false): void {
    if (t === 0) {
      this.mainCalls.push({ fn: this.table[name], args, dealt });
      return;
    }
    const c = this.counts[t]++;
    if (c >= MAX_CALLS) throw new RangeError(`thread pool: more than ${MAX_CALLS} calls posted for thread ${t}`);
    const { F, layout: L } = this;
    const o = L.rows + (t * L.maxCalls + c) * L.row;
    F[o] = this.index.get(name)!;
    F[o + 1] = dealt ? -args.length : args.length;
    for (let i = 0; i < args.length; i++) F[o + 2 + i] = args[i];
  }

  /** Runs every posted call (workers and caller at once) and returns when all are done. Throws ThreadError on a fault. */
  run(): void {
    const { I, layout: L } = this;
    if (this.broken) {
      this.clear();
      throw new ThreadError(`the thread pool is broken: ${this.broken}; call cnn.ready({ threads }) to start new workers`);
    }
    this.jobs++;
    for (let t = 1; t < this.threads; t++) I[L.calls + t] = this.counts[t];
    Atomics.store(I, L.next, 0);
    Atomics.store(I, L.pending, this.threads - 1);
    Atomics.add(I, L.gen, 1);
    Atomics.notify(I, L.gen);
    let mainError: unknown = null;
    const start = performance.now();
    try {
      for (const { fn, args, dealt } of this.mainCalls) {
        if (!dealt) fn(...args);
        else this.deal(fn, args);
      }
    } catch (e) {
      mainError = e;
    }
    this.clear();
    const mine = performance.now();
    this.wait();
    this.adapt(mine - start, performance.now() - mine);
    if (mainError) throw mainError;
    this.raiseFaults();
  }

  /** The caller's share of a dealt call: chunks of [0, total) (its last two arguments) from the shared counter. */
  private deal(fn: Kernel, args: number[]): void {
    const { I, layout: L } = this;
    const n = args.length;
    const total = args[n - 2];
    const chunks = args[n - 1];
    for (let c = Atomics.add(I, L.next, 1); c < chunks; c = Atomics.add(I, L.next, 1)) {
      args[n - 2] = Math.floor((total * c) / chunks);
      args[n - 1] = Math.floor((total * (c + 1)) / chunks);
      fn(...args);
    }
  }

  /** The last call's result on thread t, after run(). */
  result(t: number): number {
    return this.F[this.layout.results + t];
  }

  private clear(): void {
    this.mainCalls.length = 0;
    this.counts.fill(0);
  }

  /** Scores the job just run (late: the caller waited over WAITED_MS and longer than its own share) and sets the spin. */
  private adapt(own: number, waited: number): void {
    this.lateScore = this.lateScore * DECAY + (waited > WAITED_MS && waited > own ? 1 : 0);
    if (this.lateScore > LATE_SCORE && this.spinNow !== SHORT_SPIN) this.setSpin(Math.min(this.spin, SHORT_SPIN));
    else if (this.lateScore < CALM_SCORE && this.spinNow !== this.spin) this.setSpin(this.spin);
  }

  private setSpin(polls: number): void {
    this.spinNow = polls;
    Atomics.store(this.I, this.layout.spin, polls);
  }

  private wait(): void {
    const { I, layout: L } = this;
    let polls = 0;
    for (;;) {
      const left = Atomics.load(I, L.pending);
      if (left === 0) return;
      if (this.broken) throw new ThreadError(`the thread pool is broken: ${this.broken}`);
      if (++polls > this.spinNow && this.canBlock) {
        Atomics.wait(I, L.pending, left, 1000);
        polls = 0;
      }
    }
  }

  private raiseFaults(): void {
    const { I, U, layout: L } = this;
    const faults: string[] = [];
    for (let t = 1; t < this.threads; t++) {
      const n = I[L.faultLength + t];
      if (n <= 0) continue;
      const start = L.faultText + t * L.faultChars;
      faults.push(String.fromCharCode(...U.subarray(start, start + n)));
      I[L.faultLength + t] = 0;
    }
    if (faults.length) throw new ThreadError(faults.join('\n'));
  }

  /** Makes worker t throw at its next job (tests only). */
  injectFault(t: number): void {
    Atomics.store(this.I, this.layout.testFault, t + 1);
  }

  /** Terminates worker t as if it had died (tests only). */
  killWorker(t: number): void {
    this.workers[t - 1].terminate();
  }

  /** Why the pool cannot run jobs any more, or null. */
  get brokenReason(): string | null {
    return this.broken;
  }

  /** Stops every worker (they return from their loop, then are terminated). */
  terminate(): void {
    const { I, layout: L } = this;
    Atomics.store(I, L.stop, 1);
    Atomics.add(I, L.gen, 1);
    Atomics.notify(I, L.gen);
    for (const w of this.workers) w.terminate();
    this.workers = [];
    this.broken ??= 'was terminated';
  }
}

/** True when Atomics.wait may block on this thread (a page's main thread throws). */
function blockingAllowed(I: Int32Array): boolean {
  try {
    Atomics.wait(I, 2, 1, 0);
    return true;
  } catch {
    return false;
  }
}
